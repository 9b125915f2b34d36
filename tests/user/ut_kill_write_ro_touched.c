/*
 * ut_kill_write_ro_touched - must be killed by the kernel: reads a read-only
 * reservation (the page becomes present), then writes to it.  RDOS forgets
 * the read-only attribute on first touch (its weakness 5 in
 * docs/virtual-memory.md): here the present page must stay read-only.
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
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;

	ut_begin("ut_kill_write_ro_touched");
	if (a < 0)
		return ut_killer_survived("could not even reserve a page");
	if (*p != 0)
		return ut_killer_survived("a fresh read-only page is not zero");
	ut_note("writing read-only page 0x%llx after reading it", (unsigned long long)a);
	*p = 1;
	return ut_killer_survived("wrote to a present read-only page");
}
