/*
 * bench_frag.c - finding a hole in a fragmented space, both VM designs
 * (CSV rows, bench_mm.h).
 *
 * Setup (untimed, the same random sequence for both designs, which place
 * alike): in a space of SPACE_PAGES, reservations of 1-256 pages (small
 * ones likelier) are made where the allocator puts them and released at
 * random, first up to half the space, then CHURN more steps at that
 * level; frag/setup rows describe the result (live areas, holes, largest
 * hole).  Then each pass times PROBES reserves of N pages per phase
 * hole_N, each released again untimed so the space stays as set up:
 *   frag/lo      every search starts at the bottom (a wrapped cursor):
 *                the worst case of the rdos walk, which FULL summaries
 *                shorten; card1 descends its gap-augmented tree
 *   frag/random  every search starts at a random address (next fit)
 * hole_N_found says how many probes found a hole (both designs agree).
 *   frag-ablation/V  the same space, rdos only switched to the search of
 *                variant V for the probes (hole_16 and the failing size,
 *                ABLATION_PROBES each): rdos-like (leaf entries, no
 *                summaries, first fit: RDOS's scan), upper (+ upper-level
 *                entries, which areas this small never fill: the same
 *                walk), full (+ FULL, the one-bit summary), summaries (+
 *                the free-space summaries), bounds (+ the bound markers;
 *                until here the space is made VM_SPACE_NO_BOUNDS), next-fit
 *                (+ the cursor: from a random address, as frag/random),
 *                compact (+ compact entries, mm/vm_compact.c; until here
 *                the space is made VM_SPACE_NO_COMPACT)
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"

#define SPACE_LO ((vaddr_t)1 << 30)
#define SPACE_PAGES ((size_t)1 << 20) /* 4 GiB */
#define MAX_AREA_ORDER 8              /* areas of 1..256 pages */
#define CHURN 100000
#define PROBES 100
#define ABLATION_PROBES 20
#define NSIZES 6

/* The last size is above the largest hole the setup leaves: the cost of
 * a search that fails. */
static const size_t hole_pages[NSIZES] = { 1, 4, 16, 64, 256, 1024 };
static const char *const hole_names[NSIZES] = {
	"hole_1", "hole_4", "hole_16", "hole_64", "hole_256", "hole_1024",
};

struct live {
	vaddr_t va;
	size_t pages;
};

struct frag {
	bool from_lo;
	const char *workload; /* of the probes' rows */
	int probes;           /* per hole size */
	bool ablation;        /* only hole_16 and the failing size */
	struct live *live;    /* scratch of the setup */
	size_t n;
};

static void release_random(struct bm_run *r, struct frag *f, size_t *pages)
{
	size_t i = bench_rand_below(&r->rng, f->n);

	bm_must(mm_release(r->s, f->live[i].va, f->live[i].pages), "release");
	*pages -= f->live[i].pages;
	f->live[i] = f->live[--f->n];
}

/* Reserve one area of a random size, or release one when none fits. */
static void reserve_random(struct bm_run *r, struct frag *f, size_t *pages)
{
	size_t order = bench_rand_below(&r->rng, MAX_AREA_ORDER + 1);
	size_t n = 1 + bench_rand_below(&r->rng, (size_t)1 << order);
	vaddr_t va;
	enum vm_status st = mm_reserve(r->s, n, BM_PROT, &va);

	if (st == VM_ERR_NO_SPACE) {
		release_random(r, f, pages);
		return;
	}
	bm_must(st, "reserve");
	f->live[f->n++] = (struct live){ va, n };
	*pages += n;
}

static int by_address(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	return (x->va > y->va) - (x->va < y->va);
}

/* Holes between the live areas, and the largest, as CSV rows. */
static void describe(const struct bm_run *r, struct frag *f)
{
	const char *d = bm_design_name(r->design);
	vaddr_t at = SPACE_LO;
	size_t holes = 0, largest = 0, pages = 0;

	qsort(f->live, f->n, sizeof(*f->live), by_address);
	for (size_t i = 0; i <= f->n; i++) {
		vaddr_t next = i < f->n ? f->live[i].va
					: SPACE_LO + SPACE_PAGES * PAGE_SIZE;
		size_t gap = (next - at) >> PAGE_SHIFT;

		holes += gap > 0;
		largest = gap > largest ? gap : largest;
		if (i < f->n) {
			at = next + f->live[i].pages * PAGE_SIZE;
			pages += f->live[i].pages;
		}
	}
	bench_row("frag/setup", d, "live_areas", (double)f->n, "areas");
	bench_row("frag/setup", d, "live_pages", (double)pages, "pages");
	bench_row("frag/setup", d, "space_pages", SPACE_PAGES, "pages");
	bench_row("frag/setup", d, "holes", (double)holes, "holes");
	bench_row("frag/setup", d, "largest_hole_pages", (double)largest,
		  "pages");
	bench_row("frag/setup", d, "churn_steps", CHURN, "steps");
}

static void frag_setup(struct bm_run *r, const void *arg)
{
	struct frag *f = (struct frag *)arg;
	size_t pages = 0;

	f->n = 0;
	while (pages < SPACE_PAGES / 2)
		reserve_random(r, f, &pages);
	for (int step = 0; step < CHURN; step++)
		if (pages < SPACE_PAGES / 2 || bench_rand_below(&r->rng, 2))
			reserve_random(r, f, &pages);
		else
			release_random(r, f, &pages);
	if (f->from_lo && !f->ablation) /* the same space for all: once */
		describe(r, f);
}

static void probe_holes(struct bm_run *r, const struct frag *f, size_t n,
			const char *name)
{
	size_t found = 0;
	vaddr_t va;

	for (int i = 0; i < f->probes; i++) {
		size_t page = bench_rand_below(&r->rng, SPACE_PAGES);
		enum vm_status st;

		bm_set_cursor(r->s, f->from_lo ? SPACE_LO
					       : SPACE_LO + page * PAGE_SIZE);
		bm_resume(r);
		st = mm_reserve(r->s, n, BM_PROT, &va);
		bm_pause(r);
		if (st == VM_OK) {
			found++;
			bm_must(mm_release(r->s, va, n), "probe release");
		} else if (st != VM_ERR_NO_SPACE) {
			bm_must(st, "probe");
		}
	}
	bm_phase_done(r, name, f->probes);
	if (r->probe) {
		char metric[64];

		snprintf(metric, sizeof(metric), "%s_found", name);
		bench_row(f->workload, bm_design_name(r->design), metric,
			  (double)found, "probes");
	}
}

static void frag_pass(struct bm_run *r, const void *arg)
{
	const struct frag *f = arg;

	for (int i = 0; i < NSIZES; i++)
		if (!f->ablation || hole_pages[i] == 16 || i == NSIZES - 1)
			probe_holes(r, arg, hole_pages[i], hole_names[i]);
}

/* The search variants of the ablation, each adding one technique: flags
 * of the passes, and of the space (without the bound markers until
 * "bounds", without compact entries until "compact"). */
#define NO_BOUNDS_NOR_COMPACT (VM_SPACE_NO_BOUNDS | VM_SPACE_NO_COMPACT)
static const struct {
	const char *name;
	unsigned flags, space_flags;
	bool from_lo;
} variants[] = {
	{ "rdos-like", VM_SPACE_RDOS_LIKE, NO_BOUNDS_NOR_COMPACT, true },
	{ "upper", VM_SPACE_NO_SUMMARY | VM_SPACE_FIRST_FIT,
	  NO_BOUNDS_NOR_COMPACT, true },
	{ "full", VM_SPACE_FULL_ONLY | VM_SPACE_FIRST_FIT,
	  NO_BOUNDS_NOR_COMPACT, true },
	{ "summaries", VM_SPACE_FIRST_FIT, NO_BOUNDS_NOR_COMPACT, true },
	{ "bounds", VM_SPACE_FIRST_FIT, VM_SPACE_NO_COMPACT, true },
	{ "next-fit", 0, VM_SPACE_NO_COMPACT, false },
	{ "compact", 0, 0, false },
};

static void measure(struct bm *b, struct frag *f, const char *workload,
		    unsigned flags, unsigned space_flags)
{
	struct bm_spec spec = {
		.workload = workload, .lo = SPACE_LO,
		.hi = SPACE_LO + SPACE_PAGES * PAGE_SIZE, .seed = 7,
		.setup = frag_setup, .pass = frag_pass, .arg = f,
		.rdos_pass_flags = flags, .rdos_space_flags = space_flags };

	f->workload = workload;
	bm_measure_both(b, &spec);
}

int main(void)
{
	struct frag f = { .live = malloc(SPACE_PAGES * sizeof(struct live)) };
	struct bm b;

	bm_init(&b, 16384);
	for (int lo = 1; lo >= 0; lo--) {
		f.from_lo = lo;
		f.probes = PROBES;
		measure(&b, &f, lo ? "frag/lo" : "frag/random", 0, 0);
	}
	f.ablation = true;
	f.probes = ABLATION_PROBES;
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		char w[64];

		snprintf(w, sizeof(w), "frag-ablation/%s", variants[v].name);
		f.from_lo = variants[v].from_lo;
		measure(&b, &f, w, variants[v].flags, variants[v].space_flags);
	}
	bm_fini(&b);
	free(f.live);
	return 0;
}
