/*
 * spinlock.h - the kernel's basic mutual exclusion between CPUs.
 *
 * Every lock is declared next to the data it protects with a comment naming
 * that data.  Holders must not sleep or take a page fault that needs the
 * same lock.  The kernel runs with interrupts off (thread.h), so no lock
 * needs to save and restore them; a spinning CPU therefore answers TLB
 * shootdowns itself (tlb_wait_a_moment), since the holder may be waiting
 * for that answer before it lets go.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>

#include "kernel/tlb.h"

struct spinlock {
	bool locked;
	const char *name; /* what it protects, for panics and debugging */
};

#define SPINLOCK_INIT(what) { false, what }

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			tlb_wait_a_moment();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
}

#endif
