/*
 * kbench_user.c - the in-kernel benchmark's ring-3 part: what a process
 * pays, timed by the process itself (tests/user/ut_bench_user.c does the
 * work and prints the rows; this file only runs it, once per design):
 * demand-zero faults from ring 3 end to end, trap entry, the design's
 * decision, the frame and the return included (kbench_work.c's fault
 * workloads call mm_fault directly and leave those out), and the spawn
 * of a PE program to its first instruction.
 */
#include "abi/rdos_abi.h"
#include "kernel/kbench_internal.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "lib/format.h"

#define KB_USER_PAGES 4096 /* as kbench_work.c's fault workloads */

static void run_one(uint32_t design, const char *name)
{
	char args[48];
	int32_t status = -1;
	int64_t pid;

	format_buf(args, sizeof(args), "pages=%u %s", KB_USER_PAGES, name);
	kprintf("kbench: ut_bench_user %s\n", args);
	pid = process_spawn("ut_bench_user", args, design);
	if (pid < 0 || process_wait(pid, &status) != pid || status != 0) {
		kprintf("kbench: ut_bench_user %s: pid %ld, status %d\n", args, pid, status);
		kb_finish(false);
	}
}

void kb_run_user(void)
{
	run_one(RDOS_SPAWN_RDOS, "rdos");
	run_one(RDOS_SPAWN_CARD1, "card1");
}
