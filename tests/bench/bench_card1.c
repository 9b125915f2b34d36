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
 * Build (the Makefile's bench target does not list it):
 *   gcc -std=gnu11 -O2 -Isrc -Itests/host tests/bench/bench_card1.c
 *       src/mm/vm*.c src/mm/card1*.c src/mm/mm_space.c
 *       tests/host/sim_phys.c tests/host/host_panic.c -o bench_card1
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/panic.h"
#include "mm/mm_space.h"
#include "sim_phys.h"

#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)
#define BATCH 1000
#define LIVE 100000

static const char *const design_names[] = { "rdos", "card1" };

struct bench {
	struct sim_phys phys;
	struct mm_space space;
};

/* ns since *mark; *mark moves to now. */
static double lap(struct timespec *mark)
{
	struct timespec now;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (double)(now.tv_sec - mark->tv_sec) * 1e9 +
	     (double)(now.tv_nsec - mark->tv_nsec);
	*mark = now;
	return ns;
}

static void must(enum vm_status st, const char *what)
{
	if (st != VM_OK)
		panic("bench_card1: %s: %s", what, vm_status_name(st));
}

/* Touch n pages, stride pages apart, from va. */
static void touch(struct mm_space *s, vaddr_t va, size_t n, size_t stride)
{
	for (size_t p = 0; p < n; p++) {
		vaddr_t at = va + p * stride * PAGE_SIZE;
		enum vm_fault_result r = mm_fault(s, at, VM_PF_WRITE, NULL);

		if (r != VM_FAULT_HANDLED)
			panic("bench_card1: fault at %#lx: %s",
			      (unsigned long)at, vm_fault_result_name(r));
	}
}

static void *node_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void node_free(void *ctx, void *node)
{
	(void)ctx;
	free(node);
}

static void bench_init(struct bench *b, enum mm_design d, size_t frames)
{
	struct mm_env env;

	sim_phys_init(&b->phys, frames);
	b->phys.poison = false;
	env = (struct mm_env){ .vm = sim_phys_vm_env(&b->phys),
			       .nodes = { node_alloc, node_free, NULL } };
	must(mm_space_init_user(&b->space, d, &env, VM_USER_LO, VM_USER_HI,
				NULL),
	     "init");
}

static void bench_fini(struct bench *b)
{
	mm_space_destroy(&b->space);
	sim_phys_fini(&b->phys);
}

/* Page tables plus VMA nodes, in bytes. */
static size_t bookkeeping_bytes(struct bench *b)
{
	struct mm_stats st;
	const char *why = mm_check_invariants(&b->space, &st);

	if (why)
		panic("bench_card1: %s at %#lx", why,
		      (unsigned long)st.vm.bad_va);
	return st.vm.table_pages * PAGE_SIZE + st.vma_bytes;
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
	struct timespec t;
	struct bench b;

	bench_init(&b, d, n * touched + 4096);
	for (int r = 0; r < reps; r++) {
		lap(&t);
		for (size_t i = 0; i < n; i++)
			must(mm_reserve(&b.space, npages, VM_PROT_WRITE, &va[i]),
			     "reserve");
		c->reserve += lap(&t);
		for (size_t i = 0; i < n; i++)
			touch(&b.space, va[i], touched, npages / touched);
		c->touch += lap(&t);
		if (r == 0)
			c->bytes = bookkeeping_bytes(&b);
		lap(&t);
		for (size_t i = 0; i < n; i++)
			must(mm_release(&b.space, va[i], npages), "release");
		c->release += lap(&t);
		c->pages += n * npages;
		c->touched += n * touched;
	}
	bench_fini(&b);
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
		for (int d = 0; d < 2; d++) {
			struct cost c = { 0 };

			run_batch(&c, (enum mm_design)d, runs[i].n,
				  runs[i].npages, runs[i].touch, runs[i].reps);
			printf("| %s | %s | %.1f | %.1f | %.1f | %zu |\n",
			       runs[i].what, design_names[d],
			       c.reserve / c.pages, c.touch / c.touched,
			       c.release / c.pages, c.bytes);
		}
}

static uint64_t rng;

static size_t rnd(size_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (size_t)(rng % n);
}

static vaddr_t *cursor_of(struct mm_space *s)
{
	return s->design == MM_DESIGN_CARD1 ? &s->card1.pt.cursor
					    : &s->rdos.cursor;
}

/* LIVE reservations of 1-8 pages from lo, a third released at random. */
static void fill_fragmented(struct bench *b)
{
	vaddr_t va = VM_USER_LO;

	rng = 88172645463325252ULL;
	for (size_t i = 0; i < LIVE; i++) {
		size_t n = 1 + rnd(8);

		must(mm_reserve_at(&b->space, va, n, VM_PROT_WRITE), "fill");
		if (rnd(3) == 0)
			must(mm_release(&b->space, va, n), "hole");
		va += n * PAGE_SIZE;
	}
}

/* ns per reserve of 1-16 pages; from_lo restarts each search at lo. */
static double run_fragmented(enum mm_design d, bool from_lo, int probes)
{
	struct bench b;
	struct timespec t;
	vaddr_t got;
	double ns = 0;

	bench_init(&b, d, 65536);
	fill_fragmented(&b);
	for (int i = 0; i < probes; i++) {
		if (from_lo)
			*cursor_of(&b.space) = VM_USER_LO;
		lap(&t);
		must(mm_reserve(&b.space, 1 + rnd(16), VM_PROT_WRITE, &got),
		     "probe");
		ns += lap(&t);
	}
	bench_fini(&b);
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
		size_t bytes[2];

		for (int d = 0; d < 2; d++) {
			struct bench b;

			bench_init(&b, (enum mm_design)d, 8192);
			if (what == 0)
				fill_fragmented(&b);
			else
				must(mm_reserve_at(&b.space, GIB,
						   (what == 1 ? 16 * GIB : TIB) >>
							   PAGE_SHIFT,
						   VM_PROT_WRITE),
				     "reserve");
			bytes[d] = bookkeeping_bytes(&b);
			bench_fini(&b);
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
