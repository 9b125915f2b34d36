/*
 * tlb.c - TLB shootdown by generations (tlb.h).
 *
 * Every shootdown bumps a global generation; each CPU records the newest
 * generation its TLB has been flushed for, and only that CPU writes it, so
 * it never goes back.  The initiator sends an IPI to every other CPU
 * concerned and waits until each has flushed (its generation caught up).
 * Initiators may overlap (lockless releases run on several CPUs), and a
 * CPU may wait with interrupts off (for a spinlock, for another shootdown,
 * for faults to drain): every such wait loop calls tlb_catch_up(), so a
 * CPU answers without taking the interrupt and two waiters never wait for
 * each other forever.
 *
 * Frames freed after a local invalidation wait on a per-CPU list until the
 * shootdown is paid (tlb_free_frame): another CPU may still reach them
 * through its TLB until then, and a lockless fault anywhere could take a
 * frame that was freed straight to the allocator.  The list lives in this
 * file, not in the waiting frames: nothing a stale write can reach is
 * allocator state.
 *
 * A flush is a whole-TLB flush (CR3 reload: the kernel maps nothing
 * global), cheaper under emulation than a list of pages and never wrong.
 *
 * Who is asked: for a change in the kernel half, every CPU; for a change
 * in a user half, only the CPUs that have that space's PML4 loaded (all of
 * them if this CPU owes shootdowns for several spaces at once).  A CPU
 * with another PML4 loaded reloaded CR3 to get it, which dropped every
 * translation of the changed space (the kernel maps nothing global and
 * uses no PCIDs), and it will reload CR3 again before it runs that space.
 * The set is read once per shootdown: a CPU that loads the space after
 * the read walks the tables as they are now.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "kernel/frames.h"
#include "kernel/percpu.h"
#include "kernel/tlb.h"
#include "kernel/trap_dispatch.h"

/* Freed user tables a CPU lets wait before it shoots them down: one round
 * of IPIs per this many, where each release used to pay one. */
#define TLB_TABLES_BATCH 32

/* tlb_pending_pml4 when the owed shootdown covers several spaces: no PML4
 * is at an odd address. */
#define TLB_ANY_SPACE ((paddr_t)1)

static uint64_t generation; /* atomic */
static uint64_t frames_waiting_total; /* atomic: sum of frames_waiting */

/* Notes that the owed shootdown covers the user half under pml4. */
static void owe_space(struct cpu *c, paddr_t pml4)
{
	if (c->tlb_pending_pml4 == 0)
		c->tlb_pending_pml4 = pml4;
	else if (c->tlb_pending_pml4 != pml4)
		c->tlb_pending_pml4 = TLB_ANY_SPACE;
}

void tlb_invalidate(paddr_t pml4, vaddr_t va)
{
	struct cpu *c = this_cpu();

	invlpg(va);
	c->tlb_pending = true;
	if (va >= USER_SPACE_END)
		c->tlb_pending_kernel = true;
	else
		owe_space(c, pml4);
}

void tlb_flush_space(paddr_t pml4)
{
	struct cpu *c = this_cpu();

	if (read_cr3() == pml4)
		write_cr3(pml4);
	c->tlb_pending = true;
	owe_space(c, pml4);
}

void tlb_invalidate_table(paddr_t pml4, vaddr_t base)
{
	struct cpu *c = this_cpu();

	if (base >= USER_SPACE_END) {
		tlb_invalidate(pml4, base);
		return;
	}
	invlpg(base); /* also drops this CPU's cached upper-level entries */
	c->tlb_tables_pending = true;
	owe_space(c, pml4);
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
	return __atomic_load_n(&o->tlb_generation, __ATOMIC_SEQ_CST) >= g;
}

/* Whether CPU o must flush for a shootdown of self's (kernel: one that
 * includes the kernel half; pml4: whose user half, or TLB_ANY_SPACE). */
static bool cpu_concerned(const struct cpu *self, const struct cpu *o, bool kernel,
			  paddr_t pml4)
{
	paddr_t loaded;

	if (o == self || !__atomic_load_n(&o->online, __ATOMIC_ACQUIRE))
		return false;
	if (kernel || pml4 == TLB_ANY_SPACE)
		return true;
	loaded = __atomic_load_n(&o->loaded_pml4, __ATOMIC_SEQ_CST);
	return loaded == pml4 || loaded == 0;
}

static void shootdown(struct cpu *self, bool kernel, paddr_t pml4)
{
	bool asked[MAX_CPUS];
	uint64_t before = __atomic_load_n(&self->tlb_generation, __ATOMIC_RELAXED);
	uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);

	/* This CPU's own entries went one by one in tlb_invalidate; a
	 * generation of another initiator's in between needs a flush. */
	if (before + 1 < g)
		write_cr3(read_cr3());
	__atomic_store_n(&self->tlb_generation, g, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *o = cpu_by_index(i);

		asked[i] = cpu_concerned(self, o, kernel, pml4);
		if (asked[i] && !cpu_has_caught_up(o, g))
			lapic_send_ipi(o->apic_id, VEC_TLB_SHOOTDOWN);
	}
	for (unsigned i = 0; i < MAX_CPUS; i++)
		while (asked[i] && !cpu_has_caught_up(cpu_by_index(i), g))
			tlb_wait_a_moment();
}

void tlb_wait_a_moment(void)
{
	__builtin_ia32_pause();
	tlb_catch_up();
}

/*
 * The frames that wait are kept here, never in the frames themselves: until
 * the shootdown is paid another CPU may still write to a waiting frame
 * through a stale translation (a ring-3 store, or a system call's copy-out
 * on a thread of the same space), and whatever such a write leaves in the
 * frame must not be able to steer the allocator.  A CPU whose list is full
 * pays at once; with TLB_FRAMES_WAITING_MAX well above the largest batch of
 * tables, that happens only inside releases of many present pages, which
 * then pay one round of IPIs per TLB_FRAMES_WAITING_MAX frames.
 */
#define TLB_FRAMES_WAITING_MAX 512

_Static_assert(TLB_TABLES_BATCH < TLB_FRAMES_WAITING_MAX, "a table batch fits the list");

struct frames_waiting {
	unsigned count;
	paddr_t frame[TLB_FRAMES_WAITING_MAX];
};

/* By CPU index; only that CPU touches its own. */
static struct frames_waiting waiting[MAX_CPUS];

static void pay(struct cpu *c);

void tlb_free_frame(paddr_t frame)
{
	struct cpu *c = this_cpu();
	struct frames_waiting *w = &waiting[c->index];

	if (w->count == TLB_FRAMES_WAITING_MAX)
		pay(c); /* covers frame too: it was invalidated before this call */
	if (!c->tlb_pending && !c->tlb_tables_pending) {
		frame_free(frame);
		return;
	}
	w->frame[w->count++] = frame;
	__atomic_add_fetch(&frames_waiting_total, 1, __ATOMIC_RELAXED);
}

static void free_frames_after_shootdown(struct cpu *c)
{
	struct frames_waiting *w = &waiting[c->index];

	__atomic_sub_fetch(&frames_waiting_total, w->count, __ATOMIC_RELAXED);
	while (w->count)
		frame_free(w->frame[--w->count]);
}

static void pay(struct cpu *c)
{
	bool kernel = c->tlb_pending_kernel;
	paddr_t pml4 = c->tlb_pending_pml4;

	c->tlb_pending = c->tlb_pending_kernel = c->tlb_tables_pending = false;
	c->tlb_pending_pml4 = 0;
	shootdown(c, kernel, pml4);
	free_frames_after_shootdown(c);
}

void tlb_shootdown_pending(void)
{
	struct cpu *c = this_cpu();

	if (c->tlb_pending || (c->tlb_tables_pending && waiting[c->index].count >= TLB_TABLES_BATCH))
		pay(c);
}

void tlb_settle(void)
{
	struct cpu *c = this_cpu();

	if (c->tlb_pending || c->tlb_tables_pending)
		pay(c);
}

uint64_t tlb_frames_waiting(void)
{
	return __atomic_load_n(&frames_waiting_total, __ATOMIC_RELAXED);
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
