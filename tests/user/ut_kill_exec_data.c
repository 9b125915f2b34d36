/*
 * ut_kill_exec_data - must be killed by the kernel: jumps into a read-write
 * page holding a `ret`: without execute permission the page must be no-
 * execute (NX), so the fetch faults.  ut_protect runs the same code from a
 * write+exec page, which must work, so this dies for NX and nothing else.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_PROTECTION,
 * detail the faulting address (ut_killers checks all three).  If it lives
 * on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"
#include "user/runtime/sys.h"

#define X86_RET 0xc3

int main(void)
{
	int64_t a = sys_reserve(1, RDOS_PROT_WRITE, 0);

	ut_begin("ut_kill_exec_data");
	if (a < 0)
		return ut_killer_survived("could not even reserve a page");
	*(volatile uint8_t *)(uintptr_t)a = X86_RET;
	ut_note("calling data page 0x%llx", (unsigned long long)a);
	((void (*)(void))(uintptr_t)a)();
	return ut_killer_survived("executed a read-write page");
}
