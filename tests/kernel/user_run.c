/*
 * user_run.c - runs user programs for kernel tests and types into the
 * shell (user_run.h).
 */
#include "kernel/console_in.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "lib/format.h"
#include "lib/string.h"
#include "user_run.h"

#define USER_TYPED_MAX 128 /* a typed line and its newline */
#define USER_ANSWER_MAX CONSOLE_LOG_SIZE

int64_t user_reap(int64_t pid)
{
	int32_t status;

	return process_wait(pid, &status) == pid ? status : -2000;
}

int64_t user_run_cause(const char *name, const char *args, uint32_t flags, uint32_t *cause)
{
	int64_t pid = process_spawn(name, args, flags);
	struct rdos_wait_info info = { .cause = RDOS_KILL_NONE };

	*cause = RDOS_KILL_NONE;
	if (pid < 0)
		return pid - 1000;
	if (process_wait_info(pid, &info) != pid)
		return -2000;
	*cause = info.cause;
	return info.status;
}

int64_t user_run(const char *name, const char *args, uint32_t flags)
{
	uint32_t cause;

	return user_run_cause(name, args, flags, &cause);
}

bool user_running(int64_t pid)
{
	struct process *p = process_find(pid);

	return p && p->state == PROCESS_RUNNING;
}

/* Sleeps a tick at a time: the shell and everything else run meanwhile. */
int64_t user_console_wait(uint64_t lines, uint64_t max_ticks)
{
	uint64_t start = sched_ticks(), waited;

	while (console_in_lines_wanted() <= lines && sched_ticks() - start <= max_ticks)
		thread_sleep(1);
	waited = sched_ticks() - start;
	return console_in_lines_wanted() > lines && waited <= max_ticks ? (int64_t)waited : -1;
}

int64_t user_console_type(const char *line, uint64_t max_ticks)
{
	char typed[USER_TYPED_MAX];
	uint64_t lines = console_in_lines_wanted();

	if (format_buf(typed, sizeof(typed), "%s\n", line) >= sizeof(typed) ||
	    !console_in_feed(typed))
		return -1;
	return user_console_wait(lines, max_ticks);
}

static bool contains(const char *text, const char *part)
{
	size_t n = strlen(part);

	for (; *text; text++)
		if (strncmp(text, part, n) == 0)
			return true;
	return n == 0;
}

int64_t user_console_answer(const char *line, const char *const *want, uint64_t max_ticks)
{
	/* too big for a kernel stack; kernel tests run one at a time */
	static char answer[USER_ANSWER_MAX + 1];
	uint64_t mark = console_log_mark();
	int64_t took = user_console_type(line, max_ticks);

	if (took < 0)
		return took;
	if (!console_log_copy(mark, answer, sizeof(answer))) {
		ktest_note("the answer to '%s' is longer than the console log keeps", line);
		return USER_ANSWER_WRONG;
	}
	for (; *want; want++)
		if (!contains(answer, *want)) {
			ktest_note("the answer to '%s' lacks \"%s\"", line, *want);
			return USER_ANSWER_WRONG;
		}
	return took;
}
