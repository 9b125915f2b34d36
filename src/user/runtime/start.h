/*
 * start.h - what the runtime expects of a program, and the exit statuses
 * it chooses on the program's behalf.
 *
 * The kernel enters a program at _start (crt0.asm) with no arguments;
 * runtime_start() fetches the argument string (RDOS_SYS_GETARGS), splits it
 * into argv, calls main and exits with main's return value.  argv[0] is the
 * empty string: the ABI passes a process its arguments, not its name.
 * Words are separated by blanks; a double-quoted part keeps its blanks and
 * loses its quotes (start.c, args_split).
 */
#ifndef USER_RUNTIME_START_H
#define USER_RUNTIME_START_H

#include <stdint.h>

/* Exit status of a process that called panic() (or hit a heap ASSERT).
 * Distinct from RDOS_STATUS_KILLED, which only the kernel produces. */
#define USER_PANIC_STATUS 127

int main(int argc, char **argv);

/* entry_tsc: the time-stamp counter at _start's first instruction. */
__attribute__((noreturn)) void runtime_start(uint64_t entry_tsc);
/* That counter: when this program's first instruction ran. */
uint64_t runtime_entry_tsc(void);

#endif
