/*
 * bench_card1.c - the two VM designs side by side, through mm_space.h:
 * the rdos core (bookkeeping in page tables) and Card 1 (a range tree of
 * VMAs, tables only for present pages).
 *
 * Not a test: no pass/fail, built with -O2 and no sanitizers, on simulated
 * physical memory without poisoning.  Prints Markdown tables:
 *   1. reserve + touch + release, ns per page, and the bookkeeping bytes
 *      (page tables + VMA nodes) while everything is touched;
 *   2. reserve in a space of 100000 reservations with holes, next fit and
 *      with the search restarted at lo every time;
 *   3. bookkeeping bytes of untouched reservations.
 * The fixture (simulated memory, node allocator, invariant check) is
 * bench_mm.h's; the tradeoff study (bench_scaling.c, bench_frag.c, ...)
 * measures the same things with repetitions and work counts.
 * Build: make build/bench/bench_card1 (the Makefile's bench section).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"

#define BATCH 1000
#define LIVE 100000

/* A space of design d over the whole user range, frames of memory. */
static struct mm_space *bench_init(struct bm *b, enum mm_design d,
				   size_t frames)
{
	bm_init(b, frames);
	bm_space_new(b, d, VM_USER_LO, VM_USER_HI);
	return &b->space[d];
}

static void bench_fini(struct bm *b, struct mm_space *s)
{
	mm_space_destroy(s);
	bm_fini(b);
}

/* Page tables plus VMA nodes, in bytes. */
static size_t bookkeeping_bytes(const struct mm_space *s)
{
	struct bm_mem m = bm_memory(s);

	return m.table_bytes + m.vma_bytes;
}

struct cost {
	double reserve, touch, release; /* ns, summed */
	uint64_t pages, touched;
	size_t bytes;                   /* bookkeeping, all touched */
};

/* n reservations of npages each, `touch` pages of each touched, all
 * released; reps times. */
static void run_batch(struct cost *c, enum mm_design d, size_t n,
		      size_t npages, size_t touched, int reps)
{
	vaddr_t *va = malloc(n * sizeof(*va));
	struct bm b;
	struct mm_space *s = bench_init(&b, d, n * touched + 4096);
	double t;

	for (int r = 0; r < reps; r++) {
		t = bench_now_ns();
		for (size_t i = 0; i < n; i++)
			bm_must(mm_reserve(s, npages, VM_PROT_WRITE, &va[i]),
				"reserve");
		c->reserve += bench_lap(&t);
		for (size_t i = 0; i < n; i++)
			bm_touch(s, va[i], touched, npages / touched,
				 VM_PF_WRITE);
		c->touch += bench_lap(&t);
		if (r == 0)
			c->bytes = bookkeeping_bytes(s);
		t = bench_now_ns();
		for (size_t i = 0; i < n; i++)
			bm_must(mm_release(s, va[i], npages), "release");
		c->release += bench_lap(&t);
		c->pages += n * npages;
		c->touched += n * touched;
	}
	bench_fini(&b, s);
	free(va);
}

static void table_costs(void)
{
	static const struct {
		const char *what;
		size_t n, npages, touch;
		int reps;
	} runs[] = {
		{ "1000 x 1 page", BATCH, 1, 1, 20 },
		{ "1000 x 16 pages", BATCH, 16, 16, 10 },
		{ "64 MiB, all touched", 1, 16384, 16384, 5 },
		{ "1 TiB, 1000 pages touched", 1, TIB >> PAGE_SHIFT, 1000, 5 },
	};

	printf("\n### Reserve + touch + release, ns per page\n\n"
	       "| reservation | design | reserve | touch | release | "
	       "bookkeeping bytes |\n|---|---|---|---|---|---|\n");
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		for (int d = 0; d < BM_DESIGNS; d++) {
			struct cost c = { 0 };

			run_batch(&c, (enum mm_design)d, runs[i].n,
				  runs[i].npages, runs[i].touch, runs[i].reps);
			printf("| %s | %s | %.1f | %.1f | %.1f | %zu |\n",
			       runs[i].what, bm_design_name((enum mm_design)d),
			       c.reserve / c.pages, c.touch / c.touched,
			       c.release / c.pages, c.bytes);
		}
}

/* LIVE reservations of 1-8 pages from lo, a third released at random. */
static void fill_fragmented(struct mm_space *s, struct bench_rng *rng)
{
	vaddr_t va = VM_USER_LO;

	for (size_t i = 0; i < LIVE; i++) {
		size_t n = 1 + bench_rand_below(rng, 8);

		bm_must(mm_reserve_at(s, va, n, VM_PROT_WRITE), "fill");
		if (bench_rand_below(rng, 3) == 0)
			bm_must(mm_release(s, va, n), "hole");
		va += n * PAGE_SIZE;
	}
}

/* ns per reserve of 1-16 pages; from_lo restarts each search at lo. */
static double run_fragmented(enum mm_design d, bool from_lo, int probes)
{
	struct bench_rng rng = bench_rng_seed(0);
	struct bm b;
	struct mm_space *s = bench_init(&b, d, 65536);
	vaddr_t got;
	double t, ns = 0;

	fill_fragmented(s, &rng);
	for (int i = 0; i < probes; i++) {
		size_t n = 1 + bench_rand_below(&rng, 16);

		if (from_lo)
			bm_set_cursor(s, VM_USER_LO);
		t = bench_now_ns();
		bm_must(mm_reserve(s, n, VM_PROT_WRITE, &got), "probe");
		ns += bench_lap(&t);
	}
	bench_fini(&b, s);
	return ns / probes;
}

static void search_costs(void)
{
	printf("\n### Reserve in a fragmented space, ns per reserve\n\n"
	       "%d reservations of 1-8 pages, a third released at random; "
	       "then reserves of 1-16 pages.\n\n"
	       "| search | rdos | card1 |\n|---|---|---|\n", LIVE);
	for (int from_lo = 0; from_lo < 2; from_lo++)
		printf("| %s | %.0f | %.0f |\n",
		       from_lo ? "restarted at lo" : "next fit",
		       run_fragmented(MM_DESIGN_RDOS, from_lo, 2000),
		       run_fragmented(MM_DESIGN_CARD1, from_lo, 2000));
}

static void memory_costs(void)
{
	printf("\n### Bookkeeping bytes of untouched reservations\n\n"
	       "| reservations | rdos | card1 |\n|---|---|---|\n");
	for (int what = 0; what < 3; what++) {
		size_t bytes[BM_DESIGNS];

		for (int d = 0; d < BM_DESIGNS; d++) {
			struct bench_rng rng = bench_rng_seed(0);
			struct bm b;
			struct mm_space *s =
				bench_init(&b, (enum mm_design)d, 8192);

			if (what == 0)
				fill_fragmented(s, &rng);
			else
				bm_must(mm_reserve_at(s, GIB,
						      (what == 1 ? 16 * GIB
								 : TIB) >>
							      PAGE_SHIFT,
						      VM_PROT_WRITE),
					"reserve");
			bytes[d] = bookkeeping_bytes(s);
			bench_fini(&b, s);
		}
		printf("| %s | %zu | %zu |\n",
		       what == 0 ? "100000 of 1-8 pages, a third released"
		       : what == 1 ? "16 GiB at 1 GiB" : "1 TiB at 1 GiB",
		       bytes[0], bytes[1]);
	}
}

int main(void)
{
	printf("## bench_card1: rdos core vs Card 1 range tree\n");
	table_costs();
	search_costs();
	memory_costs();
	return 0;
}
