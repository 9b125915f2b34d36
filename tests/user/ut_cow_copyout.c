/*
 * ut_cow_copyout - system calls write their output into pages that fork
 * made copy-on-write.  Found from outside: on a CPU without SMAP (QEMU's
 * qemu64, Intel before Broadwell, AMD before Zen) the kernel told a
 * copy-out's write fault from a stray kernel access by RFLAGS.AC, which
 * only the SMAP path sets, so LIMITS, MEMSTAT and PROCLIST answered EFAULT
 * for the caller's own valid buffers once it had forked.
 *
 * The buffers are pages of their own, touched before the fork and written
 * after it by the kernel first (user code writing there first would take
 * the copy-on-write fault itself): the child's, shared with the parent;
 * the parent's while the child lives; and the parent's once the child has
 * gone (one owner left: made writable in place).
 * Pass rule: every call succeeds, in the child (exit 0) and the parent.
 */
#include <stddef.h>

#include "ut.h"
#include "user/runtime/sys.h"

#define PROCS_MAX 8

enum { CHILD_PAGE, PARENT_PAGE, LATE_PAGE, PAGES };

struct outputs {
	struct rdos_memstat memstat;
	struct rdos_limits limits;
	struct rdos_procinfo procs[PROCS_MAX];
};

_Static_assert(sizeof(struct outputs) <= USER_PAGE_SIZE, "one page each");

/* The calls that write to user memory, into out; how many failed. */
static int copy_out_into(uint64_t page)
{
	struct outputs *out = (struct outputs *)(uintptr_t)page;
	int failed = 0;

	failed += sys_memstat(0, &out->memstat) != 0;
	failed += sys_limits(RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, &out->limits) != 0;
	failed += sys_proclist(out->procs, PROCS_MAX) < 1;
	return failed;
}

int main(void)
{
	int64_t a, pid;
	int32_t status = -1;

	ut_begin("ut_cow_copyout");
	a = sys_reserve(PAGES, RDOS_PROT_WRITE, 0);
	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return ut_end();
	for (int i = 0; i < PAGES; i++)
		*(volatile uint64_t *)(uintptr_t)(a + i * USER_PAGE_SIZE) = 1;
	pid = sys_fork();
	if (pid == 0)
		sys_exit(copy_out_into(a + CHILD_PAGE * USER_PAGE_SIZE));
	if (UT_CHECK(pid > 0, "fork: %s", sys_error_name(pid))) {
		UT_EXPECT(copy_out_into(a + PARENT_PAGE * USER_PAGE_SIZE), 0);
		UT_EXPECT(sys_wait(pid, &status), pid);
		UT_CHECK(status == 0, "%d calls failed in the child", status);
		UT_EXPECT(copy_out_into(a + LATE_PAGE * USER_PAGE_SIZE), 0);
	}
	UT_EXPECT(sys_release((uint64_t)a, PAGES), 0);
	return ut_end();
}
