/*
 * ut_kill_unreserved - must be killed by the kernel: reads a user address
 * where nothing is reserved: a page it reserved and released again, so the
 * address is certainly valid user space and certainly free.  The kernel must
 * see a fault on a free page.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_UNRESERVED,
 * detail the faulting address (ut_killers checks all three, the kernel's
 * runner status and cause).  If it lives on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"
#include "user/runtime/sys.h"

int main(void)
{
	int64_t a = sys_reserve(1, RDOS_PROT_WRITE, 0);

	ut_begin("ut_kill_unreserved");
	if (a < 0)
		return ut_killer_survived("could not even reserve a page");
	*(volatile uint64_t *)(uintptr_t)a = 1;
	sys_release((uint64_t)a, 1);
	ut_note("reading released page 0x%llx", (unsigned long long)a);
	(void)*(volatile uint64_t *)(uintptr_t)a;
	return ut_killer_survived("read from a released page");
}
