/*
 * trap_dispatch.c - which code runs for an interrupt or exception, and
 * under which lock (trap_dispatch.h).
 *
 * Handlers are registered per vector.  A vector without a handler is fatal
 * (trap_fatal); a ring-3 exception without one goes to the process layer's
 * handler instead, which kills the process, never the kernel.
 *
 * Locking: a handler runs with the kernel lock (kernel/kernel_lock.h),
 * taken here when the interrupted code did not hold it (ring 3, or the idle
 * loop's halt) and given back on the way out; a context switch inside the
 * handler hands the lock on, and whoever returns through this frame gives
 * it up.  Lockless vectors (shootdown, wake-up, stop, panic, NMI, double
 * fault) must work while another CPU holds the lock, or while this one
 * does in the middle of an update.  A vector may also have a fast path,
 * tried first without the lock; if it declines, the handler runs as usual
 * (page faults: address_space_fault_lockless; system calls: RESERVE and
 * RELEASE).
 */
#include "arch/x86_64/cpu.h"
#include "kernel/kernel_lock.h"
#include "kernel/trap_dispatch.h"

#define TRAP_VECTORS 256

static trap_handler trap_handlers[TRAP_VECTORS];
static bool lockless[TRAP_VECTORS] = {
	[VEC_NMI] = true, [VEC_DOUBLE_FAULT] = true, [VEC_PANIC] = true,
};
static trap_handler user_exception_handler;
static trap_handler user_return_hook;
static trap_fast_path fast_paths[TRAP_VECTORS];
/* Entries that reached trap_dispatch with RFLAGS.AC set: 0 while SMAP is
 * on, since isr.asm clears AC at every entry. */
static uint64_t entries_with_ac;

void trap_set_handler(unsigned vector, trap_handler handler)
{
	trap_handlers[vector] = handler;
}

void trap_set_lockless_handler(unsigned vector, trap_handler handler)
{
	lockless[vector] = true;
	trap_handlers[vector] = handler;
}

void trap_set_fast_path(unsigned vector, trap_fast_path try_first)
{
	fast_paths[vector] = try_first;
}

void trap_set_user_return_hook(trap_handler hook)
{
	user_return_hook = hook;
}

void trap_set_user_exception_handler(trap_handler handler)
{
	user_exception_handler = handler;
}

uint64_t trap_entries_with_ac(void)
{
	return __atomic_load_n(&entries_with_ac, __ATOMIC_RELAXED);
}

static void dispatch_locked(struct trap_frame *frame)
{
	trap_handler handler = trap_handlers[frame->vector];

	if (handler)
		handler(frame);
	else if (user_exception_handler && trap_from_user(frame) &&
		 frame->vector < VEC_EXCEPTION_COUNT)
		user_exception_handler(frame);
	else
		trap_fatal(frame);
}

void trap_dispatch(struct trap_frame *frame)
{
	bool took;

	if (read_rflags() & RFLAGS_AC)
		__atomic_add_fetch(&entries_with_ac, 1, __ATOMIC_RELAXED);
	if (lockless[frame->vector]) {
		if (!trap_handlers[frame->vector])
			trap_fatal(frame);
		trap_handlers[frame->vector](frame);
		return;
	}
	if (fast_paths[frame->vector] && fast_paths[frame->vector](frame))
		return;
	took = !kernel_lock_held();
	if (took)
		kernel_lock();
	dispatch_locked(frame);
	if (user_return_hook && trap_from_user(frame))
		user_return_hook(frame);
	if (took)
		kernel_unlock();
}
