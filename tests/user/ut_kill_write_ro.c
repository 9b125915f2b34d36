/*
 * ut_kill_write_ro - must be killed by the kernel: writes to a read-only
 * reservation that was never touched: the kernel must check the
 * reservation's protection before it fills the page, not give a writable
 * frame to whatever touches it first.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_PROTECTION,
 * detail the faulting address (ut_killers checks all three).  If it lives
 * on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"
#include "user/runtime/sys.h"

int main(void)
{
	int64_t a = sys_reserve(1, RDOS_PROT_READ, 0);

	ut_begin("ut_kill_write_ro");
	if (a < 0)
		return ut_killer_survived("could not even reserve a page");
	ut_note("writing untouched read-only page 0x%llx", (unsigned long long)a);
	*(volatile uint64_t *)(uintptr_t)a = 1;
	return ut_killer_survived("wrote to a read-only reservation");
}
