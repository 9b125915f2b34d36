/*
 * sim_phys.h - simulated physical memory for host tests of mm/ code.
 *
 * A malloc'd array of 4 KiB frames at made-up physical addresses (starting
 * at SIM_PHYS_BASE, so 0 is never a frame), a frame allocator that can be
 * told to fail, and counters that let a test prove nothing leaked:
 * frames in use must equal what the code under test says it holds.
 * Freed frames are filled with a pattern that is checked when the frame is
 * handed out again (a write after free panics); handed-out frames are
 * filled with another pattern, since frame_alloc does not zero.
 *
 * With threads set, for code under test that runs on several threads,
 * allocation, free and invalidation take the simulation's lock, and an
 * allocation yields the CPU after it, so that racing threads interleave
 * even when the machine is busy.  Off by default: single-threaded tests
 * and benchmarks pay nothing for it.
 */
#ifndef SIM_PHYS_H
#define SIM_PHYS_H

#include <pthread.h>

#include "mm/vm.h"

#define SIM_PHYS_BASE ((paddr_t)0x100000)

struct sim_phys {
	unsigned char *mem;     /* nframes * PAGE_SIZE bytes */
	size_t nframes;
	size_t *free_stack;     /* indices of free frames */
	size_t nfree;
	bool *used;             /* per frame: handed out */
	size_t in_use;          /* frames handed out and not freed */
	long fail_after;        /* allocations left before failing; -1: never */
	bool poison;            /* fill and check patterns (off in benchmarks) */
	bool threads;           /* callers on several threads: lock, yield */
	pthread_mutex_t lock;   /* over every field but mem's frames */
	unsigned long allocs, frees, invalidations;
	unsigned long space_flushes; /* of them, whole-space flushes */
	vaddr_t last_invalidated;
};

/* nframes frames, all free, poisoning on; sim_phys_fini releases them. */
void sim_phys_init(struct sim_phys *p, size_t nframes);
void sim_phys_fini(struct sim_phys *p);

/* Let the next n allocations succeed and fail all after; n < 0: never. */
void sim_phys_fail_after(struct sim_phys *p, long n);

int sim_phys_alloc(struct sim_phys *p, paddr_t *out);
void sim_phys_free(struct sim_phys *p, paddr_t pa);
void *sim_phys_to_virt(struct sim_phys *p, paddr_t pa);

/* A struct vm_env whose frames and TLB are this simulation.  Every
 * translation checks that its frame is in use (direct_map 0). */
struct vm_env sim_phys_vm_env(struct sim_phys *p);

/* The direct map of this memory (vm_env.direct_map): translations without
 * the check, as in the kernel, for the benchmarks. */
uintptr_t sim_phys_direct_map(const struct sim_phys *p);

/* An address space over simulated memory: the fixture of vm tests. */
struct sim_vm {
	struct sim_phys phys;
	struct vm_space space;
};

/* A user space over [lo, hi) with nframes frames; panics if it cannot. */
void sim_vm_init(struct sim_vm *v, vaddr_t lo, vaddr_t hi, size_t nframes,
		 unsigned flags);

/* Destroy the space; panics unless every frame came back. */
void sim_vm_fini(struct sim_vm *v);

/*
 * NULL if the space's invariants hold and the frames in use are exactly
 * its tables and owned present pages; otherwise what is wrong.
 */
const char *sim_vm_check(struct sim_vm *v, struct vm_stats *stats);

#endif
