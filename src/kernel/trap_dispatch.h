/*
 * trap_dispatch.h - the kernel's policy for every interrupt and exception:
 * which handler runs, with or without the kernel lock, what a ring-3
 * exception without a handler does, and what runs before ring 3 again.
 * asm/isr.asm calls trap_dispatch(); the frame, the vectors and the report
 * of a fatal trap are the architecture's (arch/x86_64/trap.h).
 */
#ifndef KERNEL_TRAP_DISPATCH_H
#define KERNEL_TRAP_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/trap.h"

typedef void (*trap_handler)(struct trap_frame *frame);
/* Handles the trap without the kernel lock and returns true, or does
 * nothing and returns false. */
typedef bool (*trap_fast_path)(struct trap_frame *frame);

void trap_set_handler(unsigned vector, trap_handler handler);
/* Tries try_first, without the kernel lock, before vector's handler. */
void trap_set_fast_path(unsigned vector, trap_fast_path try_first);
/* A handler that runs without the kernel lock (kernel_lock.h): it may only
 * touch its own CPU's state and atomics. */
void trap_set_lockless_handler(unsigned vector, trap_handler handler);
/* Who handles an exception raised in ring 3 that has no handler of its own
 * (the process layer: it kills the process, not the kernel). */
void trap_set_user_exception_handler(trap_handler handler);
/* Runs (with the kernel lock) before every return to ring 3 from a
 * handler; it may end the thread instead (the process layer's check). */
void trap_set_user_return_hook(trap_handler hook);
/* Called by asm/isr.asm for every trap. */
void trap_dispatch(struct trap_frame *frame);

/* How many interrupts and exceptions reached their handler with RFLAGS.AC
 * set, since boot: with SMAP on, how often the kernel ran with user pages
 * open to it by accident.  0 unless isr.asm's CLAC is missing (the sec_
 * test); with SMAP off AC is left as it is and means nothing in ring 0. */
uint64_t trap_entries_with_ac(void);

#endif
