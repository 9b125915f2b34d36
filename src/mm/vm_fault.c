/*
 * vm_fault.c - the page-fault decision, from the faulting page's entry.
 *
 * An ordered ladder: outside the range, free, guard, protection violation,
 * present (copy-on-write or spurious), and only then the fill of a
 * reserved or image page.  Every rung returns a distinct result; no
 * retries.  One walk per fault: the path it reads (struct vm_path) is kept,
 * so the fill splits upper-level entries in place and installs the leaf
 * where the walk found it, without walking again; the lockless first touch
 * (vm_fault_first_touch) takes the same path.  The present rungs
 * (vm_fault_present) are the page-table layer's, which Card 1 uses too.  Faults on one space may run on several CPUs at once: entries
 * change only by compare-and-swap, and the loser of a race frees its
 * frame and reports HANDLED, so the access is simply re-executed
 * (RDOS weakness 4: no per-program fault lock).
 *
 * A copy-on-write write asks the frame-share table how many leaves map
 * the frame, one lookup instead of RDOS's scan of every process of the
 * fork group (weakness 6; docs/fork.md).  It is not counted against the
 * present limit: the page is present already, and counted.
 */
#include "mm/vm_internal.h"

static bool prot_allows(unsigned prot, unsigned pf)
{
	if ((pf & VM_PF_WRITE) && !(prot & VM_PROT_WRITE))
		return false;
	if ((pf & VM_PF_USER) && !(prot & VM_PROT_USER))
		return false;
	if ((pf & VM_PF_INSTR) && !(prot & VM_PROT_EXEC))
		return false;
	return true;
}

/*
 * A write to the copy-on-write leaf e in *slot at va.  If no other leaf
 * maps the frame it just becomes writable: nothing else can start sharing
 * it while this space's faults run (fork excludes them).  Otherwise the
 * frame is copied, the copy installed, and this leaf's count on the old
 * frame dropped, which frees it if the other mappings went meanwhile.
 */
static enum vm_fault_result break_cow(struct vm_space *s, vaddr_t va,
				      pte_t *slot, pte_t e)
{
	paddr_t old = pte_addr(e), pa;

	if (vm_share_count(s->share, old) == 1) {
		if (vm_cas(s, slot, e, pte_cow_resolved(e, old)))
			vm_share_note_cow(s->share, false);
		vm_tlb_invalidate(s, va);
		return VM_FAULT_HANDLED;
	}
	if (vm_frame_alloc(s, &pa) != 0)
		return VM_FAULT_NO_MEMORY;
	__builtin_memcpy(vm_frame_virt(s, pa), vm_frame_virt(s, old), PAGE_SIZE);
	if (!vm_cas(s, slot, e, pte_cow_resolved(e, pa))) {
		vm_frame_free(s, pa); /* another CPU broke it */
		return VM_FAULT_HANDLED;
	}
	vm_tlb_invalidate(s, va);
	if (vm_share_unref(s->share, old))
		vm_frame_free(s, old);
	vm_share_note_cow(s->share, true);
	return VM_FAULT_HANDLED;
}

enum vm_fault_result vm_fault_present(struct vm_space *s, vaddr_t va,
				      unsigned pf, pte_t *slot, pte_t e)
{
	if (!prot_allows(pte_prot(e), pf))
		return VM_FAULT_PROTECTION;
	if ((pf & VM_PF_WRITE) && (e & PTE_COW))
		return break_cow(s, va, slot, e);
	/* allowed: a stale TLB entry, e.g. after an upgrade */
	vm_tlb_invalidate(s, va);
	return VM_FAULT_HANDLED;
}

enum vm_fault_result vm_fill_frame(struct vm_space *s, pte_t e, paddr_t *pa)
{
	void *dest;

	if (vm_frame_alloc(s, pa) != 0)
		return VM_FAULT_NO_MEMORY;
	dest = vm_frame_virt(s, *pa);
	if (pte_kind(e) != PTE_KIND_IMAGE) {
		__builtin_memset(dest, 0, PAGE_SIZE);
	} else if (!vm_provider_fill(pte_image_selector(e), pte_image_offset(e),
				     dest)) {
		vm_frame_free(s, *pa);
		return VM_FAULT_PROVIDER;
	}
	return VM_FAULT_HANDLED;
}

bool vm_fill_install(struct vm_space *s, pte_t *slot, pte_t old, pte_t e,
		     paddr_t pa)
{
	/* the stored protection and START carry over into the leaf */
	if (vm_cas(s, slot, old, pte_make_leaf(pa, pte_prot(e),
					       pte_is_start(e))))
		return true;
	vm_frame_free(s, pa); /* another CPU filled the page first */
	return false;
}

/*
 * Split the reservations on the path p down to va's own leaf, in place:
 * the path follows each new table, ours or that of another CPU that split
 * first.  VM_ERR_NO_MEMORY if a table frame is missing (the pages' states
 * are unchanged: a split describes the same pages).
 */
static enum vm_status split_down(struct vm_space *s, vaddr_t va,
				 struct vm_path *p)
{
	while (p->level > 0 && pte_is_pending(p->entry)) {
		vaddr_t base = va & ~(vm_level_size(p->level) - 1);
		enum vm_status st =
			vm_split_entry(s, p->slot[p->level], p->level, base,
				       p->entry);

		if (st != VM_OK)
			return st;
		p->entry = vm_read(s, p->slot[p->level]);
		vm_path_down(s, va, p);
	}
	return VM_OK;
}

/*
 * The fill rung on the path p: count the page against the present limit
 * first (so that a fault over it splits nothing and takes no frame), split
 * down to its leaf, fill it and install it by CAS where the walk found the
 * entry; the count goes back unless this fault installed the page.  A
 * leaf another CPU filled first makes it HANDLED: the access re-executes.
 */
static enum vm_fault_result fill_counted(struct vm_space *s, vaddr_t va,
					 struct vm_path *p)
{
	enum vm_fault_result r = VM_FAULT_NO_MEMORY;
	bool installed = false;
	paddr_t pa;

	if (!vm_usage_take_present(s))
		return VM_FAULT_LIMIT;
	if (split_down(s, va, p) == VM_OK) {
		r = VM_FAULT_HANDLED;
		if (pte_is_pending(p->entry))
			r = vm_fill_frame(s, p->entry, &pa);
		if (r == VM_FAULT_HANDLED && pte_is_pending(p->entry))
			installed = vm_fill_install(s, p->slot[0], p->entry,
						    p->entry, pa);
	}
	if (!installed)
		vm_usage_give_present(s);
	return r;
}

static enum vm_fault_result own_and_retry(struct vm_space *s, vaddr_t va,
					  unsigned pf, struct vm_path *p);

/* The ladder on the path of one walk to va. */
static enum vm_fault_result fault_on_path(struct vm_space *s, vaddr_t va,
					  unsigned pf, struct vm_path *p,
					  struct vm_state *before)
{
	pte_t e = vm_path_page_entry(p, va);

	if (before)
		vm_state_decode(e, vm_path_page_level(p), before);
	if (pte_is_free(e))
		return VM_FAULT_FREE;
	if (pte_is_present(e))
		return p->shared && (pf & VM_PF_WRITE) &&
				       prot_allows(pte_prot(e), pf)
			       ? own_and_retry(s, va, pf, p)
			       : vm_fault_present(s, va, pf, p->slot[0], e);
	if (pte_kind(e) == PTE_KIND_GUARD)
		return VM_FAULT_GUARD;
	if (!prot_allows(pte_prot(e), pf))
		return VM_FAULT_PROTECTION;
	if (p->shared)
		return own_and_retry(s, va, pf, p);
	return fill_counted(s, va, p);
}

/* An allowed write or fill below a table fork shares: the path's tables
 * become the space's own (copies if still shared), then the ladder runs
 * again on the same path. */
static enum vm_fault_result own_and_retry(struct vm_space *s, vaddr_t va,
					  unsigned pf, struct vm_path *p)
{
	if (vm_path_own(s, va, p) != VM_OK)
		return VM_FAULT_NO_MEMORY;
	return fault_on_path(s, va, pf, p, NULL);
}

enum vm_fault_result vm_fault(struct vm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before)
{
	struct vm_path p;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->lo || va >= s->hi)
		return VM_FAULT_OUTSIDE;
	vm_path_walk(s, va, &p);
	return fault_on_path(s, va, pf, &p, before);
}

bool vm_fault_first_touch(struct vm_space *s, vaddr_t va, unsigned pf)
{
	struct vm_path p;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->lo || va >= s->hi)
		return false;
	vm_path_walk(s, va, &p);
	/* below a shared table the locked path takes its copy first; a
	 * compact entry (kind OUTSIDE) is left to it too: no lockless path
	 * reads a descriptor (vm_compact.c) */
	return !p.shared && pte_is_pending(p.entry) &&
	       pte_kind(p.entry) == PTE_KIND_RESERVED &&
	       fault_on_path(s, va, pf, &p, NULL) == VM_FAULT_HANDLED;
}

const char *vm_fault_result_name(enum vm_fault_result r)
{
	switch (r) {
	case VM_FAULT_HANDLED: return "VM_FAULT_HANDLED";
	case VM_FAULT_OUTSIDE: return "VM_FAULT_OUTSIDE";
	case VM_FAULT_FREE: return "VM_FAULT_FREE";
	case VM_FAULT_GUARD: return "VM_FAULT_GUARD";
	case VM_FAULT_PROTECTION: return "VM_FAULT_PROTECTION";
	case VM_FAULT_NO_MEMORY: return "VM_FAULT_NO_MEMORY";
	case VM_FAULT_PROVIDER: return "VM_FAULT_PROVIDER";
	case VM_FAULT_LIMIT: return "VM_FAULT_LIMIT";
	}
	return "VM_FAULT_?";
}
