/*
 * ut_spawn_many - sixteen children at once: spawn SPAWN_CHILDREN copies of
 * ut_hello before waiting for any, reap them in whatever order they end,
 * and require each to be reaped exactly once with status 0, then ECHILD.
 * Then the system's free frames must be exactly what they were: a process
 * leaves nothing behind.
 *
 * The whole round runs twice and only the second is measured: the first
 * lets the kernel's caches settle (heap slabs for process structures, page
 * tables of kernel reservations, image pages this test touches), which are
 * kept by design and would otherwise read as a leak.
 *
 * Pass rule: every check holds in both rounds; exit 0.
 */
#include <stddef.h>

#include "ut.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

#define SPAWN_CHILDREN 16

static bool spawn_reap_one(int64_t pids[SPAWN_CHILDREN], int64_t pid)
{
	for (int i = 0; i < SPAWN_CHILDREN; i++) {
		if (pids[i] == pid) {
			pids[i] = 0;
			return true;
		}
	}
	return false;
}

static void spawn_round(int round)
{
	int64_t pids[SPAWN_CHILDREN];
	int started = 0;
	char args[32];
	int32_t status;

	for (int i = 0; i < SPAWN_CHILDREN; i++) {
		snprintf(args, sizeof(args), "round %d child %d", round, i);
		pids[i] = sys_spawn("ut_hello", args, RDOS_SPAWN_DEFAULT);
		if (UT_CHECK(pids[i] > 0, "round %d: spawn %d: %s", round, i,
			     sys_error_name(pids[i])))
			started++;
	}
	for (int i = 0; i < started; i++) {
		int64_t pid;

		status = -1;
		pid = sys_wait(-1, &status);
		if (!UT_CHECK(pid > 0, "round %d: wait: %s", round, sys_error_name(pid)))
			return;
		UT_CHECK(spawn_reap_one(pids, pid),
			 "round %d: wait returned pid %lld: not a child, or reaped twice",
			 round, pid);
		UT_CHECK(status == 0, "round %d: child %lld exited with %d", round, pid,
			 (int)status);
	}
	UT_EXPECT(sys_wait(-1, &status), -RDOS_ECHILD);
}

int main(void)
{
	struct rdos_memstat before, after;

	ut_begin("ut_spawn_many");
	ut_prefault();
	spawn_round(1);
	ut_memstat(&before);
	spawn_round(2);
	ut_memstat(&after);
	UT_EXPECT(after.frames_free, before.frames_free);
	return ut_end();
}
