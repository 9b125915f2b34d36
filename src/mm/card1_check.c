/*
 * card1_check.c - recompute every invariant of a card1 space: the AA
 * shape, order and summaries of the VMA tree, the VMAs' fields, and the
 * page tables (present leaves only, each inside a VMA that allows it; no
 * empty table, not even after a failed fault: card1_fault.c), and the
 * usage counters against the VMAs' pages and the present leaves.  Runs
 * as a writer (card1.h): no fault may be under way.
 *
 * Summaries are recomputed from the VMAs themselves, never read to decide
 * anything, so a stale max_gap is found.  Used after every step of the
 * host tests.
 */
#include "mm/card1_internal.h"

struct check {
	const struct card1_space *s;
	struct card1_stats *stats;
	const char *why;              /* first violation, or NULL */
	const struct card1_vma *prev; /* the VMA before, in address order */
};

static void fail(struct check *c, vaddr_t va, const char *why)
{
	if (c->why == NULL) {
		c->why = why;
		c->stats->vm.bad_va = va;
	}
}

/* What a subtree's summary must be, and its height. */
struct summary {
	vaddr_t lo, hi;
	uint64_t gap;
	unsigned height;
};

/* The fields of one VMA, visited in address order. */
static void check_vma(struct check *c, const struct card1_vma *v)
{
	const struct vm_space *pt = &c->s->pt;
	const struct card1_vma *p = c->prev;

	if (v->start >= v->end || ((v->start | v->end) & PAGE_MASK) ||
	    v->start < pt->lo || v->end > pt->hi)
		fail(c, v->start, "VMA empty, misaligned or outside the range");
	else if (p && p->end > v->start)
		fail(c, v->start, "VMAs out of order or overlapping");
	else if ((!p || p->end != v->start) && !(v->flags & CARD1_VMA_START))
		fail(c, v->start, "VMA after a hole without START");
	else if (v->flags & ~CARD1_VMA_START)
		fail(c, v->start, "VMA with unknown flags");
	else if (v->kind != PTE_KIND_RESERVED && v->kind != PTE_KIND_IMAGE &&
		 v->kind != PTE_KIND_GUARD)
		fail(c, v->start, "VMA of invalid kind");
	else if ((v->prot & ~VM_PROT_ALL) ||
		 (v->kind == PTE_KIND_GUARD && v->prot != 0))
		fail(c, v->start, "VMA protection invalid or on a guard");
	else if (v->kind != PTE_KIND_IMAGE && (v->sel || v->first_page))
		fail(c, v->start, "selector or first page outside an image");
	else if (v->kind == PTE_KIND_IMAGE &&
		 (v->sel == 0 || v->first_page > PTE_OFFSET_MAX -
				 ((v->end - v->start) >> PAGE_SHIFT) + 1))
		fail(c, v->start, "image VMA without selector or past 40 bits");
	c->prev = v;
	c->stats->vma_nodes++;
	c->stats->vm.used_pages += (v->end - v->start) >> PAGE_SHIFT;
}

/* The AA rules at t (see struct card1_vma). */
static void check_levels(struct check *c, const struct card1_vma *t)
{
	unsigned l = t->left ? t->left->level : 0;
	unsigned r = t->right ? t->right->level : 0;
	unsigned rr = t->right && t->right->right ? t->right->right->level : 0;

	if (t->level == 0 || (!t->left && !t->right && t->level != 1))
		fail(c, t->start, "AA: a leaf not at level 1");
	else if (l + 1 != t->level)
		fail(c, t->start, "AA: left child not one level down");
	else if (r != t->level && r + 1 != t->level)
		fail(c, t->start, "AA: right child more than one level down");
	else if (rr >= t->level)
		fail(c, t->start, "AA: two right links on one level");
	else if (t->level > 1 && (!t->left || !t->right))
		fail(c, t->start, "AA: inner node without two children");
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static struct summary check_subtree(struct check *c,
				    const struct card1_vma *t)
{
	struct summary l = { .lo = t->start, .hi = t->start };
	struct summary r = { .lo = t->end, .hi = t->end };
	struct summary me;

	check_levels(c, t);
	if (t->left)
		l = check_subtree(c, t->left);
	check_vma(c, t);
	if (t->right)
		r = check_subtree(c, t->right);
	me.lo = l.lo;
	me.hi = r.hi;
	/* a missing child's summary sits on t's edge: its gap to t is 0 */
	me.gap = max_u64(max_u64(l.gap, t->start - l.hi),
			 max_u64(r.lo - t->end, r.gap));
	me.height = 1 + (l.height > r.height ? l.height : r.height);
	if (t->sub_lo != me.lo || t->sub_hi != me.hi || t->max_gap != me.gap)
		fail(c, t->start, "subtree summary does not match its VMAs");
	return me;
}

/* A present leaf: inside a non-guard VMA, with its protection and START. */
static void check_leaf(struct check *c, pte_t e, vaddr_t va)
{
	const struct card1_vma *v = card1_tree_find(c->s, va);
	const char *bad = vm_leaf_problem(e);

	if (!v || v->kind == PTE_KIND_GUARD)
		fail(c, va, "present page outside a VMA or in a guard");
	else if (pte_prot(e) != v->prot)
		fail(c, va, "present page's protection is not its VMA's");
	else if (pte_is_start(e) != card1_vma_starts(v, va))
		fail(c, va, "present page's START is not its VMA's");
	else if (bad)
		fail(c, va, bad);
	c->stats->vm.present_pages++;
	c->stats->vm.owned_frames += (e & PTE_SHARED) ? 0 : 1;
}

static bool table_empty(const pte_t *t)
{
	for (unsigned i = 0; i < VM_ENTRIES; i++)
		if (!pte_is_free(vm_entry_read(&t[i])))
			return false;
	return true;
}

/* The entries of table t that cover [va, end), at level. */
static void check_table(struct check *c, const pte_t *t, int level,
			vaddr_t va, vaddr_t end)
{
	struct vm_span sp;

	for (vaddr_t v = va; v < end && c->why == NULL; v = sp.end) {
		pte_t e;
		const pte_t *below;

		sp = vm_span_at(v, end, level);
		e = vm_entry_read(&t[sp.index]);
		if (level == 0 && pte_is_present(e)) {
			check_leaf(c, e, sp.va);
		} else if (vm_is_table(e, level)) {
			below = vm_table_peek(&c->s->pt, pte_addr(e));
			c->stats->vm.table_pages++;
			if (!vm_is_pinned(level, sp.base) && table_empty(below))
				fail(c, sp.base, "empty page table not freed");
			else if (pte_summary(e) != 0)
				fail(c, sp.base, "card1 table with a summary");
			check_table(c, below, level - 1, sp.va, sp.end);
		} else if (e != 0) {
			fail(c, sp.va, "non-present entry is not 0");
		}
	}
}

const char *card1_check_invariants(const struct card1_space *s,
				   struct card1_stats *stats)
{
	struct card1_stats local;
	struct check c = { .s = s, .stats = stats ? stats : &local };
	const struct vm_space *pt = &s->pt;

	*c.stats = (struct card1_stats){
		.vm.table_pages = pt->owns_pml4 ? 1 : 0,
	};
	if (s->root)
		c.stats->tree_height = check_subtree(&c, s->root).height;
	if (c.why == NULL && c.stats->vma_nodes != s->nodes)
		fail(&c, pt->lo, "node count does not match the tree");
	c.stats->vma_bytes = c.stats->vma_nodes * sizeof(struct card1_vma);
	if (c.why == NULL)
		check_table(&c, vm_table_peek(pt, pt->pml4), VM_TOP_LEVEL, pt->lo,
			    pt->hi);
	if (c.why == NULL && vm_usage_mismatch(pt, &c.stats->vm))
		fail(&c, pt->lo, vm_usage_mismatch(pt, &c.stats->vm));
	return c.why;
}
