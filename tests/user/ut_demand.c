/*
 * ut_demand - a reservation takes no frames until touched: reserve 1 GiB,
 * touch three pages far apart, and the process's present pages grow by
 * exactly three; the data reads back; an untouched page reads as zero;
 * releasing brings present and reserved pages back to where they were.
 * WORK counts what the core did: the touches took at least their three
 * frames and wrote at least their three entries, the release gave at
 * least three frames back; VMA nodes are looked at in card1 only.
 *
 * Pass rule: every UT_CHECK / UT_EXPECT holds; exit 0.
 */
#include "ut.h"
#include "user/runtime/sys.h"

#define DEMAND_PAGES (262144ull) /* 1 GiB */
#define DEMAND_TOUCHED 3

/* First, middle and last page: three different page tables, three
 * different page directories' worth of address space apart. */
static const uint64_t demand_touch_page[DEMAND_TOUCHED] = {
	0, DEMAND_PAGES / 2, DEMAND_PAGES - 1,
};

static uint64_t demand_pattern(int i)
{
	return 0x5eed000000000000ull + (uint64_t)i * 0x1111;
}

/* Writes a pattern at each touched page; the compiler may not keep the
 * values in registers (volatile), the kernel must keep them in frames. */
static void demand_touch(volatile uint64_t *base)
{
	for (int i = 0; i < DEMAND_TOUCHED; i++)
		base[demand_touch_page[i] * USER_PAGE_SIZE / sizeof(uint64_t)] =
			demand_pattern(i);
}

static void demand_verify(volatile uint64_t *base)
{
	for (int i = 0; i < DEMAND_TOUCHED; i++) {
		uint64_t got = base[demand_touch_page[i] * USER_PAGE_SIZE / sizeof(uint64_t)];

		UT_CHECK(got == demand_pattern(i), "page %llu reads 0x%llx, wrote 0x%llx",
			 (unsigned long long)demand_touch_page[i],
			 (unsigned long long)got, (unsigned long long)demand_pattern(i));
	}
}

static void demand_work(struct rdos_work *w)
{
	int64_t r = sys_work(0, w);

	UT_CHECK(r == 0, "WORK: %s", sys_error_name(r));
}

int main(void)
{
	struct rdos_work w_reserved, w_touched, w_after;
	struct rdos_memstat before, reserved, touched, after;
	volatile uint64_t *base;
	int64_t addr;

	ut_begin("ut_demand");
	ut_prefault();
	ut_memstat(&before);
	addr = sys_reserve(DEMAND_PAGES, RDOS_PROT_WRITE, 0);
	if (!UT_CHECK(addr > 0, "reserve 1 GiB: %s", sys_error_name(addr)))
		return ut_end();
	base = (volatile uint64_t *)(uintptr_t)addr;
	ut_memstat(&reserved);
	UT_EXPECT(reserved.reserved_pages, before.reserved_pages + DEMAND_PAGES);
	UT_EXPECT(reserved.present_pages, before.present_pages);

	demand_work(&w_reserved);
	demand_touch(base);
	demand_work(&w_touched);
	ut_memstat(&touched);
	UT_CHECK(w_touched.frames_alloc >= w_reserved.frames_alloc + DEMAND_TOUCHED &&
			 w_touched.entries_written >= w_reserved.entries_written + DEMAND_TOUCHED,
		 "WORK: touches took %llu frames, wrote %llu entries",
		 (unsigned long long)(w_touched.frames_alloc - w_reserved.frames_alloc),
		 (unsigned long long)(w_touched.entries_written - w_reserved.entries_written));
	UT_CHECK((reserved.design == RDOS_SPAWN_CARD1) == (w_touched.nodes_visited > 0),
		 "WORK: %llu VMA nodes visited in the %s design",
		 (unsigned long long)w_touched.nodes_visited,
		 reserved.design == RDOS_SPAWN_CARD1 ? "card1" : "rdos");
	UT_EXPECT(touched.present_pages, before.present_pages + DEMAND_TOUCHED);
	demand_verify(base);
	UT_EXPECT(base[DEMAND_PAGES / 4 * USER_PAGE_SIZE / sizeof(uint64_t)], 0);

	UT_EXPECT(sys_release((uint64_t)addr, DEMAND_PAGES), 0);
	demand_work(&w_after);
	UT_CHECK(w_after.frames_freed >= w_touched.frames_freed + DEMAND_TOUCHED,
		 "WORK: the release gave back %llu frames",
		 (unsigned long long)(w_after.frames_freed - w_touched.frames_freed));
	ut_memstat(&after);
	UT_EXPECT(after.present_pages, before.present_pages);
	UT_EXPECT(after.reserved_pages, before.reserved_pages);
	return ut_end();
}
