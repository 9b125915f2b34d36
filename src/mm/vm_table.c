/*
 * vm_table.c - making, splitting, settling and emptying page tables.
 *
 * Invariants kept here (stated in vm.h at struct vm_space): no empty table
 * below a managed range except the pinned kernel-half ones; the summary
 * (vm_summary.c) exact on every table pointer but pinned ones (their PML4
 * entries are copied into every user PML4, so a bit changed later would go
 * stale in the copies).
 */
#include "mm/vm_internal.h"

/* Is every entry of t free?  Read from both ends inwards: reservations
 * fill tables from one end, so a used table is usually told at once. */
static bool table_is_empty(const struct vm_space *s, const pte_t *t)
{
	for (unsigned n = 0; n < VM_ENTRIES; n++) {
		unsigned i = n & 1 ? VM_ENTRIES - 1 - n / 2 : n / 2;

		if (!pte_is_free(vm_read(s, &t[i])))
			return false;
	}
	return true;
}

/* Free the descriptor of entry e of an emptied table if it is compact:
 * then it holds bound runs only. */
static void free_bound_child(struct vm_space *s, pte_t e)
{
	if (!pte_is_compact(e))
		return;
	ASSERT(vm_compact_bound_only(s, e));
	vm_compact_free(s, pte_compact_index(e), false);
}

/* The descriptors of the bound-only children of t (level), an emptied
 * table at base: its entries that cross lo and hi (those wholly inside
 * are free, those wholly outside markers). */
static void free_bound_children(struct vm_space *s, const pte_t *t, int level,
				vaddr_t base)
{
	struct vm_bounds b = vm_bounds_of(s, level, base);

	if (level < 2) /* a leaf table: markers only */
		return;
	free_bound_child(s, vm_read(s, &t[b.below]));
	if (b.above - 1 != b.below)
		free_bound_child(s, vm_read(s, &t[b.above - 1]));
}

struct vm_bounds vm_bounds_of(const struct vm_space *s, int level,
			      vaddr_t base)
{
	unsigned shift = vm_level_shift(level - 1);
	uint64_t size = (uint64_t)1 << shift;
	struct vm_bounds b = { 0, VM_ENTRIES };

	if (s->flags & (VM_SPACE_UNSUMMARISED | VM_SPACE_NO_BOUNDS))
		return b;
	/* the table overlaps [lo, hi): base < hi, lo < its end; shifts, not
	 * divisions: every reserve and release asks this at every level */
	if (s->lo > base)
		b.below = (unsigned)((s->lo - base) >> shift);
	if (s->hi - base < VM_ENTRIES * size)
		b.above = (unsigned)((s->hi - base + size - 1) >> shift);
	return b;
}

bool vm_table_publish(struct vm_space *s, pte_t *slot, pte_t old, paddr_t pa,
		      int level, vaddr_t base)
{
	pte_t *t = vm_table(s, pa);
	struct vm_bounds b = vm_bounds_of(s, level, base);

	ASSERT(pte_is_free(old));
	__builtin_memset(t, 0, PAGE_SIZE);
	for (unsigned i = 0; i < VM_ENTRIES; i++)
		if (i < b.below || i >= b.above)
			t[i] = pte_make_outside();
	VM_WORK_ADD(s, entries_written, VM_ENTRIES - (b.above - b.below));
	/* the CAS releases the entries: whoever reads the pointer sees them */
	return vm_cas(s, slot, old,
		      pte_make_table(pa, !vm_is_kernel_half(base)));
}

enum vm_status vm_table_link_new(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base)
{
	pte_t old = vm_entry_read(slot);
	paddr_t pa;

	ASSERT(level > 0);
	if (vm_frame_alloc(s, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	if (!vm_table_publish(s, slot, old, pa, level, base))
		panic("vm_table_link_new: slot of %#lx taken under the writer",
		      (unsigned long)base);
	return VM_OK;
}

void vm_table_settle(struct vm_space *s, pte_t *slot, int level, vaddr_t base,
		     vaddr_t va, vaddr_t end, struct vm_chain *c,
		     bool released)
{
	pte_t e = vm_read(s, slot);
	unsigned sum;
	bool empty;

	ASSERT(vm_is_table(e, level));
	if (vm_is_pinned(level, base))
		return;
	if (s->flags & VM_SPACE_UNSUMMARISED) {
		sum = 0;
		empty = released && table_is_empty(s, vm_table(s, pte_addr(e)));
	} else {
		sum = vm_summary_after(s, e, level, va, end, c, released,
				       &empty);
	}
	if (empty) {
		/* the free entry counts every page of its range, those beyond
		 * a bound too: the chain the level above extends says so */
		c->left = (va - base) >> PAGE_SHIFT;
		c->right = (base + vm_level_size(level) - end) >> PAGE_SHIFT;
		vm_write(s, slot, 0);
		/* the CPU may cache upper-level entries that lead to it */
		if (s->env.table_unlinked)
			s->env.table_unlinked(s->env.ctx, s->pml4, base);
		else
			vm_tlb_invalidate(s, base);
		free_bound_children(s, vm_table(s, pte_addr(e)), level, base);
		vm_frame_free(s, pte_addr(e));
		return;
	}
	if (sum != pte_summary(e))
		vm_write(s, slot, pte_with_summary(e, sum));
}

enum vm_status vm_split_entry(struct vm_space *s, pte_t *slot, int level,
			      vaddr_t base, pte_t e)
{
	pte_t *t;
	paddr_t pa;

	if (pte_is_compact(e))
		return vm_compact_expand(s, slot, level, base, e);

	if (vm_frame_alloc(s, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	t = vm_table(s, pa);
	/* the encoding is the same at every level: only START is per page */
	t[0] = e;
	for (unsigned i = 1; i < VM_ENTRIES; i++)
		t[i] = e & ~PTE_START;
	VM_WORK_ADD(s, entries_written, VM_ENTRIES);
	/* summary 0: FULL, as the entry it replaces was */
	if (!vm_cas(s, slot, e, pte_make_table(pa, !vm_is_kernel_half(base))))
		vm_frame_free(s, pa);
	return VM_OK;
}

enum vm_status vm_split_to(struct vm_space *s, vaddr_t va, bool to_page)
{
	pte_t *t = vm_table(s, s->pml4);

	for (int level = VM_TOP_LEVEL; level > 0; level--) {
		pte_t *slot = &t[vm_index(va, level)];
		pte_t e = vm_read(s, slot);
		vaddr_t base = va & ~(vm_level_size(level) - 1);

		if (pte_is_pending(e)) {
			enum vm_status st;

			if (!to_page && va == base)
				return VM_OK; /* already on an entry boundary */
			if (!to_page && pte_is_compact(e) &&
			    !vm_compact_cuts(s, e, level, va))
				return VM_OK; /* on a run's boundary */
			st = vm_split_entry(s, slot, level, base, e);
			if (st != VM_OK)
				return st;
			e = vm_read(s, slot);
		}
		if (!vm_is_table(e, level))
			return VM_OK;
		t = vm_table(s, pte_addr(e));
	}
	return VM_OK;
}

void vm_page_drop(struct vm_space *s, pte_t e, vaddr_t va, bool invalidate)
{
	ASSERT(pte_is_present(e));
	if (invalidate)
		vm_tlb_invalidate(s, va);
	vm_usage_give_present(s);
	if (e & PTE_SHARED)
		return;
	if ((e & PTE_COUNTED) && !vm_share_unref(s->share, pte_addr(e)))
		return; /* other spaces still map the frame */
	vm_frame_free(s, pte_addr(e));
}

/*
 * Free the leaves [va, end) of the leaf table t, one table's run of
 * entries in one call: its entries read and the non-free ones written
 * counted once.
 */
static void clear_leaves(struct vm_space *s, pte_t *t, vaddr_t va,
			 vaddr_t end, bool invalidate)
{
	unsigned first = vm_index(va, 0), n = (unsigned)((end - va) >> PAGE_SHIFT);
	uint64_t written = 0;

	for (unsigned i = 0; i < n; i++) {
		pte_t e = vm_entry_read(&t[first + i]);

		if (pte_is_free(e))
			continue;
		vm_entry_write(&t[first + i], 0);
		written++;
		if (pte_is_present(e))
			vm_page_drop(s, e, va + ((vaddr_t)i << PAGE_SHIFT),
				     invalidate);
	}
	VM_WORK_ADD(s, entries_read, n);
	VM_WORK_ADD(s, entries_written, written);
}

/* Free [va, end) below t (level), known as before; *chain (if not NULL)
 * receives the chain of the freed range inside t. */
static void clear_table(struct vm_space *s, pte_t *t, int level, vaddr_t va,
			vaddr_t end, bool invalidate, struct vm_known known,
			struct vm_chain *chain)
{
	struct vm_chain first = VM_CHAIN_WHOLE, cur = VM_CHAIN_WHOLE;
	struct vm_span sp;

	if (level == 0) {
		clear_leaves(s, t, va, end, invalidate);
	} else {
		for (vaddr_t v = va; v < end; v = sp.end) {
			pte_t *slot;
			pte_t e;

			sp = vm_span_at(v, end, level);
			slot = &t[sp.index];
			e = vm_read(s, slot);
			cur = VM_CHAIN_WHOLE;
			if (vm_is_table(e, level) && pte_table_is_shared(e)) {
				/* a release took as its own the tables its
				 * ends cut (vm_release) */
				ASSERT(sp.whole || !invalidate);
				vm_table_drop_shared(s, slot, level, invalidate);
			} else if (vm_is_table(e, level)) {
				clear_table(s, vm_table(s, pte_addr(e)),
					    level - 1, sp.va, sp.end,
					    invalidate, vm_known_of(e, true), &cur);
				vm_table_settle(s, slot, level, sp.base, sp.va,
						sp.end, &cur, true);
			} else if (pte_is_compact(e)) {
				vm_compact_clear(s, slot, level, &sp, &cur);
			} else if (!pte_is_free(e)) {
				/* an upper-level entry is one reservation's:
				 * never cut */
				ASSERT(sp.whole);
				vm_write(s, slot, 0);
			}
			if (sp.va == va)
				first = cur;
		}
	}
	if (chain && !(s->flags & VM_SPACE_UNSUMMARISED))
		*chain = vm_chain_extend(s, t, level, va, end, &known, first,
					 cur);
}

void vm_clear_range(struct vm_space *s, vaddr_t va, vaddr_t end,
		    bool invalidate)
{
	clear_table(s, vm_table(s, s->pml4), VM_TOP_LEVEL, va, end,
		    invalidate, VM_KNOWN_NOTHING, NULL);
}
