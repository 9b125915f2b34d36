/*
 * vm_check.c - recompute every invariant of a space from its entries.
 *
 * Independent of the code that maintains them: every free-space summary
 * is recomputed from the leaves up (exact run lengths, joined table by
 * table), never read to decide anything, so a stale summary is found;
 * the usage counters are compared with the totals the walk counts.  Used
 * after every step of the host tests and by in-kernel self-tests.
 */
#include "mm/vm_internal.h"

struct check {
	const struct vm_space *s;
	struct vm_stats *stats;
	const char *why;  /* first violation, or NULL */
	bool prev_free;   /* the page before the one being checked is free */
	bool in_shared;   /* below a table pointer fork shares */
};

static void fail(struct check *c, vaddr_t va, const char *why)
{
	if (c->why == NULL) {
		c->why = why;
		c->stats->bad_va = va;
	}
}

/* First address covered by entry i of the level-`level` table at tbase. */
static vaddr_t entry_base(vaddr_t tbase, int level, unsigned i)
{
	vaddr_t va = tbase + (vaddr_t)i * vm_level_size(level);

	if (level == VM_TOP_LEVEL && i >= VM_ENTRIES / 2)
		va |= (vaddr_t)0xFFFF000000000000; /* canonical sign extension */
	return va;
}

static bool overlaps_range(const struct vm_space *s, vaddr_t b, int level)
{
	return b < s->hi && b + (vm_level_size(level) - 1) >= s->lo;
}

/* A non-present reservation entry: clean bits, valid kind and place. */
static void check_pending(struct check *c, pte_t e, int level, vaddr_t b)
{
	enum pte_kind kind = pte_kind(e);

	if (e & PTE_NP_ZERO_MASK)
		fail(c, b, "non-present entry with A/D/PS/G or high bits set");
	else if (kind != PTE_KIND_RESERVED && kind != PTE_KIND_IMAGE &&
		 kind != PTE_KIND_GUARD)
		fail(c, b, "non-present entry of invalid kind");
	else if (kind != PTE_KIND_IMAGE &&
		 (e & (PTE_NP_OFFSET_MASK | PTE_NP_SEL_MASK)))
		fail(c, b, "offset or selector outside an image entry");
	else if (kind == PTE_KIND_GUARD && pte_prot(e) != 0)
		fail(c, b, "guard entry with a protection");
	else if (level > 0 && kind == PTE_KIND_IMAGE)
		fail(c, b, "image entry above the leaf level");
	else if (level > 0 && (b < c->s->lo ||
			       b + vm_level_size(level) > c->s->hi))
		fail(c, b, "upper-level reservation crosses the range's ends");
	else if (vm_is_pinned(level, b))
		fail(c, b, "reservation in a shared kernel-half PML4 entry");
}

/* A non-table entry inside the range, in address order. */
static void check_entry(struct check *c, pte_t e, int level, vaddr_t b)
{
	if (pte_is_free(e)) {
		if (e != 0)
			fail(c, b, "free entry is not 0");
		c->prev_free = true;
		return;
	}
	if (pte_is_present(e)) {
		/* level 0: above it vm_is_table() took every present entry */
		const char *why = vm_leaf_problem(e);

		if (why)
			fail(c, b, why);
		c->stats->present_pages++;
		c->stats->owned_frames += (e & PTE_SHARED) ? 0 : 1;
	} else {
		check_pending(c, e, level, b);
	}
	if (c->prev_free && !pte_is_start(e))
		fail(c, b, "reserved pages after a free page without START");
	c->prev_free = false;
	c->stats->used_pages += vm_level_size(level) >> PAGE_SHIFT;
}

/*
 * An entry wholly outside the range: in the PML4 free or the kernel
 * half's; below it, in a table that crosses a bound, the bound marker
 * where the space keeps them (vm_bounds_of), else free.
 */
static void check_outside(struct check *c, pte_t e, int level, vaddr_t tbase,
			  vaddr_t b)
{
	struct vm_bounds bounds;
	bool marked;

	if (level == VM_TOP_LEVEL)
		return;
	bounds = vm_bounds_of(c->s, level + 1, tbase);
	marked = bounds.below > 0 || bounds.above < VM_ENTRIES;
	if (e != (marked ? pte_make_outside() : 0))
		fail(c, b, "entry outside the range is not the bound marker");
}

/* The free runs of a stretch of pages, exactly, and the free entries at
 * its end: what a summary encodes. */
struct runs {
	uint64_t pages, pre, suf, max;
	unsigned tail_entries;
};

static struct runs runs_of_entry(pte_t e, int level)
{
	uint64_t n = vm_level_size(level) >> PAGE_SHIFT;

	return pte_is_free(e) ? (struct runs){ n, n, n, n, 1 }
			      : (struct runs){ n, 0, 0, 0, 0 };
}

static uint64_t larger(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The runs of a followed by b, b one entry. */
static struct runs runs_join(struct runs a, struct runs b)
{
	return (struct runs){
		.pages = a.pages + b.pages,
		.pre = a.pre == a.pages ? a.pages + b.pre : a.pre,
		.suf = b.suf == b.pages ? b.pages + a.suf : b.suf,
		.max = larger(larger(a.max, b.max), a.suf + b.pre),
		.tail_entries = b.tail_entries ? a.tail_entries + 1 : 0,
	};
}

static struct runs check_table(struct check *c, const pte_t *t, int level,
			       vaddr_t tbase);

/* A run of a compact entry's descriptor, r[k] after the pages up to prev
 * (relative to the block at b). */
static void check_run(struct check *c, const struct vm_compact_run *r,
		      uint64_t prev, uint64_t n, vaddr_t b)
{
	vaddr_t va = b + ((vaddr_t)r->first << PAGE_SHIFT);

	if (r->pages == 0 || r->first < prev || r->first + r->pages > n)
		fail(c, va, "compact runs empty, unsorted or outside the block");
	else if (pte_is_free(r->fill) || pte_is_present(r->fill))
		fail(c, va, "compact run that is not a reservation");
	else
		check_pending(c, r->fill, 0, va);
	if (r->first > prev)
		c->prev_free = true;
	if (c->prev_free && !pte_is_start(r->fill))
		fail(c, va, "reserved pages after a free page without START");
	c->prev_free = false;
	c->stats->used_pages += r->pages;
}

/* Are d's runs of the bound marker exactly the block's pages outside the
 * range, first and last (vm_compact_bounds)? */
static bool bound_runs_match(const struct vm_space *s,
			     const struct vm_compact *d, int level, vaddr_t b)
{
	struct vm_bound_pages want = vm_compact_bounds(s, level, b);
	uint64_t n = vm_block_pages(level);
	unsigned bounds = 0;

	for (unsigned k = 0; k < d->nruns; k++)
		bounds += pte_is_outside(d->run[k].fill);
	if (want.below && (d->run[0].first != 0 ||
			   d->run[0].pages != want.below ||
			   !pte_is_outside(d->run[0].fill)))
		return false;
	if (want.above &&
	    (d->run[d->nruns - 1].first != n - want.above ||
	     d->run[d->nruns - 1].pages != want.above ||
	     !pte_is_outside(d->run[d->nruns - 1].fill)))
		return false;
	return bounds == (unsigned)(want.below != 0) + (want.above != 0);
}

/* A compact entry (vm_compact.c): its place, its descriptor's runs, and
 * the free runs they leave. */
static struct runs check_compact(struct check *c, pte_t e, int level,
				 vaddr_t b)
{
	uint64_t n = vm_block_pages(level), prev = 0, longest = 0;
	const struct vm_compact *d;
	struct runs r = { n, 0, 0, 0, 0 };

	if (!vm_compact_allowed(c->s, level, b) || c->in_shared)
		fail(c, b, "compact entry where none may be");
	if (!vm_compact_names_descriptor(c->s, pte_compact_index(e))) {
		fail(c, b, "compact entry names no descriptor");
		return r;
	}
	d = vm_compact_of(c->s, e);
	if (d->cls >= VM_COMPACT_CLASSES ||
	    pte_compact_index(e) % (1u << d->cls) != 0) {
		fail(c, b, "compact descriptor of no size or misplaced");
		return r;
	}
	if (d->nruns == 0 || d->nruns > vm_compact_capacity(d->cls)) {
		fail(c, b, "compact descriptor with no runs or too many");
		return r;
	}
	if (!bound_runs_match(c->s, d, level, b)) {
		fail(c, b, "compact bound runs differ from the block's bounds");
		return r;
	}
	for (unsigned k = 0; k < d->nruns; k++) {
		if (!pte_is_outside(d->run[k].fill))
			check_run(c, &d->run[k], prev, n, b);
		else if (d->run[k].first < prev)
			fail(c, b, "compact runs empty, unsorted or outside the block");
		longest = larger(longest, d->run[k].first - prev);
		prev = d->run[k].first + d->run[k].pages;
	}
	if (prev < n)
		c->prev_free = true;
	c->stats->compact_entries++;
	r.pre = d->run[0].first;
	r.suf = n - prev;
	r.max = larger(longest, n - prev);
	if (d->longest != r.max)
		fail(c, b, "compact descriptor's longest free run is stale");
	return r;
}

/* A table pointer over (part of) the range: the runs below it. */
static struct runs check_pointer(struct check *c, pte_t e, int level,
				 vaddr_t b)
{
	bool was_shared = c->in_shared;
	uint64_t used;
	struct runs r;
	unsigned want;

	if (pte_table_is_shared(e) && (vm_is_kernel_half(b) ||
				       (c->s->flags & VM_SPACE_UNSUMMARISED)))
		fail(c, b, "shared table pointer outside an rdos user space");
	c->in_shared |= pte_table_is_shared(e);
	used = c->stats->used_pages;
	r = check_table(c, vm_table_peek(c->s, pte_addr(e)), level - 1, b);
	want = vm_summary_of(r.max, r.tail_entries);
	c->stats->table_pages++;
	c->stats->shared_table_pages += c->in_shared;
	c->in_shared = was_shared;
	if (vm_is_pinned(level, b)) {
		if (pte_summary(e) != 0)
			fail(c, b, "summary set in a shared kernel-half entry");
	} else if (c->stats->used_pages == used) {
		fail(c, b, "empty page table not freed");
	} else if (pte_summary(e) != want) {
		fail(c, b, "free-space summary does not match the table");
	}
	return r;
}

static struct runs check_table(struct check *c, const pte_t *t, int level,
			       vaddr_t tbase)
{
	struct runs all = { 0, 0, 0, 0, 0 };

	for (unsigned i = 0; i < VM_ENTRIES && c->why == NULL; i++) {
		vaddr_t b = entry_base(tbase, level, i);
		pte_t e = vm_entry_read(&t[i]);
		struct runs r = runs_of_entry(e, level);

		if (!overlaps_range(c->s, b, level))
			check_outside(c, e, level, tbase, b);
		else if (vm_is_table(e, level)) {
			r = check_pointer(c, e, level, b);
			r.tail_entries = 0; /* the entry itself is not free */
		} else if (pte_is_compact(e)) {
			r = check_compact(c, e, level, b);
		}
		else {
			check_entry(c, e, level, b);
		}
		all = runs_join(all, r);
	}
	return all;
}

const char *vm_check_invariants(const struct vm_space *s,
				struct vm_stats *stats)
{
	struct vm_stats local;
	struct check c = { .s = s, .stats = stats ? stats : &local,
			   .why = NULL, .prev_free = true };

	*c.stats = (struct vm_stats){ .table_pages = s->owns_pml4 ? 1 : 0 };
	check_table(&c, vm_table_peek(s, s->pml4), VM_TOP_LEVEL, 0);
	c.stats->descriptor_pages = vm_compact_pool_pages(s);
	if (c.why == NULL && c.stats->compact_entries != s->compact.live)
		fail(&c, s->lo, "descriptors in use differ from the compact entries");
	if (c.why == NULL && vm_usage_mismatch(s, c.stats))
		fail(&c, s->lo, vm_usage_mismatch(s, c.stats));
	return c.why;
}

const char *vm_usage_mismatch(const struct vm_space *s,
			      const struct vm_stats *walked)
{
	struct vm_usage u = vm_usage(s);

	if (u.reserved != walked->used_pages)
		return "usage: reserved pages differ from the non-free pages";
	if (u.present != walked->present_pages)
		return "usage: present pages differ from the present leaves";
	return NULL;
}
