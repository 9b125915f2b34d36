/*
 * parallel.h - one function run on several CPUs at the same moment, for the
 * tests and benchmarks that need real concurrency inside the kernel (the
 * frame allocator's, above all).
 *
 * fn(i, arg) runs in kernel thread i (0 <= i < n), each on a CPU of its
 * own, all let go together.  It runs WITHOUT the kernel lock and with
 * interrupts off, like a lockless page fault, so it may use only what has
 * a lock of its own or is atomic (frames, memory reached through the direct
 * map) or what it takes the kernel lock for, a moment at a time; it must
 * not block, and must call tlb_catch_up() in its loops: it cannot take a
 * shootdown's IPI, and a CPU shooting down waits for it.
 */
#ifndef KERNEL_PARALLEL_H
#define KERNEL_PARALLEL_H

#include <stdbool.h>

/* Kernel lock held, 1 <= n <= cpus_online(), no other work running (every
 * thread needs a CPU to itself).  Returns once every fn has returned;
 * false, with fn run nowhere, when out of memory for the threads. */
bool parallel_run(unsigned n, void (*fn)(unsigned i, void *arg), void *arg);

#endif
