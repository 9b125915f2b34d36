/*
 * kbench_internal.h - what the in-kernel benchmark's driver (kbench.c)
 * offers its workloads (kbench_work.c).
 *
 * A workload runs a pass on one fresh space of one design: untimed setup,
 * then phases, each between kb_begin and kb_end.  The driver runs every
 * pass KB_REPS times per design, alternating the designs, and prints per
 * phase the median of the cycles and the work counts of the first pass;
 * every later pass must count exactly the same work, or the benchmark
 * fails (the workloads are deterministic).
 */
#ifndef KERNEL_KBENCH_INTERNAL_H
#define KERNEL_KBENCH_INTERNAL_H

#include "kernel/boot_info.h"
#include "mm/mm_space.h"

#define KB_REPS 3
#define KB_MAX_PHASES 8

/* Pages of user memory the workloads ask for, and their write faults. */
#define KB_PROT (VM_PROT_WRITE | VM_PROT_USER)
#define KB_PF_WRITE (VM_PF_WRITE | VM_PF_USER)
/* The provider of image reservations: writes the whole page. */
#define KB_IMAGE_SEL 250u

struct kb_phase {
	const char *name;
	uint64_t ops;
	uint64_t cycles;
	struct mm_work work;
	uint64_t table_bytes, descriptor_bytes, vma_bytes; /* after the phase */
};

/* One pass of a workload on one design. */
struct kb_run {
	struct mm_space space; /* fresh for every pass */
	enum mm_design design;
	int nphases;
	struct kb_phase phase[KB_MAX_PHASES];
	uint64_t start; /* the running phase's */
	struct mm_work at;
};

struct kb_workload {
	const char *name; /* CSV workload */
	void (*pass)(struct kb_run *r, const void *arg);
	const void *arg;
};

/* Start a phase; end it as name with ops operations. */
/* Ends the benchmark run: the closing line, then the emulator exits. */
__attribute__((noreturn)) void kb_finish(bool pass);
uint64_t kb_median3(uint64_t a, uint64_t b, uint64_t c);
/* TSC ticks per second, measured against the PIT at the start of the run. */
uint64_t kb_tsc_hz(void);
/* Fault and reserve throughput against threads (kbench_smp.c). */
void kb_run_smp_throughput(void);
/* Ring-3 demand-zero faults and a PE program's spawn to its first
 * instruction, timed by the process (kbench_user.c). */
void kb_run_user(void);
/* Frame allocator throughput against CPUs, caches on and off
 * (kbench_frames.c). */
void kb_run_frame_throughput(void);
void kb_begin(struct kb_run *r);
void kb_end(struct kb_run *r, const char *name, uint64_t ops);

/* A second space of the run's design for fork (uninitialised storage);
 * kb_exit destroys it, both as their own phases. */
void kb_fork(struct kb_run *r, struct mm_space *child);
void kb_exit(struct kb_run *r, struct mm_space *child);

/* Stops the benchmark (FAIL) unless st is VM_OK. */
void kb_must(enum vm_status st, const char *what);
/* n faults with error code pf, stride pages apart from va: each must
 * give want. */
void kb_touch(struct mm_space *s, vaddr_t va, uint64_t n, uint64_t stride,
	      unsigned pf, enum vm_fault_result want);

/* Measures w on both designs and prints its rows. */
void kb_measure(const struct kb_workload *w);

/* kbench_work.c: every workload; traces are the modules' text. */
void kb_run_workloads(const struct boot_info *bi);

#endif
