/*
 * replay.c - replays real programs' address spaces (trace.h) on both VM
 * designs: reserve every area, touch as many of its pages as the program
 * had resident, release everything.  Prints CSV rows (bench_mm.h) for
 * three modes per trace:
 *   replay/NAME/at    every area at its recorded address (reserve_at)
 *   replay/NAME/pick  every area where the allocator puts it (reserve),
 *                     to compare with Linux picking (replay_linux.c)
 *   replay/NAME/fork  the "fork once" step: the space of "at", reserved
 *                     and touched untimed, forked (phase fork), one page
 *                     written in the child in every writable area with
 *                     touched pages (phase child_write: copy-on-write
 *                     copies), the child destroyed (phase exit); the
 *                     notes of bm_fork give the child's tables and the
 *                     share table
 *   replay-ablation/NAME/MODE  the same three with rdos's compact entries
 *                     off (VM_SPACE_NO_COMPACT): a table below every
 *                     partial block, as before them
 * Areas outside our user range (the vsyscall page) are skipped in every
 * mode, so all do the same work; replay/NAME rows (design "trace") say
 * how many.  File areas become image reservations whose provider writes
 * the page; "---" areas become guard pages (reserved, then mm_guard).
 * Read-only areas are touched with read faults, which take a frame in
 * both designs.
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
	struct mm_space *child; /* the fork mode's */
};

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

	if (!a->file || trace_area_is_guard(a)) {
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

/* Every area in our range reserved (guards made guards); returns how
 * many. */
static uint64_t reserve_all(struct mm_space *s, const struct replay *rp)
{
	const struct trace *t = rp->t;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user)
			continue;
		bm_must(reserve_area(s, a, rp->at, &rp->va[i]), "reserve");
		if (trace_area_is_guard(a))
			bm_must(mm_guard(s, rp->va[i], a->pages), "guard");
	}
	return t->n_in_user;
}

/* Each area's resident pages touched; returns how many. */
static uint64_t touch_all(struct mm_space *s, const struct replay *rp)
{
	const struct trace *t = rp->t;
	uint64_t touched = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user || trace_area_is_guard(a))
			continue;
		bm_touch(s, rp->va[i], a->touch_pages, 1,
			 VM_PF_USER | (a->write ? VM_PF_WRITE : 0));
		touched += a->touch_pages;
	}
	return touched;
}

static void replay_pass(struct bm_run *r, const void *arg)
{
	const struct replay *rp = arg;
	const struct trace *t = rp->t;
	uint64_t n;

	bm_resume(r);
	n = reserve_all(r->s, rp);
	bm_phase_done(r, "reserve", n);
	bm_resume(r);
	n = touch_all(r->s, rp);
	bm_phase_done(r, "touch", n);
	bm_resume(r);
	for (size_t i = 0; i < t->n; i++)
		if (t->areas[i].in_user)
			bm_must(mm_release(r->s, rp->va[i], t->areas[i].pages),
				"release");
	bm_phase_done(r, "release", t->n_in_user);
}

/* The fork mode's untimed setup: the replayed space, touched. */
static void fork_setup(struct bm_run *r, const void *arg)
{
	reserve_all(r->s, arg);
	touch_all(r->s, arg);
}

static void fork_pass(struct bm_run *r, const void *arg)
{
	const struct replay *rp = arg;
	const struct trace *t = rp->t;
	uint64_t written = 0;

	bm_fork(r, rp->child);
	bm_resume(r);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user || !a->write || a->touch_pages == 0)
			continue;
		bm_touch(rp->child, rp->va[i], 1, 1, BM_PF_WRITE);
		written++;
	}
	bm_phase_done(r, "child_write", written);
	bm_exit(r, rp->child);
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

static const struct replay_mode {
	const char *name;
	bool at;
	void (*setup)(struct bm_run *r, const void *arg);
	void (*pass)(struct bm_run *r, const void *arg);
	unsigned rdos_space_flags; /* the ablation's: rows replay-ablation/ */
} modes[] = {
	{ "at", true, NULL, replay_pass, 0 },
	{ "pick", false, NULL, replay_pass, 0 },
	{ "fork", true, fork_setup, fork_pass, 0 },
	{ "at", true, NULL, replay_pass, VM_SPACE_NO_COMPACT },
	{ "pick", false, NULL, replay_pass, VM_SPACE_NO_COMPACT },
	{ "fork", true, fork_setup, fork_pass, VM_SPACE_NO_COMPACT },
};

static void replay_trace(const struct trace *t)
{
	/* touched pages, a leaf table per 512 pages, up to 4 tables at the
	 * ends of each area, twice (the fork's child), a copy per area, and
	 * room for the PML4s and upper tables */
	const size_t frames = t->touch_pages +
			      2 * (t->pages / 512 + 4 * t->n) + t->n + 2048;
	struct mm_space child;
	struct replay rp = { .t = t, .va = calloc(t->n, sizeof(vaddr_t)),
			     .child = &child };
	char w[96];
	struct bm b;

	bm_init(&b, frames);
	trace_rows(t);
	for (unsigned m = 0; m < sizeof(modes) / sizeof(*modes); m++) {
		struct bm_spec spec = {
			.workload = w, .lo = VM_USER_LO, .hi = VM_USER_HI,
			.fresh = true, .setup = modes[m].setup,
			.pass = modes[m].pass, .arg = &rp,
			.rdos_space_flags = modes[m].rdos_space_flags
		};

		rp.at = modes[m].at;
		snprintf(w, sizeof(w), "replay%s/%s/%s",
			 modes[m].rdos_space_flags ? "-ablation" : "", t->name,
			 modes[m].name);
		bm_measure_both(&b, &spec);
	}
	bm_fini(&b);
	free(rp.va);
}

int main(int argc, char **argv)
{
	return trace_replay_files(argc, argv, replay_trace);
}
