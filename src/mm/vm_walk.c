/*
 * vm_walk.c - reading the page tables: lookup of one page, ordered walks of
 * a range, and the "inside one reservation" test built on them.
 *
 * Nothing here writes an entry or allocates, so a search or a check can
 * never cost page-table memory (RDOS weakness 1).
 */
#include "mm/vm_internal.h"

void vm_path_down(const struct vm_space *s, vaddr_t va, struct vm_path *p)
{
	while (vm_is_table(p->entry, p->level)) {
		pte_t *t = vm_table(s, pte_addr(p->entry));

		p->shared |= pte_table_is_shared(p->entry);
		p->level--;
		p->slot[p->level] = &t[vm_index(va, p->level)];
		p->entry = vm_read(s, p->slot[p->level]);
	}
	if (pte_is_compact(p->entry))
		p->compact_page = vm_compact_page(s, p->entry, p->level, va);
}

void vm_path_walk(const struct vm_space *s, vaddr_t va, struct vm_path *p)
{
	pte_t *t = vm_table(s, s->pml4);

	p->level = VM_TOP_LEVEL;
	p->shared = false;
	p->slot[VM_TOP_LEVEL] = &t[vm_index(va, VM_TOP_LEVEL)];
	p->entry = vm_read(s, p->slot[VM_TOP_LEVEL]);
	vm_path_down(s, va, p);
}

pte_t vm_path_page_entry(const struct vm_path *p, vaddr_t va)
{
	if (pte_is_compact(p->entry))
		return p->compact_page;
	/* an upper-level entry's START belongs to its first page only */
	if (p->level > 0 && (va & (vm_level_size(p->level) - 1)) != 0)
		return p->entry & ~PTE_START;
	return p->entry;
}

int vm_path_page_level(const struct vm_path *p)
{
	return pte_is_compact(p->entry) ? 0 : p->level;
}

pte_t vm_lookup(const struct vm_space *s, vaddr_t va, int *level)
{
	struct vm_path p;

	vm_path_walk(s, va, &p);
	*level = vm_path_page_level(&p);
	return vm_path_page_entry(&p, va);
}

pte_t *vm_leaf_slot(const struct vm_space *s, vaddr_t va)
{
	pte_t *t = vm_table(s, s->pml4);

	for (int l = VM_TOP_LEVEL; l > 0; l--) {
		pte_t e = vm_read(s, &t[vm_index(va, l)]);

		if (!vm_is_table(e, l))
			panic("vm_leaf_slot: no table at level %d for %#lx",
			      l, (unsigned long)va);
		t = vm_table(s, pte_addr(e));
	}
	return &t[vm_index(va, 0)];
}

/* Visit one stretch [va, end) of a compact entry, entry e. */
static bool visit_stretch(struct vm_walk *w, vaddr_t va, vaddr_t end, pte_t e)
{
	struct vm_span sp = { .va = va, .end = end, .base = va, .index = 0,
			      .whole = false };

	return va >= end || w->visit(w, &sp, e, 0);
}

/* The compact entry e's free stretches and runs inside the span sp. */
static bool walk_compact(struct vm_walk *w, pte_t e, const struct vm_span *sp)
{
	const struct vm_compact *d = vm_compact_of(w->space, e);
	vaddr_t at = sp->va;
	unsigned k = vm_compact_find(d, (at - sp->base) >> PAGE_SHIFT);

	/* the binary search, then a run per stretch */
	VM_WORK_ADD(w->space, entries_read, 1);
	for (; k < d->nruns && at < sp->end; k++) {
		const struct vm_compact_run *r = &d->run[k];
		vaddr_t first = sp->base + ((vaddr_t)r->first << PAGE_SHIFT);
		vaddr_t end = first + ((vaddr_t)r->pages << PAGE_SHIFT);

		VM_WORK_ADD(w->space, entries_read, 1);
		if (end <= at)
			continue;
		if (first > at) {
			vaddr_t stop = first < sp->end ? first : sp->end;

			if (!visit_stretch(w, at, stop, 0))
				return false;
			at = stop;
		}
		if (at < sp->end &&
		    !visit_stretch(w, at, end < sp->end ? end : sp->end,
				   vm_compact_run_page(
					   r, (at - sp->base) >> PAGE_SHIFT)))
			return false;
		at = end;
	}
	return at >= sp->end || visit_stretch(w, at, sp->end, 0);
}

static bool walk_table(struct vm_walk *w, const pte_t *t, int level,
		       vaddr_t va, vaddr_t end)
{
	struct vm_span sp;

	if (level == 0 && w->leaves)
		return w->leaves(w, t, va, end);
	for (vaddr_t v = va; v < end; v = sp.end) {
		pte_t e;

		sp = vm_span_at(v, end, level);
		e = vm_read(w->space, &t[sp.index]);
		if (pte_is_compact(e)) {
			if (!walk_compact(w, e, &sp))
				return false;
		} else if (vm_is_table(e, level) &&
		    !(w->stop_at_full && pte_summary(e) == 0 &&
		      !vm_is_pinned(level, sp.base))) {
			if (!walk_table(w, vm_table(w->space, pte_addr(e)),
					level - 1, sp.va, sp.end))
				return false;
		} else if (!w->visit(w, &sp, e, level)) {
			return false;
		}
	}
	return true;
}

bool vm_walk_range(struct vm_walk *w, vaddr_t va, vaddr_t end)
{
	return walk_table(w, vm_table(w->space, w->space->pml4), VM_TOP_LEVEL,
			  va, end);
}

struct one_reservation {
	struct vm_walk walk;
	vaddr_t first, end;
	bool exact; /* first must start, and the page at end must not go on */
};

/* Is the page at va, entry e (START as its own), where it must be? */
static bool page_fits(const struct one_reservation *r, vaddr_t va, pte_t e,
		      bool starts)
{
	if (va >= r->end) /* the page after an exact range */
		return pte_is_free(e) || starts;
	if (pte_is_free(e))
		return false;
	/* a START after the first page is where the next reservation begins */
	return va == r->first ? starts || !r->exact : !starts;
}

static bool one_reservation_visit(struct vm_walk *w, const struct vm_span *sp,
				  pte_t e, int level)
{
	struct one_reservation *r =
		VM_CONTAINER_OF(w, struct one_reservation, walk);

	(void)level;
	/* an entry that goes on past end: the reservation does too */
	if (sp->va < r->end && sp->end > r->end && !pte_is_free(e))
		return false;
	return page_fits(r, sp->va, e, vm_span_starts(sp, e));
}

/* The same test over a leaf table's entries [va, end): the loop most of
 * a release's or protect's check runs. */
static bool one_reservation_leaves(struct vm_walk *w, const pte_t *t,
				   vaddr_t va, vaddr_t end)
{
	struct one_reservation *r =
		VM_CONTAINER_OF(w, struct one_reservation, walk);
	unsigned first = vm_index(va, 0), n = (unsigned)((end - va) >> PAGE_SHIFT);

	for (unsigned i = 0; i < n; i++) {
		pte_t e = vm_entry_read(&t[first + i]);
		vaddr_t at = va + ((vaddr_t)i << PAGE_SHIFT);

		if ((at == r->first || at >= r->end || pte_is_free(e) ||
		     pte_is_start(e)) &&
		    !page_fits(r, at, e, pte_is_start(e))) {
			VM_WORK_ADD(w->space, entries_read, i + 1);
			return false;
		}
	}
	VM_WORK_ADD(w->space, entries_read, n);
	return true;
}

bool vm_in_one_reservation(const struct vm_space *s, vaddr_t va, vaddr_t end,
			   bool exact)
{
	struct one_reservation r = {
		.walk = { .space = s, .stop_at_full = false,
			  .visit = one_reservation_visit,
			  .leaves = one_reservation_leaves },
		.first = va, .end = end, .exact = exact,
	};

	return vm_walk_range(&r.walk, va,
			     exact && end < s->hi ? end + PAGE_SIZE : end);
}
