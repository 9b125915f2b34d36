/*
 * user_run.c - runs a user program for a kernel test.
 */
#include "kernel/process.h"
#include "user_run.h"

int64_t user_run(const char *name, const char *args, uint32_t flags)
{
	int32_t status;
	int64_t pid = process_spawn(name, args, flags);

	if (pid < 0)
		return pid - 1000;
	if (process_wait(pid, &status) != pid)
		return -2000;
	return status;
}
