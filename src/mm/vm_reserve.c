/*
 * vm_reserve.c - making and releasing reservations.
 *
 * A reservation is written as entries only: the first page carries START,
 * so that a release is checked against the reservation's real extent
 * (RDOS weakness 2).  Where a whole 2 MiB / 1 GiB / 512 GiB entry lies in
 * the reservation, one upper-level entry stands for all its pages, so a
 * terabyte costs a few tables instead of gigabytes (weakness 7).  Only the
 * marking allocates tables, after the search; if it runs out of memory it
 * is undone and the caller gets VM_ERR_NO_MEMORY (weakness 3).  The
 * space's usage.reserved changes by the reservation's size, the page
 * count a reserve checks against the space's limit.
 */
#include "mm/vm_internal.h"

/* What a reservation writes into each of its entries. */
struct vm_fill {
	enum pte_kind kind;
	unsigned prot;
	unsigned sel;        /* image only */
	uint64_t first_page; /* image only: provider page of the first page */
	vaddr_t start;       /* the reservation's first page */
};

static pte_t fill_entry(const struct vm_fill *f, vaddr_t va)
{
	bool start = va == f->start;

	if (f->kind == PTE_KIND_IMAGE)
		return pte_make_image(f->prot, start, f->sel,
				      f->first_page +
					      ((va - f->start) >> PAGE_SHIFT));
	return pte_make_pending(f->kind, f->prot, start);
}

/* May the whole entry at (level, base) be marked by one entry? */
static bool fill_fits_upper(const struct vm_space *s, const struct vm_fill *f,
			    int level, vaddr_t base)
{
	return f->kind != PTE_KIND_IMAGE && !(s->flags & VM_SPACE_NO_UPPER) &&
	       !vm_is_pinned(level, base);
}

static enum vm_status mark_table(struct vm_space *s, pte_t *t, int level,
				 vaddr_t va, vaddr_t end,
				 const struct vm_fill *f, struct vm_known known,
				 struct vm_chain *chain);

/* The pages of the bound markers in a new table below the level-`level`
 * pointer covering base. */
static uint64_t bound_pages(const struct vm_space *s, int level, vaddr_t base)
{
	struct vm_bounds b = vm_bounds_of(s, level, base);

	return (uint64_t)(VM_ENTRIES - (b.above - b.below))
	       << (vm_level_shift(level - 1) - PAGE_SHIFT);
}

/*
 * Mark the span below the upper-level entry *slot (holding e, a table
 * pointer or free), making a table if none;
 * *chain receives the span's chain inside that table.  path_enough: that
 * of the table holding *slot (struct vm_known).
 */
static enum vm_status mark_below(struct vm_space *s, pte_t *slot, pte_t e,
				 int level, const struct vm_span *sp,
				 const struct vm_fill *f, uint64_t path_enough,
				 struct vm_chain *chain)
{
	struct vm_known known;
	enum vm_status st;

	if (vm_is_table(e, level) && pte_table_is_shared(e)) {
		st = vm_table_own(s, slot, level, sp->base);
		if (st != VM_OK)
			return st;
		e = vm_read(s, slot);
	}
	known = vm_known_of(e, false);
	if (pte_is_free(e)) {
		st = vm_table_link_new(s, slot, level, sp->base);
		if (st != VM_OK)
			return st;
		known = vm_known_fresh(s, level, sp->base);
	}
	if (known.path_enough < path_enough)
		known.path_enough = path_enough;
	st = mark_table(s, vm_table(s, pte_addr(vm_read(s, slot))),
			level - 1, sp->va, sp->end, f, known, chain);
	if (st != VM_OK)
		return st;
	vm_table_settle(s, slot, level, sp->base, sp->va, sp->end, chain,
			false);
	if (pte_is_free(e)) /* the free entry counted its pages beyond them */
		chain->gone += bound_pages(s, level, sp->base);
	return VM_OK;
}

/*
 * Write the leaves [va, end) of the leaf table t, one table's run of
 * entries in one call (counted once): every entry is the same but for
 * START and, in an image, the page offset.
 */
static void mark_leaves(struct vm_space *s, pte_t *t, vaddr_t va, vaddr_t end,
			const struct vm_fill *f)
{
	unsigned first = vm_index(va, 0), n = (unsigned)((end - va) >> PAGE_SHIFT);
	pte_t step = f->kind == PTE_KIND_IMAGE ? (pte_t)1 << PTE_NP_OFFSET_SHIFT
					      : 0;
	pte_t e = fill_entry(f, va);

	for (unsigned i = 0; i < n; i++) {
		ASSERT(pte_is_free(vm_entry_read(&t[first + i])));
		vm_entry_write(&t[first + i], e);
		e = (e & ~PTE_START) + step;
	}
	VM_WORK_ADD(s, entries_written, n);
}

/*
 * Mark a span that is not a whole upper-level entry's, or cannot be one
 * entry: in the block's compact entry where it fits (vm_compact.c), else
 * in the table below.
 */
static enum vm_status mark_entry(struct vm_space *s, pte_t *slot, int level,
				 const struct vm_span *sp,
				 const struct vm_fill *f, uint64_t path_enough,
				 struct vm_chain *chain)
{
	pte_t e = vm_read(s, slot);

	if (pte_is_free(e) || pte_is_compact(e)) {
		switch (vm_compact_mark(s, slot, e, level, sp,
					fill_entry(f, sp->va), chain)) {
		case VM_COMPACT_DONE:
			return VM_OK;
		case VM_COMPACT_NO_MEMORY:
			return VM_ERR_NO_MEMORY;
		case VM_COMPACT_NO:
			e = vm_entry_read(slot); /* free, or the expanded table */
			break;
		}
	}
	return mark_below(s, slot, e, level, sp, f, path_enough, chain);
}

static enum vm_status mark_table(struct vm_space *s, pte_t *t, int level,
				 vaddr_t va, vaddr_t end,
				 const struct vm_fill *f, struct vm_known known,
				 struct vm_chain *chain)
{
	struct vm_chain first = VM_CHAIN_WHOLE, cur = VM_CHAIN_WHOLE;
	struct vm_span sp;

	if (level == 0)
		mark_leaves(s, t, va, end, f);
	for (vaddr_t v = va; level > 0 && v < end; v = sp.end) {
		pte_t *slot;

		sp = vm_span_at(v, end, level);
		slot = &t[sp.index];
		cur = VM_CHAIN_WHOLE;
		if (sp.whole && fill_fits_upper(s, f, level, sp.base)) {
			ASSERT(pte_is_free(vm_entry_read(slot)));
			vm_write(s, slot, fill_entry(f, sp.va));
		} else {
			enum vm_status st = mark_entry(s, slot, level, &sp, f,
						       known.path_enough, &cur);

			if (st != VM_OK)
				return st;
		}
		if (sp.va == va)
			first = cur;
	}
	if (chain)
		*chain = vm_chain_extend(s, t, level, va, end, &known, first,
					 cur);
	return VM_OK;
}

static bool all_free_visit(struct vm_walk *w, const struct vm_span *sp,
			   pte_t e, int level)
{
	(void)w, (void)sp, (void)level;
	return pte_is_free(e);
}

static bool all_free_leaves(struct vm_walk *w, const pte_t *t, vaddr_t va,
			    vaddr_t end)
{
	unsigned first = vm_index(va, 0), n = (unsigned)((end - va) >> PAGE_SHIFT);

	for (unsigned i = 0; i < n; i++) {
		if (!pte_is_free(vm_entry_read(&t[first + i]))) {
			VM_WORK_ADD(w->space, entries_read, i + 1);
			return false;
		}
	}
	VM_WORK_ADD(w->space, entries_read, n);
	return true;
}

static bool range_is_free(const struct vm_space *s, vaddr_t va, vaddr_t end)
{
	struct vm_walk w = { .space = s, .stop_at_full = true,
			     .visit = all_free_visit,
			     .leaves = all_free_leaves };

	return vm_walk_range(&w, va, end);
}

/*
 * The whole reservation path: check, place (at va if fixed, else by
 * search), check the limit, mark; the range was all free, so undoing a
 * failed marking is clearing it.
 */
static enum vm_status reserve_fill(struct vm_space *s, struct vm_fill *f,
				   bool fixed, vaddr_t va, size_t npages,
				   vaddr_t *out_va)
{
	enum vm_status st = vm_check_prot(s, f->prot);
	vaddr_t end;

	if (st != VM_OK || npages == 0)
		return VM_ERR_INVALID;
	vm_compact_reclaim(s);
	if (fixed) {
		st = vm_check_range(s, va, npages, &end);
		if (st == VM_OK && !range_is_free(s, va, end))
			st = VM_ERR_BUSY;
	} else {
		st = vm_search(s, npages, &va);
		end = va + ((uint64_t)npages << PAGE_SHIFT);
	}
	if (st == VM_OK && !vm_usage_fits_reserve(s, npages))
		st = VM_ERR_LIMIT;
	if (st != VM_OK)
		return st;
	f->start = va;
	st = mark_table(s, vm_table(s, s->pml4), VM_TOP_LEVEL, va, end, f,
			VM_KNOWN_ROOT, NULL);
	if (st != VM_OK) {
		vm_clear_range(s, va, end, false);
		return st;
	}
	s->usage.reserved += npages;
	if (!fixed)
		s->cursor = end < s->hi ? end : s->lo;
	if (out_va)
		*out_va = va;
	return VM_OK;
}

enum vm_status vm_reserve(struct vm_space *s, size_t npages, unsigned prot,
			  vaddr_t *out_va)
{
	struct vm_fill f = { .kind = PTE_KIND_RESERVED, .prot = prot };

	return reserve_fill(s, &f, false, 0, npages, out_va);
}

enum vm_status vm_reserve_at(struct vm_space *s, vaddr_t va, size_t npages,
			     unsigned prot)
{
	struct vm_fill f = { .kind = PTE_KIND_RESERVED, .prot = prot };

	return reserve_fill(s, &f, true, va, npages, NULL);
}

/* An image fill, or VM_ERR_INVALID for an unknown selector or offsets
 * beyond the 40-bit OFFSET field. */
static enum vm_status image_fill(struct vm_fill *f, unsigned prot,
				 unsigned sel, uint64_t first_page,
				 size_t npages)
{
	*f = (struct vm_fill){ .kind = PTE_KIND_IMAGE, .prot = prot,
			       .sel = sel, .first_page = first_page };
	if (!vm_provider_known(sel) || first_page > PTE_OFFSET_MAX ||
	    npages > PTE_OFFSET_MAX - first_page + 1)
		return VM_ERR_INVALID;
	return VM_OK;
}

enum vm_status vm_reserve_image(struct vm_space *s, size_t npages,
				unsigned prot, unsigned sel,
				uint64_t first_page, vaddr_t *out_va)
{
	struct vm_fill f;
	enum vm_status st = image_fill(&f, prot, sel, first_page, npages);

	return st != VM_OK ? st : reserve_fill(s, &f, false, 0, npages, out_va);
}

enum vm_status vm_reserve_image_at(struct vm_space *s, vaddr_t va,
				   size_t npages, unsigned prot, unsigned sel,
				   uint64_t first_page)
{
	struct vm_fill f;
	enum vm_status st = image_fill(&f, prot, sel, first_page, npages);

	return st != VM_OK ? st : reserve_fill(s, &f, true, va, npages, NULL);
}

enum vm_status vm_release(struct vm_space *s, vaddr_t va, size_t npages)
{
	vaddr_t end;
	int level;
	enum vm_status st = vm_check_range(s, va, npages, &end);

	if (st != VM_OK)
		return st;
	vm_compact_reclaim(s);
	/* one walk checks it all; a second names what was wrong */
	if (!vm_in_one_reservation(s, va, end, true))
		return pte_is_start(vm_lookup(s, va, &level))
			       ? VM_ERR_WRONG_SIZE /* too long or too short */
			       : VM_ERR_NOT_START;
	/* the tables the ends cut become ours; the ones between are dropped */
	st = vm_own_path(s, va);
	if (st == VM_OK && end < s->hi)
		st = vm_own_path(s, end);
	if (st != VM_OK)
		return st;
	vm_clear_range(s, va, end, true);
	s->usage.reserved -= npages;
	return VM_OK;
}
