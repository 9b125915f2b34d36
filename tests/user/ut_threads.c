/*
 * ut_threads - threads of one process faulting, reserving and releasing
 * in parallel, on every CPU there is, checked for lost updates and stale
 * translations.
 *
 *   counters   UT_THREADS threads add 1 to a counter on each page of an
 *              untouched shared reservation, all in the same order and
 *              released together, so that the first touches of one page
 *              race on several CPUs.  A fault that installed a second
 *              frame over the first would lose increments: every counter
 *              must end at UT_THREADS.
 *   churn      every thread reserves, writes, checks and releases areas of
 *              its own: an area handed to two threads, or memory that
 *              changes under its owner, shows as a wrong word.
 *   stale      one thread releases a page the other has just read (so its
 *              TLB holds the translation), first-touches a decoy page (so
 *              that the freed frame, which a CPU's frame cache hands out
 *              again first, is in use with other contents), reserves the
 *              same address again and writes a new value there; the reader
 *              must then see the new value, never the freed frame's.
 *   exit       a child process whose threads spin in ring 3 and sleep in
 *              the kernel ends when its main thread exits: all of them end
 *              and the parent's wait returns.
 * Pass rule: exit 0; the kernel test's leak check sees every frame back.
 */
#include <stddef.h>

#include "rng.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"
#include "user/runtime/thread.h"

#define PAGE USER_PAGE_SIZE
#define UT_THREADS 8
#define STACK_PAGES 4
#define SHARED_PAGES 1024
#define CHURN_ROUNDS 40
#define CHURN_MAX_PAGES 16
#define STALE_ROUNDS 50

struct worker {
	unsigned id;
	uint64_t errors;
	struct rng rng;
};

static struct worker workers[UT_THREADS];
static volatile uint64_t *shared;
static uint64_t started, finished; /* atomics */

/* Stale-translation handshake: the page and the round both sides are in. */
static volatile uint64_t *stale_page;
static uint64_t stale_round, stale_seen; /* atomics */

static void wait_until(uint64_t *v, uint64_t want)
{
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		sys_yield();
}

/* wait_until without entering the kernel: every entry catches up with
 * the shootdowns this CPU missed, which would hide a missing one. */
static void spin_until(uint64_t *v, uint64_t want)
{
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		__asm__ volatile("pause");
}

static void count_on_shared_pages(void)
{
	for (unsigned page = 0; page < SHARED_PAGES; page++)
		__atomic_fetch_add(&shared[page * PAGE / 8], 1, __ATOMIC_RELAXED);
}

static void churn(struct worker *w)
{
	for (unsigned round = 0; round < CHURN_ROUNDS; round++) {
		uint64_t pages = 1 + rng_below(&w->rng, CHURN_MAX_PAGES);
		uint64_t tag = (uint64_t)w->id << 48 | (uint64_t)round << 32;
		int64_t a = sys_reserve(pages, RDOS_PROT_WRITE, 0);
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;

		if (a <= 0) {
			w->errors++;
			continue;
		}
		for (uint64_t i = 0; i < pages; i++)
			p[i * PAGE / 8] = tag | i;
		sys_yield(); /* let the others run in between */
		for (uint64_t i = 0; i < pages; i++)
			w->errors += p[i * PAGE / 8] != (tag | i);
		w->errors += sys_release((uint64_t)a, pages) != 0;
	}
}

/* Thread 1 reads the page each round, then lets thread 0 replace it. */
static void stale_reader(struct worker *w)
{
	for (uint64_t r = 1; r <= STALE_ROUNDS; r++) {
		spin_until(&stale_round, r);
		w->errors += stale_page[0] != r; /* the new frame, never the old */
		__atomic_store_n(&stale_seen, r, __ATOMIC_RELEASE);
	}
}

#define DECOY_VALUE 0xdec0decull

/* Takes a frame, most likely the one just freed, and fills it with what
 * the reader must never see; returns the decoy page, or 0. */
static int64_t take_freed_frame(void)
{
	int64_t d = sys_reserve(1, RDOS_PROT_WRITE, 0);

	if (d > 0)
		*(volatile uint64_t *)(uintptr_t)d = DECOY_VALUE;
	return d;
}

static void stale_writer(struct worker *w)
{
	uint64_t at = (uint64_t)(uintptr_t)stale_page;

	for (uint64_t r = 1; r <= STALE_ROUNDS; r++) {
		int64_t decoy = 0;

		wait_until(&stale_seen, r - 1);
		if (r > 1) {
			w->errors += sys_release(at, 1) != 0;
			decoy = take_freed_frame();
			w->errors += decoy <= 0;
			w->errors += sys_reserve(1, RDOS_PROT_WRITE, at) != (int64_t)at;
		}
		stale_page[0] = r;
		__atomic_store_n(&stale_round, r, __ATOMIC_RELEASE);
		wait_until(&stale_seen, r);
		if (decoy > 0)
			w->errors += sys_release((uint64_t)decoy, 1) != 0;
	}
}

static void worker_main(void *arg)
{
	struct worker *w = arg;

	__atomic_fetch_add(&started, 1, __ATOMIC_ACQ_REL);
	wait_until(&started, UT_THREADS); /* all at once, on as many CPUs as there are */
	count_on_shared_pages();
	churn(w);
	if (w->id == 0)
		stale_writer(w);
	else if (w->id == 1)
		stale_reader(w);
	__atomic_fetch_add(&finished, 1, __ATOMIC_ACQ_REL);
}

static void spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("pause");
}

static void sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		sys_sleep(1000);
}

/* Child "exit": threads that never end by themselves, then exit(3). */
static int exit_with_threads_running(void)
{
	for (int i = 0; i < 3; i++)
		if (thread_start(i == 1 ? sleep_forever : spin_forever, NULL, STACK_PAGES) < 1)
			return 2;
	sys_sleep(30);
	return 3;
}

static void check_exit_ends_every_thread(void)
{
	int64_t pid = sys_spawn("ut_threads", "exit", RDOS_SPAWN_DEFAULT);
	int32_t status = -1;

	if (UT_CHECK(pid > 0, "spawn: %s", sys_error_name(pid))) {
		UT_EXPECT(sys_wait(pid, &status), pid);
		UT_CHECK(status == 3, "child with threads ended with %d, want 3", status);
	}
}

static void check_bad_starts(void)
{
	UT_EXPECT(sys_thread(1ull << 63, 0, 0x100000), -RDOS_EINVAL);
	UT_EXPECT(sys_thread(0x401000, 0, 0x100008), -RDOS_EINVAL);
	UT_EXPECT(sys_thread(0x401000, 0, 0), -RDOS_EINVAL);
}

int main(int argc, char **argv)
{
	int64_t a, s;

	if (testargs_has(argc, argv, "exit"))
		return exit_with_threads_running();
	ut_begin("ut_threads");
	check_bad_starts();
	a = sys_reserve(SHARED_PAGES, RDOS_PROT_WRITE, 0);
	s = sys_reserve(1, RDOS_PROT_WRITE, 0);
	if (!UT_CHECK(a > 0 && s > 0, "reserve the shared areas"))
		return ut_end();
	shared = (volatile uint64_t *)(uintptr_t)a;
	stale_page = (volatile uint64_t *)(uintptr_t)s;
	for (unsigned i = 0; i < UT_THREADS; i++) {
		workers[i] = (struct worker){ .id = i };
		rng_seed(&workers[i].rng, i + 1);
		UT_CHECK(thread_start(worker_main, &workers[i], STACK_PAGES) >= 1,
			 "start thread %u", i);
	}
	wait_until(&finished, UT_THREADS);
	for (unsigned p = 0; p < SHARED_PAGES; p++)
		if (!UT_CHECK(shared[p * PAGE / 8] == UT_THREADS, "page %u counted %llu, want %d",
			      p, (unsigned long long)shared[p * PAGE / 8], UT_THREADS))
			break;
	for (unsigned i = 0; i < UT_THREADS; i++)
		UT_CHECK(workers[i].errors == 0, "thread %u saw %llu wrong results", i,
			 (unsigned long long)workers[i].errors);
	check_exit_ends_every_thread();
	return ut_end();
}
