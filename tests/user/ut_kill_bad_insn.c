/*
 * ut_kill_bad_insn - must be killed by the kernel: executes ud2, the
 * architecturally undefined instruction (#UD).
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_EXCEPTION,
 * detail RDOS_VECTOR_INVALID_OPCODE (#UD) (ut_killers checks all three).  If
 * it lives on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

int main(void)
{
	ut_begin("ut_kill_bad_insn");
	ut_note("executing ud2");
	__asm__ volatile("ud2");
	return ut_killer_survived("executed ud2");
}
