/*
 * kbench_smp.c - the multiprocessor part of the in-kernel benchmark: fault
 * and reserve throughput of one process's threads against their number,
 * under both designs, in one boot (tests/user/ut_mt_throughput.c does the
 * work and prints the rows; this file only runs it).
 *
 * Thread counts go 1, 2, 4 ... up to the CPUs online, so that each thread
 * can have a CPU; both designs run at every count before the next, so that
 * a slow phase of the host hits both alike.
 */
#include "abi/rdos_abi.h"
#include "kernel/frame_cache.h"
#include "kernel/kbench_internal.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "lib/format.h"

#define KB_SMP_PAGES 16384 /* faults per thread */
#define KB_SMP_ROUNDS 2048 /* reserve + release pairs per thread */

static void run_one(unsigned threads, uint32_t design, const char *name)
{
	char args[96];
	int32_t status = -1;
	int64_t pid;

	/* the program times its phases with the TSC: it needs the rate */
	format_buf(args, sizeof(args), "threads=%u pages=%u rounds=%u tsc_hz=%lu %s", threads,
		   KB_SMP_PAGES, KB_SMP_ROUNDS, kb_tsc_hz(), name);
	kprintf("kbench: ut_mt_throughput %s\n", args);
	pid = process_spawn("ut_mt_throughput", args, design);
	if (pid < 0 || process_wait(pid, &status) != pid || status != 0) {
		kprintf("kbench: ut_mt_throughput %s: pid %ld, status %d\n", args, pid, status);
		kb_finish(false);
	}
}

void kb_run_smp_throughput(void)
{
	unsigned cpus = cpus_online();

	kprintf("kbench,meta,kernel,cpus,%u,cpus\n", cpus);
	kprintf("kbench,meta,kernel,frame_cache,%u,flag\n", frame_cache_enabled());
	for (unsigned threads = 1; threads <= cpus; threads *= 2) {
		run_one(threads, RDOS_SPAWN_RDOS, "rdos");
		run_one(threads, RDOS_SPAWN_CARD1, "card1");
	}
}
