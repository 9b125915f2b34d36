/*
 * card1_fork.c - fork of a Card 1 space: the VMA tree is cloned node for
 * node, then the page tables (present leaves only) are copied by the rdos
 * core's table copy, which shares every present frame copy-on-write.
 *
 * The clone keeps the tree's shape, levels and summaries, so it is a valid
 * AA tree without rebalancing, in O(n) with one node allocation per VMA.
 * Nodes come first: out of nodes, nothing in the parent has changed yet.
 */
#include "mm/card1_internal.h"

/* A copy of the subtree v in c's nodes; *ok turns false when out of
 * nodes, and the copy then stops with whatever it has linked. */
static struct card1_vma *clone_subtree(struct card1_space *c,
				       const struct card1_vma *v, bool *ok)
{
	struct card1_vma *n;

	if (!v || !*ok)
		return NULL;
	n = card1_vma_new(c);
	if (!n) {
		*ok = false;
		return NULL;
	}
	*n = *v;
	c->nodes++;
	VM_WORK_ADD(&c->pt, nodes_visited, 1);
	n->left = clone_subtree(c, v->left, ok);
	n->right = clone_subtree(c, v->right, ok);
	return n;
}

enum vm_status card1_fork(struct card1_space *parent,
			  struct card1_space *child)
{
	const struct vm_space *pt = &parent->pt;
	bool ok = true;
	enum vm_status st;

	if (!pt->share)
		return VM_ERR_INVALID;
	if (!vm_usage_within_limits(pt))
		return VM_ERR_LIMIT;
	st = card1_space_init_user(child, &pt->env, &parent->alloc, pt->lo,
				   pt->hi, pt);
	if (st != VM_OK)
		return st;
	vm_fork_inherit(pt, &child->pt);
	child->root = clone_subtree(child, parent->root, &ok);
	st = ok ? vm_fork_tables(&parent->pt, &child->pt) : VM_ERR_NO_MEMORY;
	if (st != VM_OK)
		card1_space_destroy(child);
	return st;
}
