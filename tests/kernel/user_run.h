/*
 * user_run.h - for kernel tests: run a user program to its end.
 */
#ifndef TESTS_KERNEL_USER_RUN_H
#define TESTS_KERNEL_USER_RUN_H

#include <stdint.h>

/* Spawns name with args and spawn flags as a child of the kernel and waits
 * for it.  Returns its exit status; a spawn error e as e - 1000 (so below
 * RDOS_STATUS_KILLED); a failed wait as -2000. */
int64_t user_run(const char *name, const char *args, uint32_t flags);

#endif
