/*
 * replay.c - replays real programs' address spaces (trace.h) on both VM
 * designs: reserve every area, touch as many of its pages as the program
 * had resident, release everything.  Prints CSV rows (bench_mm.h) for two
 * modes per trace:
 *   replay/NAME/at    every area at its recorded address (reserve_at)
 *   replay/NAME/pick  every area where the allocator puts it (reserve),
 *                     to compare with Linux picking (replay_linux.c)
 * Areas outside our user range (the vsyscall page) are skipped in both
 * modes, so both do the same work; replay/NAME rows (design "trace") say
 * how many.  File areas become image reservations whose provider writes
 * the page; "---" areas become guard pages (reserved, then mm_guard).
 * Read-only areas are touched with read faults, which take a frame in
 * both designs.  The programs' "fork once" step is not run: neither
 * design had fork when this was written (a "pending" row says so).
 *
 * Usage: replay TRACE.maps.csv...
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"
#include "trace.h"

struct replay {
	const struct trace *t;
	bool at;     /* at the recorded addresses, else allocator picks */
	vaddr_t *va; /* where each area went */
};

static bool is_guard(const struct trace_area *a)
{
	return !a->read && !a->write && !a->exec;
}

static unsigned area_prot(const struct trace_area *a)
{
	return VM_PROT_USER | (a->write ? VM_PROT_WRITE : 0) |
	       (a->exec ? VM_PROT_EXEC : 0);
}

static enum vm_status reserve_area(struct mm_space *s,
				   const struct trace_area *a, bool at,
				   vaddr_t *va)
{
	const unsigned prot = area_prot(a);

	if (!a->file || is_guard(a)) {
		if (!at)
			return mm_reserve(s, a->pages, prot, va);
		*va = a->start;
		return mm_reserve_at(s, *va, a->pages, prot);
	}
	if (!at)
		return mm_reserve_image(s, a->pages, prot, BM_IMAGE_SEL,
					a->file_page, va);
	*va = a->start;
	return mm_reserve_image_at(s, *va, a->pages, prot, BM_IMAGE_SEL,
				   a->file_page);
}

static void replay_pass(struct bm_run *r, const void *arg)
{
	const struct replay *rp = arg;
	const struct trace *t = rp->t;
	uint64_t touched = 0;

	bm_resume(r);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user)
			continue;
		bm_must(reserve_area(r->s, a, rp->at, &rp->va[i]), "reserve");
		if (is_guard(a))
			bm_must(mm_guard(r->s, rp->va[i], a->pages), "guard");
	}
	bm_phase_done(r, "reserve", t->n_in_user);
	bm_resume(r);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user || is_guard(a))
			continue;
		bm_touch(r->s, rp->va[i], a->touch_pages, 1,
			 VM_PF_USER | (a->write ? VM_PF_WRITE : 0));
		touched += a->touch_pages;
	}
	bm_phase_done(r, "touch", touched);
	bm_resume(r);
	for (size_t i = 0; i < t->n; i++)
		if (t->areas[i].in_user)
			bm_must(mm_release(r->s, rp->va[i], t->areas[i].pages),
				"release");
	bm_phase_done(r, "release", t->n_in_user);
}

static void trace_rows(const struct trace *t)
{
	char w[96];

	snprintf(w, sizeof(w), "replay/%s", t->name);
	bench_row(w, "trace", "areas", (double)t->n, "areas");
	bench_row(w, "trace", "areas_skipped", (double)(t->n - t->n_in_user),
		  "areas");
	bench_row(w, "trace", "pages", (double)t->pages, "pages");
	bench_row(w, "trace", "touch_pages", (double)t->touch_pages, "pages");
}

static void replay_trace(const struct trace *t)
{
	/* touched pages, a leaf table per 512 pages, up to 4 tables at the
	 * ends of each area, and room for the PML4s and upper tables */
	const size_t frames = t->touch_pages + t->pages / 512 + 4 * t->n + 1024;
	struct replay rp = { .t = t, .va = calloc(t->n, sizeof(vaddr_t)) };
	char w[96];
	struct bm b;

	bm_init(&b, frames);
	trace_rows(t);
	for (int at = 1; at >= 0; at--) {
		struct bm_spec spec = { .workload = w, .lo = VM_USER_LO,
					.hi = VM_USER_HI, .fresh = true,
					.pass = replay_pass, .arg = &rp };

		rp.at = at;
		snprintf(w, sizeof(w), "replay/%s/%s", t->name,
			 at ? "at" : "pick");
		bm_measure_both(&b, &spec);
	}
	bm_fini(&b);
	free(rp.va);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s TRACE.maps.csv...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct trace t;

		if (trace_load(&t, argv[i]))
			return 1;
		replay_trace(&t);
		trace_free(&t);
	}
	/* the traces' "fork once" step and workload 6 need fork */
	bench_row("replay-fork", "both", "pending", 1, "flag");
	bench_row("fork-exit", "both", "pending", 1, "flag");
	return 0;
}
