/*
 * ut_forkbomb - a fork bomb under the process limit: every process forks
 * until fork fails, each child sleeps a moment and exits.  The kernel must
 * refuse with -RDOS_ELIMIT (never crash or hang), reap everything, and give
 * back every frame.  Run twice; the second round is measured.
 * Pass rule: fork failed with ELIMIT, all children reaped, frames back.
 */
#include "ut.h"
#include "user/runtime/sys.h"

#define BOMB_MAX 200

static int64_t bomb_round(void)
{
	int64_t pids[BOMB_MAX], last = 0;
	int n = 0;
	int32_t status;

	while (n < BOMB_MAX) {
		int64_t pid = sys_fork();

		if (pid == 0) {
			sys_sleep(20);
			sys_exit(0);
		}
		if (pid < 0) {
			last = pid;
			break;
		}
		pids[n++] = pid;
	}
	for (int i = 0; i < n; i++)
		UT_EXPECT(sys_wait(pids[i], &status), pids[i]);
	ut_note("forked %d children before %s", n, sys_error_name(last));
	return last;
}

int main(void)
{
	struct rdos_memstat base, end;

	ut_begin("ut_forkbomb");
	ut_prefault();
	UT_EXPECT(bomb_round(), -RDOS_ELIMIT);
	ut_memstat(&base);
	UT_EXPECT(bomb_round(), -RDOS_ELIMIT);
	ut_memstat(&end);
	UT_EXPECT(end.frames_free, base.frames_free);
	UT_EXPECT(end.share_table_bytes, 0);
	return ut_end();
}
