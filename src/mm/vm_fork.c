/*
 * vm_fork.c - fork of an rdos-core space, which shares the page tables
 * below the PML4 copy-on-write (vm_table_share.c, docs/fork.md), and the
 * table copy that Card 1 uses (and rdos with VM_SPACE_COPY_TABLES): every
 * entry of the parent's range is copied into the child's new tables,
 * present leaves shared through the frame-share table.
 *
 * Nothing is copied but page tables.  A reservation entry, at any level,
 * is copied as it is (a terabyte reservation stays one entry); image and
 * guard pages too.  A present leaf is counted first (the only step that
 * can fail besides a table frame), then marked in the parent, then copied:
 * so whenever the copy stops, every leaf of the child holds a count and
 * the parent is consistent.  The parent keeps the marks of a failed fork:
 * a COUNTED leaf whose frame has no entry is its frame's only mapping, and
 * its next write takes it back in place (docs/fork.md).  The child
 * inherits the parent's limits and starts with its usage, so a parent over
 * its limits cannot fork.
 */
#include "mm/vm_internal.h"

/*
 * Share the parent's owned present leaf *slot at va: count the child's
 * mapping, mark the parent's leaf COUNTED (copy-on-write if writable,
 * invalidated then) and return the entry both hold.  A leaf of a frame
 * not owned (PTE_SHARED) is copied as it is: neither space frees it.
 */
static enum vm_status share_leaf(struct vm_space *p, pte_t *slot, vaddr_t va,
				 pte_t *out)
{
	pte_t e = vm_read(p, slot);

	*out = e;
	if (e & PTE_SHARED)
		return VM_OK;
	if (vm_share_ref(p->share, pte_addr(e)) != VM_OK)
		return VM_ERR_NO_MEMORY;
	*out = pte_make_counted(e);
	if (*out == e)
		return VM_OK; /* counted before: a fork of a fork */
	vm_write(p, slot, *out);
	if (e & PTE_RW)
		vm_tlb_invalidate(p, va);
	return VM_OK;
}

static enum vm_status copy_table(struct vm_space *p, struct vm_space *c,
				 pte_t *pt, pte_t *ct, int level, vaddr_t va,
				 vaddr_t end);

/* The parent's table pointer e: a new child table and its copy. */
static enum vm_status copy_pointer(struct vm_space *p, struct vm_space *c,
				   pte_t e, pte_t *cslot, int level,
				   const struct vm_span *sp)
{
	enum vm_status st = vm_table_link_new(c, cslot, level, sp->base);

	if (st == VM_OK)
		st = copy_table(p, c, vm_table(p, pte_addr(e)),
				vm_table(c, pte_addr(vm_read(c, cslot))),
				level - 1, sp->va, sp->end);
	if (st == VM_OK && pte_summary(e)) /* same entries: same summary */
		vm_write(c, cslot,
			 pte_with_summary(vm_read(c, cslot), pte_summary(e)));
	return st;
}

static enum vm_status copy_table(struct vm_space *p, struct vm_space *c,
				 pte_t *pt, pte_t *ct, int level, vaddr_t va,
				 vaddr_t end)
{
	struct vm_span sp;

	for (vaddr_t v = va; v < end; v = sp.end) {
		enum vm_status st = VM_OK;
		pte_t e, ne;

		sp = vm_span_at(v, end, level);
		e = ne = vm_read(p, &pt[sp.index]);
		if (vm_is_table(e, level)) {
			st = copy_pointer(p, c, e, &ct[sp.index], level, &sp);
		} else if (!pte_is_free(e)) {
			if (pte_is_present(e))
				st = share_leaf(p, &pt[sp.index], sp.va, &ne);
			if (st == VM_OK)
				vm_write(c, &ct[sp.index], ne);
		}
		if (st != VM_OK)
			return st;
	}
	return VM_OK;
}

enum vm_status vm_fork_tables(struct vm_space *parent, struct vm_space *child)
{
	return copy_table(parent, child, vm_table(parent, parent->pml4),
			  vm_table(child, child->pml4), VM_TOP_LEVEL,
			  parent->lo, parent->hi);
}

/*
 * The rdos fork: the child's PML4 gets the parent's user entries, each
 * table below them shared copy-on-write (vm_table_share.c), so the cost
 * is one entry per 512 GiB in use whatever is touched.  The parent loses
 * write permission below every shared pointer at once: one flush.
 */
static enum vm_status share_tables(struct vm_space *p, struct vm_space *c)
{
	pte_t *pt = vm_table(p, p->pml4), *ct = vm_table(c, c->pml4);
	enum vm_status st = VM_OK;
	struct vm_span sp;

	for (vaddr_t v = p->lo; v < p->hi && st == VM_OK; v = sp.end) {
		pte_t e;

		sp = vm_span_at(v, p->hi, VM_TOP_LEVEL);
		e = vm_read(p, &pt[sp.index]);
		if (vm_is_table(e, VM_TOP_LEVEL))
			st = vm_table_share(p, c, &pt[sp.index], &ct[sp.index]);
		else if (!pte_is_free(e))
			vm_write(c, &ct[sp.index], e);
	}
	p->shares_tables = c->shares_tables = true;
	p->env.tlb_flush_space(p->env.ctx, p->pml4);
	return st;
}

static bool shares_tables(const struct vm_space *s)
{
	return !(s->flags & VM_SPACE_COPY_TABLES) && s->env.tlb_flush_space;
}

void vm_fork_inherit(const struct vm_space *parent, struct vm_space *child)
{
	child->cursor = parent->cursor;
	child->share = parent->share;
	child->limits = parent->limits;
	child->usage = vm_usage(parent);
}

enum vm_status vm_fork(struct vm_space *parent, struct vm_space *child)
{
	enum vm_status st;

	if (!parent->share || !parent->owns_pml4)
		return VM_ERR_INVALID;
	if (!vm_usage_within_limits(parent))
		return VM_ERR_LIMIT;
	/* the child reaches the parent's tables: no descriptor in them */
	vm_compact_reclaim(parent);
	st = vm_compact_expand_all(parent);
	if (st != VM_OK)
		return st;
	/* the parent's PML4 holds the kernel half every user PML4 copies */
	st = vm_space_init_user(child, &parent->env, parent->lo, parent->hi,
				parent, parent->flags);
	if (st != VM_OK)
		return st;
	vm_fork_inherit(parent, child);
	st = shares_tables(parent) ? share_tables(parent, child)
				   : vm_fork_tables(parent, child);
	if (st != VM_OK)
		vm_space_destroy(child);
	return st;
}
