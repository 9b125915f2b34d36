/*
 * test_pmm.c - unit tests of the physical memory manager (src/mm/pmm.c).
 *
 * Edge cases by construction: first and last frame, word (63/64) and summary
 * (4095/4096, 262143/262144) boundaries, holes, a QEMU-like map with the PCI
 * hole, exhaustion and recovery, aligned runs, and every bad-free status.
 * Every test ends with pmm_check_consistency(), so each one also checks the
 * summaries and counters after its operations.
 */
#include <stdio.h>
#include <stdlib.h>

#include "host_tap.h"
#include "mm/pmm.h"

#define KIB ((paddr_t)1 << 10)
#define MIB ((paddr_t)1 << 20)
#define GIB ((paddr_t)1 << 30)
#define FRAME(n) ((paddr_t)(n) << PAGE_SHIFT)

#define assert_status(expr, want)                                             \
	assert_string_equal(pmm_status_name(expr), pmm_status_name(want))

#define assert_consistent(p)                                                  \
	do {                                                                  \
		const char *why_ = pmm_check_consistency(p);                  \
		if (why_)                                                     \
			fail_msg("pmm inconsistent: %s", why_);               \
	} while (0)

/* An allocator and its metadata in one heap block; pmm must come first. */
struct pmm_box {
	struct pmm pmm;
	uint64_t metadata[];
};

static struct pmm *box_new(paddr_t limit)
{
	struct pmm_box *b = malloc(sizeof(*b) + pmm_metadata_bytes(limit));

	assert_non_null(b);
	pmm_init(&b->pmm, b->metadata, limit);
	assert_consistent(&b->pmm);
	return &b->pmm;
}

/* Frames [0, nframes) all usable. */
static struct pmm *box_flat(uint64_t nframes)
{
	struct pmm *p = box_new(FRAME(nframes));

	assert_status(pmm_add_usable(p, 0, FRAME(nframes)), PMM_OK);
	return p;
}

static void box_free(struct pmm *p)
{
	assert_consistent(p);
	free(p);
}

static void assert_counters(const struct pmm *p, uint64_t usable,
			    uint64_t reserved, uint64_t free, uint64_t used)
{
	struct pmm_counters c = pmm_counters(p);

	assert_int_equal(c.usable, usable);
	assert_int_equal(c.reserved, reserved);
	assert_int_equal(c.free, free);
	assert_int_equal(c.used, used);
}

static void assert_same_counters(const struct pmm *p,
				 struct pmm_counters before)
{
	assert_counters(p, before.usable, before.reserved, before.free,
			before.used);
}

static paddr_t alloc_ok(struct pmm *p)
{
	paddr_t f = ~(paddr_t)0;

	assert_status(pmm_alloc(p, &f), PMM_OK);
	assert_int_equal(f & PAGE_MASK, 0);
	return f;
}

static paddr_t contig_ok(struct pmm *p, uint64_t count, uint64_t align)
{
	paddr_t f = ~(paddr_t)0;

	assert_status(pmm_alloc_contig(p, count, align, &f), PMM_OK);
	assert_int_equal((f >> PAGE_SHIFT) % align, 0);
	return f;
}

static void alloc_nomem(struct pmm *p)
{
	paddr_t f;

	assert_status(pmm_alloc(p, &f), PMM_ERR_NOMEM);
}

/* Allocate until NOMEM; returns how many frames were handed out. */
static uint64_t alloc_all(struct pmm *p)
{
	uint64_t n = 0;
	paddr_t f;

	while (pmm_alloc(p, &f) == PMM_OK)
		n++;
	return n;
}

/* ---- metadata and init */

static void pmm_metadata_16gib_is_512kib_bitmap_plus_summaries(void **state)
{
	size_t bytes = pmm_metadata_bytes(16 * GIB);
	size_t bitmap = 512 * KIB;

	(void)state;
	/* levels: 65536 words, 1024 words, 16 words, 1 word */
	assert_int_equal(bytes, bitmap + 1024 * 8 + 16 * 8 + 8);
	print_message("# 16 GiB: bitmap %zu B + summaries %zu B (%.2f%%)\n",
		      bitmap, bytes - bitmap, 100.0 * (bytes - bitmap) / bitmap);
	assert_int_equal(pmm_metadata_bytes(0), 8);
	assert_int_equal(pmm_metadata_bytes(FRAME(64)), 8);
	assert_int_equal(pmm_metadata_bytes(FRAME(65)), 16 + 8);
	assert_int_equal(pmm_metadata_bytes(FRAME(64) + PAGE_SIZE - 1), 8);
	/* limits past 2^52 are clipped: 2^40 frames, seven levels */
	assert_int_equal(pmm_metadata_bytes(~(paddr_t)0),
			 pmm_metadata_bytes(PMM_MAX_LIMIT));
	assert_int_equal(pmm_metadata_bytes(PMM_MAX_LIMIT),
			 8 * ((1ull << 34) + (1ull << 28) + (1ull << 22) +
			      (1ull << 16) + (1ull << 10) + 16 + 1));
}

static void pmm_init_starts_with_nothing_usable(void **state)
{
	struct pmm *p = box_new(16 * MIB);

	(void)state;
	assert_counters(p, 0, 0, 0, 0);
	alloc_nomem(p);
	assert_status(pmm_free(p, 0), PMM_ERR_NOT_USABLE);
	box_free(p);
}

static void pmm_zero_limit_manages_nothing(void **state)
{
	struct pmm *p = box_new(0);
	paddr_t f;

	(void)state;
	assert_status(pmm_add_usable(p, 0, GIB), PMM_OK);
	assert_counters(p, 0, 0, 0, 0);
	alloc_nomem(p);
	assert_status(pmm_alloc_contig(p, 1, 1, &f), PMM_ERR_NOMEM);
	assert_status(pmm_free(p, 0), PMM_ERR_OUT_OF_RANGE);
	box_free(p);
}

static void pmm_add_usable_rounds_inward(void **state)
{
	struct pmm *p = box_new(16 * MIB);

	(void)state;
	assert_status(pmm_add_usable(p, 0x1001, 0x5fff), PMM_OK);
	assert_counters(p, 3, 0, 3, 0); /* frames 2, 3, 4; 1 and 5 partial */
	assert_status(pmm_add_usable(p, 0x5fff, 0x6000), PMM_OK);
	assert_counters(p, 3, 0, 3, 0); /* less than a frame: nothing */
	assert_int_equal(alloc_ok(p), 0x2000);
	assert_int_equal(alloc_ok(p), 0x3000);
	assert_int_equal(alloc_ok(p), 0x4000);
	alloc_nomem(p);
	box_free(p);
}

static void pmm_reserve_rounds_outward(void **state)
{
	struct pmm *p = box_flat(16);

	(void)state;
	assert_status(pmm_reserve_range(p, 0x1fff, 0x3001), PMM_OK);
	assert_counters(p, 16, 3, 13, 0); /* frames 1, 2, 3 */
	assert_status(pmm_free(p, FRAME(1)), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free(p, FRAME(3)), PMM_ERR_NOT_USABLE);
	assert_int_equal(alloc_ok(p), 0);
	assert_int_equal(alloc_ok(p), FRAME(4));
	box_free(p);
}

static void pmm_reserve_before_add_usable_stays_reserved(void **state)
{
	struct pmm *p = box_new(FRAME(128));

	(void)state;
	assert_status(pmm_reserve_range(p, FRAME(60), FRAME(70)), PMM_OK);
	assert_counters(p, 0, 0, 0, 0); /* carve-out over a hole: no frame */
	assert_status(pmm_add_usable(p, 0, FRAME(128)), PMM_OK);
	assert_counters(p, 128, 10, 118, 0);
	assert_int_equal(contig_ok(p, 60, 1), 0);
	assert_int_equal(contig_ok(p, 1, 1), FRAME(70));
	box_free(p);
}

static void pmm_ranges_above_limit_are_clipped(void **state)
{
	struct pmm *p = box_new(MIB + 0x800);

	(void)state;
	assert_status(pmm_add_usable(p, 0, 4 * GIB), PMM_OK);
	assert_status(pmm_reserve_range(p, 2 * MIB, 3 * MIB), PMM_OK);
	assert_status(pmm_add_usable(p, ~(paddr_t)0 - 10, ~(paddr_t)0), PMM_OK);
	assert_counters(p, 256, 0, 256, 0);
	assert_status(pmm_free(p, MIB), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free(p, 64 * GIB), PMM_ERR_OUT_OF_RANGE);
	assert_int_equal(alloc_all(p), 256);
	box_free(p);
}

static void pmm_overlapping_map_entries_count_once(void **state)
{
	struct pmm *p = box_new(FRAME(64));

	(void)state;
	assert_status(pmm_add_usable(p, FRAME(4), FRAME(12)), PMM_OK);
	assert_status(pmm_add_usable(p, 0, FRAME(8)), PMM_OK);
	assert_status(pmm_add_usable(p, FRAME(12), FRAME(16)), PMM_OK);
	assert_status(pmm_add_usable(p, FRAME(2), FRAME(3)), PMM_OK);
	assert_status(pmm_reserve_range(p, FRAME(1), FRAME(3)), PMM_OK);
	assert_status(pmm_reserve_range(p, FRAME(2), FRAME(5)), PMM_OK);
	assert_counters(p, 16, 4, 12, 0);
	/* adjacent entries merge, so a run may cross their seam */
	assert_int_equal(contig_ok(p, 11, 1), FRAME(5));
	box_free(p);
}

static void pmm_too_many_ranges_is_an_error(void **state)
{
	struct pmm *p = box_new(FRAME(1024));

	(void)state;
	for (uint64_t i = 0; i < PMM_MAX_RANGES; i++)
		assert_status(pmm_add_usable(p, FRAME(2 * i), FRAME(2 * i + 1)),
			      PMM_OK);
	assert_status(pmm_add_usable(p, FRAME(600), FRAME(601)),
		      PMM_ERR_TOO_MANY_RANGES);
	assert_counters(p, PMM_MAX_RANGES, 0, PMM_MAX_RANGES, 0);
	/* an entry that merges needs no new slot */
	assert_status(pmm_add_usable(p, FRAME(1), FRAME(2)), PMM_OK);
	assert_counters(p, PMM_MAX_RANGES + 1, 0, PMM_MAX_RANGES + 1, 0);
	box_free(p);
}

/* ---- single frames */

static void pmm_first_and_last_frame(void **state)
{
	struct pmm *p = box_flat(1000); /* last word half used */

	(void)state;
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(alloc_ok(p), FRAME(i));
	alloc_nomem(p);
	assert_status(pmm_free(p, FRAME(999)), PMM_OK);
	assert_status(pmm_free(p, 0), PMM_OK);
	/* the cursor is past the end: wraps to frame 0 first */
	assert_int_equal(alloc_ok(p), 0);
	assert_int_equal(alloc_ok(p), FRAME(999));
	assert_status(pmm_free(p, FRAME(1000)), PMM_ERR_OUT_OF_RANGE);
	box_free(p);
}

static void pmm_word_and_summary_boundaries(void **state)
{
	/* frames around the level-1 (64), level-2 (4096), level-3 (262144)
	 * boundaries, in a 4-level allocator; every other frame is a hole */
	static const uint64_t frames[] = { 63, 64, 4095, 4096, 262143, 262144,
					   299999 };
	const size_t n = sizeof(frames) / sizeof(frames[0]);
	struct pmm *p = box_new(FRAME(300000));

	(void)state;
	assert_int_equal(p->nlevels, 4);
	for (size_t i = 0; i < n; i++)
		assert_status(pmm_add_usable(p, FRAME(frames[i]),
					     FRAME(frames[i] + 1)), PMM_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(alloc_ok(p), FRAME(frames[i]));
	alloc_nomem(p);
	assert_consistent(p);
	for (size_t i = n; i-- > 0;)
		assert_status(pmm_free(p, FRAME(frames[i])), PMM_OK);
	assert_consistent(p);
	/* the cursor wrapped: next fit restarts from the bottom */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(alloc_ok(p), FRAME(frames[i]));
	assert_status(pmm_free(p, FRAME(62)), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free(p, FRAME(65)), PMM_ERR_NOT_USABLE);
	box_free(p);
}

static void pmm_next_fit_does_not_reuse_at_once(void **state)
{
	struct pmm *p = box_flat(256);

	(void)state;
	assert_int_equal(alloc_ok(p), 0);
	assert_int_equal(alloc_ok(p), FRAME(1));
	assert_status(pmm_free(p, 0), PMM_OK);
	assert_int_equal(alloc_ok(p), FRAME(2));
	box_free(p);
}

static void pmm_qemu_map_with_pci_hole(void **state)
{
	/* QEMU -m 8G: low RAM, the 3-4 GiB PCI hole, 5 GiB above 4 GiB */
	const paddr_t limit = 0x240000000;
	struct pmm *p = box_new(limit);
	uint64_t usable = 0x9f + (0xbffe0000 - MIB) / PAGE_SIZE +
			  (limit - 4 * GIB) / PAGE_SIZE;
	paddr_t f;

	(void)state;
	assert_status(pmm_add_usable(p, 0, 0x9fc00), PMM_OK);
	assert_status(pmm_add_usable(p, MIB, 0xbffe0000), PMM_OK);
	assert_status(pmm_add_usable(p, 4 * GIB, limit), PMM_OK);
	assert_status(pmm_reserve_range(p, 0, MIB), PMM_OK);      /* policy */
	assert_status(pmm_reserve_range(p, MIB, 3 * MIB), PMM_OK); /* kernel */
	assert_counters(p, usable, 0x9f + 512, usable - 0x9f - 512, 0);

	assert_status(pmm_free(p, 0xa0000), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free(p, 0xc0000000), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free(p, 4 * GIB - PAGE_SIZE), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free(p, limit), PMM_ERR_OUT_OF_RANGE);
	assert_int_equal(contig_ok(p, 512, 512), 4 * MIB);
	/* a run may not bridge the hole: 2 GiB at 1 GiB lands above 4 GiB */
	assert_int_equal(contig_ok(p, 1 << 19, 1 << 18), 4 * GIB);
	assert_status(pmm_alloc_contig(p, (4 * GIB) >> PAGE_SHIFT, 1, &f),
		      PMM_ERR_NOMEM);

	while (pmm_alloc(p, &f) == PMM_OK)
		assert_true((f >= MIB && f < 0xbffe0000) ||
			    (f >= 4 * GIB && f < limit));
	assert_counters(p, usable, 0x9f + 512, 0, usable - 0x9f - 512);
	box_free(p);
}

static void pmm_exhaust_then_recover(void **state)
{
	struct pmm *p = box_flat(5000);
	paddr_t f;

	(void)state;
	assert_int_equal(alloc_all(p), 5000);
	assert_counters(p, 5000, 0, 0, 5000);
	alloc_nomem(p);
	assert_status(pmm_alloc_contig(p, 1, 1, &f), PMM_ERR_NOMEM);
	assert_status(pmm_free(p, FRAME(4096)), PMM_OK);
	assert_int_equal(alloc_ok(p), FRAME(4096));
	alloc_nomem(p);
	assert_status(pmm_free_contig(p, 0, 5000), PMM_OK);
	assert_counters(p, 5000, 0, 5000, 0);
	assert_int_equal(alloc_all(p), 5000);
	box_free(p);
}

/* ---- contiguous runs */

static void pmm_contig_aligned_runs(void **state)
{
	struct pmm *p = box_flat(8192);

	(void)state;
	assert_int_equal(contig_ok(p, 1, 1), 0);
	assert_int_equal(contig_ok(p, 100, 64), FRAME(64));
	assert_int_equal(contig_ok(p, 3, 1), FRAME(1));
	assert_int_equal(contig_ok(p, 512, 512), FRAME(512));
	assert_int_equal(contig_ok(p, 60, 4), FRAME(4));
	assert_int_equal(contig_ok(p, 4096, 4096), FRAME(4096));
	assert_counters(p, 8192, 0, 8192 - 4772, 4772);
	assert_status(pmm_free_contig(p, FRAME(512), 512), PMM_OK);
	assert_int_equal(contig_ok(p, 512, 512), FRAME(512));
	box_free(p);
}

static void pmm_contig_crosses_word_and_summary_boundaries(void **state)
{
	struct pmm *p = box_new(FRAME(10000));

	(void)state;
	assert_status(pmm_add_usable(p, FRAME(4030), FRAME(4200)), PMM_OK);
	assert_int_equal(contig_ok(p, 100, 1), FRAME(4030)); /* 4095/4096 */
	assert_int_equal(contig_ok(p, 40, 2), FRAME(4130));   /* 4159/4160 */
	assert_status(pmm_free_contig(p, FRAME(4030), 100), PMM_OK);
	assert_int_equal(contig_ok(p, 65, 64), FRAME(4032));
	box_free(p);
}

static void pmm_contig_skips_fragmented_memory(void **state)
{
	struct pmm *p = box_flat(4096);

	(void)state;
	assert_int_equal(alloc_all(p), 4096);
	for (uint64_t i = 0; i < 1000; i += 2)
		assert_status(pmm_free(p, FRAME(i)), PMM_OK);
	assert_status(pmm_free_contig(p, FRAME(2000), 100), PMM_OK);
	assert_int_equal(contig_ok(p, 1, 1), 0);
	assert_int_equal(contig_ok(p, 2, 1), FRAME(2000));
	assert_int_equal(contig_ok(p, 50, 32), FRAME(2016));
	assert_int_equal(contig_ok(p, 14, 1), FRAME(2002));
	box_free(p);
}

static void pmm_contig_run_starts_right_after_a_used_frame(void **state)
{
	struct pmm *p = box_flat(16);

	(void)state;
	assert_int_equal(contig_ok(p, 6, 1), 0);
	assert_status(pmm_free_contig(p, 0, 5), PMM_OK); /* frame 5 stays */
	assert_int_equal(contig_ok(p, 10, 1), FRAME(6));
	box_free(p);
}

static void pmm_contig_2mib_alignment_in_real_map(void **state)
{
	struct pmm *p = box_new(64 * MIB);

	(void)state;
	assert_status(pmm_add_usable(p, MIB + 12 * KIB, 64 * MIB), PMM_OK);
	assert_status(pmm_reserve_range(p, 2 * MIB, 2 * MIB + 1), PMM_OK);
	assert_int_equal(contig_ok(p, 512, 512), 4 * MIB);
	assert_int_equal(contig_ok(p, 512, 512), 6 * MIB);
	assert_int_equal(contig_ok(p, 1, 512), 8 * MIB);
	box_free(p);
}

static void pmm_contig_impossible_requests(void **state)
{
	struct pmm *p = box_new(FRAME(1024));
	struct pmm_counters before;
	paddr_t f = 0x1234;

	(void)state;
	assert_status(pmm_add_usable(p, FRAME(1), FRAME(100)), PMM_OK);
	assert_status(pmm_add_usable(p, FRAME(101), FRAME(201)), PMM_OK);
	before = pmm_counters(p);
	assert_status(pmm_alloc_contig(p, 0, 1, &f), PMM_ERR_BAD_ARGUMENT);
	assert_status(pmm_alloc_contig(p, 1, 0, &f), PMM_ERR_BAD_ARGUMENT);
	assert_status(pmm_alloc_contig(p, 1, 3, &f), PMM_ERR_BAD_ARGUMENT);
	assert_status(pmm_alloc_contig(p, 101, 1, &f), PMM_ERR_NOMEM); /* hole */
	assert_status(pmm_alloc_contig(p, 1025, 1, &f), PMM_ERR_NOMEM);
	assert_status(pmm_alloc_contig(p, UINT64_MAX, 1, &f), PMM_ERR_NOMEM);
	assert_status(pmm_alloc_contig(p, 1, 256, &f), PMM_ERR_NOMEM);
	assert_status(pmm_alloc_contig(p, 2, 1ull << 63, &f), PMM_ERR_NOMEM);
	assert_int_equal(f, 0x1234);
	assert_same_counters(p, before);
	assert_int_equal(contig_ok(p, 99, 1), FRAME(1));
	assert_int_equal(contig_ok(p, 100, 1), FRAME(101));
	assert_counters(p, 199, 0, 0, 199);
	box_free(p);
}

/* ---- bad frees */

static void pmm_free_errors_are_distinct(void **state)
{
	struct pmm *p = box_new(FRAME(256));
	paddr_t a;

	(void)state;
	assert_status(pmm_add_usable(p, 0, FRAME(100)), PMM_OK);
	assert_status(pmm_reserve_range(p, FRAME(10), FRAME(20)), PMM_OK);
	a = alloc_ok(p);
	assert_status(pmm_free(p, a + 8), PMM_ERR_MISALIGNED);
	assert_status(pmm_free(p, FRAME(1)), PMM_ERR_DOUBLE_FREE);
	assert_status(pmm_free(p, FRAME(15)), PMM_ERR_NOT_USABLE);  /* carve-out */
	assert_status(pmm_free(p, FRAME(150)), PMM_ERR_NOT_USABLE); /* hole */
	assert_status(pmm_free(p, FRAME(256)), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free(p, ~(paddr_t)0 & ~PAGE_MASK), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free(p, a), PMM_OK);
	assert_status(pmm_free(p, a), PMM_ERR_DOUBLE_FREE);
	/* the frames just outside the carve-out are ordinary */
	assert_int_equal(contig_ok(p, 2, 1), FRAME(0));
	assert_int_equal(contig_ok(p, 8, 1), FRAME(2));
	assert_int_equal(contig_ok(p, 1, 1), FRAME(20));
	assert_status(pmm_free_contig(p, FRAME(9), 1), PMM_OK);
	assert_status(pmm_free_contig(p, FRAME(20), 1), PMM_OK);
	assert_status(pmm_free_contig(p, 0, 9), PMM_OK);
	assert_counters(p, 100, 10, 90, 0);
	box_free(p);
}

static void pmm_failed_run_free_frees_nothing(void **state)
{
	struct pmm *p = box_new(FRAME(256));
	struct pmm_counters before;

	(void)state;
	assert_status(pmm_add_usable(p, 0, FRAME(200)), PMM_OK);
	assert_status(pmm_reserve_range(p, FRAME(150), FRAME(151)), PMM_OK);
	assert_int_equal(alloc_all(p), 199);
	assert_status(pmm_free(p, FRAME(99)), PMM_OK);
	before = pmm_counters(p);
	/* last frame of the run already free */
	assert_status(pmm_free_contig(p, FRAME(60), 40), PMM_ERR_DOUBLE_FREE);
	/* run reaching a carve-out, a hole, the limit; count 0 */
	assert_status(pmm_free_contig(p, FRAME(140), 20), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free_contig(p, FRAME(190), 20), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free_contig(p, FRAME(190), 70), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free_contig(p, 0, UINT64_MAX), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free_contig(p, 0, 0), PMM_ERR_BAD_ARGUMENT);
	assert_same_counters(p, before);
	/* the check alone gives the same answers and changes nothing either */
	assert_status(pmm_free_check(p, FRAME(60), 40), PMM_ERR_DOUBLE_FREE);
	assert_status(pmm_free_check(p, FRAME(140), 20), PMM_ERR_NOT_USABLE);
	assert_status(pmm_free_check(p, FRAME(190), 70), PMM_ERR_OUT_OF_RANGE);
	assert_status(pmm_free_check(p, FRAME(60), 39), PMM_OK);
	assert_status(pmm_free_check(p, FRAME(60) + 8, 1), PMM_ERR_MISALIGNED);
	assert_same_counters(p, before);
	/* none of those frames was freed: all still allocated */
	assert_status(pmm_free_contig(p, FRAME(60), 39), PMM_OK);
	assert_status(pmm_free_contig(p, FRAME(140), 10), PMM_OK);
	box_free(p);
}

/* ---- reporting */

static void pmm_status_names(void **state)
{
	(void)state;
	assert_string_equal(pmm_status_name(PMM_OK), "PMM_OK");
	assert_string_equal(pmm_status_name(PMM_ERR_NOMEM), "PMM_ERR_NOMEM");
	assert_string_equal(pmm_status_name(PMM_ERR_DOUBLE_FREE),
			    "PMM_ERR_DOUBLE_FREE");
	assert_string_equal(pmm_status_name(PMM_ERR_TOO_MANY_RANGES),
			    "PMM_ERR_TOO_MANY_RANGES");
	assert_string_equal(pmm_status_name((enum pmm_status)99), "PMM_ERR_?");
}

static void pmm_consistency_check_catches_corruption(void **state)
{
	static const char summary[] = "summary bit disagrees with the word below";
	struct pmm *p = box_new(FRAME(300000));

	(void)state;
	assert_status(pmm_add_usable(p, FRAME(4096), FRAME(8192)), PMM_OK);
	alloc_ok(p);
	p->level[1][0] |= 1; /* summary claims a free frame in a hole */
	assert_string_equal(pmm_check_consistency(p), summary);
	p->level[1][0] = 0;
	p->level[0][3] |= 1; /* frame 192, in the hole, marked free */
	assert_string_equal(pmm_check_consistency(p), summary);
	p->level[1][0] |= 1ull << 3;
	assert_string_equal(pmm_check_consistency(p), summary);
	p->level[2][0] |= 1;
	assert_string_equal(pmm_check_consistency(p),
			    "free counter disagrees with the bitmap");
	p->counters.free++;
	assert_string_equal(pmm_check_consistency(p),
			    "usable != reserved + free + used");
	p->counters.used--;
	assert_string_equal(pmm_check_consistency(p),
			    "free bit in a hole of the memory map");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmm_metadata_16gib_is_512kib_bitmap_plus_summaries),
		cmocka_unit_test(pmm_init_starts_with_nothing_usable),
		cmocka_unit_test(pmm_zero_limit_manages_nothing),
		cmocka_unit_test(pmm_add_usable_rounds_inward),
		cmocka_unit_test(pmm_reserve_rounds_outward),
		cmocka_unit_test(pmm_reserve_before_add_usable_stays_reserved),
		cmocka_unit_test(pmm_ranges_above_limit_are_clipped),
		cmocka_unit_test(pmm_overlapping_map_entries_count_once),
		cmocka_unit_test(pmm_too_many_ranges_is_an_error),
		cmocka_unit_test(pmm_first_and_last_frame),
		cmocka_unit_test(pmm_word_and_summary_boundaries),
		cmocka_unit_test(pmm_next_fit_does_not_reuse_at_once),
		cmocka_unit_test(pmm_qemu_map_with_pci_hole),
		cmocka_unit_test(pmm_exhaust_then_recover),
		cmocka_unit_test(pmm_contig_aligned_runs),
		cmocka_unit_test(pmm_contig_crosses_word_and_summary_boundaries),
		cmocka_unit_test(pmm_contig_skips_fragmented_memory),
		cmocka_unit_test(pmm_contig_run_starts_right_after_a_used_frame),
		cmocka_unit_test(pmm_contig_2mib_alignment_in_real_map),
		cmocka_unit_test(pmm_contig_impossible_requests),
		cmocka_unit_test(pmm_free_errors_are_distinct),
		cmocka_unit_test(pmm_failed_run_free_frees_nothing),
		cmocka_unit_test(pmm_status_names),
		cmocka_unit_test(pmm_consistency_check_catches_corruption),
	};

	return HOST_TAP_RUN(tests);
}
