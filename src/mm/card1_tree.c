/*
 * card1_tree.c - the VMA range tree: an AA tree keyed by start address,
 * augmented with each subtree's first start, last end and largest gap.
 *
 * AA (Andersson 1993) rather than red-black: it is a 2-3 tree in binary
 * form with two rebalancing steps, skew and split, each one rotation, and
 * insert and delete both end in the same short sequence of them; so the
 * summaries need recomputing in exactly one place (rotate_*), and the
 * invariants are simple enough to check in full after every test step.
 * Height stays below 2 log2(n + 1); the recursion here is that deep.
 *
 * A summary is a function of the set of VMAs below a node, so a rotation
 * changes only the two nodes it moves, and any other change below a node
 * is repaired by update() on the way back up the recursion.
 */
#include "mm/card1_internal.h"

static unsigned level_of(const struct card1_vma *v)
{
	return v ? v->level : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Recompute v's summary from its children's, which are right. */
static void update(struct card1_vma *v)
{
	uint64_t gap = 0;

	v->sub_lo = v->left ? v->left->sub_lo : v->start;
	v->sub_hi = v->right ? v->right->sub_hi : v->end;
	if (v->left)
		gap = max_u64(v->left->max_gap, v->start - v->left->sub_hi);
	if (v->right)
		gap = max_u64(gap, max_u64(v->right->max_gap,
					   v->right->sub_lo - v->end));
	v->max_gap = gap;
}

/* Skew: a left child on its parent's level becomes the parent. */
static struct card1_vma *skew(struct card1_vma *t)
{
	struct card1_vma *l;

	if (!t || !t->left || t->left->level != t->level)
		return t;
	l = t->left;
	t->left = l->right;
	l->right = t;
	update(t);
	update(l);
	return l;
}

/* Split: two right children on one level push the middle one up. */
static struct card1_vma *split(struct card1_vma *t)
{
	struct card1_vma *r;

	if (!t || !t->right || !t->right->right ||
	    t->right->right->level != t->level)
		return t;
	r = t->right;
	t->right = r->left;
	r->left = t;
	r->level++;
	update(t);
	update(r);
	return r;
}

/* A node looked at, as work of the space (mm_work.h). */
static void visit(const struct card1_space *s)
{
	VM_WORK_ADD(&s->pt, nodes_visited, 1);
}

static struct card1_vma *insert(const struct card1_space *s,
				struct card1_vma *t, struct card1_vma *v)
{
	if (!t)
		return v;
	visit(s);
	if (v->start < t->start)
		t->left = insert(s, t->left, v);
	else
		t->right = insert(s, t->right, v);
	update(t);
	return split(skew(t));
}

void card1_tree_insert(struct card1_space *s, struct card1_vma *v)
{
	v->left = v->right = NULL;
	v->level = 1;
	update(v);
	s->root = insert(s, s->root, v);
	s->nodes++;
}

/* After a removal below t: lower levels that lost their reason, then
 * restore the AA shape with the fixed sequence of skews and splits. */
static struct card1_vma *rebalance(struct card1_vma *t)
{
	unsigned want = (level_of(t->left) < level_of(t->right)
				 ? level_of(t->left)
				 : level_of(t->right)) + 1;

	update(t);
	if (want < t->level) {
		t->level = (uint8_t)want;
		if (t->right && want < t->right->level)
			t->right->level = (uint8_t)want;
	}
	t = skew(t);
	t->right = skew(t->right);
	if (t->right)
		t->right->right = skew(t->right->right);
	t = split(t);
	t->right = split(t->right);
	return t;
}

/* Unlink the leftmost node of t into *min; returns the new subtree. */
static struct card1_vma *remove_min(const struct card1_space *s,
				    struct card1_vma *t,
				    struct card1_vma **min)
{
	visit(s);
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = remove_min(s, t->left, min);
	return rebalance(t);
}

/*
 * Unlink v from the subtree t.  A node with a right subtree is replaced
 * by its successor node (moved, not copied: callers hold VMA pointers).
 * In an AA tree a node without a right child is a leaf.
 */
static struct card1_vma *remove(const struct card1_space *s,
				struct card1_vma *t, struct card1_vma *v)
{
	struct card1_vma *succ;

	ASSERT(t != NULL);
	visit(s);
	if (v->start < t->start) {
		t->left = remove(s, t->left, v);
	} else if (v->start > t->start) {
		t->right = remove(s, t->right, v);
	} else {
		ASSERT(t == v);
		if (!t->right)
			return t->left;
		t->right = remove_min(s, t->right, &succ);
		succ->left = t->left;
		succ->right = t->right;
		succ->level = t->level;
		t = succ;
	}
	return rebalance(t);
}

void card1_tree_remove(struct card1_space *s, struct card1_vma *v)
{
	s->root = remove(s, s->root, v);
	s->nodes--;
}

struct card1_vma *card1_tree_first_after(const struct card1_space *s,
					 vaddr_t va)
{
	struct card1_vma *t = s->root, *best = NULL;

	/* VMAs do not overlap, so ends increase with starts */
	while (t) {
		visit(s);
		if (t->end > va) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

struct card1_vma *card1_tree_find(const struct card1_space *s, vaddr_t va)
{
	struct card1_vma *v = card1_tree_first_after(s, va);

	return v && v->start <= va ? v : NULL;
}

/* A search for len free bytes at or after from, ending by limit. */
struct fit {
	const struct card1_space *s; /* whose work the visits are */
	vaddr_t from, limit;
	uint64_t len;
	vaddr_t at; /* the answer, once found */
};

/* Does [g0, g1) clipped to [from, limit) hold len bytes?  Written with
 * differences only: from + len may pass 2^64 in the kernel half. */
static bool clipped_fits(const struct fit *f, vaddr_t g0, vaddr_t g1)
{
	vaddr_t a = g0 > f->from ? g0 : f->from;
	vaddr_t b = g1 < f->limit ? g1 : f->limit;

	return b > a && b - a >= f->len;
}

static bool gap_fits(struct fit *f, vaddr_t g0, vaddr_t g1)
{
	if (!clipped_fits(f, g0, g1))
		return false;
	f->at = g0 > f->from ? g0 : f->from;
	return true;
}

/*
 * The first fitting gap between two VMAs of the subtree t, in address
 * order.  Every such gap lies inside [sub_lo, sub_hi], so a subtree is
 * entered only if its largest gap and its clipped window both allow len.
 * A subtree entered in vain straddles from or limit; those lie on two
 * root-to-leaf paths, so the search visits O(log n) nodes.
 */
static bool fit_below(struct fit *f, const struct card1_vma *t)
{
	if (!t)
		return false;
	visit(f->s);
	if (t->max_gap < f->len || !clipped_fits(f, t->sub_lo, t->sub_hi))
		return false;
	return fit_below(f, t->left) ||
	       (t->left && gap_fits(f, t->left->sub_hi, t->start)) ||
	       (t->right && gap_fits(f, t->end, t->right->sub_lo)) ||
	       fit_below(f, t->right);
}

bool card1_tree_first_fit(const struct card1_space *s, vaddr_t from,
			  vaddr_t limit, uint64_t len, vaddr_t *out)
{
	struct fit f = { .s = s, .from = from, .limit = limit, .len = len };
	const struct card1_vma *r = s->root;
	bool found;

	/* the holes before the first VMA and after the last are not in it */
	if (!r)
		found = gap_fits(&f, s->pt.lo, s->pt.hi);
	else
		found = gap_fits(&f, s->pt.lo, r->sub_lo) || fit_below(&f, r) ||
			gap_fits(&f, r->sub_hi, s->pt.hi);
	if (found)
		*out = f.at;
	return found;
}

static void free_subtree(struct card1_space *s, struct card1_vma *t)
{
	if (!t)
		return;
	free_subtree(s, t->left);
	free_subtree(s, t->right);
	card1_vma_free(s, t);
}

void card1_tree_free_all(struct card1_space *s)
{
	free_subtree(s, s->root);
	s->root = NULL;
	s->nodes = 0;
}
