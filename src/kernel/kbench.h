/*
 * kbench.h - the in-kernel benchmark (kernel command line flag `bench`):
 * the workloads of the host tradeoff study (tests/bench/) run again in
 * the kernel, on both VM designs in one boot, on real frames, kmalloc'd
 * VMA nodes and invlpg, timed with rdtsc and counted with the cores' work
 * counts (mm/mm_work.h).  Results are CSV rows on the console, each line
 *   kbench,WORKLOAD,DESIGN,METRIC,VALUE,UNIT
 * (scripts/run-bench.sh adds them to docs/tradeoffs.csv), then
 * "kbench-end: PASS" or "kbench-end: FAIL" and the emulator's exit.
 * The address-space traces come as GRUB modules named "trace:NAME".
 * The run starts with its clock's meta rows (the TSC's rate against the
 * PIT, whether it is invariant, and how fast the CPU runs a dependent
 * loop: whether the accelerator runs the guest natively); `bench=probe`
 * prints only those and ends.  After the mm workloads, ring-3 programs
 * measure demand-zero faults end to end and a spawn to the first
 * instruction (kbench_user.c), then the multiprocessor throughput.
 * Progress goes to the console as "kbench: WORKLOAD ..." lines.
 */
#ifndef KERNEL_KBENCH_H
#define KERNEL_KBENCH_H

#include <stdbool.h>

#include "kernel/boot_info.h"

bool kbench_mode(void);
__attribute__((noreturn)) void kbench_run(const struct boot_info *bi);

#endif
