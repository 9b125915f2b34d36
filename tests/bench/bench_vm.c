/*
 * bench_vm.c - cost of the vm core per page, and what upper-level
 * reservations, FULL summaries and the next-fit cursor buy over RDOS's
 * page-level first-fit scan (the VM_SPACE_RDOS_LIKE flags).
 *
 * Not a test: no pass/fail, built with -O2 and no sanitizers, on simulated
 * physical memory without poisoning.  Prints Markdown tables:
 *   1. reserve + touch + release, ns per page, for small (1-16 pages),
 *      large (64 MiB) and terabyte reservations, with page-table bytes;
 *   2. search in a fragmented space and over a full prefix, per variant;
 *   3. page-table bytes of a 1 TiB reservation.
 * Build: make build/bench/bench_vm (the Makefile's bench section).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"
#include "lib/panic.h"

#define BATCH 1000

static void must_fault(struct vm_space *s, vaddr_t va)
{
	enum vm_fault_result r = vm_fault(s, va, VM_PF_WRITE, NULL);

	if (r != VM_FAULT_HANDLED)
		panic("bench_vm: fault at %#lx: %s", (unsigned long)va,
		      vm_fault_result_name(r));
}

static size_t table_bytes(struct sim_vm *v)
{
	struct vm_stats st;
	const char *why = vm_check_invariants(&v->space, &st);

	if (why)
		panic("bench_vm: %s at %#lx", why, (unsigned long)st.bad_va);
	return st.table_pages * PAGE_SIZE;
}

static void space_new(struct sim_vm *v, size_t frames, unsigned flags)
{
	sim_vm_init(v, VM_USER_LO, VM_USER_HI, frames, flags);
	v->phys.poison = false;
}

struct cost {
	double reserve, touch, release; /* ns, summed */
	uint64_t pages;                 /* reserved, summed */
	uint64_t touched;
	size_t table_bytes;             /* most seen */
};

static void print_cost(const char *what, const char *variant,
		       const struct cost *c)
{
	printf("| %s | %s | %.1f | %.1f | %.1f | %zu |\n", what, variant,
	       c->reserve / c->pages, c->touched ? c->touch / c->touched : 0.0,
	       c->release / c->pages, c->table_bytes);
}

/* BATCH reservations of npages, every page touched, all released; reps times. */
static void run_small(struct cost *c, unsigned flags, size_t npages, int reps)
{
	static vaddr_t va[BATCH];
	struct sim_vm v;
	double t;

	space_new(&v, BATCH * npages + 4096, flags);
	for (int r = 0; r < reps; r++) {
		t = bench_now_ns();
		for (int i = 0; i < BATCH; i++)
			bm_must(vm_reserve(&v.space, npages, VM_PROT_WRITE, &va[i]),
			     "reserve");
		c->reserve += bench_now_ns() - t;
		t = bench_now_ns();
		for (int i = 0; i < BATCH; i++)
			for (size_t p = 0; p < npages; p++)
				must_fault(&v.space, va[i] + p * PAGE_SIZE);
		c->touch += bench_now_ns() - t;
		if (r == 0 && table_bytes(&v) > c->table_bytes)
			c->table_bytes = table_bytes(&v);
		t = bench_now_ns();
		for (int i = 0; i < BATCH; i++)
			bm_must(vm_release(&v.space, va[i], npages), "release");
		c->release += bench_now_ns() - t;
		c->pages += BATCH * npages;
		c->touched += BATCH * npages;
	}
	sim_vm_fini(&v);
}

/* One reservation of size bytes, `touch` pages of it touched, released. */
static void run_one(struct cost *c, unsigned flags, uint64_t size,
		    size_t touch, int reps)
{
	const size_t npages = size >> PAGE_SHIFT;
	const size_t stride = npages / touch;
	struct sim_vm v;
	vaddr_t va;
	double t;

	space_new(&v, touch + (flags ? npages / 500 : 0) + 4096, flags);
	for (int r = 0; r < reps; r++) {
		t = bench_now_ns();
		bm_must(vm_reserve(&v.space, npages, VM_PROT_WRITE, &va),
		     "reserve");
		c->reserve += bench_now_ns() - t;
		t = bench_now_ns();
		for (size_t p = 0; p < touch; p++)
			must_fault(&v.space, va + p * stride * PAGE_SIZE);
		c->touch += bench_now_ns() - t;
		if (r == 0)
			c->table_bytes = table_bytes(&v);
		t = bench_now_ns();
		bm_must(vm_release(&v.space, va, npages), "release");
		c->release += bench_now_ns() - t;
		c->pages += npages;
		c->touched += touch;
	}
	sim_vm_fini(&v);
}

static void table_costs(void)
{
	static const size_t small[] = { 1, 4, 16 };
	char what[64];

	printf("\n### Reserve + touch + release, ns per page\n\n");
	printf("| reservation | variant | reserve | touch | release | "
	       "page-table bytes |\n|---|---|---|---|---|---|\n");
	for (unsigned i = 0; i < 3; i++)
		for (int rdos = 0; rdos < 2; rdos++) {
			struct cost c = { 0 };

			run_small(&c, rdos ? VM_SPACE_RDOS_LIKE : 0, small[i],
				  20);
			snprintf(what, sizeof(what), "%u x %zu pages", BATCH,
				 small[i]);
			print_cost(what, rdos ? "RDOS-like" : "ours", &c);
		}
	for (int rdos = 0; rdos < 2; rdos++) {
		struct cost c = { 0 };

		run_one(&c, rdos ? VM_SPACE_RDOS_LIKE : 0, 64 << 20, 16384, 10);
		print_cost("64 MiB, all touched", rdos ? "RDOS-like" : "ours",
			   &c);
	}
	{
		struct cost c = { 0 };

		run_one(&c, 0, TIB, 1000, 10);
		print_cost("1 TiB, 1000 pages touched", "ours", &c);
	}
}

/*
 * Fill the bottom of the space with `live` small reservations and, with
 * holes, release a third of them at random (holes of 1-8 pages); then time
 * `probes` reservations of 1-16 pages.  With from_lo the search restarts
 * at lo every time, as after the cursor wrapped.  Same sequence for every
 * variant.
 */
static void run_fragmented(const char *variant, unsigned flags, bool holes,
			   bool from_lo, int probes)
{
	const size_t live = 100000;
	struct sim_vm v;
	vaddr_t *va = malloc(live * sizeof(*va));
	size_t *n = malloc(live * sizeof(*n));
	struct bench_rng rng = bench_rng_seed(0);
	vaddr_t got;
	double t;
	uint64_t pages = 0;

	space_new(&v, 8192, flags);
	/* placed by address: a first-fit fill would take minutes */
	for (size_t i = 0; i < live; i++) {
		n[i] = 1 + bench_rand_below(&rng, 8);
		va[i] = i ? va[i - 1] + n[i - 1] * PAGE_SIZE : VM_USER_LO;
		bm_must(vm_reserve_at(&v.space, va[i], n[i], 0), "fill");
	}
	for (size_t i = 0; holes && i < live; i++)
		if (bench_rand_below(&rng, 3) == 0)
			bm_must(vm_release(&v.space, va[i], n[i]), "hole");
	v.space.cursor = va[live - 1] + n[live - 1] * PAGE_SIZE;
	t = bench_now_ns();
	for (int i = 0; i < probes; i++) {
		size_t k = 1 + bench_rand_below(&rng, 16);

		if (from_lo)
			v.space.cursor = v.space.lo;
		bm_must(vm_reserve(&v.space, k, 0, &got), "probe");
		pages += k;
	}
	t = bench_now_ns() - t;
	printf("| %s | %.0f | %.1f | %zu |\n", variant, t / probes,
	       t / pages, table_bytes(&v));
	free(va);
	free(n);
	sim_vm_fini(&v);
}

static void search_costs(void)
{
	static const char head[] =
		"| variant | ns per reserve | ns per page | page-table bytes |\n"
		"|---|---|---|---|\n";

	printf("\n### Search: 100000 reservations of 1-8 pages, a third "
	       "released at random, then reserves of 1-16 pages\n\n%s", head);
	run_fragmented("ours (cursor + summaries)", 0, true, false, 20000);
	run_fragmented("summaries, first fit", VM_SPACE_FIRST_FIT, true,
		       false, 2000);
	run_fragmented("cursor, no summaries", VM_SPACE_NO_SUMMARY, true,
		       false, 20000);
	run_fragmented("RDOS-like", VM_SPACE_RDOS_LIKE, true, false, 2000);
	printf("\n### Search: the same 100000 reservations without holes, "
	       "every search starting at lo (as after the cursor wrapped)"
	       "\n\n%s", head);
	run_fragmented("ours (summaries)", 0, false, true, 2000);
	run_fragmented("no summaries", VM_SPACE_NO_SUMMARY, false, true, 200);
	run_fragmented("RDOS-like", VM_SPACE_RDOS_LIKE, false, true, 200);
}

/* Page-table bytes of one reservation of size bytes at a 1 GiB boundary. */
static size_t reservation_tables(unsigned flags, uint64_t size)
{
	struct sim_vm v;
	size_t bytes;

	space_new(&v, (flags ? (size >> 21) : 0) + 4096, flags);
	bm_must(vm_reserve_at(&v.space, GIB, size >> PAGE_SHIFT, 0), "reserve");
	bytes = table_bytes(&v);
	sim_vm_fini(&v);
	return bytes;
}

static void terabyte_costs(void)
{
	const uint64_t sample = 16 * GIB;
	size_t rdos = reservation_tables(VM_SPACE_RDOS_LIKE, sample);

	printf("\n### Page-table bytes of one reservation at 1 GiB\n\n");
	printf("| size | ours | RDOS-like |\n|---|---|---|\n");
	printf("| 16 GiB | %zu | %zu |\n", reservation_tables(0, sample), rdos);
	printf("| 1 TiB | %zu | %zu (16 GiB measured x 64) |\n",
	       reservation_tables(0, TIB), rdos * (TIB / sample));
}

int main(void)
{
	printf("## bench_vm: vm core on simulated memory\n");
	table_costs();
	search_costs();
	terabyte_costs();
	return 0;
}
