/*
 * bench_fork.c - fork, exit and copy-on-write faults on both VM designs
 * (CSV rows, bench_mm.h), and what the frame-share table costs in memory
 * against a per-frame count array:
 *   fork/touched/N  a RESERVED_PAGES reservation (1 GiB) whose first N
 *                   pages are touched (1 to 256 MiB), then the phases
 *                   fork (the child made: tables copied, frames counted)
 *                   and exit (the child destroyed: counts dropped); the
 *                   notes of bm_fork give the child's tables and the share
 *                   table's bytes.  Then fork_again and exit_again: the
 *                   same parent forked once more at once, its caches warm
 *                   from the first fork (the first follows the untimed
 *                   setup, which has written the touched pages and left
 *                   the caches cold): what the fork's own work costs,
 *                   apart from the cache misses after touching the pages.
 *                   Then fork_evicted and exit_evicted: forked once more
 *                   after an untimed write of 64 MiB of other memory, so
 *                   that every size starts as cold: the ratio between
 *                   sizes shows the fork's own dependence on them
 *   fork/cow        COW_PAGES touched pages, forked (untimed), then the
 *                   phases cow_copy (the parent writes each page: count 2,
 *                   the frame is copied) and cow_in_place (the child
 *                   writes each: count 1, made writable in place); notes
 *                   cow_copies and cow_in_place, the share table's
 *                   counters, which must both equal the pages
 *   fork-copy/touched/N  the same for rdos with VM_SPACE_COPY_TABLES
 *                   (its fork copies every table, as Card 1's does): the
 *                   ablation of shared page tables
 *   fork/ram        design "both": the simulated RAM in frames, that of
 *                   16 GiB, and the bytes a per-frame count would take
 * The rdos fork shares the page tables below the PML4 (docs/fork.md): its
 * fork phase costs one entry per 512 GiB, and the first write below each
 * shared table pays that table's copy, inside cow_copy; Card 1 copies
 * every table at fork.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_mm.h"
#include "lib/panic.h"

/* the reservation: at the bottom of the space, where the allocator would
 * put it (not 2 MiB-aligned, so rdos marks its head page by page) */
#define AREA_VA VM_USER_LO
#define RESERVED_PAGES (GIB >> PAGE_SHIFT)
#define COW_PAGES 16384 /* 64 MiB, as bench_fault's faults */
#define MIB_PAGES 256
#define EVICT_BYTES ((size_t)64 << 20)
/* the per-frame array docs/fork.md weighs the share table against */
#define ARRAY_BYTES_PER_FRAME 4
#define RAM_16GIB_FRAMES (16 * GIB >> PAGE_SHIFT)

struct fork_case {
	size_t reserved, touched;   /* pages */
	struct mm_space *child;
};

/* Untimed: write EVICT_BYTES of memory the spaces never use, more than
 * the 256 MiB setup's share of any cache and TLB, so that what follows
 * starts as cold at every size. */
static void evict_caches(void)
{
	static volatile uint8_t *sweep;

	if (!sweep)
		sweep = malloc(EVICT_BYTES);
	if (!sweep)
		panic("bench_fork: no memory to evict the caches with");
	for (size_t i = 0; i < EVICT_BYTES; i += 64)
		sweep[i] = (uint8_t)i;
}

/* Untimed: the reservation and its touched pages. */
static void touched_setup(struct bm_run *r, const void *arg)
{
	const struct fork_case *fc = arg;

	bm_must(mm_reserve_at(r->s, AREA_VA, fc->reserved, BM_PROT),
		"reserve");
	bm_touch(r->s, AREA_VA, fc->touched, 1, BM_PF_WRITE);
}

/* The parent forked into child and the child destroyed again, timed as
 * the phases fork_phase and exit_phase (without bm_fork's notes). */
static void fork_and_exit(struct bm_run *r, struct mm_space *child,
			  const char *fork_phase, const char *exit_phase)
{
	bm_resume(r);
	bm_must(mm_fork(r->s, child), fork_phase);
	bm_phase_done(r, fork_phase, 1);
	bm_resume(r);
	mm_space_destroy(child);
	bm_phase_done(r, exit_phase, 1);
}

static void fork_exit_pass(struct bm_run *r, const void *arg)
{
	const struct fork_case *fc = arg;

	bm_fork(r, fc->child);
	bm_exit(r, fc->child);
	fork_and_exit(r, fc->child, "fork_again", "exit_again");
	evict_caches();
	fork_and_exit(r, fc->child, "fork_evicted", "exit_evicted");
}

/* Note the COW faults the share table counted since at; each kind must
 * have happened want times. */
static void cow_check(struct bm_run *r, const struct vm_share_stats *at,
		      uint64_t want)
{
	struct vm_share_stats now = vm_share_stats(&r->b->share);
	uint64_t copies = now.cow_copies - at->cow_copies,
		 in_place = now.cow_in_place - at->cow_in_place;

	if (copies != want || in_place != want)
		panic("bench_fork: %lu copies, %lu in place, want %lu each",
		      (unsigned long)copies, (unsigned long)in_place,
		      (unsigned long)want);
	bm_note(r, "cow_copies", (double)copies, "faults");
	bm_note(r, "cow_in_place", (double)in_place, "faults");
}

static void cow_pass(struct bm_run *r, const void *arg)
{
	const struct fork_case *fc = arg;
	struct vm_share_stats at = vm_share_stats(&r->b->share);

	bm_must(mm_fork(r->s, fc->child), "fork");
	bm_resume(r);
	bm_touch(r->s, AREA_VA, fc->touched, 1, BM_PF_WRITE);
	bm_phase_done(r, "cow_copy", fc->touched);
	bm_resume(r);
	bm_touch(fc->child, AREA_VA, fc->touched, 1, BM_PF_WRITE);
	bm_phase_done(r, "cow_in_place", fc->touched);
	mm_space_destroy(fc->child);
	cow_check(r, &at, fc->touched);
}

static void measure(struct bm *b, const char *workload, struct fork_case *fc,
		    void (*pass)(struct bm_run *, const void *),
		    unsigned rdos_flags)
{
	struct bm_spec spec = { .workload = workload, .lo = VM_USER_LO,
				.hi = VM_USER_HI, .fresh = true,
				.setup = touched_setup, .pass = pass,
				.arg = fc, .rdos_pass_flags = rdos_flags };

	bm_measure_both(b, &spec);
}

static void ram_rows(const struct bm *b)
{
	bench_row("fork/ram", "both", "sim_frames", (double)b->phys.nframes,
		  "frames");
	bench_row("fork/ram", "both", "ram_16gib_frames",
		  (double)RAM_16GIB_FRAMES, "frames");
	bench_row("fork/ram", "both", "array_bytes_per_frame",
		  ARRAY_BYTES_PER_FRAME, "bytes");
}

int main(void)
{
	static const size_t touched_mib[] = { 1, 4, 16, 64, 256 };
	struct mm_space child;
	struct fork_case fc = { .reserved = RESERVED_PAGES, .child = &child };
	struct bm b;
	char w[64];

	/* RAM as large as the reservation: the touched pages and both
	 * spaces' tables fit, and so do the COW copies */
	bm_init(&b, RESERVED_PAGES);
	for (unsigned i = 0; i < sizeof(touched_mib) / sizeof(*touched_mib);
	     i++) {
		fc.touched = touched_mib[i] * MIB_PAGES;
		snprintf(w, sizeof(w), "fork/touched/%zu", fc.touched);
		measure(&b, w, &fc, fork_exit_pass, 0);
		bench_row(w, "both", "reserved_pages", (double)fc.reserved,
			  "pages");
		snprintf(w, sizeof(w), "fork-copy/touched/%zu", fc.touched);
		measure(&b, w, &fc, fork_exit_pass, VM_SPACE_COPY_TABLES);
	}
	fc.reserved = fc.touched = COW_PAGES;
	measure(&b, "fork/cow", &fc, cow_pass, 0);
	measure(&b, "fork-copy/cow", &fc, cow_pass, VM_SPACE_COPY_TABLES);
	ram_rows(&b);
	bm_fini(&b);
	return 0;
}
