/*
 * ut_kill_div0 - must be killed by the kernel: divides by zero (#DE).  In
 * assembly: in C the compiler may assume the division never happens.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_EXCEPTION,
 * detail RDOS_VECTOR_DIVIDE (#DE) (ut_killers checks all three).  If it
 * lives on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

int main(void)
{
	ut_begin("ut_kill_div0");
	ut_note("dividing by zero");
	__asm__ volatile("xor %%ecx, %%ecx\n\tdiv %%ecx" : : : "rax", "rcx", "rdx");
	return ut_killer_survived("divided by zero");
}
