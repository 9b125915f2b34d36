/*
 * user_tests.c - user-mode tests driven from the kernel: each spawns a user
 * program (tests/user/), waits for it and judges it by its exit status, the
 * way xv6's usertests judge their children.  The runner's leak check then
 * proves that the process gave back every frame and page-table page.
 */
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "lib/format.h"
#include "user_run.h"

/* A kernel test that runs one user program and expects its exit status;
 * a program that exits with RDOS_STATUS_SKIP (ut_skip) makes it a skip. */
#define USER_PROGRAM_TEST(test, program, args, status)                        \
	KTEST(test)                                                            \
	{                                                                      \
		int64_t got = user_run(program, args, RDOS_SPAWN_DEFAULT);     \
									       \
		if (got == RDOS_STATUS_SKIP && got != (status))                \
			ktest_skip(program " skipped itself, see its TAP line"); \
		else                                                           \
			KT_EXPECT_EQ(got, status);                             \
	}

USER_PROGRAM_TEST(user_hello_runs_and_exits_zero, "ut_hello", "expect=one,two one two", 0)
USER_PROGRAM_TEST(user_demand_paging_from_user_space, "ut_demand", "", 0)
USER_PROGRAM_TEST(user_malloc_storm, "ut_malloc", "", 0)
USER_PROGRAM_TEST(user_protect_and_release_rules, "ut_protect", "", 0)
USER_PROGRAM_TEST(user_many_processes_at_once, "ut_spawn_many", "", 0)
USER_PROGRAM_TEST(user_faulting_programs_are_killed_and_others_go_on, "ut_killers", "", 0)

KTEST(user_killed_directly_by_a_bad_address)
{
	uint32_t cause;

	KT_EXPECT_EQ(user_run_cause("ut_kill_unreserved", "", RDOS_SPAWN_DEFAULT, &cause),
		     RDOS_STATUS_KILLED);
	KT_EXPECT_EQ(cause, RDOS_KILL_UNRESERVED);
}

USER_PROGRAM_TEST(user_syscalls_refuse_bad_pointers_and_lengths, "ut_syscall_robust", "", 0)
USER_PROGRAM_TEST(user_shell_runs_commands, "ut_shell", "", 0)

KTEST(user_spawn_of_unknown_program_fails_cleanly)
{
	KT_EXPECT_EQ(process_spawn("no_such_program", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOENT);
}

/* ---- hardening: fuzzing, stale data, out of memory ------------------------ */

/* a number from the command line, for the fuzzer's arguments */
#define FUZZ_VALUE_MAX 24

/* The syscall fuzzer at its default count, or at fuzz_count=N from the
 * command line (the Bochs boot's: Makefile, TEST_BOCHS_ISO). */
KTEST(user_fuzzer_survives_and_frees_everything)
{
	char count[FUZZ_VALUE_MAX], args[FUZZ_VALUE_MAX + 8] = "";

	if (cmdline_value("fuzz_count", count, sizeof(count))) {
		format_buf(args, sizeof(args), "count=%s", count);
		ktest_note("ut_fuzz %s", args);
	}
	KT_EXPECT_EQ(user_run("ut_fuzz", args, RDOS_SPAWN_DEFAULT), 0);
}
USER_PROGRAM_TEST(user_frames_are_zeroed_before_reuse, "ut_stale", "", 0)

/* Meaningful with at most 1 GiB of RAM; with more, ut_oom skips
 * (exhausting the memory would take too long under TCG). */
USER_PROGRAM_TEST(user_out_of_memory_kills_only_the_toucher, "ut_oom", "", 0)
USER_PROGRAM_TEST(user_memory_limits_refuse_reserves_and_kill_only_the_toucher, "ut_limits", "",
		  0)

/* The fuzzer for a long time, run only when named (`make soak`):
 * "ktest=user_fuzzer_soak [soak_count=N] [soak_seed=N]" on the command
 * line. */
KTEST_MANUAL(user_fuzzer_soak)
{
	char count[FUZZ_VALUE_MAX] = "200000", seed[FUZZ_VALUE_MAX] = "1";
	char args[2 * FUZZ_VALUE_MAX + 16];

	cmdline_value("soak_count", count, sizeof(count));
	cmdline_value("soak_seed", seed, sizeof(seed));
	format_buf(args, sizeof(args), "seed=%s count=%s", seed, count);
	ktest_note("ut_fuzz %s", args);
	KT_EXPECT_EQ(user_run("ut_fuzz", args, RDOS_SPAWN_DEFAULT), 0);
}

/* Regression: without SMAP, copy-outs into copy-on-write pages said EFAULT. */
USER_PROGRAM_TEST(fork_copy_out_into_copy_on_write_pages_without_smap, "ut_cow_copyout", "", 0)
USER_PROGRAM_TEST(fork_copy_on_write_from_user_space, "ut_fork", "", 0)
USER_PROGRAM_TEST(fork_bomb_hits_the_process_limit_and_frees_everything, "ut_forkbomb", "", 0)
/* Threads of one process on every CPU: lost updates, stale TLB entries. */
USER_PROGRAM_TEST(smp_threads_fault_reserve_and_release_in_parallel, "ut_threads", "", 0)
/* The benchmark's program, small: its own checks of every page and call. */
/* System calls and ring-3 stores into a page another thread releases: no
 * allocator state may live where a stale translation can write. */
USER_PROGRAM_TEST(smp_writes_racing_a_release_never_reach_the_allocator, "ut_release_race", "", 0)
USER_PROGRAM_TEST(smp_throughput_program_checks_its_work, "ut_mt_throughput",
		  "threads=4 pages=256 rounds=32", 0)
/* The in-kernel benchmark's ring-3 program (kbench_user.c), small: its
 * faults, its own spawn and its child's first instruction. */
USER_PROGRAM_TEST(user_bench_program_faults_and_spawns_itself, "ut_bench_user", "pages=64", 0)
