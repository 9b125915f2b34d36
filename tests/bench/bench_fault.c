/*
 * bench_fault.c - the page-fault path of both VM designs (CSV rows,
 * bench_mm.h), in a space that already holds BG areas of 4 pages with
 * one page touched each (fault/bgBG, for BG 0 and 10000: card1 decides a
 * fault on a non-present page from its VMA tree, whose depth grows with
 * the areas; rdos from the page's own entry).  Phases of a pass:
 *   demand_zero  write faults on FAULT_PAGES reserved pages: frame taken
 *                and zeroed
 *   present      the same pages faulted again: the stale-TLB rung
 *   image        read faults on FAULT_PAGES image pages: frame filled by
 *                the provider (bench_mm.c writes the whole page)
 *   unreserved   faults on FAULT_PAGES pages nothing reserved (FREE)
 * Copy-on-write faults are measured after a fork, by bench_fork.c.
 */
#include <stdio.h>

#include "bench_mm.h"
#include "lib/panic.h"

#define FAULT_PAGES 16384 /* 64 MiB */
#define BG_AREA_PAGES 4
#define MAX_BG 10000

static void bg_setup(struct bm_run *r, const void *arg)
{
	const size_t nbg = *(const size_t *)arg;
	vaddr_t va;

	for (size_t i = 0; i < nbg; i++) {
		bm_must(mm_reserve(r->s, BG_AREA_PAGES, BM_PROT, &va), "bg");
		bm_touch(r->s, va, 1, 1, BM_PF_WRITE);
	}
}

/* Faults on free pages from va: each must be refused as FREE. */
static void fault_unreserved(struct mm_space *s, vaddr_t va, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		enum vm_fault_result res =
			mm_fault(s, va + p * PAGE_SIZE, BM_PF_WRITE, NULL);

		if (res != VM_FAULT_FREE)
			panic("bench_fault: unreserved page: %s",
			      vm_fault_result_name(res));
	}
}

static void fault_pass(struct bm_run *r, const void *arg)
{
	/* the top of the space: the allocator fills it from the bottom */
	const vaddr_t nowhere = VM_USER_HI - 2 * FAULT_PAGES * PAGE_SIZE;
	vaddr_t anon, image;

	(void)arg;
	bm_must(mm_reserve(r->s, FAULT_PAGES, BM_PROT, &anon), "reserve");
	bm_must(mm_reserve_image(r->s, FAULT_PAGES, BM_PROT, BM_IMAGE_SEL, 0,
				 &image),
		"reserve image");
	bm_resume(r);
	bm_touch(r->s, anon, FAULT_PAGES, 1, BM_PF_WRITE);
	bm_phase_done(r, "demand_zero", FAULT_PAGES);
	bm_resume(r);
	bm_touch(r->s, anon, FAULT_PAGES, 1, BM_PF_WRITE);
	bm_phase_done(r, "present", FAULT_PAGES);
	bm_resume(r);
	bm_touch(r->s, image, FAULT_PAGES, 1, VM_PF_USER);
	bm_phase_done(r, "image", FAULT_PAGES);
	bm_resume(r);
	fault_unreserved(r->s, nowhere, FAULT_PAGES);
	bm_phase_done(r, "unreserved", FAULT_PAGES);
	bm_must(mm_release(r->s, anon, FAULT_PAGES), "release");
	bm_must(mm_release(r->s, image, FAULT_PAGES), "release image");
}

int main(void)
{
	static const size_t backgrounds[] = { 0, MAX_BG };
	struct bm b;
	char w[64];

	/* background pages and tables, the faulted pages and their tables */
	bm_init(&b, 2 * MAX_BG + 3 * FAULT_PAGES + 1024);
	for (unsigned i = 0; i < 2; i++) {
		struct bm_spec spec = { .workload = w, .lo = VM_USER_LO,
					.hi = VM_USER_HI, .fresh = true,
					.setup = bg_setup, .pass = fault_pass,
					.arg = &backgrounds[i] };

		snprintf(w, sizeof(w), "fault/bg%zu", backgrounds[i]);
		bm_measure_both(&b, &spec);
	}
	bm_fini(&b);
	return 0;
}
