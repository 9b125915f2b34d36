/*
 * ut_protect - reservation boundaries and protection, the cases RDOS gets
 * wrong (docs/abi.md, RESERVE / RELEASE / PROTECT):
 *   - a read-write page, written then made read-only, still reads back
 *     (the write that would now kill is ut_kill_write_ro_touched's job);
 *   - a page made writable again takes writes;
 *   - release with a wrong size, or not at the start, is -RDOS_ERANGE and
 *     frees nothing; across two neighbouring reservations too (RDOS frees
 *     the neighbour);
 *   - protect over a free page or across two reservations is -RDOS_ERANGE;
 *   - reserve at a fixed address over an existing reservation, even
 *     partly, is -RDOS_EBUSY; at a free fixed address it gets exactly it;
 *   - a read-only reservation reads as zeros; a write+exec page runs code
 *     (the counterpart of ut_kill_exec_data);
 *   - GUARD inside one reservation makes guard pages (VMMAP says so), gives
 *     their frames back and keeps the pages around them and their data;
 *     PROTECT leaves guards guards; GUARD past the reservation's end or
 *     over a released page is -RDOS_ERANGE; the release of the whole reservation
 *     frees the guards with it (touching one is ut_kill_stack_overflow's);
 *   - at the end the process holds exactly the reservations it started with.
 *
 * Pass rule: every check holds; exit 0.
 */
#include <stddef.h>

#include "ut.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define X86_RET 0xc3

static void fill(uint64_t addr, uint64_t npages, uint8_t seed)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;

	for (uint64_t i = 0; i < npages * PAGE; i += 512)
		p[i] = (uint8_t)(seed + i / 512);
}

static bool filled(uint64_t addr, uint64_t npages, uint8_t seed)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;

	for (uint64_t i = 0; i < npages * PAGE; i += 512)
		if (p[i] != (uint8_t)(seed + i / 512))
			return false;
	return true;
}

static void protect_read_only(void)
{
	int64_t a = sys_reserve(4, RDOS_PROT_WRITE, 0);

	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return;
	fill((uint64_t)a, 4, 1);
	UT_EXPECT(sys_protect((uint64_t)a, 4, RDOS_PROT_READ), 0);
	UT_CHECK(filled((uint64_t)a, 4, 1), "data changed by protect(read-only)");
	UT_EXPECT(sys_protect((uint64_t)a + PAGE, 2, RDOS_PROT_WRITE), 0);
	fill((uint64_t)a + PAGE, 2, 7);
	UT_CHECK(filled((uint64_t)a + PAGE, 2, 7), "made writable again: no write");

	UT_EXPECT(sys_release((uint64_t)a, 3), -RDOS_ERANGE);
	UT_EXPECT(sys_release((uint64_t)a, 5), -RDOS_ERANGE);
	UT_EXPECT(sys_release((uint64_t)a + PAGE, 3), -RDOS_ERANGE);
	UT_CHECK(filled((uint64_t)a, 1, 1), "a refused release changed the data");
	UT_EXPECT(sys_release((uint64_t)a, 4), 0);
	UT_EXPECT(sys_release((uint64_t)a, 4), -RDOS_ERANGE);
}

/* Two 2-page reservations side by side at fixed addresses, inside a run
 * found free by reserving and releasing it. */
static void protect_neighbours(void)
{
	int64_t a = sys_reserve(4, RDOS_PROT_WRITE, 0);
	uint64_t b;

	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return;
	UT_EXPECT(sys_release((uint64_t)a, 4), 0);
	b = (uint64_t)a + 2 * PAGE;
	UT_EXPECT(sys_reserve(2, RDOS_PROT_WRITE, (uint64_t)a), a);
	UT_EXPECT(sys_reserve(2, RDOS_PROT_WRITE, b), (int64_t)b);
	fill((uint64_t)a, 2, 3);
	fill(b, 2, 5);

	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, (uint64_t)a), -RDOS_EBUSY);
	UT_EXPECT(sys_reserve(2, RDOS_PROT_WRITE, (uint64_t)a + PAGE), -RDOS_EBUSY);
	UT_EXPECT(sys_reserve(2, RDOS_PROT_WRITE, b + PAGE), -RDOS_EBUSY);
	UT_EXPECT(sys_release((uint64_t)a, 4), -RDOS_ERANGE);
	UT_EXPECT(sys_protect((uint64_t)a + PAGE, 2, RDOS_PROT_READ), -RDOS_ERANGE);
	UT_EXPECT(sys_protect(b + PAGE, 2, RDOS_PROT_READ), -RDOS_ERANGE);
	UT_CHECK(filled((uint64_t)a, 2, 3) && filled(b, 2, 5),
		 "refused calls changed the data");

	UT_EXPECT(sys_release(b, 2), 0);
	UT_EXPECT(sys_release((uint64_t)a, 2), 0);
}

static void protect_zero_and_exec(void)
{
	int64_t ro = sys_reserve(1, RDOS_PROT_READ, 0);
	int64_t x = sys_reserve(1, RDOS_PROT_WRITE | RDOS_PROT_EXEC, 0);

	if (UT_CHECK(ro > 0, "reserve read-only: %s", sys_error_name(ro))) {
		UT_EXPECT(*(volatile uint64_t *)(uintptr_t)ro, 0);
		UT_EXPECT(sys_release((uint64_t)ro, 1), 0);
	}
	if (UT_CHECK(x > 0, "reserve write+exec: %s", sys_error_name(x))) {
		*(volatile uint8_t *)(uintptr_t)x = X86_RET;
		((void (*)(void))(uintptr_t)x)();
		UT_EXPECT(sys_release((uint64_t)x, 1), 0);
	}
}

/* The kind and length of the VMMAP run at va (which must start one). */
static bool run_at(uint64_t va, uint32_t *kind, uint64_t *npages)
{
	struct rdos_vmrun run;

	if (sys_vmmap(0, va, &run, 1) != 1 || run.start != va)
		return false;
	*kind = run.kind;
	*npages = run.npages;
	return true;
}

static void protect_guard(void)
{
	int64_t a = sys_reserve(4, RDOS_PROT_WRITE, 0);
	struct rdos_memstat written, guarded;
	uint64_t npages = 0;
	uint32_t kind = 0;

	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return;
	fill((uint64_t)a, 4, 9);
	ut_memstat(&written);
	UT_EXPECT(sys_guard((uint64_t)a + PAGE, 2), 0);
	ut_memstat(&guarded);
	UT_EXPECT(guarded.present_pages, written.present_pages - 2);
	UT_EXPECT(guarded.reserved_pages, written.reserved_pages);
	UT_CHECK(run_at((uint64_t)a + PAGE, &kind, &npages) && kind == RDOS_PAGE_GUARD &&
			 npages == 2,
		 "VMMAP after GUARD: kind %u, %llu pages", kind, (unsigned long long)npages);
	UT_EXPECT(sys_protect((uint64_t)a, 4, RDOS_PROT_READ), 0);
	UT_CHECK(run_at((uint64_t)a + PAGE, &kind, &npages) && kind == RDOS_PAGE_GUARD,
		 "PROTECT made guard pages kind %u", kind);
	UT_CHECK(filled((uint64_t)a, 1, 9) && filled((uint64_t)a + 3 * PAGE, 1, 9 + 24),
		 "GUARD changed the pages around the guards");
	UT_EXPECT(sys_guard((uint64_t)a + 3 * PAGE, 2), -RDOS_ERANGE);
	UT_EXPECT(sys_release((uint64_t)a, 4), 0);
	UT_EXPECT(sys_guard((uint64_t)a, 1), -RDOS_ERANGE);
}

int main(void)
{
	struct rdos_memstat before, after;

	ut_begin("ut_protect");
	ut_memstat(&before);
	protect_read_only();
	protect_neighbours();
	protect_zero_and_exec();
	protect_guard();
	ut_memstat(&after);
	UT_EXPECT(after.reserved_pages, before.reserved_pages);
	return ut_end();
}
