/*
 * card1_fault.c - the page-fault decision and page queries of the classic
 * design: a present page is decided from its leaf, anything else from the
 * VMA that contains it.
 *
 * The ladder is the rdos core's (vm_fault), rung for rung: outside, free,
 * guard, protection, present (copy-on-write or a stale TLB entry), fill.
 * A present page goes to the rdos core's vm_fault, which decides on the
 * leaf; any other page is decided by its VMA, and the fill (counted
 * against the present limit first) makes the page tables down to the leaf.  A failed fill frees the tables it made
 * (nothing changed), which is why faults on one space are serialised in
 * this design (card1.h).
 */
#include "mm/card1_internal.h"

/* No VMA meets the addresses [base, last]. */
static bool block_free(const struct card1_space *s, vaddr_t base,
		       vaddr_t last)
{
	const struct card1_vma *v = card1_tree_first_after(s, base);

	return v == NULL || v->start > last;
}

/*
 * The largest level (as in struct vm_state) whose aligned block around
 * the non-present page va has one state throughout, so that a caller may
 * skip it as it would an rdos upper-level entry.  No table may lie below
 * the block (free_level: where the table walk stopped), so no page in it
 * is present; a free page's block holds no VMA; a VMA page's block lies
 * inside its VMA, which is not an image (image pages differ per page).
 */
static int uniform_level(const struct card1_space *s, vaddr_t va,
			 const struct card1_vma *v, int free_level)
{
	for (int l = free_level; l > 0; l--) {
		vaddr_t base = va & ~(vm_level_size(l) - 1);
		vaddr_t last = base + (vm_level_size(l) - 1);

		if (v ? v->kind != PTE_KIND_IMAGE && v->start <= base &&
				last < v->end
		      : block_free(s, base, last))
			return l;
	}
	return 0;
}

/*
 * What the page va is: its leaf if present, else *vma's page (*vma is
 * NULL and the result 0 if no VMA holds it); *level as in vm_state.
 */
static pte_t page_entry(const struct card1_space *s, vaddr_t va,
			const struct card1_vma **vma, int *level)
{
	pte_t e = vm_lookup(&s->pt, va, level);

	*vma = NULL;
	if (pte_is_present(e))
		return e;
	*vma = card1_tree_find(s, va);
	*level = uniform_level(s, va, *vma, *level);
	return *vma ? card1_vma_entry(*vma, va) : 0;
}

/* Is an access with fault code pf outside what prot allows? */
static bool access_denied(unsigned prot, unsigned pf)
{
	unsigned need = ((pf & VM_PF_WRITE) ? VM_PROT_WRITE : 0) |
			((pf & VM_PF_USER) ? VM_PROT_USER : 0) |
			((pf & VM_PF_INSTR) ? VM_PROT_EXEC : 0);

	return (need & ~prot) != 0;
}

/*
 * The leaf slot of va, making the tables on the way; NULL when a table
 * cannot be had, after freeing again those made here (they are empty).
 */
static pte_t *leaf_path(struct card1_space *s, vaddr_t va)
{
	pte_t *t = vm_table(&s->pt, s->pt.pml4);

	for (int level = VM_TOP_LEVEL; level > 0; level--) {
		pte_t *slot = &t[vm_index(va, level)];
		vaddr_t base = va & ~(vm_level_size(level) - 1);

		if (pte_is_free(vm_read(&s->pt, slot)) &&
		    vm_table_link_new(&s->pt, slot, level, base) != VM_OK) {
			vm_clear_range(&s->pt, va, va + PAGE_SIZE, false);
			return NULL;
		}
		t = vm_table(&s->pt, pte_addr(vm_read(&s->pt, slot)));
	}
	return &t[vm_index(va, 0)];
}

/* Give the page va of v a frame: zeroed, or filled by v's provider. */
static enum vm_fault_result fill(struct card1_space *s,
				 const struct card1_vma *v, vaddr_t va)
{
	struct vm_env *env = &s->pt.env;
	uint64_t page = v->first_page + ((va - v->start) >> PAGE_SHIFT);
	paddr_t pa;
	void *dest;
	pte_t *slot;

	if (vm_frame_alloc(&s->pt, &pa) != 0)
		return VM_FAULT_NO_MEMORY;
	dest = env->phys_to_virt(env->ctx, pa);
	if (v->kind != PTE_KIND_IMAGE)
		__builtin_memset(dest, 0, PAGE_SIZE);
	else if (!vm_provider_fill(v->sel, page, dest)) {
		vm_frame_free(&s->pt, pa);
		return VM_FAULT_PROVIDER;
	}
	slot = leaf_path(s, va);
	if (!slot) {
		vm_frame_free(&s->pt, pa);
		return VM_FAULT_NO_MEMORY;
	}
	vm_write(&s->pt, slot, pte_make_leaf(pa, v->prot,
					   card1_vma_starts(v, va)));
	return VM_FAULT_HANDLED;
}

/* The fill rung, counted against the present limit before anything is
 * taken (as in the rdos core); the count goes back if the fill fails. */
static enum vm_fault_result fill_counted(struct card1_space *s,
					 const struct card1_vma *v, vaddr_t va)
{
	enum vm_fault_result r;

	if (!vm_usage_take_present(&s->pt))
		return VM_FAULT_LIMIT;
	r = fill(s, v, va);
	if (r != VM_FAULT_HANDLED)
		vm_usage_give_present(&s->pt);
	return r;
}

enum vm_fault_result card1_fault(struct card1_space *s, vaddr_t va,
				 unsigned pf, struct vm_state *before)
{
	const struct card1_vma *v;
	int level;
	pte_t e;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->pt.lo || va >= s->pt.hi)
		return VM_FAULT_OUTSIDE;
	e = page_entry(s, va, &v, &level);
	if (before)
		vm_state_decode(e, level, before);
	if (pte_is_present(e)) /* the leaf decides, as in the rdos core */
		return vm_fault(&s->pt, va, pf, NULL);
	if (!v)
		return VM_FAULT_FREE;
	if (v->kind == PTE_KIND_GUARD)
		return VM_FAULT_GUARD;
	if (access_denied(v->prot, pf))
		return VM_FAULT_PROTECTION;
	return fill_counted(s, v, va);
}

enum vm_status card1_query(const struct card1_space *s, vaddr_t va,
			   struct vm_state *st)
{
	const struct card1_vma *v;
	int level;
	pte_t e;

	if ((va & PAGE_MASK) != 0 || va < s->pt.lo || va >= s->pt.hi)
		return VM_ERR_INVALID;
	e = page_entry(s, va, &v, &level);
	vm_state_decode(e, level, st);
	return VM_OK;
}
