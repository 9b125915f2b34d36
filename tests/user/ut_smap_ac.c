/*
 * ut_smap_ac - ring 3 sets RFLAGS.AC (popf may, at any privilege; with
 * CR0.AM clear it changes nothing for user code) and then enters the
 * kernel every way it can: a system call, a page fault of its own, a page
 * fault the kernel takes on its behalf inside probe_copy (MEMSTAT into a
 * page never touched), and timer interrupts while it spins.  With SMAP on,
 * a handler running with AC set could touch any user page by accident;
 * the kernel test sec_kernel_entry_clears_rflags_ac checks that the
 * kernel's count of such entries (trap_entries_with_ac) did not move.
 * This program checks its own side: AC really was set before each entry,
 * and is set again after it (iretq gives the program back its own flags).
 *
 * Pass rule: every check holds; exit 0.
 */
#include "ut.h"
#include "user/runtime/sys.h"

#define RFLAGS_AC (1ull << 18)
#define SPIN_TICKS 3 /* timer interrupts taken in ring 3 with AC set */

static uint64_t rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static void ac_set(bool on)
{
	uint64_t v = on ? rflags() | RFLAGS_AC : rflags() & ~RFLAGS_AC;

	__asm__ volatile("pushq %0; popfq" : : "r"(v) : "cc", "memory");
}

static void ac_still_set(const char *after)
{
	UT_CHECK(rflags() & RFLAGS_AC, "RFLAGS.AC clear after %s", after);
}

int main(void)
{
	int64_t va = sys_reserve(2, RDOS_PROT_WRITE, 0);
	volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)va;
	struct rdos_memstat *untouched = (struct rdos_memstat *)(uintptr_t)(va + USER_PAGE_SIZE);
	int64_t start;

	ut_begin("ut_smap_ac");
	if (!UT_CHECK(va > 0, "reserve: %s", sys_error_name(va)))
		return ut_end();
	ac_set(true);
	if (!UT_CHECK(rflags() & RFLAGS_AC, "popf did not set RFLAGS.AC"))
		return ut_end();
	UT_CHECK(sys_getpid() > 0, "getpid failed");
	ac_still_set("a system call");
	page[0] = 1;
	ac_still_set("a page fault in ring 3");
	UT_EXPECT(sys_memstat(0, untouched), 0);
	ac_still_set("a page fault inside the kernel's copy");
	for (start = sys_ticks(); sys_ticks() < start + SPIN_TICKS;)
		;
	ac_still_set("timer interrupts");
	ac_set(false);
	UT_EXPECT(sys_release((uint64_t)va, 2), 0);
	return ut_end();
}
