/*
 * vm_protect.c - changing pages inside one reservation: protection, guard.
 *
 * Two phases, so that a failure changes nothing: first take as the
 * space's own the tables below the range that fork shares, and split the
 * upper-level entries that the range's two ends cut (the only steps that
 * allocate; a copy or a split describes the same pages, so a failure
 * there leaves every page's state as it was), then rewrite entries, which
 * cannot fail.
 * The protection is kept in the entry in every state, so nothing loses it
 * on first touch (RDOS weakness 5).
 */
#include "mm/vm_internal.h"

struct vm_change {
	pte_t (*apply)(pte_t e, unsigned prot); /* the new entry for e */
	unsigned prot;
};

static void change_table(struct vm_space *s, pte_t *t, int level, vaddr_t va,
			 vaddr_t end, const struct vm_change *c)
{
	struct vm_span sp;

	for (vaddr_t v = va; v < end; v = sp.end) {
		pte_t *slot;
		pte_t e, ne;

		sp = vm_span_at(v, end, level);
		slot = &t[sp.index];
		e = vm_read(s, slot);
		if (vm_is_table(e, level)) {
			change_table(s, vm_table(s, pte_addr(e)), level - 1,
				     sp.va, sp.end, c);
			continue;
		}
		if (pte_is_compact(e)) {
			vm_compact_change(s, e, level, &sp, c->apply, c->prot);
			continue;
		}
		/* checked by vm_in_one_reservation, made so by vm_split_to */
		ASSERT(!pte_is_free(e) && (level == 0 || sp.whole));
		ne = c->apply(e, c->prot);
		if (ne == e)
			continue;
		vm_write(s, slot, ne);
		if (pte_is_present(ne))
			vm_tlb_invalidate(s, sp.va);
		else if (pte_is_present(e))
			vm_page_drop(s, e, sp.va, true);
	}
}

static enum vm_status change_range(struct vm_space *s, vaddr_t va,
				   size_t npages, const struct vm_change *c)
{
	vaddr_t end;
	enum vm_status st = vm_check_range(s, va, npages, &end);

	if (st != VM_OK)
		return st;
	if (!vm_in_one_reservation(s, va, end, false))
		return VM_ERR_NOT_RESERVED;
	vm_compact_reclaim(s);
	st = vm_own_range(s, va, end);
	if (st == VM_OK)
		st = vm_split_to(s, va, false);
	if (st == VM_OK && end < s->hi)
		st = vm_split_to(s, end, false);
	if (st != VM_OK)
		return st;
	change_table(s, vm_table(s, s->pml4), VM_TOP_LEVEL, va, end, c);
	return VM_OK;
}

static pte_t protect_apply(pte_t e, unsigned prot)
{
	if (pte_is_pending(e) && pte_kind(e) == PTE_KIND_GUARD)
		return e;
	return pte_with_prot(e, prot);
}

enum vm_status vm_protect(struct vm_space *s, vaddr_t va, size_t npages,
			  unsigned prot)
{
	struct vm_change c = { .apply = protect_apply, .prot = prot };

	if (vm_check_prot(s, prot) != VM_OK)
		return VM_ERR_INVALID;
	return change_range(s, va, npages, &c);
}

static pte_t guard_apply(pte_t e, unsigned prot)
{
	(void)prot;
	return pte_make_pending(PTE_KIND_GUARD, 0, pte_is_start(e));
}

enum vm_status vm_guard(struct vm_space *s, vaddr_t va, size_t npages)
{
	struct vm_change c = { .apply = guard_apply, .prot = 0 };

	return change_range(s, va, npages, &c);
}
