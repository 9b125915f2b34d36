/*
 * ut_mt_throughput - fault and reserve throughput of one process's threads
 * running at once, for the multiprocessor comparison of the two designs
 * (docs/smp.md; `make bench` runs it with 1, 2, 4 ... threads under both).
 *
 *   faults    every thread has reserved `pages` pages of its own; released
 *             together, they write one word per page: `pages` first-touch
 *             faults each, in parallel.
 *   reserves  every thread reserves and releases a `size`-page area
 *             `rounds` times, in parallel.
 *   mixed     (2 threads or more) thread 0 reserves and releases as in
 *             `reserves` while the others first-touch a second area of
 *             `pages` pages each: what a fault costs while the space is
 *             being changed beside it, the case a VMA tree's lock
 *             serialises and the rdos design does not (docs/smp.md).
 *             The rate counts the faulting threads' pages only.
 * Each phase is timed with the TSC from the moment the threads are let go
 * to the moment the last one is done, and checked: every page written
 * holds its thread's value, every call succeeded.  Given the TSC's rate
 * (tsc_hz=, which the kernel's benchmark measured and passes), rows for
 * the benchmark report go to the console as
 *   kbench,smp-<phase>/threads=T,<design>,per_second,<rate>,1/s
 * (design from the rdos or card1 word: the spawner knows it, not the
 * process).  Timer ticks would be too coarse: a phase lasts a few.
 *
 * Arguments: threads=T (default 2) pages=N (2048) rounds=N (256) size=N
 * (16) tsc_hz=N (none: no rows) and rdos or card1 (the name printed).
 * Pass rule: exit 0.
 */
#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "lib/format.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"
#include "user/runtime/thread.h"

#define PAGE USER_PAGE_SIZE
#define MAX_THREADS 16
#define STACK_PAGES 4

enum phase { PHASE_FAULTS = 1, PHASE_RESERVES = 2, PHASE_MIXED = 3 };

struct params {
	uint64_t threads, pages, rounds, size, tsc_hz;
	const char *design;
};

struct worker {
	volatile uint64_t *area, *second; /* second: the mixed phase's */
	uint64_t errors;
	unsigned id;
};

static struct params P = { 2, 2048, 256, 16, 0, "rdos" };
static struct worker workers[MAX_THREADS];
static uint64_t go, done; /* atomics: the phase let go, threads finished it */

static void wait_for(uint64_t *v, uint64_t want)
{
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		__asm__ volatile("pause");
}

static void touch_pages(volatile uint64_t *area, uint64_t value)
{
	for (uint64_t p = 0; p < P.pages; p++)
		area[p * PAGE / 8] = value;
}

static bool reserve_and_release_once(void)
{
	int64_t a = sys_reserve(P.size, RDOS_PROT_WRITE, 0);

	return a > 0 && sys_release((uint64_t)a, P.size) == 0;
}

static void reserve_and_release(struct worker *w)
{
	for (uint64_t r = 0; r < P.rounds; r++)
		w->errors += !reserve_and_release_once();
}

/* Thread 0 changes the space until every other thread has faulted in its
 * second area (done counts them).  It pauses once a round, as every other
 * wait loop here does: under QEMU's TCG round-robin a vCPU that never
 * pauses keeps its turn while the others wait in the kernel with one
 * turn per pause, and the run stalled so (docs/emulators.md); on a CPU a
 * pause is a few dozen cycles beside a reserve and a release. */
static void mixed_phase(struct worker *w)
{
	uint64_t faulters_done = P.threads * (PHASE_MIXED - 1) + (P.threads - 1);

	if (w->id != 0) {
		touch_pages(w->second, w->id + 1);
		return;
	}
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < faulters_done) {
		w->errors += !reserve_and_release_once();
		__asm__ volatile("pause");
	}
}

static void worker_main(void *arg)
{
	struct worker *w = arg;

	wait_for(&go, PHASE_FAULTS);
	touch_pages(w->area, w->id + 1);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
	wait_for(&go, PHASE_RESERVES);
	reserve_and_release(w);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
	if (P.threads < 2)
		return;
	wait_for(&go, PHASE_MIXED);
	mixed_phase(w);
	__atomic_fetch_add(&done, 1, __ATOMIC_ACQ_REL);
}

/* Lets the threads into phase and returns the TSC cycles it took them all. */
static uint64_t run_phase(enum phase phase)
{
	uint64_t start = rdtsc();

	__atomic_store_n(&go, phase, __ATOMIC_RELEASE);
	wait_for(&done, P.threads * phase);
	return rdtsc() - start;
}

static void report(const char *phase, uint64_t ops, uint64_t cycles)
{
	char line[128];
	uint64_t c = cycles ? cycles : 1;
	int n = format_buf(line, sizeof(line), "kbench,smp-%s/threads=%llu,%s,per_second,%llu,1/s\n",
			   phase, (unsigned long long)P.threads, P.design,
			   (unsigned long long)(ops * P.tsc_hz / c));

	sys_write(line, (uint64_t)n);
}

static bool parse(int argc, char **argv)
{
	testargs_u64(argc, argv, "threads", &P.threads);
	testargs_u64(argc, argv, "pages", &P.pages);
	testargs_u64(argc, argv, "rounds", &P.rounds);
	testargs_u64(argc, argv, "size", &P.size);
	testargs_u64(argc, argv, "tsc_hz", &P.tsc_hz);
	if (testargs_has(argc, argv, "card1"))
		P.design = "card1";
	return UT_CHECK(P.threads >= 1 && P.threads <= MAX_THREADS, "threads=1..%d", MAX_THREADS);
}

static bool start_workers(void)
{
	for (unsigned i = 0; i < P.threads; i++) {
		int64_t a = sys_reserve(P.pages, RDOS_PROT_WRITE, 0);
		/* thread 0 does not fault in the mixed phase */
		int64_t b = i ? sys_reserve(P.pages, RDOS_PROT_WRITE, 0) : 0;

		workers[i] = (struct worker){ .area = (volatile uint64_t *)(uintptr_t)a,
					      .second = (volatile uint64_t *)(uintptr_t)b,
					      .id = i };
		if (!UT_CHECK(a > 0 && b >= 0, "reserve %llu pages", (unsigned long long)P.pages) ||
		    !UT_CHECK(thread_start(worker_main, &workers[i], STACK_PAGES) >= 1, "thread %u", i))
			return false;
	}
	return true;
}

static void check_results(void)
{
	for (unsigned i = 0; i < P.threads; i++) {
		struct worker *w = &workers[i];

		for (uint64_t p = 0; p < P.pages; p++)
			w->errors += w->area[p * PAGE / 8] != w->id + 1 ||
				     (i && P.threads > 1 && w->second[p * PAGE / 8] != w->id + 1);
		UT_CHECK(w->errors == 0, "thread %u: %llu wrong pages or failed calls", i,
			 (unsigned long long)w->errors);
	}
}

int main(int argc, char **argv)
{
	uint64_t fault_cycles, reserve_cycles, mixed_cycles = 0;

	ut_begin("ut_mt_throughput");
	if (!parse(argc, argv) || !start_workers())
		return ut_end();
	fault_cycles = run_phase(PHASE_FAULTS);
	reserve_cycles = run_phase(PHASE_RESERVES);
	if (P.threads > 1)
		mixed_cycles = run_phase(PHASE_MIXED);
	check_results();
	if (!ut_failed() && P.tsc_hz) {
		report("faults", P.threads * P.pages, fault_cycles);
		report("reserves", P.threads * P.rounds, reserve_cycles);
		if (P.threads > 1)
			report("mixed", (P.threads - 1) * P.pages, mixed_cycles);
	}
	return ut_end();
}
