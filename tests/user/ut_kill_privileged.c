/*
 * ut_kill_privileged - must be killed by the kernel: executes hlt, a
 * privileged instruction: #GP in ring 3.  A kernel that ran it would stop
 * the CPU instead.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_EXCEPTION,
 * detail RDOS_VECTOR_GENERAL_PROTECTION (#GP) (ut_killers checks all three).
 * If it lives on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

int main(void)
{
	ut_begin("ut_kill_privileged");
	ut_note("executing hlt");
	__asm__ volatile("hlt");
	return ut_killer_survived("executed hlt");
}
