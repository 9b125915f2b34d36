/*
 * kernel_lock.c - the kernel lock (kernel_lock.h).
 *
 * Invariant: holds_kernel_lock is true on exactly the CPU that owns the
 * lock.  A CPU that acquires it first catches up with every TLB shootdown
 * it sat out while it was waiting.
 */
#include "kernel/kernel_lock.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "kernel/tlb.h"
#include "lib/panic.h"

static struct spinlock big_lock = SPINLOCK_INIT("run queue, processes, programs, user spaces");
static uint32_t times_taken; /* written under big_lock; atomic for readers */

void kernel_lock(void)
{
	struct cpu *c = this_cpu();

	ASSERT(!c->holds_kernel_lock);
	spin_lock(&big_lock);
	tlb_catch_up();
	__atomic_store_n(&times_taken, times_taken + 1, __ATOMIC_RELAXED);
	c->holds_kernel_lock = true;
}

void kernel_unlock(void)
{
	struct cpu *c = this_cpu();

	ASSERT(c->holds_kernel_lock);
	tlb_shootdown_pending();
	c->holds_kernel_lock = false;
	spin_unlock(&big_lock);
}

bool kernel_lock_held(void)
{
	return this_cpu()->holds_kernel_lock;
}

uint32_t kernel_lock_times_taken(void)
{
	return __atomic_load_n(&times_taken, __ATOMIC_RELAXED);
}
