/*
 * bench_mm.h - the two VM designs measured on the same work, through
 * mm_space.h, on simulated physical memory (tests/host/sim_phys.h).
 *
 * A struct bm holds one simulated memory and a space of each design.  A
 * workload is a struct bm_spec: an optional untimed setup and a pass made
 * of named phases.  bm_measure_both() first runs one untimed probe pass
 * per design, which records each phase's work counts and the memory
 * overhead after it (checking the design's invariants there), then
 * BENCH_REPS timed passes, alternating the designs so that a drift in the
 * machine's speed hits both alike.  It prints, per design and phase, the
 * median time and the probe's counts as CSV rows (bench_common.h):
 *
 *   <phase>_ns                median time of the phase          ns
 *   <phase>_ops               operations the pass counted        ops
 *   <phase>_entries_read, <phase>_entries_written, <phase>_table_visits
 *   (tables entered), <phase>_nodes_visited (card1's tree),
 *   <phase>_frames_alloc, <phase>_frames_freed
 *                             the cores' own work counts (mm/mm_work.h)
 *   <phase>_tlb_invalidations env.tlb_invalidate calls
 *   <phase>_nodes_alloc, <phase>_nodes_freed      VMA nodes (card1)
 *   <phase>_table_bytes, <phase>_vma_bytes, <phase>_vma_nodes,
 *   <phase>_tree_height       memory after the phase
 *
 * The last three kinds are counted from outside (the environment's
 * callbacks), and the cores' frame counts are checked against simulated
 * memory's at every phase boundary.  A pass may add
 * rows of its own in the probe pass (bm_note): what the phases' memory
 * rows cannot see, such as a forked child's tables.  The spaces share one
 * frame-share table (b->share), so mm_fork works; bm_fini checks that it
 * is empty again.
 * Invariant: every timed pass does exactly the probe's work (same phases,
 * ops and counts), else the benchmark panics: a pass whose work depends
 * on the passes before it would not be a repeated measurement.  The one
 * exception: card1's nodes visited in a space kept across passes, whose
 * tree holds the same VMAs but not the same shape (bench_mm.c); the
 * rows give the probe's.
 */
#ifndef BENCH_MM_H
#define BENCH_MM_H

#include "bench_common.h"
#include "mm/mm_space.h"
#include "mm/vm_share.h"
#include "sim_phys.h"

#define BM_DESIGNS 2 /* indexed by enum mm_design */
#define BM_MAX_PHASES 12
#define BM_MAX_NOTES 8

/* Pages of user memory every workload asks for: writable user pages. */
#define BM_PROT (VM_PROT_WRITE | VM_PROT_USER)
#define BM_PF_WRITE (VM_PF_WRITE | VM_PF_USER)

/* The provider selector bm_init registers: fills a page like a file read. */
#define BM_IMAGE_SEL 1u

struct bm_counts {
	struct mm_work core; /* the cores' counts */
	uint64_t tlb_invalidations;
	uint64_t nodes_alloc, nodes_freed;
};

struct bm_mem {
	size_t table_bytes; /* page tables, PML4 included */
	size_t own_table_bytes; /* of them, not reached through a table
				   pointer fork shares */
	size_t descriptor_bytes; /* compact entries' descriptor frames (rdos) */
	size_t vma_bytes;   /* VMA nodes; 0 for rdos */
	size_t vma_nodes;
	unsigned tree_height; /* 0 for rdos */
};

struct bm {
	struct sim_phys phys; /* first member: the env's ctx points here */
	struct mm_work work;  /* every space's (env.vm.work) */
	uint64_t nodes_alloc, nodes_freed;
	struct vm_share share; /* every space's, for mm_fork */
	struct mm_space space[BM_DESIGNS];
};

struct bm_phase {
	const char *name;
	uint64_t ops;
	double ns;
	struct bm_counts work;
	struct bm_mem mem; /* after the phase; probe pass only */
};

/* A row of the probe pass beyond the phases' (bm_note). */
struct bm_note {
	const char *metric, *unit; /* string literals */
	double value;
};

/* One pass of a workload on one design. */
struct bm_run {
	struct bm *b;
	struct mm_space *s;
	enum mm_design design;
	bool probe;            /* the untimed pass: counts and memory */
	struct bench_rng rng;  /* seeded alike for every pass */
	int nphases;
	struct bm_phase phase[BM_MAX_PHASES];
	int nnotes;
	struct bm_note note[BM_MAX_NOTES];
	bool running;          /* the current phase's clock */
	double mark, ns;
	struct bm_counts at, work;
};

struct bm_spec {
	const char *workload; /* CSV workload name */
	vaddr_t lo, hi;       /* the spaces' range */
	uint64_t seed;
	bool fresh; /* a new space and setup for every pass; else one space
		       per design, and each pass must leave it as setup did */
	void (*setup)(struct bm_run *r, const void *arg); /* untimed; or NULL */
	void (*pass)(struct bm_run *r, const void *arg);
	const void *arg;
	/* VM_SPACE_* flags the rdos space gets after setup, for the passes
	 * only (the ablation of bench_frag.c); 0 for none */
	unsigned rdos_pass_flags;
	/* VM_SPACE_* flags the rdos space is made with, before the setup
	 * (those that decide what tables hold: VM_SPACE_NO_BOUNDS) */
	unsigned rdos_space_flags;
};

/* Simulated memory of nframes frames (not poisoned), no space yet. */
void bm_init(struct bm *b, size_t nframes);
/* Panics unless every frame and node came back. */
void bm_fini(struct bm *b);

/* b->space[d] over [lo, hi); mm_space_destroy() frees it. */
void bm_space_new(struct bm *b, enum mm_design d, vaddr_t lo, vaddr_t hi);

void bm_measure_both(struct bm *b, const struct bm_spec *spec);

/* The current phase's clock and counters run between resume and pause;
 * bm_phase_done closes the phase under name with ops operations. */
void bm_resume(struct bm_run *r);
void bm_pause(struct bm_run *r);
void bm_phase_done(struct bm_run *r, const char *name, uint64_t ops);

/* In the probe pass, one more row workload,design,metric,value,unit;
 * nothing in the timed passes.  Call it outside the phases' clock. */
void bm_note(struct bm_run *r, const char *metric, double value,
	     const char *unit);

/*
 * Fork r->s into child (uninitialised storage) as the phase "fork", one
 * operation; in the probe pass, note what the fork built that the
 * parent's memory rows do not show: fork_child_table_bytes,
 * fork_child_vma_bytes, fork_share_bytes and fork_share_frames (the
 * frame-share table after the fork).  bm_exit destroys child as the phase
 * "exit".
 */
void bm_fork(struct bm_run *r, struct mm_space *child);
void bm_exit(struct bm_run *r, struct mm_space *child);

const char *bm_design_name(enum mm_design d);
void bm_must(enum vm_status st, const char *what);

/* Fault n pages stride pages apart from va with error code pf; each fault
 * must be HANDLED. */
void bm_touch(struct mm_space *s, vaddr_t va, size_t n, size_t stride,
	      unsigned pf);

/* Where the next search starts: a benchmark's way to ask for the search
 * of a space whose cursor has wrapped, or stands anywhere. */
void bm_set_cursor(struct mm_space *s, vaddr_t va);

/* Page tables and VMA nodes; panics if an invariant is broken. */
struct bm_mem bm_memory(const struct mm_space *s);

#endif
