/*
 * vm_space.c - creating and destroying address spaces, argument checks
 * shared by every operation, and the names of status codes.
 *
 * A user space owns its PML4 and every table below its lower half; a
 * kernel space owns the tables below the (pinned) PML4 entries of its
 * range, but neither the PML4 nor those entries, which all spaces share.
 * Usage and limits (struct vm_usage, struct vm_limits) are kept here too:
 * the checks every design's reserve and fault make before changing
 * anything.
 */
#include "mm/vm_internal.h"

#define VM_HOLE_START ((vaddr_t)0x0000800000000000)

/* pte.h: the hardware NX bit in leaves; the kernel clears it at boot on a
 * CPU without NX (address_space_init). */
pte_t pte_hw_nx = PTE_NX;

static void space_setup(struct vm_space *s, const struct vm_env *env,
			paddr_t pml4, vaddr_t lo, vaddr_t hi)
{
	ASSERT(lo < hi && (lo & PAGE_MASK) == 0 && (hi & PAGE_MASK) == 0);
	ASSERT(vm_is_kernel_half(lo) == vm_is_kernel_half(hi - 1));
	s->pml4 = pml4;
	s->lo = lo;
	s->hi = hi;
	s->cursor = lo;
	s->flags = 0;
	s->owns_pml4 = false;
	s->shares_tables = false;
	s->env = *env;
	s->share = NULL;
	s->usage = (struct vm_usage){ 0, 0 };
	s->limits = (struct vm_limits){ VM_LIMIT_NONE, VM_LIMIT_NONE };
	s->compact = (struct vm_compact_pool){ 0 };
}

enum vm_status vm_space_init_user(struct vm_space *s, const struct vm_env *env,
				  vaddr_t lo, vaddr_t hi,
				  const struct vm_space *kernel, unsigned flags)
{
	const unsigned half = VM_ENTRIES / 2;
	paddr_t pa;
	pte_t *t;

	ASSERT(hi <= VM_HOLE_START);
	if (env->frame_alloc(env->ctx, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	space_setup(s, env, pa, lo, hi);
	VM_WORK_ADD(s, frames_alloc, 1);
	s->flags = flags;
	s->owns_pml4 = true;
	t = vm_table(s, pa);
	__builtin_memset(t, 0, half * sizeof(pte_t));
	for (unsigned i = half; i < VM_ENTRIES; i++)
		t[i] = kernel ? vm_entry_read(&vm_table(kernel, kernel->pml4)[i])
			      : 0;
	return VM_OK;
}

enum vm_status vm_space_init_kernel(struct vm_space *s,
				    const struct vm_env *env, paddr_t pml4,
				    vaddr_t lo, vaddr_t hi)
{
	pte_t *t;
	struct vm_span sp;

	/* whole PML4 entries: no table is shared with unmanaged mappings */
	ASSERT(vm_is_kernel_half(lo) &&
	       ((lo | hi) & (vm_level_size(VM_TOP_LEVEL) - 1)) == 0);
	space_setup(s, env, pml4, lo, hi);
	t = vm_table(s, pml4);
	for (vaddr_t v = lo; v < hi; v = sp.end) {
		enum vm_status st;

		sp = vm_span_at(v, hi, VM_TOP_LEVEL);
		if (vm_is_table(vm_entry_read(&t[sp.index]), VM_TOP_LEVEL))
			continue;
		st = vm_table_link_new(s, &t[sp.index], VM_TOP_LEVEL, sp.base);
		if (st != VM_OK)
			return st;
	}
	return VM_OK;
}

void vm_space_destroy(struct vm_space *s)
{
	vm_clear_range(s, s->lo, s->hi, false);
	vm_compact_reclaim(s);
	vm_compact_pool_free(s);
	if (s->owns_pml4)
		vm_frame_free(s, s->pml4);
	s->pml4 = 0;
	s->usage = (struct vm_usage){ 0, 0 };
}

struct vm_usage vm_usage(const struct vm_space *s)
{
	return (struct vm_usage){
		.reserved = s->usage.reserved,
		.present = __atomic_load_n(&s->usage.present, __ATOMIC_RELAXED),
	};
}

void vm_set_limits(struct vm_space *s, struct vm_limits limits)
{
	s->limits = limits;
}

bool vm_usage_fits_reserve(const struct vm_space *s, uint64_t npages)
{
	uint64_t max = s->limits.max_reserved, used = s->usage.reserved;

	/* written as a difference: used + npages may pass 2^64 */
	return used <= max && npages <= max - used;
}

bool vm_usage_take_present(struct vm_space *s)
{
	uint64_t n = __atomic_load_n(&s->usage.present, __ATOMIC_RELAXED);

	do {
		if (n >= s->limits.max_present)
			return false;
	} while (!__atomic_compare_exchange_n(&s->usage.present, &n, n + 1,
					      true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

void vm_usage_give_present(struct vm_space *s)
{
	__atomic_fetch_sub(&s->usage.present, 1, __ATOMIC_RELAXED);
}

bool vm_usage_within_limits(const struct vm_space *s)
{
	struct vm_usage u = vm_usage(s);

	return u.reserved <= s->limits.max_reserved &&
	       u.present <= s->limits.max_present;
}

enum vm_status vm_check_range(const struct vm_space *s, vaddr_t va,
			      size_t npages, vaddr_t *end)
{
	uint64_t room;

	if ((va & PAGE_MASK) != 0 || npages == 0 || va < s->lo || va >= s->hi)
		return VM_ERR_INVALID;
	room = (s->hi - va) >> PAGE_SHIFT;
	if (npages > room)
		return VM_ERR_INVALID;
	*end = va + ((uint64_t)npages << PAGE_SHIFT);
	return VM_OK;
}

enum vm_status vm_check_prot(const struct vm_space *s, unsigned prot)
{
	if (prot & ~VM_PROT_ALL)
		return VM_ERR_INVALID;
	if ((prot & VM_PROT_USER) && vm_is_kernel_half(s->lo))
		return VM_ERR_INVALID;
	return VM_OK;
}

const char *vm_status_name(enum vm_status st)
{
	switch (st) {
	case VM_OK: return "VM_OK";
	case VM_ERR_INVALID: return "VM_ERR_INVALID";
	case VM_ERR_NO_MEMORY: return "VM_ERR_NO_MEMORY";
	case VM_ERR_NO_SPACE: return "VM_ERR_NO_SPACE";
	case VM_ERR_BUSY: return "VM_ERR_BUSY";
	case VM_ERR_NOT_START: return "VM_ERR_NOT_START";
	case VM_ERR_WRONG_SIZE: return "VM_ERR_WRONG_SIZE";
	case VM_ERR_NOT_RESERVED: return "VM_ERR_NOT_RESERVED";
	case VM_ERR_LIMIT: return "VM_ERR_LIMIT";
	}
	return "VM_ERR_?";
}
