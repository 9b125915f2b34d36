/*
 * bench_scaling.c - how both VM designs scale (CSV rows, bench_mm.h):
 *   scale-areas/N  N reservations of AREA_PAGES pages where the allocator
 *                  puts them, the first page of each touched, all released
 *                  in a shuffled order; N from 1 to 100,000
 *   scale-pages/P  reservations of P pages reserved and released
 *                  untouched, then one reserved, all its pages touched,
 *                  released; P from 1 to 10 million.  Touching 10
 *                  million pages would need 40 GB of simulated memory, so
 *                  pages are
 *                  touched up to TOUCH_LIMIT and reserved and released
 *                  only beyond (the scale-pages row touch_limit_pages).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"

#define AREA_PAGES 4
#define MAX_AREAS 100000
#define TOUCH_LIMIT 300000 /* pages: 1.1 GiB of simulated frames */
#define MAX_PAGES 10000000
#define REPEAT 16 /* untouched reservations timed per pass */

/* 1, 3, 10, 30, 100, ...: two points a decade on a log axis */
static size_t next_step(size_t k)
{
	size_t decade = 1;

	while (decade * 10 <= k)
		decade *= 10;
	return k == decade ? 3 * decade : 10 * decade;
}

struct areas {
	size_t n;
	vaddr_t *va;
	size_t *order; /* release order: a permutation of 0..n-1 */
};

static void shuffle(struct bench_rng *rng, size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = bench_rand_below(rng, i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

static void areas_pass(struct bm_run *r, const void *arg)
{
	const struct areas *a = arg;

	bm_resume(r);
	for (size_t i = 0; i < a->n; i++)
		bm_must(mm_reserve(r->s, AREA_PAGES, BM_PROT, &a->va[i]),
			"reserve");
	bm_phase_done(r, "reserve", a->n);
	bm_resume(r);
	for (size_t i = 0; i < a->n; i++)
		bm_touch(r->s, a->va[i], 1, 1, BM_PF_WRITE);
	bm_phase_done(r, "touch", a->n);
	shuffle(&r->rng, a->order, a->n);
	bm_resume(r);
	for (size_t i = 0; i < a->n; i++)
		bm_must(mm_release(r->s, a->va[a->order[i]], AREA_PAGES),
			"release");
	bm_phase_done(r, "release", a->n);
}

static void scale_areas(struct bm *b)
{
	struct areas a = { .va = malloc(MAX_AREAS * sizeof(vaddr_t)),
			   .order = malloc(MAX_AREAS * sizeof(size_t)) };
	char w[64];

	for (size_t k = 1; k <= MAX_AREAS; k = next_step(k)) {
		struct bm_spec spec = { .workload = w, .lo = VM_USER_LO,
					.hi = VM_USER_HI, .seed = 1,
					.fresh = true, .pass = areas_pass,
					.arg = &a };

		a.n = k;
		snprintf(w, sizeof(w), "scale-areas/%zu", k);
		bm_measure_both(b, &spec);
	}
	free(a.va);
	free(a.order);
}

/* One reservation of npages, its address; timed: on the phase's clock. */
static vaddr_t reserve_pages(struct bm_run *r, size_t npages, bool timed)
{
	vaddr_t va;

	if (timed)
		bm_resume(r);
	bm_must(mm_reserve(r->s, npages, BM_PROT, &va), "reserve");
	if (timed)
		bm_pause(r);
	return va;
}

/* Its release; timed: on the phase's clock. */
static void release_pages(struct bm_run *r, vaddr_t va, size_t npages,
			  bool timed)
{
	if (timed)
		bm_resume(r);
	bm_must(mm_release(r->s, va, npages), "release");
	if (timed)
		bm_pause(r);
}

/*
 * Reserve and release are timed over REPEAT reservations each, made and
 * released one after the other: a single call would be timed with the
 * caches cold from the touches of the pass before, and so is the first
 * round, which is not timed.  One reservation is live when the reserve
 * phase ends, so its memory is what the phase records.
 */
static void pages_pass(struct bm_run *r, const void *arg)
{
	const size_t npages = *(const size_t *)arg;
	vaddr_t va = 0;

	release_pages(r, reserve_pages(r, npages, false), npages, false);
	for (int i = 0; i < REPEAT; i++) {
		if (i)
			release_pages(r, va, npages, false);
		va = reserve_pages(r, npages, true);
	}
	bm_phase_done(r, "reserve", REPEAT);
	for (int i = 0; i < REPEAT; i++) {
		release_pages(r, va, npages, true);
		if (i + 1 < REPEAT)
			va = reserve_pages(r, npages, false);
	}
	bm_phase_done(r, "release", REPEAT);
	if (npages > TOUCH_LIMIT)
		return;
	va = reserve_pages(r, npages, false);
	bm_resume(r);
	bm_touch(r->s, va, npages, 1, BM_PF_WRITE);
	bm_phase_done(r, "touch", npages);
	release_pages(r, va, npages, true);
	bm_phase_done(r, "release_touched", 1);
}

static void scale_pages(struct bm *b)
{
	char w[64];

	bench_row("scale-pages", "both", "touch_limit_pages", TOUCH_LIMIT,
		  "pages");
	for (size_t k = 1; k <= MAX_PAGES; k = next_step(k)) {
		struct bm_spec spec = { .workload = w, .lo = VM_USER_LO,
					.hi = VM_USER_HI, .fresh = true,
					.pass = pages_pass, .arg = &k };

		snprintf(w, sizeof(w), "scale-pages/%zu", k);
		bm_measure_both(b, &spec);
	}
}

int main(void)
{
	struct bm b;

	bench_row("meta", "host", "clock_read_ns", bench_clock_read_ns(), "ns");
	bench_row("meta", "host", "reps", BENCH_REPS, "runs");
	bench_row("scale-areas", "both", "area_pages", AREA_PAGES, "pages");
	/* the largest touched run, its tables, and the PML4 and upper ones */
	bm_init(&b, TOUCH_LIMIT + TOUCH_LIMIT / 256 + 1024);
	scale_areas(&b);
	scale_pages(&b);
	bm_fini(&b);
	return 0;
}
