/*
 * stress_tests.c - the interactive shell, typed into by the test, alone
 * and under load: while ut_stress runs (many processes reserving,
 * touching, forking and exiting at once, tests/user/ut_stress.c) the shell
 * must answer every command within SHELL_ANSWER_TICKS, and the answer must
 * be the right one: each command's answer must contain the strings listed
 * with it (user_console_answer).
 *
 * Nothing leaks: like every kernel test these run inside the runner's
 * leak check (ktest.c), which fails the test unless the free frames after
 * it, once every process has exited and been reaped, equal those before.
 */
#include "abi/rdos_abi.h"
#include "kernel/cmdline.h"
#include "kernel/console_in.h"
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "user_run.h"

/*
 * How long the shell may take to answer a command, in ticks of machine
 * time.  Alone it takes a tick or two.  Under stress: round robin gives
 * each runnable process a tick in turn, and a command blocks a few times
 * (reading the console, spawning a program and waiting for it), each time
 * queueing behind the runnable workers and their children (at most
 * 2 * 16); and the kernel is not preemptible, so a long system call of any
 * process delays every other.  Measured: under QEMU at most 10 ticks;
 * under Bochs, whose machine runs fewer instructions a tick, up to 100
 * (`ps`: PROCLIST checks the invariants of every address space, and the
 * serial line is slow there).  A shell that is starved, or a kernel that
 * stops scheduling, would wait for the whole stress instead: 500 ticks,
 * then the workers' last steps.  KVM's instruction emulator
 * (`emulated_kvm`, docs/emulators.md) runs fewer instructions a tick
 * still: there `ps` once took over 200 ticks, and the stress lasts about
 * 1,100, so 400 still tells a slow answer from a starved shell.
 */
#define SHELL_ANSWER_TICKS 200
#define SHELL_ANSWER_TICKS_EMULATED_KVM 400
/* Between commands, so that they sample the whole run. */
#define SHELL_COMMAND_GAP_TICKS 5
/* The stress must last long enough for this many answers, so that the
 * bound was measured under load and not after it. */
#define SHELL_ANSWERS_MIN 5
#define SHELL_COMMANDS_MAX 200
#define SHELL_EXIT_LINE "exit 7\n"
#define SHELL_EXIT_STATUS 7

/* A command and strings its answer must contain: the lines that only a
 * working command prints (its header, the shell's own entry, the last
 * run of the map, which ends where user space ends, the child's own
 * verdict).  None of them is in the echo of the typed line. */
struct shell_command {
	const char *line;
	const char *want[4];
};

static const struct shell_command shell_commands[] = {
	{ "mem", { "system:  ", " free (", "process: ", NULL } },
	{ "ps", { "   PID PARENT STATE", "  kernel\n", "  shell\n", NULL } },
	{ "ut_hello expect=typed,under,stress typed under stress",
	  { "argv[4] = \"stress\"", "    ok - ut_hello\n", NULL } },
	{ "map", { "RANGE ", "-0x00007ffffffff000 ", NULL } },
};
#define SHELL_COMMAND_COUNT (sizeof(shell_commands) / sizeof(shell_commands[0]))

static unsigned shell_answer_ticks(void)
{
	return cmdline_has_flag("emulated_kvm") ? SHELL_ANSWER_TICKS_EMULATED_KVM
						: SHELL_ANSWER_TICKS;
}

static int64_t shell_type(unsigned i)
{
	const struct shell_command *c = &shell_commands[i % SHELL_COMMAND_COUNT];

	return user_console_answer(c->line, c->want, shell_answer_ticks());
}

/* Spawns the interactive shell and waits for its first prompt; its pid,
 * or 0 (after a failed expectation). */
static int64_t shell_start(void)
{
	uint64_t lines = console_in_lines_wanted();
	int64_t pid = process_spawn("shell", "", RDOS_SPAWN_DEFAULT);

	if (!KT_EXPECT(pid > 0))
		return 0;
	KT_EXPECT(user_console_wait(lines, shell_answer_ticks()) >= 0);
	return pid;
}

/* `exit N` ends the shell with N: it read and ran the last line typed. */
static void shell_exit(int64_t pid)
{
	KT_EXPECT(console_in_feed(SHELL_EXIT_LINE));
	KT_EXPECT_EQ(user_reap(pid), SHELL_EXIT_STATUS);
}

KTEST(user_shell_answers_typed_commands)
{
	int64_t shell = shell_start();

	if (!shell)
		return;
	for (unsigned i = 0; i < SHELL_COMMAND_COUNT; i++)
		KT_EXPECT(shell_type(i) >= 0);
	shell_exit(shell);
}

KTEST(user_stress_keeps_the_shell_responsive)
{
	int64_t stress = process_spawn("ut_stress", "", RDOS_SPAWN_DEFAULT), shell, took;
	uint64_t answered = 0, slowest = 0;

	KT_ASSERT(stress > 0);
	shell = shell_start();
	for (unsigned i = 0; shell && user_running(stress) && i < SHELL_COMMANDS_MAX; i++) {
		took = shell_type(i);
		if (!KT_EXPECT(took >= 0)) {
			if (took != USER_ANSWER_WRONG)
				ktest_note("no answer to '%s' within %u ticks",
					   shell_commands[i % SHELL_COMMAND_COUNT].line,
					   shell_answer_ticks());
		} else if ((uint64_t)took > slowest)
			slowest = (uint64_t)took;
		answered += took >= 0;
		thread_sleep(SHELL_COMMAND_GAP_TICKS);
	}
	KT_EXPECT_EQ(user_reap(stress), 0);
	if (shell)
		shell_exit(shell);
	ktest_note("%lu commands answered under stress, the slowest in %lu ticks", answered,
		   slowest);
	KT_EXPECT(answered >= SHELL_ANSWERS_MIN);
}
