/*
 * address_space.c - the kernel space, the current user space, and the
 * environment that connects the portable VM core to this machine: frames
 * from the pmm, page tables through the direct map, invlpg for the TLB.
 *
 * SMP: the page-table code invalidates on this CPU, and kernel/tlb.c tells
 * the others before it matters.  Which user space a CPU has loaded is that
 * CPU's own business (struct cpu).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_protect.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/address_space.h"
#include "kernel/cmdline.h"
#include "kernel/frames.h"
#include "kernel/kmalloc.h"
#include "kernel/printk.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "kernel/tlb.h"
#include "mm/vm_share.h"
#include "lib/panic.h"
#include "lib/string.h"

/* The core's address map (mm/vm.h) and the machine's (arch layout.h) are
 * two names for one map: they may never drift apart. */
_Static_assert(VM_USER_LO == USER_SPACE_START && VM_USER_HI == USER_SPACE_END,
	       "user half: mm/vm.h and arch/x86_64/layout.h disagree");
_Static_assert(VM_KERNEL_LO == KERNEL_SPACE_START && VM_KERNEL_HI == KERNEL_SPACE_END,
	       "kernel space: mm/vm.h and arch/x86_64/layout.h disagree");

static struct vm_space kernel_vm;
static struct spinlock kernel_space_lock = SPINLOCK_INIT("kernel_vm page tables");
static enum mm_design default_design = MM_DESIGN_RDOS;
static struct vm_limits default_limits;

static void *env_phys_to_virt(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static int env_frame_alloc(void *ctx, paddr_t *out)
{
	(void)ctx;
	return frame_alloc(out) != PMM_OK;
}

static void env_frame_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	tlb_free_frame(pa);
}

static void env_tlb_invalidate(void *ctx, paddr_t pml4, vaddr_t va)
{
	(void)ctx;
	tlb_invalidate(pml4, va);
}

static void env_tlb_flush_space(void *ctx, paddr_t pml4)
{
	(void)ctx;
	tlb_flush_space(pml4);
}

static void env_table_unlinked(void *ctx, paddr_t pml4, vaddr_t base)
{
	(void)ctx;
	tlb_invalidate_table(pml4, base);
}

static void env_relax(void *ctx)
{
	(void)ctx;
	tlb_wait_a_moment();
}

static void *env_node_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return kmalloc(size);
}

static void env_node_free(void *ctx, void *node)
{
	(void)ctx;
	kfree(node);
}

static void *share_alloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return kmalloc(bytes);
}

static void share_free(void *ctx, void *p, size_t bytes)
{
	(void)ctx;
	(void)bytes;
	kfree(p);
}

/* Reference counts of frames shared by fork: empty, and without memory,
 * until the first fork. */
static struct vm_share frame_share = VM_SHARE_INIT(share_alloc, share_free, NULL, env_relax);

/*
 * Lockless faults.  A CPU resolving an rdos first touch without the kernel
 * lock or the space's lock names the space's tables in its faulting_space,
 * then checks the space's draining flag; a change that must not run beside
 * such faults (mm_space.h) sets draining, then waits here until no CPU is
 * faulting on the space.  Both sides store, then load, sequentially
 * consistent: at least one of them sees the other, so a fault never walks
 * tables that a release is freeing, and never races protect's or fork's
 * read-modify-writes of entries.  Faults exclude only those changes, not
 * each other nor reserves: the rdos core installs every entry a fault
 * makes with a compare-and-swap.
 */
static void env_drain_faults(void *ctx, const struct vm_space *s)
{
	(void)ctx;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		while (__atomic_load_n(&cpu_by_index(i)->faulting_space, __ATOMIC_SEQ_CST) == s)
			tlb_wait_a_moment();
}

static const struct mm_env machine_env = {
	.vm = { .phys_to_virt = env_phys_to_virt, .direct_map = DIRECT_MAP_BASE,
		.frame_alloc = env_frame_alloc,
		.frame_free = env_frame_free, .tlb_invalidate = env_tlb_invalidate,
		.tlb_flush_space = env_tlb_flush_space,
		.table_unlinked = env_table_unlinked, .drain_faults = env_drain_faults,
		.relax = env_relax },
	.nodes = { env_node_alloc, env_node_free, NULL },
	.share = &frame_share,
};

void address_space_share_stats(struct rdos_memstat *st)
{
	struct vm_share_stats s = vm_share_stats(&frame_share);

	st->shared_frames = s.frames;
	st->share_table_bytes = s.bytes;
	st->cow_copies = s.cow_copies;
	st->cow_in_place = s.cow_in_place;
}

/* Defaults from the command line, else a quarter of RAM is kept back from
 * any one process (for the kernel and the others) and 4 TiB reservable. */
static void limits_init(void)
{
	default_limits = (struct vm_limits){
		.max_reserved = ADDRESS_SPACE_MAX_RESERVED,
		.max_present = frame_counters().usable / 4 * 3,
	};
	cmdline_u64("proc_max_reserved", &default_limits.max_reserved);
	cmdline_u64("proc_max_present", &default_limits.max_present);
	kprintf("vm: a process may reserve %lu pages and have %lu present\n",
		default_limits.max_reserved, default_limits.max_present);
}

void address_space_init(void)
{
	enum vm_status s;
	char design[8];

	/* Before the first leaf: without NX, bit 63 of an entry is reserved. */
	if (!cpu_protections().nx)
		pte_hw_nx = 0;
	s = vm_space_init_kernel(&kernel_vm, &machine_env.vm, paging_kernel_pml4(),
				 KERNEL_SPACE_START, KERNEL_SPACE_END);
	if (s != VM_OK)
		panic("address_space_init: kernel space: %s", vm_status_name(s));
	if (cmdline_value("vm", design, sizeof(design)) && strcmp(design, "card1") == 0)
		default_design = MM_DESIGN_CARD1;
	kprintf("vm: processes use the %s design by default\n",
		default_design == MM_DESIGN_CARD1 ? "Card 1 (VMA tree)" : "rdos (page tables)");
	limits_init();
}

const struct mm_env *address_space_env(void)
{
	return &machine_env;
}

enum mm_design address_space_default_design(void)
{
	return default_design;
}

struct vm_limits address_space_default_limits(void)
{
	return default_limits;
}

int64_t address_space_error(enum vm_status st)
{
	switch (st) {
	case VM_OK:
		return 0;
	case VM_ERR_NO_MEMORY:
		return -RDOS_ENOMEM;
	case VM_ERR_NO_SPACE:
		return -RDOS_ENOSPACE;
	case VM_ERR_BUSY:
		return -RDOS_EBUSY;
	case VM_ERR_NOT_START:
	case VM_ERR_WRONG_SIZE:
	case VM_ERR_NOT_RESERVED:
		return -RDOS_ERANGE;
	case VM_ERR_LIMIT:
		return -RDOS_ELIMIT;
	default:
		return -RDOS_EINVAL;
	}
}

enum vm_status address_space_create(struct mm_space *s, enum mm_design design)
{
	return address_space_create_counted(s, design, NULL);
}

/* The space keeps its own copy of the environment, work pointer included. */
enum vm_status address_space_create_counted(struct mm_space *s, enum mm_design design,
					    struct mm_work *work)
{
	struct mm_env env = machine_env;

	env.vm.work = work;
	return mm_space_init_user(s, design, &env, USER_SPACE_START, USER_SPACE_END, &kernel_vm);
}

/* Both designs count through the environment of the space that holds
 * the page tables (mm_space_work reads the same field). */
void address_space_count_work(struct mm_space *s, struct mm_work *work)
{
	struct vm_space *tables = s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos;

	tables->env.work = work;
}

struct vm_space *kernel_space(void)
{
	return &kernel_vm;
}

enum vm_status kernel_reserve(size_t npages, unsigned prot, vaddr_t *va)
{
	enum vm_status s;

	spin_lock(&kernel_space_lock);
	s = vm_reserve(&kernel_vm, npages, prot, va);
	spin_unlock(&kernel_space_lock);
	return s;
}

/* Kernel addresses are shared by every CPU, and a CPU that allocates from
 * the heap need not hold the kernel lock: the shootdown is paid before the
 * released addresses can be reserved again (tlb.h). */
enum vm_status kernel_release(vaddr_t va, size_t npages)
{
	enum vm_status s;

	spin_lock(&kernel_space_lock);
	s = vm_release(&kernel_vm, va, npages);
	tlb_shootdown_pending();
	spin_unlock(&kernel_space_lock);
	return s;
}

enum vm_status kernel_guard(vaddr_t va, size_t npages)
{
	enum vm_status s;

	spin_lock(&kernel_space_lock);
	s = vm_guard(&kernel_vm, va, npages);
	spin_unlock(&kernel_space_lock);
	return s;
}

enum vm_status kernel_commit(vaddr_t va, size_t npages)
{
	enum vm_status s = VM_OK;

	spin_lock(&kernel_space_lock);
	for (size_t i = 0; i < npages && s == VM_OK; i++) {
		struct vm_state before;
		enum vm_fault_result r = vm_fault(&kernel_vm, va + i * PAGE_SIZE, 0, &before);

		if (r == VM_FAULT_NO_MEMORY)
			s = VM_ERR_NO_MEMORY;
		else if (r != VM_FAULT_HANDLED && before.kind != VM_STATE_PRESENT)
			s = VM_ERR_NOT_RESERVED;
	}
	spin_unlock(&kernel_space_lock);
	return s;
}

/* The fault handler's way in: resolve va in the space that owns it. */
enum vm_fault_result address_space_fault(vaddr_t va, unsigned pf, struct vm_state *before)
{
	enum vm_fault_result r;

	/* mm_fault takes the space's lock as a reader (mm_space.h); first
	 * touches also come without the kernel lock
	 * (address_space_fault_lockless; docs/smp.md). */
	if (va < KERNEL_SPACE_START)
		return address_space_current() ? mm_fault(address_space_current(), va, pf, before)
					       : VM_FAULT_OUTSIDE;
	spin_lock(&kernel_space_lock);
	r = vm_fault(&kernel_vm, va, pf, before);
	spin_unlock(&kernel_space_lock);
	return r;
}

/* An rdos first touch with no lock at all: see "Lockless faults" above. */
static bool rdos_first_touch(struct cpu *c, struct mm_space *s, vaddr_t va, unsigned pf)
{
	bool done;

	__atomic_store_n(&c->faulting_space, &s->rdos, __ATOMIC_SEQ_CST);
	done = !__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST) &&
	       mm_fault_first_touch_unlocked(s, va, pf);
	__atomic_store_n(&c->faulting_space, NULL, __ATOMIC_RELEASE);
	return done;
}

/* Card 1's first touches need the VMA tree, so they read it under the
 * space's lock, as a VMA-tree kernel's faults take its mmap lock. */
bool address_space_fault_lockless(vaddr_t va, unsigned pf)
{
	struct cpu *c = this_cpu();
	struct mm_space *s = c->user_space;

	if (!s || va >= USER_SPACE_END)
		return false;
	return s->design == MM_DESIGN_RDOS ? rdos_first_touch(c, s, va, pf)
					   : mm_fault_first_touch(s, va, pf);
}

/* loaded_pml4 changes before CR3 does: a shootdown that reads the new
 * value and passes this CPU by finds it about to flush anyway (tlb.c). */
void address_space_activate(struct mm_space *space)
{
	paddr_t pml4 = space ? mm_space_pml4(space) : paging_kernel_pml4();

	this_cpu()->user_space = space;
	__atomic_store_n(&this_cpu()->loaded_pml4, pml4, __ATOMIC_SEQ_CST);
	write_cr3(pml4);
}

struct mm_space *address_space_current(void)
{
	return this_cpu()->user_space;
}
