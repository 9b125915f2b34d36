/*
 * tlb.c - TLB shootdown by generations (tlb.h).
 *
 * Every shootdown bumps a global generation; each CPU records the newest
 * generation its TLB has been flushed for.  The initiator (holding the
 * kernel lock, so shootdowns never overlap) sends an IPI to every other
 * online CPU and waits until each has either flushed (its generation caught
 * up) or is waiting for the kernel lock: such a CPU runs nothing that could
 * use a stale translation, and kernel_lock() makes it catch up before it
 * runs anything.  Without that second way out, a CPU spinning for the lock
 * with interrupts off and the initiator waiting for its answer would wait
 * for each other forever.
 *
 * A flush is a whole-TLB flush (CR3 reload: the kernel maps nothing
 * global), cheaper under emulation than a list of pages and never wrong.
 *
 * Who is asked: for a change in the kernel half, every CPU; for a change
 * in a user half, only CPUs that have some user space loaded.  A CPU on
 * the kernel's own tables (idle, kernel threads) reloaded CR3 to get
 * there, which dropped every user translation it had, and it will reload
 * CR3 again before it runs any user space.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "kernel/percpu.h"
#include "kernel/tlb.h"

static uint64_t generation; /* atomic */

void tlb_invalidate(vaddr_t va)
{
	struct cpu *c = this_cpu();

	invlpg(va);
	c->tlb_pending = true;
	c->tlb_pending_kernel |= va >= USER_SPACE_END;
}

void tlb_catch_up(void)
{
	struct cpu *c = this_cpu();
	uint64_t g = __atomic_load_n(&generation, __ATOMIC_SEQ_CST);

	if (__atomic_load_n(&c->tlb_generation, __ATOMIC_RELAXED) < g) {
		write_cr3(read_cr3());
		__atomic_store_n(&c->tlb_generation, g, __ATOMIC_SEQ_CST);
	}
}

static bool cpu_has_caught_up(struct cpu *o, uint64_t g)
{
	return __atomic_load_n(&o->tlb_generation, __ATOMIC_SEQ_CST) >= g ||
	       __atomic_load_n(&o->waiting_kernel_lock, __ATOMIC_SEQ_CST);
}

/* Whether CPU o must flush for a shootdown of self's (kernel: one that
 * includes the kernel half).  user_space changes only under the kernel
 * lock, which the initiator holds. */
static bool cpu_concerned(const struct cpu *self, const struct cpu *o, bool kernel)
{
	return o != self && __atomic_load_n(&o->online, __ATOMIC_ACQUIRE) &&
	       (kernel || o->user_space);
}

static void shootdown(struct cpu *self, bool kernel)
{
	uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);

	/* This CPU's own entries went one by one in tlb_invalidate. */
	__atomic_store_n(&self->tlb_generation, g, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *o = cpu_by_index(i);

		if (cpu_concerned(self, o, kernel) && !cpu_has_caught_up(o, g))
			lapic_send_ipi(o->apic_id, VEC_TLB_SHOOTDOWN);
	}
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *o = cpu_by_index(i);

		if (cpu_concerned(self, o, kernel))
			while (!cpu_has_caught_up(o, g))
				__builtin_ia32_pause();
	}
}

void tlb_shootdown_pending(void)
{
	struct cpu *c = this_cpu();

	if (c->tlb_pending) {
		bool kernel = c->tlb_pending_kernel;

		c->tlb_pending = c->tlb_pending_kernel = false;
		shootdown(c, kernel);
	}
}

static void shootdown_interrupt(struct trap_frame *frame)
{
	(void)frame;
	tlb_catch_up();
	lapic_eoi();
}

void tlb_init(void)
{
	trap_set_lockless_handler(VEC_TLB_SHOOTDOWN, shootdown_interrupt);
}
