/*
 * vm_summary.c - the free-space summary in every table pointer, and how a
 * reserve or a release keeps it exact without re-reading the table.
 *
 * A summary (14 bits, pte.h) describes the free pages below a table
 * pointer:
 *   MAX   (bits 0-4)   class of the longest run of free pages in the
 *                      subtree: 0 for none, else floor(log2 run) + 1
 *   TAIL  (bits 5-13)  how many entries at the end of the table below are
 *                      free (0-511: a table is never all free)
 * so 0 is FULL.  A search for n pages skips a subtree whose longest run is
 * too short (2^MAX - 1 < n); a run that crosses it can only use its edge
 * runs: the one at its end is TAIL whole entries plus the end run of the
 * entry before them, one read per level; the one at its start is read
 * from the start.  Both fields are functions of the entries alone, so
 * vm_check_invariants recomputes them independently.
 *
 * Keeping them: only a reserve (free pages become non-free) and a release
 * (pages become free) change which pages are free; faults fill reserved
 * pages, splits and protect rewrite non-free entries, fork copies tables
 * with their summaries.  After a change of pages [va, end) in a table, the
 * free run touching it (its "chain": the free pages just before and after
 * the change in the table) is found by reading outward from the change,
 * where the old TAIL (and, for a table made by this reserve, its being
 * free but for its bound markers) says without reading how far the
 * entries after it are free.  A bound marker (pte.h) is not free and ends
 * a chain as the table's edge does: beyond it nothing is free either.
 * Every other run of the table is as it was, so:
 *   release: MAX' = max(MAX, class(left + n + right));
 *   reserve: the run of class(left + n + right) became two, of classes
 *            class(left) and class(right): MAX' = MAX unless the cut run
 *            was the only one of class MAX, which only reading the table
 *            tells (rare: a table filled from its start sees its tail run
 *            drop a class log2(512) times);
 *   TAIL' changes only if the chain reaches the table's end.
 * Each table passes its chain to the one above, which extends it only
 * where it reaches an edge, so a change costs a few reads per level next
 * to the change.  The kernel half's PML4 entries keep no summary (they are
 * copied into every user PML4: a later change would go stale there).
 */
#include "mm/vm_internal.h"

static unsigned summary_pack(unsigned max, unsigned tail)
{
	return max | tail << PTE_SUMMARY_MAX_BITS;
}

_Static_assert(PTE_SUMMARY_MAX_BITS + 9 == PTE_SUMMARY_BITS,
	       "summary: 5 bits of MAX, 9 of TAIL");

unsigned vm_run_class(uint64_t pages)
{
	return pages ? 64u - (unsigned)__builtin_clzll(pages) : 0;
}

static unsigned class_max(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

unsigned vm_summary_of(uint64_t longest, unsigned tail_entries)
{
	return summary_pack(vm_run_class(longest), tail_entries);
}

uint64_t vm_summary_longest_below(unsigned sum)
{
	return ((uint64_t)1 << pte_summary_max(sum)) - 1;
}

uint64_t vm_longest_below(const struct vm_space *s, pte_t e, int level)
{
	if (pte_is_compact(e))
		return vm_compact_edges(s, e, level).longest;
	return vm_summary_longest_below(pte_summary(e));
}

static uint64_t entry_pages(int level)
{
	return vm_level_size(level) >> PAGE_SHIFT;
}

uint64_t vm_table_free_tail(const struct vm_space *s, pte_t e, int level)
{
	unsigned k;
	uint64_t n;
	pte_t c;

	if (pte_is_compact(e))
		return vm_compact_edges(s, e, level).tail;
	k = pte_summary_tail(pte_summary(e));
	n = k * entry_pages(level - 1);
	/* entry 511 - k is not free; below the leaf level it may end free */
	if (pte_summary_max(pte_summary(e)) == 0 || level == 1)
		return n;
	c = vm_read(s, &vm_table(s, pte_addr(e))[VM_ENTRIES - 1 - k]);
	if (vm_has_below(c, level - 1))
		n += vm_table_free_tail(s, c, level - 1);
	return n;
}

uint64_t vm_table_free_head(const struct vm_space *s, pte_t e, int level)
{
	uint64_t pages = entry_pages(level - 1), n = 0;
	const pte_t *t;

	if (pte_is_compact(e))
		return vm_compact_edges(s, e, level).head;
	if (pte_summary_max(pte_summary(e)) == 0)
		return 0;
	t = vm_table(s, pte_addr(e));
	for (unsigned k = 0; k < VM_ENTRIES; k++) {
		pte_t c = vm_entry_read(&t[k]);

		VM_WORK_ADD(s, entries_read, 1);
		if (pte_is_free(c)) {
			n += pages;
			continue;
		}
		if (vm_has_below(c, level - 1))
			n += vm_table_free_head(s, c, level - 1);
		break;
	}
	return n;
}

bool vm_table_head_reaches(const struct vm_space *s, pte_t e, int level,
			   uint64_t need)
{
	uint64_t pages = entry_pages(level - 1), n = 0;
	const pte_t *t;
	unsigned k = 0;
	pte_t c;

	if (pte_is_compact(e))
		return vm_compact_edges(s, e, level).head >= need;
	/* the start run is no longer than the longest */
	if (vm_summary_longest_below(pte_summary(e)) < need)
		return false;
	t = vm_table(s, pte_addr(e));
	while ((c = vm_entry_read(&t[k++])), pte_is_free(c) && n + pages < need)
		n += pages; /* a table is never all free: this stops */
	VM_WORK_ADD(s, entries_read, k);
	if (pte_is_free(c))
		return true;
	return vm_has_below(c, level - 1) &&
	       vm_table_head_reaches(s, c, level - 1, need - n);
}

static inline pte_t entry(const pte_t *p, unsigned k)
{
	return __atomic_load_n(&p[k], __ATOMIC_RELAXED);
}

/*
 * The free entries of t next to entry i going down (dir -1) or up (+1),
 * at most cap of them.  Read eight at a time: only writers scan here, and
 * no fault makes a free entry non-free or a non-free one free (vm.h), so
 * what is free cannot change under the scan.
 */
static unsigned free_entries_beside(const pte_t *t, unsigned i, int dir,
				    unsigned cap)
{
	unsigned n = 0;

	for (; n + 8 <= cap; n += 8) {
		const pte_t *p = dir > 0 ? &t[i + 1 + n] : &t[i - n - 8];

		if ((entry(p, 0) | entry(p, 1) | entry(p, 2) | entry(p, 3) |
		     entry(p, 4) | entry(p, 5) | entry(p, 6) | entry(p, 7)) != 0)
			break;
	}
	while (n < cap && pte_is_free(vm_entry_read(
				  &t[dir > 0 ? i + 1 + n : i - 1 - n])))
		n++;
	return n;
}

/*
 * Add to *n the free pages of t next to entry i, going down (dir -1) or up
 * (+1), stopping once *n reaches enough; true if they reach the table's
 * edge or a bound (a marker, or a child of bound runs only).  Given the
 * `before` pages of a reserve's run that starts inside t (else
 * UINT64_MAX), it also stops at a table pointer whose longest run cannot
 * make the run reach enough: the run ends inside that table, short
 * (leaves_stay_short says why that settles nothing).
 */
static bool run_out(const struct vm_space *s, const pte_t *t, int level,
		    unsigned i, int dir, uint64_t *n, uint64_t enough,
		    uint64_t before)
{
	uint64_t pages = entry_pages(level);
	unsigned room = dir < 0 ? i : VM_ENTRIES - 1 - i;
	uint64_t gap = *n >= enough ? 0 : enough - *n; /* enough may be MAX */
	uint64_t want = gap / pages + (gap % pages != 0);
	unsigned cap = want < room ? (unsigned)want : room;
	unsigned nfree = free_entries_beside(t, i, dir, cap);
	pte_t e;

	*n += nfree * pages;
	if (nfree == room) { /* the table's edge */
		VM_WORK_ADD(s, entries_read, nfree);
		return true;
	}
	if (nfree == cap) { /* stopped at enough */
		VM_WORK_ADD(s, entries_read, nfree);
		return false;
	}
	e = vm_entry_read(&t[dir > 0 ? i + 1 + nfree : i - 1 - nfree]);
	VM_WORK_ADD(s, entries_read, nfree + 1);
	if (pte_is_outside(e))
		return true; /* beyond a bound nothing is free either */
	if (!vm_has_below(e, level) ||
	    (before < enough &&
	     before + *n + vm_longest_below(s, e, level) < enough))
		return false;
	*n += dir < 0 ? vm_table_free_tail(s, e, level)
		      : vm_table_free_head(s, e, level);
	/* a child of bound runs only: beyond its free pages is the bound */
	return pte_is_compact(e) && vm_compact_bound_only(s, e);
}

/*
 * A reserve in the leaf table t, its run's first `have` pages measured up
 * to entry j, the run's start inside t: is the run shorter than enough?
 * Then it settles no MAX, here or above (a run that lies inside the table
 * is the same run in every table above, whose MAX is no smaller), and
 * need not be measured: it is, if the entry where it would reach enough is
 * not free, or lies at or past the last non-free entry, 511 - TAIL.  One
 * read at most.
 */
static bool leaves_stay_short(const struct vm_space *s, const pte_t *t,
			      unsigned j, uint64_t have,
			      const struct vm_known *known)
{
	uint64_t k = j + (known->enough - have);

	if (have >= known->enough)
		return false;
	return k >= VM_ENTRIES - 1 - known->tail ||
	       !pte_is_free(vm_read(s, &t[k]));
}

struct vm_chain vm_chain_extend(const struct vm_space *s, const pte_t *t,
				int level, vaddr_t va, vaddr_t end,
				const struct vm_known *known,
				struct vm_chain first, struct vm_chain last)
{
	unsigned i = vm_index(va, level), j = vm_index(end - 1, level);
	struct vm_chain c = { .left = first.left, .right = last.right,
			      .gone = first.gone + (i != j ? last.gone : 0) };

	if (first.left_edge && known->head >= i) {
		c.left += i * entry_pages(level);
		c.left_edge = true;
	} else if (first.left_edge) {
		/* a reserve's piece before the change that reaches both this
		 * table's enough and the path's settles every MAX on the way
		 * up (the cut run's class stays): it may stop there, short of
		 * the edge, as the piece after it does below */
		uint64_t enough = known->enough > known->path_enough
					  ? known->enough
					  : known->path_enough;

		c.left_edge = run_out(s, t, level, i, -1, &c.left, enough,
				      UINT64_MAX);
	}
	if (last.right_edge && VM_ENTRIES - known->tail <= j + 1) {
		c.right += (VM_ENTRIES - 1 - j) * entry_pages(level);
		c.right_edge = true;
	} else if (last.right_edge) {
		/* a non-free entry before the end stops it: it may stop early;
		 * a reserve's run that starts here needs only enough */
		bool inside = !c.left_edge && known->enough != UINT64_MAX;
		uint64_t have = inside ? c.left + ((end - va) >> PAGE_SHIFT)
				       : UINT64_MAX;

		if (level == 0 && inside &&
		    leaves_stay_short(s, t, j, have, known))
			return c; /* right stays 0: the run is short */
		c.right_edge = run_out(s, t, level, j, 1, &c.right,
				       inside ? known->enough
					      : known->path_enough,
				       have);
	}
	return c;
}

struct vm_known vm_known_of(pte_t e, bool released)
{
	unsigned max = pte_summary_max(pte_summary(e));
	/* a reserve cannot raise MAX: a piece of class MAX settles it */
	uint64_t enough = released || max == 0 ? UINT64_MAX
					      : (uint64_t)1 << (max - 1);

	return (struct vm_known){ 0, pte_summary_tail(pte_summary(e)), enough,
				  enough };
}

struct vm_known vm_known_fresh(const struct vm_space *s, int level,
			       vaddr_t base)
{
	struct vm_bounds b = vm_bounds_of(s, level, base);

	return (struct vm_known){ b.below ? 0 : b.above,
				  b.above < VM_ENTRIES ? 0
						       : VM_ENTRIES - b.below,
				  UINT64_MAX, UINT64_MAX };
}

/* The MAX class of the table below e, read entry by entry but for its
 * bound markers (outside b); stops at limit, which it cannot exceed. */
static unsigned table_max_class(const struct vm_space *s, pte_t e, int level,
				unsigned limit, struct vm_bounds b)
{
	const pte_t *t = vm_table(s, pte_addr(e));
	uint64_t run = 0;
	unsigned best = 0;

	for (unsigned k = b.below; k < b.above && best < limit; k++) {
		pte_t c = vm_read(s, &t[k]);

		if (pte_is_free(c)) {
			run += entry_pages(level - 1);
			continue;
		}
		if (vm_has_below(c, level - 1)) {
			best = class_max(best, vm_run_class(vm_longest_below(
						       s, c, level - 1)));
			if (run)
				run += vm_table_free_head(s, c, level - 1);
			best = class_max(best, vm_run_class(run));
			run = vm_table_free_tail(s, c, level - 1);
			continue;
		}
		best = class_max(best, vm_run_class(run));
		run = 0;
	}
	best = class_max(best, vm_run_class(run));
	return best < limit ? best : limit;
}

/*
 * Does the leaf table t hold a run of len free leaves inside b (outside
 * are its bound markers) and outside the entries [skip_lo, skip_hi), which
 * are known to hold none?  Such a run covers an index k = len - 1 (mod
 * len), so only those are probed, and a free one is measured outward
 * until it reaches len: about 512 / len reads.
 */
static bool leaves_have_run(const struct vm_space *s, const pte_t *t,
			    unsigned len, struct vm_bounds b, unsigned skip_lo,
			    unsigned skip_hi)
{
	uint64_t reads = 0;
	bool found = false;

	for (unsigned k = len - 1; k < b.above && !found; k += len) {
		unsigned lo = k, hi = k + 1;

		if (k < b.below || (k >= skip_lo && k < skip_hi))
			continue; /* non-free on both sides: nothing crosses */
		reads++;
		if (!pte_is_free(vm_entry_read(&t[k])))
			continue;
		while (lo > b.below && hi - lo < len &&
		       (reads++, pte_is_free(vm_entry_read(&t[lo - 1]))))
			lo--;
		while (hi < b.above && hi - lo < len &&
		       (reads++, pte_is_free(vm_entry_read(&t[hi]))))
			hi++;
		found = hi - lo >= len;
	}
	VM_WORK_ADD(s, entries_read, reads);
	return found;
}

/* The class of the longest free run of the leaf table t, read entry by
 * entry inside b. */
static unsigned leaves_longest_class(const struct vm_space *s, const pte_t *t,
				     struct vm_bounds b)
{
	uint64_t run = 0, best = 0;

	for (unsigned k = b.below; k < b.above; k++) {
		run = pte_is_free(vm_entry_read(&t[k])) ? run + 1 : 0;
		best = run > best ? run : best;
	}
	VM_WORK_ADD(s, entries_read, b.above - b.below);
	return vm_run_class(best);
}

/*
 * The MAX class of the leaf table below e, known to lie in [floor, max]
 * and not to be reached in the entries [skip_lo, skip_hi): probed class by
 * class from the top (about 1024 / 2^floor reads in all, fewer than
 * reading the table once floor is 2 or more).
 */
static unsigned leaf_max_class(const struct vm_space *s, pte_t e,
			       unsigned max, unsigned floor, struct vm_bounds b,
			       unsigned skip_lo, unsigned skip_hi)
{
	const pte_t *t;

	if (floor >= max)
		return max;
	t = vm_table(s, pte_addr(e));
	if (floor < 2) /* probes would read more than the table */
		return leaves_longest_class(s, t, b);
	for (unsigned c = max; c > floor; c--)
		if (leaves_have_run(s, t, 1u << (c - 1), b, skip_lo, skip_hi))
			return c;
	return floor;
}

/* Free entries at the end of the table below e, counted from entry j
 * down: entries after j are known free. */
static unsigned tail_from(const struct vm_space *s, pte_t e, unsigned j)
{
	const pte_t *t = vm_table(s, pte_addr(e));
	unsigned tail = VM_ENTRIES - 1 - j;

	for (int k = (int)j; k >= 0 && pte_is_free(vm_read(s, &t[k])); k--)
		tail++;
	return tail;
}

unsigned vm_summary_recount(const struct vm_space *s, pte_t e, int level,
			    vaddr_t base)
{
	/* 64: above every class, so the table is read to its end */
	return summary_pack(table_max_class(s, e, level, 64,
					    vm_bounds_of(s, level, base)),
			    tail_from(s, e, VM_ENTRIES - 1));
}

/*
 * Does the table below e (level, at tbase) end in a compact child that
 * crosses hi, entry 511?  A chain that reaches it through free entries
 * has reached the bound (run_out), but the child is not a free entry: the
 * table's TAIL is 0 and stays 0.  One read, in a table that crosses hi.
 */
static bool ends_in_bound_child(const struct vm_space *s, pte_t e, int level,
				vaddr_t tbase)
{
	const pte_t *t = vm_table(s, pte_addr(e));

	return level > 1 && s->hi - tbase < vm_level_size(level) &&
	       pte_is_compact(vm_read(s, &t[VM_ENTRIES - 1]));
}

unsigned vm_summary_after(const struct vm_space *s, pte_t e, int level,
			  vaddr_t va, vaddr_t end, const struct vm_chain *c,
			  bool released, bool *empty)
{
	unsigned old = pte_summary(e), max = pte_summary_max(old);
	unsigned tail = pte_summary_tail(old), j = vm_index(end - 1, level - 1);
	uint64_t run = c->left + ((end - va) >> PAGE_SHIFT) + c->right +
		       c->gone;
	unsigned cut = class_max(vm_run_class(c->left), vm_run_class(c->right));
	vaddr_t tbase = va & ~(vm_level_size(level) - 1);
	struct vm_bounds b = vm_bounds_of(s, level, tbase);
	/* a table that ends in bound markers keeps TAIL 0, as one that ends
	 * in a compact child crossing hi does (the chain's j is before it) */
	bool tail_moves = c->right_edge && b.above == VM_ENTRIES &&
			  !(j + 1 < VM_ENTRIES &&
			    ends_in_bound_child(s, e, level, tbase));

	*empty = released && c->left_edge && c->right_edge;
	if (released) {
		if (tail_moves && !*empty)
			tail = tail_from(s, e, j);
		return summary_pack(class_max(max, vm_run_class(run)), tail);
	}
	if (tail_moves)
		tail = VM_ENTRIES - 1 - j; /* entry j holds reserved pages now */
	if (c->left_edge && c->right_edge) /* the chain is every free page */
		max = cut;
	else if (cut < max && vm_run_class(run) == max && level > 1)
		max = table_max_class(s, e, level, max, b);
	else if (cut < max && vm_run_class(run) == max)
		/* in a leaf table TAIL is the end run's length: a floor too;
		 * the cut run's entries hold only its two pieces */
		max = leaf_max_class(s, e, max,
				     class_max(cut, vm_run_class(tail)), b,
				     vm_index(va, 0) - (unsigned)c->left,
				     j + 1 + (unsigned)c->right);
	return summary_pack(max, tail);
}
