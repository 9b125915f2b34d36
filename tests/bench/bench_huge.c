/*
 * bench_huge.c - huge sparse reservations on both VM designs (CSV rows,
 * bench_mm.h): one reservation of 1 GiB, 1 TiB or 64 TiB, TOUCHED pages
 * spread evenly over it touched, released.  Two placements:
 *   huge/SIZE/pick     where the allocator puts it (the bottom of the
 *                      space, 4 KiB-aligned: rdos marks the unaligned
 *                      head page by page, the rest by 2 MiB/1 GiB/512 GiB
 *                      entries)
 *   huge/SIZE/aligned  at 512 GiB, so every upper-level entry is whole
 * The memory rows after each phase are the point: what a reservation
 * costs when nothing in it is touched, and when a few pages are.
 */
#include <stdio.h>

#include "bench_mm.h"

#define ALIGNED_AT (512 * GIB)
#define TOUCHED 1000

struct huge {
	uint64_t pages;
	bool aligned;
};

static void huge_pass(struct bm_run *r, const void *arg)
{
	const struct huge *h = arg;
	vaddr_t va = ALIGNED_AT;

	bm_resume(r);
	if (h->aligned)
		bm_must(mm_reserve_at(r->s, va, h->pages, BM_PROT), "reserve");
	else
		bm_must(mm_reserve(r->s, h->pages, BM_PROT, &va), "reserve");
	bm_phase_done(r, "reserve", 1);
	bm_resume(r);
	bm_touch(r->s, va, TOUCHED, h->pages / TOUCHED, BM_PF_WRITE);
	bm_phase_done(r, "touch", TOUCHED);
	bm_resume(r);
	bm_must(mm_release(r->s, va, h->pages), "release");
	bm_phase_done(r, "release", 1);
}

int main(void)
{
	static const struct {
		const char *name;
		uint64_t bytes;
	} sizes[] = { { "1GiB", GIB }, { "1TiB", TIB }, { "64TiB", 64 * TIB } };
	struct bm b;
	char w[64];

	/* touched pages, up to 3 tables each, the head's leaf tables */
	bm_init(&b, 4 * TOUCHED + 1024);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int aligned = 0; aligned < 2; aligned++) {
			struct huge h = { sizes[i].bytes >> PAGE_SHIFT,
					  aligned };
			struct bm_spec spec = { .workload = w,
						.lo = VM_USER_LO,
						.hi = VM_USER_HI, .fresh = true,
						.pass = huge_pass, .arg = &h };

			snprintf(w, sizeof(w), "huge/%s/%s", sizes[i].name,
				 aligned ? "aligned" : "pick");
			bm_measure_both(&b, &spec);
			bench_row(w, "both", "reserved_bytes",
				  (double)sizes[i].bytes, "bytes");
		}
	bm_fini(&b);
	return 0;
}
