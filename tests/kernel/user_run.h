/*
 * user_run.h - for kernel tests: run a user program to its end, and type
 * into an interactive shell.
 */
#ifndef TESTS_KERNEL_USER_RUN_H
#define TESTS_KERNEL_USER_RUN_H

#include <stdbool.h>
#include <stdint.h>

/* Spawns name with args and spawn flags as a child of the kernel and waits
 * for it.  Returns its exit status; a spawn error e as e - 1000 (so below
 * RDOS_STATUS_KILLED); a failed wait as -2000. */
int64_t user_run(const char *name, const char *args, uint32_t flags);
/* user_run, and *cause is why the kernel killed it (enum rdos_kill_cause;
 * RDOS_KILL_NONE if it exited, or never ran). */
int64_t user_run_cause(const char *name, const char *args, uint32_t flags, uint32_t *cause);

/* Waits for child pid of the kernel; its exit status, or -2000 if the wait
 * failed. */
int64_t user_reap(int64_t pid);

/* True while process pid exists and has not exited. */
bool user_running(int64_t pid);

/*
 * Typing into the interactive shell (spawned with no arguments), which
 * reads its lines through console_in (kernel/console_in.h).  The time a
 * command takes is measured from the moment it is typed until the shell
 * asks for its next line: it has run the command and printed its answer.
 *
 * user_console_wait: waits, at most max_ticks, until more than `lines`
 * console lines have been asked for (console_in_lines_wanted()); returns
 * the ticks waited, or -1 on time-out.
 * user_console_type: for a shell waiting for a line: types line and a
 * newline, then waits as above for the shell's next request; returns the
 * ticks it took, or -1 (time-out, or no room to queue the line).
 */
int64_t user_console_wait(uint64_t lines, uint64_t max_ticks);
int64_t user_console_type(const char *line, uint64_t max_ticks);

/* user_console_type, and the shell's answer (everything the consoles
 * printed from the typing until the shell asked for its next line) must
 * contain each of the strings in want[], a NULL-terminated list; if one is
 * missing: a note naming it and USER_ANSWER_WRONG. */
#define USER_ANSWER_WRONG (-2)
int64_t user_console_answer(const char *line, const char *const *want, uint64_t max_ticks);

#endif
