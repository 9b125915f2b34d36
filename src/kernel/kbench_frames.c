/*
 * kbench_frames.c - the frame allocator's throughput against the number of
 * CPUs using it at once, with the per-CPU frame caches on and off, in one
 * boot (frame_cache.c, docs/smp.md).
 *
 * T threads (1, 2, 4 ... up to the CPUs online, one per CPU, parallel.h)
 * each take KB_FRAMES_HELD frames and give them back, in a loop, for
 * KB_FRAMES_MS of their own time stamp counter.  Row:
 *   kbench,smp-frames/threads=T,cache|nocache,per_second,N,1/s
 * N: frames taken (and given back) by all threads together per second,
 * the median of KB_REPS runs.  The settings alternate, and both run at
 * every count before the next, as in kbench_smp.c, so that a slow phase
 * of the host hits both alike.  The time limit is in TSC ticks at the rate
 * kbench.c measured against the PIT (the threads run with interrupts off,
 * so the timer's ticks stop meanwhile).
 */
#include "arch/x86_64/cpu.h"
#include "kernel/frame_cache.h"
#include "kernel/frames.h"
#include "kernel/kbench_internal.h"
#include "kernel/parallel.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/tlb.h"

#define KB_FRAMES_MS 200  /* per thread count and setting */
#define KB_FRAMES_HELD 8  /* frames a thread holds at once */

struct frames_bench {
	uint64_t cycles;            /* each thread's run */
	uint64_t frames[MAX_CPUS];  /* taken by thread i */
	bool failed;                /* a frame_alloc came back empty */
};

static void alloc_free_loop(unsigned i, void *arg)
{
	struct frames_bench *b = arg;
	uint64_t end = rdtsc() + b->cycles, n = 0;
	paddr_t held[KB_FRAMES_HELD];

	while (rdtsc() < end) {
		for (unsigned k = 0; k < KB_FRAMES_HELD; k++)
			if (frame_alloc(&held[k]) != PMM_OK) {
				b->failed = true;
				return;
			}
		for (unsigned k = 0; k < KB_FRAMES_HELD; k++)
			frame_free(held[k]);
		n += KB_FRAMES_HELD;
		tlb_catch_up(); /* parallel.h */
	}
	b->frames[i] = n;
}

/* Frames a second that `threads` CPUs take together. */
static uint64_t measure(unsigned threads, bool cache, uint64_t tsc_hz)
{
	struct frames_bench b = { .cycles = tsc_hz / 1000 * KB_FRAMES_MS };
	uint64_t total = 0;

	frame_cache_set_enabled(cache);
	kprintf("kbench: smp-frames/threads=%u, caches %s\n", threads, cache ? "on" : "off");
	if (!parallel_run(threads, alloc_free_loop, &b) || b.failed) {
		kprintf("kbench: frames, %u threads: out of memory\n", threads);
		kb_finish(false);
	}
	for (unsigned i = 0; i < threads; i++)
		total += b.frames[i];
	return total * 1000 / KB_FRAMES_MS;
}

/* The median of KB_REPS runs per setting, the settings alternating. */
static void run_count(unsigned threads, uint64_t tsc_hz)
{
	uint64_t rate[2][KB_REPS];

	for (unsigned rep = 0; rep < KB_REPS; rep++)
		for (unsigned cache = 0; cache < 2; cache++)
			rate[cache][rep] = measure(threads, cache, tsc_hz);
	for (unsigned cache = 0; cache < 2; cache++)
		kprintf("kbench,smp-frames/threads=%u,%s,per_second,%lu,1/s\n", threads,
			cache ? "cache" : "nocache",
			kb_median3(rate[cache][0], rate[cache][1], rate[cache][2]));
}

void kb_run_frame_throughput(void)
{
	bool was = frame_cache_enabled();
	uint64_t tsc_hz = kb_tsc_hz();

	_Static_assert(KB_REPS == 3, "kb_median3 takes the median of 3 runs");
	for (unsigned threads = 1; threads <= cpus_online(); threads *= 2)
		run_count(threads, tsc_hz);
	frame_cache_set_enabled(was);
}
