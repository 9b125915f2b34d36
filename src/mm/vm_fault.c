/*
 * vm_fault.c - the page-fault decision, from the faulting page's entry.
 *
 * An ordered ladder: outside the range, free, guard, protection violation,
 * present (copy-on-write or spurious), and only then the fill of a
 * reserved or image page.  Every rung returns a distinct result; no
 * retries.  Faults on one space may run on several CPUs at once: entries
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

/* What an allowed fault still has to do to the page. */
enum fault_work {
	WORK_NONE, /* present: a stale TLB entry, e.g. after an upgrade */
	WORK_COW,  /* write to a copy-on-write page */
	WORK_FILL, /* reserved or image page: give it a frame */
};

/* The ladder for entry e; *work says what is left if the access may go. */
static enum vm_fault_result classify(pte_t e, unsigned pf,
				     enum fault_work *work)
{
	*work = WORK_NONE;
	if (pte_is_free(e))
		return VM_FAULT_FREE;
	if (pte_is_pending(e) && pte_kind(e) == PTE_KIND_GUARD)
		return VM_FAULT_GUARD;
	if (!prot_allows(pte_prot(e), pf))
		return VM_FAULT_PROTECTION;
	if (!pte_is_present(e))
		*work = WORK_FILL;
	else if ((pf & VM_PF_WRITE) && (e & PTE_COW))
		*work = WORK_COW;
	return VM_FAULT_HANDLED;
}

/*
 * A write to the copy-on-write leaf e at va.  If no other leaf maps the
 * frame it just becomes writable: nothing else can start sharing it while
 * this space's faults run (fork excludes them).  Otherwise the frame is
 * copied, the copy installed, and this leaf's count on the old frame
 * dropped, which frees it if the other mappings went meanwhile.
 */
static enum vm_fault_result break_cow(struct vm_space *s, vaddr_t va,
				      pte_t e)
{
	pte_t *slot = vm_leaf_slot(s, va);
	paddr_t old = pte_addr(e), pa;

	if (vm_share_count(s->share, old) == 1) {
		if (vm_cas(s, slot, e, pte_cow_resolved(e, old)))
			vm_share_note_cow(s->share, false);
		vm_tlb_invalidate(s, va);
		return VM_FAULT_HANDLED;
	}
	if (vm_frame_alloc(s, &pa) != 0)
		return VM_FAULT_NO_MEMORY;
	__builtin_memcpy(s->env.phys_to_virt(s->env.ctx, pa),
			 s->env.phys_to_virt(s->env.ctx, old), PAGE_SIZE);
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

enum vm_fault_result vm_fill_frame(struct vm_space *s, pte_t e, paddr_t *pa)
{
	void *dest;

	if (vm_frame_alloc(s, pa) != 0)
		return VM_FAULT_NO_MEMORY;
	dest = s->env.phys_to_virt(s->env.ctx, *pa);
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
 * Give the reserved or image page at va (with its own leaf slot) a frame;
 * *installed tells whether this call made the page present.
 */
static enum vm_fault_result fill_page(struct vm_space *s, vaddr_t va,
				      bool *installed)
{
	pte_t *slot = vm_leaf_slot(s, va);
	pte_t e = vm_read(s, slot);
	enum vm_fault_result r;
	paddr_t pa;

	*installed = false;
	if (!pte_is_pending(e))
		return VM_FAULT_HANDLED; /* another CPU filled it first */
	r = vm_fill_frame(s, e, &pa);
	if (r == VM_FAULT_HANDLED)
		*installed = vm_fill_install(s, slot, e, e, pa);
	return r;
}

/*
 * The fill rung: count the page against the present limit first (so that a
 * fault over it splits nothing and takes no frame), then split down to its
 * leaf and fill it; the count goes back unless the page was installed.
 */
static enum vm_fault_result fill_counted(struct vm_space *s, vaddr_t va)
{
	enum vm_fault_result r = VM_FAULT_NO_MEMORY;
	bool installed = false;

	if (!vm_usage_take_present(s))
		return VM_FAULT_LIMIT;
	if (vm_split_to(s, va, true) == VM_OK)
		r = fill_page(s, va, &installed);
	if (!installed)
		vm_usage_give_present(s);
	return r;
}

enum vm_fault_result vm_fault(struct vm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before)
{
	enum vm_fault_result r;
	enum fault_work work;
	int level;
	pte_t e;

	va = PAGE_ROUND_DOWN(va);
	if (va < s->lo || va >= s->hi)
		return VM_FAULT_OUTSIDE;
	e = vm_lookup(s, va, &level);
	if (before)
		vm_state_decode(e, level, before);
	r = classify(e, pf, &work);
	if (r != VM_FAULT_HANDLED)
		return r;
	if (work == WORK_NONE) {
		vm_tlb_invalidate(s, va);
		return r;
	}
	if (work == WORK_COW)
		return break_cow(s, va, e);
	return fill_counted(s, va);
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
