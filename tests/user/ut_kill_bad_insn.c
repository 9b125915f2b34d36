/*
 * ut_kill_bad_insn - must be killed by the kernel: executes ud2, the
 * architecturally undefined instruction (#UD).
 *
 * Pass rule: exit status RDOS_STATUS_KILLED (ut_killers and the kernel's
 * runner check it).  If it lives on, it prints "not ok" and exits 1.
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
