/*
 * card1_fault.c - the page-fault decision and page queries of the classic
 * design: a present page is decided from its leaf, anything else from the
 * VMA that contains it.
 *
 * The ladder is the rdos core's (vm_fault), rung for rung: outside, free,
 * guard, protection, present (copy-on-write or a stale TLB entry), fill.
 * A present page is decided on its leaf by the page-table layer's present
 * rungs (vm_fault_present, the same as the rdos core's); any other page is
 * decided by its VMA, and the fill (counted
 * against the present limit first) makes the page tables down to the leaf.
 *
 * Faults on one space may run on several CPUs at once (the reader side of
 * the space's lock, card1.h): they only read the VMA tree, and change the
 * tables only by compare-and-swap, as in the rdos core.  A fill first
 * takes every frame it may need: the page's, and one for each table its
 * path lacked when the fault looked (faults only ever add tables, so no
 * more can be needed); if one cannot be had, all go back and nothing has
 * changed.  Then it links the missing tables, each only where the slot is
 * still 0 (a table another CPU linked first is used, ours freed), and
 * installs the leaf where it is still 0; if another CPU installed one
 * first, our frame is freed and the fault reports handled: the access is
 * re-executed on the winner's page.  Either way the leaf slot is filled
 * when the fill returns, so every table it linked holds a page: faults
 * leave no empty table and never free one.
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
 * *missing receives how many tables va's path lacks: one for each level
 * from the one where the table walk stopped down to 1.  *p is the walk.
 */
static pte_t page_entry(const struct card1_space *s, vaddr_t va,
			const struct card1_vma **vma, int *level, int *missing,
			struct vm_path *p)
{
	pte_t e;

	vm_path_walk(&s->pt, va, p);
	e = vm_path_page_entry(p, va);
	*level = p->level;
	*vma = NULL;
	*missing = *level;
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

/* Frames for the tables a fill may link, taken before it links any. */
struct spares {
	paddr_t pa[VM_TOP_LEVEL];
	int n;
};

static void spares_put(struct vm_space *pt, struct spares *sp)
{
	while (sp->n > 0)
		vm_frame_free(pt, sp->pa[--sp->n]);
}

/* n frames, or none (false) if one cannot be had. */
static bool spares_take(struct vm_space *pt, int n, struct spares *sp)
{
	for (sp->n = 0; sp->n < n; sp->n++) {
		if (vm_frame_alloc(pt, &sp->pa[sp->n]) != 0) {
			spares_put(pt, sp);
			return false;
		}
	}
	return true;
}

/*
 * The leaf slot of va, linking a spare as the table wherever a slot on the
 * way is still 0; where another CPU linked one first, its table is used
 * and the spare kept.
 */
static pte_t *leaf_path(struct card1_space *s, vaddr_t va, struct spares *sp)
{
	pte_t *t = vm_table(&s->pt, s->pt.pml4);

	for (int level = VM_TOP_LEVEL; level > 0; level--) {
		pte_t *slot = &t[vm_index(va, level)];
		pte_t e = vm_read(&s->pt, slot);

		if (pte_is_free(e)) {
			/* the fault saw at least this level missing */
			ASSERT(sp->n > 0);
			if (vm_table_publish(&s->pt, slot, e, sp->pa[sp->n - 1],
					     level,
					     va & ~(vm_level_size(level) - 1)))
				sp->n--;
			e = vm_read(&s->pt, slot);
		}
		t = vm_table(&s->pt, pte_addr(e));
	}
	return &t[vm_index(va, 0)];
}

/*
 * Give the page va of v a frame (zeroed, or filled by v's provider), with
 * missing tables to link on the way; *installed tells whether this call
 * made the page present.
 */
static enum vm_fault_result fill(struct card1_space *s,
				 const struct card1_vma *v, vaddr_t va,
				 int missing, bool *installed)
{
	pte_t e = card1_vma_entry(v, va);
	enum vm_fault_result r = VM_FAULT_NO_MEMORY;
	struct spares sp;
	paddr_t pa;

	*installed = false;
	if (spares_take(&s->pt, missing, &sp))
		r = vm_fill_frame(&s->pt, e, &pa);
	if (r == VM_FAULT_HANDLED)
		*installed = vm_fill_install(&s->pt, leaf_path(s, va, &sp), 0,
					     e, pa);
	spares_put(&s->pt, &sp);
	return r;
}

/* The fill rung, counted against the present limit before anything is
 * taken (as in the rdos core); the count goes back unless this fault
 * installed the page. */
static enum vm_fault_result fill_counted(struct card1_space *s,
					 const struct card1_vma *v, vaddr_t va,
					 int missing)
{
	enum vm_fault_result r;
	bool installed;

	if (!vm_usage_take_present(&s->pt))
		return VM_FAULT_LIMIT;
	r = fill(s, v, va, missing, &installed);
	if (!installed)
		vm_usage_give_present(&s->pt);
	return r;
}

enum vm_fault_result card1_fault(struct card1_space *s, vaddr_t va,
				 unsigned pf, struct vm_state *before)
{
	const struct card1_vma *v;
	struct vm_path p;
	int level, missing;
	pte_t e;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->pt.lo || va >= s->pt.hi)
		return VM_FAULT_OUTSIDE;
	e = page_entry(s, va, &v, &level, &missing, &p);
	if (before)
		vm_state_decode(e, level, before);
	if (pte_is_present(e)) /* the leaf decides: the page-table layer's rungs */
		return vm_fault_present(&s->pt, va, pf, p.slot[0], e);
	if (!v)
		return VM_FAULT_FREE;
	if (v->kind == PTE_KIND_GUARD)
		return VM_FAULT_GUARD;
	if (access_denied(v->prot, pf))
		return VM_FAULT_PROTECTION;
	return fill_counted(s, v, va, missing);
}

bool card1_fault_first_touch(struct card1_space *s, vaddr_t va, unsigned pf)
{
	const struct card1_vma *v;
	struct vm_path p;
	int level, missing;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->pt.lo || va >= s->pt.hi ||
	    pte_is_present(page_entry(s, va, &v, &level, &missing, &p)) || !v ||
	    v->kind != PTE_KIND_RESERVED || access_denied(v->prot, pf))
		return false;
	return fill_counted(s, v, va, missing) == VM_FAULT_HANDLED;
}

enum vm_status card1_query(const struct card1_space *s, vaddr_t va,
			   struct vm_state *st)
{
	const struct card1_vma *v;
	struct vm_path p;
	int level, missing;
	pte_t e;

	if ((va & PAGE_MASK) != 0 || va < s->pt.lo || va >= s->pt.hi)
		return VM_ERR_INVALID;
	e = page_entry(s, va, &v, &level, &missing, &p);
	vm_state_decode(e, level, st);
	return VM_OK;
}
