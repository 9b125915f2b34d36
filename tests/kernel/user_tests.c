/*
 * user_tests.c - user-mode tests driven from the kernel: each spawns a user
 * program (tests/user/), waits for it and judges it by its exit status, the
 * way xv6's usertests judge their children.  The runner's leak check then
 * proves that the process gave back every frame and page-table page.
 */
#include "kernel/ktest.h"
#include "kernel/process.h"

/* Runs name with args as a child of the kernel; returns its exit status,
 * or a spawn error (negative, below RDOS_STATUS_KILLED). */
static int64_t run_program(const char *name, const char *args)
{
	int32_t status;
	int64_t pid = process_spawn(name, args, RDOS_SPAWN_DEFAULT);

	if (pid < 0)
		return pid - 1000;
	if (process_wait(pid, &status) != pid)
		return -2000;
	return status;
}

KTEST(user_hello_runs_and_exits_zero)
{
	KT_EXPECT_EQ(run_program("ut_hello", "one two"), 0);
}

KTEST(user_demand_paging_from_user_space)
{
	KT_EXPECT_EQ(run_program("ut_demand", ""), 0);
}

KTEST(user_malloc_storm)
{
	KT_EXPECT_EQ(run_program("ut_malloc", ""), 0);
}

KTEST(user_protect_and_release_rules)
{
	KT_EXPECT_EQ(run_program("ut_protect", ""), 0);
}

KTEST(user_many_processes_at_once)
{
	KT_EXPECT_EQ(run_program("ut_spawn_many", ""), 0);
}

KTEST(user_faulting_programs_are_killed_and_others_go_on)
{
	KT_EXPECT_EQ(run_program("ut_killers", ""), 0);
}

KTEST(user_killed_directly_by_a_bad_address)
{
	KT_EXPECT_EQ(run_program("ut_kill_unreserved", ""), RDOS_STATUS_KILLED);
}

KTEST(user_syscalls_refuse_bad_pointers_and_lengths)
{
	KT_EXPECT_EQ(run_program("ut_syscall_robust", ""), 0);
}

KTEST(user_shell_runs_commands)
{
	KT_EXPECT_EQ(run_program("ut_shell", ""), 0);
}

KTEST(user_spawn_of_unknown_program_fails_cleanly)
{
	KT_EXPECT_EQ(process_spawn("no_such_program", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOENT);
}

/* ---- hardening: fuzzing, stale data, out of memory ------------------------ */

KTEST(user_fuzzer_survives_and_frees_everything)
{
	KT_EXPECT_EQ(run_program("ut_fuzz", ""), 0);
}

KTEST(user_frames_are_zeroed_before_reuse)
{
	KT_EXPECT_EQ(run_program("ut_stale", ""), 0);
}

/* Meaningful with at most 1 GiB of RAM; with more, ut_oom passes as
 * skipped (exhausting the memory would take too long under TCG). */
KTEST(user_out_of_memory_kills_only_the_toucher)
{
	KT_EXPECT_EQ(run_program("ut_oom", ""), 0);
}

/* The fuzzer for a long time, run only when named (`make soak`):
 * "ktest=user_fuzzer_soak [soak_count=N] [soak_seed=N]" on the command
 * line. */
#include "kernel/cmdline.h"
#include "lib/format.h"

#define SOAK_VALUE_MAX 24

KTEST_MANUAL(user_fuzzer_soak)
{
	char count[SOAK_VALUE_MAX] = "200000", seed[SOAK_VALUE_MAX] = "1";
	char args[2 * SOAK_VALUE_MAX + 16];

	cmdline_value("soak_count", count, sizeof(count));
	cmdline_value("soak_seed", seed, sizeof(seed));
	format_buf(args, sizeof(args), "seed=%s count=%s", seed, count);
	ktest_note("ut_fuzz %s", args);
	KT_EXPECT_EQ(run_program("ut_fuzz", args), 0);
}

KTEST(fork_copy_on_write_from_user_space)
{
	KT_EXPECT_EQ(run_program("ut_fork", ""), 0);
}

KTEST(fork_bomb_hits_the_process_limit_and_frees_everything)
{
	KT_EXPECT_EQ(run_program("ut_forkbomb", ""), 0);
}
