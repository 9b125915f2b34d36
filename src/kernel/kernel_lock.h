/*
 * kernel_lock.h - the one lock around the kernel's shared state.
 *
 * It protects everything shared that has no lock of its own: the run
 * queue and the sleep list, the process table, programs, user address
 * spaces and their page tables.  (frames_lock, kernel_space_lock, heap_lock
 * and the share table's lock stay, nested inside it: they guard state that
 * code outside this lock will reach, docs/smp.md.)
 *
 * Rules: a CPU takes it when it enters the kernel from ring 3 or from the
 * idle loop, and gives it up when it returns to ring 3 or halts (for
 * traps, trap_dispatch.c does both).  A context
 * switch hands it from one thread to the next on the same CPU, so kernel
 * code still runs to completion as on one CPU: it gives up the CPU only by
 * blocking or exiting.  The kernel runs with interrupts off, and waits for
 * the lock with them off too; see tlb.c for how a shootdown still reaches
 * a waiting CPU.
 */
#ifndef KERNEL_KERNEL_LOCK_H
#define KERNEL_KERNEL_LOCK_H

#include <stdbool.h>
#include <stdint.h>

void kernel_lock(void);
void kernel_unlock(void);
/* Whether the calling CPU holds it. */
bool kernel_lock_held(void);
/* How many times it has been taken since boot (modulo 2^32): tests. */
uint32_t kernel_lock_times_taken(void);

#endif
