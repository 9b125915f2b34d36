/*
 * fuzz_race.c - the fuzzer's race round: the system calls that write to
 * user memory, with random lengths, offsets and arguments, whose output
 * buffer lies in a page another thread keeps reserving, writing and
 * releasing (the shape of the bug where a write through a stale
 * translation reached a frame that waited for its shootdown, docs/smp.md).
 *
 * The racing page is outside the model, and nothing here reads what a call
 * wrote there (the page may be gone by then): a call may only succeed or
 * say EFAULT (or the error its other arguments earn), and the process must
 * not be killed.  Run outside the model's rounds: the racer's page changes
 * the reserved-page count the audits compare.
 */
#include <stddef.h>

#include "fuzz.h"
#include "user/runtime/sys.h"
#include "user/runtime/thread.h"

#define RACER_STACK_PAGES 4
/* Racing calls per call of an ordinary round: only a call that writes
 * just after a release, before its shootdown, meets the hazard. */
#define RACE_CALLS_PER_CALL 2

static uint64_t race_page;
static uint64_t racer_stop, racer_stopped, racer_errors; /* atomics */

static void racer(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&racer_stop, __ATOMIC_ACQUIRE)) {
		if (sys_reserve(1, RDOS_PROT_WRITE, race_page) != (int64_t)race_page) {
			__atomic_add_fetch(&racer_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		*(volatile uint64_t *)(uintptr_t)race_page = FUZZ_CANARY;
		if (sys_release(race_page, 1) != 0)
			__atomic_add_fetch(&racer_errors, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&racer_stopped, 1, __ATOMIC_RELEASE);
}

/* The racing page's start half of the time (where the old bug's link
 * was), else anywhere in it; a length from the pools may run past it. */
static uint64_t racing_address(void)
{
	return race_page + (fuzz_rnd(2) ? 0 : fuzz_rnd(FUZZ_PAGE));
}

static void racing_call(void)
{
	uint64_t out = racing_address();
	int64_t pid = fuzz_rnd(2) ? 0 : fuzz_pid(), r;

	switch (fuzz_rnd(5)) {
	case 0:
		r = fuzz_do(RDOS_SYS_MEMSTAT, (uint64_t)pid, out, 0, 0, 0);
		FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(ENOENT));
		break;
	case 1:
		r = fuzz_do(RDOS_SYS_VMMAP, (uint64_t)pid, fuzz_address(), out,
			    fuzz_length(out, sizeof(struct rdos_vmrun)), 0);
		FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(ENOENT));
		break;
	case 2:
		r = fuzz_do(RDOS_SYS_PROCLIST, out, fuzz_length(out, sizeof(struct rdos_procinfo)),
			    0, 0, 0);
		FUZZ_EXPECT_SET(r, true, EBIT(EFAULT));
		break;
	case 3:
		r = fuzz_do(RDOS_SYS_GETARGS, out, fuzz_length(out, 1), 0, 0, 0);
		FUZZ_EXPECT_SET(r, true, EBIT(EFAULT));
		break;
	default:
		r = fuzz_do(RDOS_SYS_LIMITS, RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, out, 0, 0);
		FUZZ_EXPECT_SET(r, true, EBIT(EFAULT));
		break;
	}
}

/* count * RACE_CALLS_PER_CALL racing calls. */
void fuzz_race_round(uint64_t count)
{
	int64_t a = sys_reserve(1, RDOS_PROT_WRITE, 0);

	if (!FUZZ_CHECK(a > 0, "race: reserve the racing page: %s", fuzz_name(a)) ||
	    !FUZZ_CHECK(sys_release((uint64_t)a, 1) == 0, "race: release it"))
		return;
	race_page = (uint64_t)a;
	racer_stop = racer_stopped = racer_errors = 0;
	if (!FUZZ_CHECK(thread_start(racer, NULL, RACER_STACK_PAGES) >= 1, "race: start the racer"))
		return;
	for (uint64_t i = 0; i < count * RACE_CALLS_PER_CALL; i++)
		racing_call();
	__atomic_store_n(&racer_stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&racer_stopped, __ATOMIC_ACQUIRE))
		sys_yield();
	FUZZ_CHECK(racer_errors == 0, "race: %llu of the racer's own calls failed",
		   (unsigned long long)racer_errors);
}
