/*
 * address_space.c - the kernel space, the current user space, and the
 * environment that connects the portable VM core to this machine: frames
 * from the pmm, page tables through the direct map, invlpg for the TLB.
 *
 * SMP: invlpg only flushes this CPU; a shootdown joins tlb_invalidate when
 * other CPUs run (multiprocessor issue).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/address_space.h"
#include "kernel/frames.h"
#include "kernel/spinlock.h"
#include "lib/panic.h"

static struct vm_space kernel_vm;
static struct spinlock kernel_space_lock = SPINLOCK_INIT("kernel_vm page tables");
static struct vm_space *current_user_space;

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
	frame_free(pa);
}

static void env_tlb_invalidate(void *ctx, vaddr_t va)
{
	(void)ctx;
	invlpg(va);
}

static const struct vm_env machine_env = {
	env_phys_to_virt, env_frame_alloc, env_frame_free, env_tlb_invalidate, NULL,
};

void address_space_init(void)
{
	enum vm_status s = vm_space_init_kernel(&kernel_vm, &machine_env, paging_kernel_pml4(),
						KERNEL_SPACE_START, KERNEL_SPACE_END);

	if (s != VM_OK)
		panic("address_space_init: kernel space: %s", vm_status_name(s));
}

const struct vm_env *address_space_env(void)
{
	return &machine_env;
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

enum vm_status kernel_release(vaddr_t va, size_t npages)
{
	enum vm_status s;

	spin_lock(&kernel_space_lock);
	s = vm_release(&kernel_vm, va, npages);
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
	struct vm_space *space = va >= KERNEL_SPACE_START ? &kernel_vm : current_user_space;
	enum vm_fault_result r;

	if (!space)
		return VM_FAULT_OUTSIDE;
	if (space != &kernel_vm)
		return vm_fault(space, va, pf, before);
	spin_lock(&kernel_space_lock);
	r = vm_fault(space, va, pf, before);
	spin_unlock(&kernel_space_lock);
	return r;
}

void address_space_activate(struct vm_space *space)
{
	current_user_space = space;
	write_cr3(space ? space->pml4 : paging_kernel_pml4());
}

struct vm_space *address_space_current(void)
{
	return current_user_space;
}
