/*
 * vm_compact.c - compact entries: a partially reserved 2 MiB, 1 GiB or
 * 512 GiB block held as runs of pages in a descriptor of 128 bytes to
 * 4 KiB (its size grows with its runs) instead of a page table below its
 * entry (pte.h, COMPACT).  The hardware
 * never walks a non-present entry, so below one the form is ours; a block
 * gets its real table only when a page in it is touched, or when a change
 * no longer fits (a 256th run, a protect that cuts a run).
 *
 * Invariants (vm_check_invariants checks them all):
 * - A compact entry lies above the leaf level, covers a block that
 *   overlaps [lo, hi), never in a pinned kernel-half PML4 entry, never in
 *   a table that fork shares (vm_fork expands them first), and holds no
 *   present page.  A block that crosses lo or hi (only where the space
 *   keeps bound markers, vm_bounds_of) holds its pages outside the range
 *   as bound runs: runs whose fill is the bound marker, the first run
 *   [0, lo) and the last [hi, end) of the block, so that its free runs
 *   are those the table it may become holds (there the pages outside are
 *   markers, wholly outside entries, or bound runs again below).
 * - Its descriptor holds 1 to vm_compact_capacity(cls) runs, sorted, disjoint,
 *   non-empty, inside the block; a run other than a bound run is one
 *   reservation's pages in the block, and its fill is the leaf-form entry
 *   of its first page (START if the reservation starts there; an image's
 *   offset is that page's).  Every other page of the block is free;
 *   longest is the longest run of free pages.  A descriptor of class c
 *   starts at a slot that is a multiple of 2^c.
 * - A descriptor of bound runs only (bound-only) is made by an expansion
 *   alone, for the child that crosses a bound, which must stay non-free
 *   there: a fault changes no summary.  A release that leaves bound runs
 *   only frees the entry instead (a free entry counts the pages beyond the
 *   bound as free, as a free entry in a table does), and a table emptied
 *   but for bound-only children is freed with them (vm_table_settle).
 * - pool.live counts the space's compact entries.
 * Who touches descriptors: the writers (reserve, release, protect, guard,
 * fork, destroy) change them in place under the writer side of the lock,
 * where no fault reads one.  The kernel's lockless first touch never
 * reads one: it leaves compact entries to the locked path.  Faults (the
 * readers) only replace a compact entry by a table, published by CAS as a
 * split is, and retire its descriptor: it is reused only after the next
 * writer began, or when the fault that holds the lock as its only reader
 * reclaims it (vm_compact_reclaim, mm_fault): no fault can still read it.
 * Writers also move a full descriptor into one of the next size.
 */
#include "mm/vm_internal.h"

static bool is_bound(const struct vm_compact_run *r)
{
	return pte_is_outside(r->fill);
}

/* The smallest size class that holds n runs. */
static unsigned class_for(unsigned n)
{
	unsigned cls = 0;

	while (vm_compact_capacity(cls) < n)
		cls++;
	return cls;
}

/* --- reading a descriptor ------------------------------------------------ */

uint64_t vm_block_pages(int level)
{
	return vm_level_size(level) >> PAGE_SHIFT;
}

pte_t vm_compact_run_page(const struct vm_compact_run *r, uint64_t rel)
{
	pte_t e = r->fill;

	if (rel != r->first)
		e &= ~PTE_START;
	if (pte_kind(e) == PTE_KIND_IMAGE)
		e += (pte_t)(rel - r->first) << PTE_NP_OFFSET_SHIFT;
	return e;
}

unsigned vm_compact_find(const struct vm_compact *d, uint64_t rel)
{
	unsigned lo = 0, hi = d->nruns;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (d->run[mid].first + (uint64_t)d->run[mid].pages > rel)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The run holding page rel, or NULL. */
static const struct vm_compact_run *run_holding(const struct vm_compact *d,
						 uint64_t rel)
{
	unsigned k = vm_compact_find(d, rel);

	return k < d->nruns && d->run[k].first <= rel ? &d->run[k] : NULL;
}

pte_t vm_compact_page(const struct vm_space *s, pte_t e, int level,
		      vaddr_t va)
{
	uint64_t rel = (va & (vm_level_size(level) - 1)) >> PAGE_SHIFT;
	const struct vm_compact_run *r = run_holding(vm_compact_of(s, e), rel);

	VM_WORK_ADD(s, entries_read, 1);
	return r ? vm_compact_run_page(r, rel) : 0;
}

/* The longest free run of the block, recounted after a change. */
static void recount_longest(struct vm_compact *d, uint64_t n)
{
	uint64_t prev = 0, longest = 0;

	for (unsigned k = 0; k < d->nruns; k++) {
		uint64_t gap = d->run[k].first - prev;

		longest = gap > longest ? gap : longest;
		prev = d->run[k].first + d->run[k].pages;
	}
	d->longest = (uint32_t)(n - prev > longest ? n - prev : longest);
}

struct vm_free_edges vm_compact_edges(const struct vm_space *s, pte_t e,
				      int level)
{
	const struct vm_compact *d = vm_compact_of(s, e);
	const struct vm_compact_run *last = &d->run[d->nruns - 1];

	VM_WORK_ADD(s, entries_read, 1);
	return (struct vm_free_edges){
		d->run[0].first,
		vm_block_pages(level) - last->first - last->pages, d->longest
	};
}

bool vm_compact_cuts(const struct vm_space *s, pte_t e, int level,
		     vaddr_t va)
{
	uint64_t rel = (va & (vm_level_size(level) - 1)) >> PAGE_SHIFT;
	const struct vm_compact_run *r = run_holding(vm_compact_of(s, e), rel);

	VM_WORK_ADD(s, entries_read, 1);
	return r && r->first < rel;
}

bool vm_compact_bound_only(const struct vm_space *s, pte_t e)
{
	const struct vm_compact *d = vm_compact_of(s, e);

	/* a block has at most two bound runs: its first and its last */
	return d->nruns <= 2 && is_bound(&d->run[0]) &&
	       is_bound(&d->run[d->nruns - 1]);
}

/* Does the block cross lo or hi where the space keeps bound markers? */
static bool crosses_bound(const struct vm_space *s, int level, vaddr_t base)
{
	return !(s->flags & (VM_SPACE_NO_BOUNDS | VM_SPACE_UNSUMMARISED)) &&
	       (base < s->lo || s->hi - base < vm_level_size(level));
}

bool vm_compact_allowed(const struct vm_space *s, int level, vaddr_t base)
{
	vaddr_t last = base + (vm_level_size(level) - 1);
	bool inside = base >= s->lo && s->hi - base >= vm_level_size(level);

	return level > 0 &&
	       !(s->flags & (VM_SPACE_NO_COMPACT | VM_SPACE_UNSUMMARISED)) &&
	       !vm_is_pinned(level, base) &&
	       (inside || (base < s->hi && last >= s->lo &&
			   crosses_bound(s, level, base)));
}

struct vm_bound_pages vm_compact_bounds(const struct vm_space *s, int level,
					 vaddr_t base)
{
	struct vm_bound_pages b = { 0, 0 };

	if (!crosses_bound(s, level, base))
		return b;
	if (base < s->lo)
		b.below = (s->lo - base) >> PAGE_SHIFT;
	if (s->hi - base < vm_level_size(level))
		b.above = vm_block_pages(level) - ((s->hi - base) >> PAGE_SHIFT);
	return b;
}

/* A new descriptor's bound runs for the block at base (level); returns
 * how many pages they hold. */
static uint64_t add_bound_runs(const struct vm_space *s, struct vm_compact *d,
			       int level, vaddr_t base)
{
	struct vm_bound_pages b = vm_compact_bounds(s, level, base);
	uint64_t n = vm_block_pages(level);

	if (b.below)
		d->run[d->nruns++] = (struct vm_compact_run){
			0, (uint32_t)b.below, pte_make_outside()
		};
	if (b.above)
		d->run[d->nruns++] = (struct vm_compact_run){
			(uint32_t)(n - b.above), (uint32_t)b.above,
			pte_make_outside()
		};
	return b.below + b.above;
}

/* The free run around the pages [lo, hi) of a block of n pages, given
 * its runs (those overlapping [lo, hi) are the change's).  A bound run
 * is an edge, as a bound marker is in a table (vm_summary.c, run_out):
 * beyond it nothing is free. */
static struct vm_chain chain_around(const struct vm_compact *d, uint64_t n,
				    uint64_t lo, uint64_t hi)
{
	struct vm_chain c = { lo, n - hi, 0, true, true };
	unsigned k = vm_compact_find(d, lo);

	if (k > 0) {
		c.left = lo - d->run[k - 1].first - d->run[k - 1].pages;
		c.left_edge = is_bound(&d->run[k - 1]);
	}
	while (k < d->nruns && d->run[k].first < hi)
		k++;
	if (k < d->nruns) {
		c.right = d->run[k].first - hi;
		c.right_edge = is_bound(&d->run[k]);
	}
	return c;
}

/* The free run between runs k - 1 and k of a block of n pages. */
static uint64_t gap_before(const struct vm_compact *d, unsigned k, uint64_t n)
{
	uint64_t from = k ? d->run[k - 1].first + d->run[k - 1].pages : 0;

	return (k < d->nruns ? d->run[k].first : n) - from;
}

/* Room is there; pages [lo, hi) are free.  The longest free run is
 * recounted only if the gap it cuts was the longest. */
static void insert_run(struct vm_compact *d, uint64_t n, uint64_t lo,
		       uint64_t hi, pte_t fill)
{
	unsigned k = vm_compact_find(d, lo);
	bool cuts_longest = gap_before(d, k, n) == d->longest;

	ASSERT(d->nruns < vm_compact_capacity(d->cls));
	__builtin_memmove(&d->run[k + 1], &d->run[k],
			  (d->nruns - k) * sizeof(d->run[0]));
	d->run[k] = (struct vm_compact_run){ (uint32_t)lo, (uint32_t)(hi - lo),
					     fill };
	d->nruns++;
	if (cuts_longest)
		recount_longest(d, n);
}

/* --- changes ------------------------------------------------------------- */

/* Move the full descriptor of the compact entry *slot (e) into one of
 * the next size, and return it; NULL if there is none to take. */
static struct vm_compact *grow(struct vm_space *s, pte_t *slot, pte_t e)
{
	const struct vm_compact *old = vm_compact_of(s, e);
	struct vm_compact *d;
	unsigned index;

	if (old->cls == VM_COMPACT_CLASSES - 1 ||
	    !vm_compact_alloc(s, old->cls + 1u, &index))
		return NULL;
	d = vm_compact_at(s, index);
	__builtin_memcpy(d->run, old->run, old->nruns * sizeof(old->run[0]));
	d->nruns = old->nruns;
	d->longest = old->longest;
	/* writers exclude faults: nobody still reads the old one */
	vm_write(s, slot, pte_make_compact(index));
	vm_compact_free(s, pte_compact_index(e), false);
	VM_WORK_ADD(s, entries_written, 1);
	return d;
}

enum vm_compact_result vm_compact_mark(struct vm_space *s, pte_t *slot,
				       pte_t e, int level,
				       const struct vm_span *sp, pte_t fill,
				       struct vm_chain *chain)
{
	uint64_t n = vm_block_pages(level);
	uint64_t lo = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t hi = (sp->end - sp->base) >> PAGE_SHIFT;
	struct vm_compact *d;
	uint64_t bound = 0;
	unsigned index;

	if (pte_is_free(e)) {
		if (!vm_compact_allowed(s, level, sp->base) ||
		    !vm_compact_alloc(s, 0, &index))
			return VM_COMPACT_NO; /* a table, then */
		d = vm_compact_at(s, index);
		bound = add_bound_runs(s, d, level, sp->base);
		recount_longest(d, n);
		vm_write(s, slot, pte_make_compact(index));
	} else if (pte_is_compact(e)) {
		d = vm_compact_of(s, e);
		if (d->nruns == vm_compact_capacity(d->cls)) {
			d = grow(s, slot, e);
			if (!d)
				return vm_compact_expand(s, slot, level,
							 sp->base, e) == VM_OK
					       ? VM_COMPACT_NO
					       : VM_COMPACT_NO_MEMORY;
		}
		VM_WORK_ADD(s, entries_written, 1);
	} else {
		return VM_COMPACT_NO;
	}
	insert_run(d, n, lo, hi, fill);
	*chain = chain_around(d, n, lo, hi);
	/* the free entry counted the pages beyond the bound as free: they
	 * are gone from the run the reserve cuts, as a new table's bound
	 * markers are (vm_reserve.c, mark_below) */
	chain->gone += bound;
	return VM_COMPACT_DONE;
}

void vm_compact_clear(struct vm_space *s, pte_t *slot, int level,
		      const struct vm_span *sp, struct vm_chain *chain)
{
	pte_t e = vm_read(s, slot);
	struct vm_compact *d = vm_compact_of(s, e);
	uint64_t n = vm_block_pages(level);
	uint64_t lo = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t hi = (sp->end - sp->base) >> PAGE_SHIFT;
	unsigned k = vm_compact_find(d, lo), end = k;
	uint64_t gap;

	for (; end < d->nruns && d->run[end].first < hi; end++)
		/* a release is of whole reservations: no run is cut */
		ASSERT(d->run[end].first >= lo &&
		       d->run[end].first + d->run[end].pages <= hi);
	__builtin_memmove(&d->run[k], &d->run[end],
			  (d->nruns - end) * sizeof(d->run[0]));
	d->nruns -= end - k;
	VM_WORK_ADD(s, entries_read, end - k + 1);
	VM_WORK_ADD(s, entries_written, 1);
	*chain = chain_around(d, n, lo, hi);
	gap = gap_before(d, k, n);
	d->longest = (uint32_t)(gap > d->longest ? gap : d->longest);
	if (d->nruns == 0 || vm_compact_bound_only(s, e)) {
		/* the free entry counts every page of the block, those beyond
		 * a bound too, as an emptied table's does (vm_table_settle) */
		*chain = (struct vm_chain){ lo, n - hi, 0, true, true };
		vm_write(s, slot, 0);
		vm_compact_free(s, pte_compact_index(e), false);
	}
}

void vm_compact_change(struct vm_space *s, pte_t e, int level,
		       const struct vm_span *sp, pte_t (*apply)(pte_t, unsigned),
		       unsigned prot)
{
	struct vm_compact *d = vm_compact_of(s, e);
	uint64_t lo = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t hi = (sp->end - sp->base) >> PAGE_SHIFT;

	(void)level;
	for (unsigned k = vm_compact_find(d, lo);
	     k < d->nruns && d->run[k].first < hi; k++) {
		struct vm_compact_run *r = &d->run[k];

		/* vm_split_to expanded every block the range's ends cut */
		ASSERT(r->first >= lo && r->first + r->pages <= hi);
		r->fill = apply(r->fill, prot);
		VM_WORK_ADD(s, entries_written, 1);
	}
}

/* --- expanding into a table ---------------------------------------------- */

/* Free the descriptors of the compact entries in a table never published. */
static void free_children(struct vm_space *s, const pte_t *t)
{
	for (unsigned i = 0; i < VM_ENTRIES; i++)
		if (pte_is_compact(t[i]))
			vm_compact_free(s, pte_compact_index(t[i]), false);
}

/* The piece of run r inside pages [lo, hi), relative to lo. */
static struct vm_compact_run piece_of(const struct vm_compact_run *r,
				      uint64_t lo, uint64_t hi)
{
	uint64_t first = r->first > lo ? r->first : lo;
	uint64_t end = r->first + (uint64_t)r->pages;

	end = end < hi ? end : hi;
	return (struct vm_compact_run){ (uint32_t)(first - lo),
					(uint32_t)(end - first),
					vm_compact_run_page(r, first) };
}

/*
 * Entry i of the table that replaces the compact entry of descriptor d at
 * level: a leaf, free, a whole-entry reservation, or a compact entry with
 * the runs' pieces inside it.  False if no descriptor.
 */
static bool build_entry(struct vm_space *s, pte_t *t, int level,
			const struct vm_compact *d, unsigned i)
{
	uint64_t ep = vm_block_pages(level - 1), lo = i * ep, hi = lo + ep;
	unsigned first = vm_compact_find(d, lo), np = 0, index;
	struct vm_compact_run one;
	struct vm_compact *c;

	while (first + np < d->nruns && d->run[first + np].first < hi)
		np++;
	VM_WORK_ADD(s, entries_written, 1);
	one = np ? piece_of(&d->run[first], lo, hi) : (struct vm_compact_run){ 0 };
	/* a child wholly beyond a bound gets the bound marker, as in a table
	 * that vm_table_publish makes */
	if (level == 1 || (np == 1 && one.pages == ep &&
			   (pte_is_outside(one.fill) ||
			    (pte_kind(one.fill) != PTE_KIND_IMAGE &&
			     !(s->flags & VM_SPACE_NO_UPPER))))) {
		t[i] = np ? one.fill : 0;
		return true;
	}
	if (!vm_compact_alloc(s, class_for(np), &index))
		return false;
	c = vm_compact_at(s, index);
	for (unsigned k = 0; k < np; k++)
		c->run[k] = piece_of(&d->run[first + k], lo, hi);
	c->nruns = np;
	recount_longest(c, ep);
	t[i] = pte_make_compact(index);
	return true;
}

enum vm_status vm_compact_expand(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base, pte_t e)
{
	/* unchanged until retired and reclaimed by the next writer */
	const struct vm_compact *d = vm_compact_of(s, e);
	unsigned last = VM_ENTRIES;
	uint64_t ep = vm_block_pages(level - 1);
	pte_t *t;
	pte_t te;
	paddr_t pa;

	if (vm_frame_alloc(s, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	t = vm_table(s, pa);
	__builtin_memset(t, 0, PAGE_SIZE);
	for (unsigned k = 0; k < d->nruns; k++) {
		for (uint64_t i = d->run[k].first / ep;
		     i <= (d->run[k].first + d->run[k].pages - 1) / ep; i++) {
			if (i == last)
				continue;
			last = (unsigned)i;
			if (!build_entry(s, t, level, d, last)) {
				free_children(s, t);
				vm_frame_free(s, pa);
				return VM_ERR_NO_MEMORY;
			}
		}
	}
	te = pte_with_summary(pte_make_table(pa, !vm_is_kernel_half(base)),
			      vm_summary_of(vm_compact_edges(s, e, level).longest,
					    VM_ENTRIES - 1 - last));
	/* the CAS releases the entries, as a split's does */
	if (!vm_cas(s, slot, e, te)) {
		free_children(s, t); /* another CPU expanded it first */
		vm_frame_free(s, pa);
		return VM_OK;
	}
	vm_compact_free(s, pte_compact_index(e), true);
	return VM_OK;
}

/*
 * Expand every compact entry below the table t (level), skipping what
 * fork shares (it holds none).  A child of bound runs only is freed
 * instead: as a table it would be a chain of tables down to a leaf
 * table of markers with nothing reserved, which no release would ever
 * free.  The free entry counts the pages beyond the bound as free, so
 * the summaries above it are counted again; *freed says that one was.
 */
static enum vm_status expand_table(struct vm_space *s, pte_t *t, int level,
				   vaddr_t tbase, bool *freed)
{
	/* at the top, the user half only: the kernel half is not ours */
	unsigned n = level == VM_TOP_LEVEL ? VM_ENTRIES / 2 : VM_ENTRIES;

	for (unsigned i = 0; i < n && s->compact.live; i++) {
		vaddr_t base = tbase + (vaddr_t)i * vm_level_size(level);
		pte_t e = vm_read(s, &t[i]);
		enum vm_status st = VM_OK;
		bool below = false;

		if (pte_is_compact(e) && vm_compact_bound_only(s, e)) {
			vm_write(s, &t[i], 0);
			vm_compact_free(s, pte_compact_index(e), false);
			*freed = true;
			continue;
		}
		if (pte_is_compact(e)) {
			st = vm_compact_expand(s, &t[i], level, base, e);
			e = vm_read(s, &t[i]);
		}
		if (st == VM_OK && level > 1 && vm_is_table(e, level) &&
		    !pte_table_is_shared(e))
			st = expand_table(s, vm_table(s, pte_addr(e)),
					  level - 1, base, &below);
		if (below) {
			vm_write(s, &t[i], pte_with_summary(e, vm_summary_recount(
							       s, e, level, base)));
			*freed = true;
		}
		if (st != VM_OK)
			return st;
	}
	return VM_OK;
}

enum vm_status vm_compact_expand_all(struct vm_space *s)
{
	bool freed = false; /* the PML4 keeps no summary */

	return s->compact.live == 0 ? VM_OK
				    : expand_table(s, vm_table(s, s->pml4),
						   VM_TOP_LEVEL, 0, &freed);
}
