/*
 * vm_table_share.c - page tables that fork shares copy-on-write, as RDOS
 * does (docs/fork.md): sharing them, taking one's own copy at the first
 * write below, and dropping a share.
 *
 * Invariants:
 * - A table pointer with RW clear (pte_table_is_shared) leads to a table
 *   that other spaces may reach too: count(table) pointers lead to it, in
 *   the frame-share table's table set (vm_share.h).  Every other pointer
 *   has RW set and its table is the space's alone.
 * - Nothing writes into a table reached through a shared pointer but the
 *   copy below, which only takes permission away: it marks present leaves
 *   COUNTED (copy-on-write if writable) and table pointers shared.  So
 *   every space that reaches the table sees the same pages, and a table
 *   with count 1 may be taken back in place by setting RW.
 * - A present leaf in a shared table is one mapping of its frame, however
 *   many spaces reach it: count(frame) counts leaf entries, not spaces.
 * - The table below a shared pointer is freed only by the one that drops
 *   its last pointer, together with what it holds.
 * The work is counted as the rest of the core's (a copy reads and writes
 * 512 entries).  Card 1 never shares tables: it copies them at fork.
 */
#include "mm/vm_internal.h"

/* Take RW from the entry *slot; the hardware may set A bits meanwhile. */
static pte_t entry_clear_rw(const struct vm_space *s, pte_t *slot)
{
	VM_WORK_ADD(s, entries_written, 1);
	return __atomic_and_fetch(slot, ~PTE_RW, __ATOMIC_ACQ_REL);
}

/* Mark the present leaf *slot COUNTED (copy-on-write if writable). */
static pte_t leaf_mark_counted(const struct vm_space *s, pte_t *slot)
{
	pte_t e = vm_entry_read(slot);

	VM_WORK_ADD(s, entries_written, 1);
	while (!vm_entry_cas(slot, e, pte_make_counted(e)))
		;
	return pte_make_counted(e);
}

enum vm_status vm_table_share(struct vm_space *p, struct vm_space *c,
			      pte_t *pslot, pte_t *cslot)
{
	pte_t e = vm_read(p, pslot);

	ASSERT(pte_is_present(e));
	if (vm_share_table_ref(p->share, pte_addr(e)) != VM_OK)
		return VM_ERR_NO_MEMORY;
	vm_write(c, cslot, pte_table_is_shared(e) ? e : entry_clear_rw(p, pslot));
	return VM_OK;
}

/* One more mapping of what the present entry e (of a table at level)
 * leads to: its frame, or its table. */
static enum vm_status ref_below(const struct vm_space *s, pte_t e, int level)
{
	if (level > 0)
		return vm_share_table_ref(s->share, pte_addr(e));
	if (e & PTE_SHARED)
		return VM_OK;
	return vm_share_ref(s->share, pte_addr(e));
}

/* Undo ref_below for entries [0, n) of the copy t: the original still
 * holds each one, so none was the last. */
static void unref_copied(const struct vm_space *s, const pte_t *t, int level,
			 unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!pte_is_present(t[i]) || (level == 0 && (t[i] & PTE_SHARED)))
			continue;
		if (level > 0)
			vm_share_table_unref(s->share, pte_addr(t[i]));
		else
			vm_share_unref(s->share, pte_addr(t[i]));
	}
}

/*
 * Copy the shared table from (of level-`level` entries) into to: every
 * present entry is one more mapping of what it leads to, marked so in
 * both (leaves COUNTED, pointers shared).  VM_ERR_NO_MEMORY if a count
 * cannot grow: the counts are as before, the marks stay (harmless: a
 * COUNTED leaf or shared pointer with count 1 is its frame's or table's
 * only mapping, taken back in place at the next write).
 */
static enum vm_status copy_shared(const struct vm_space *s, pte_t *from,
				  pte_t *to, int level)
{
	for (unsigned i = 0; i < VM_ENTRIES; i++) {
		pte_t e = vm_entry_read(&from[i]);

		if (pte_is_present(e)) {
			if (ref_below(s, e, level) != VM_OK) {
				unref_copied(s, to, level, i);
				return VM_ERR_NO_MEMORY;
			}
			if (level > 0)
				e = entry_clear_rw(s, &from[i]);
			else if (!(e & PTE_SHARED))
				e = leaf_mark_counted(s, &from[i]);
		}
		to[i] = e;
	}
	VM_WORK_ADD(s, entries_read, VM_ENTRIES);
	VM_WORK_ADD(s, entries_written, VM_ENTRIES);
	return VM_OK;
}

static void unref_table(struct vm_space *s, paddr_t table, int level);

/* Free what the table t (level-`level` entries, no longer reached by
 * anyone) holds: its frames' and tables' mappings. */
static void free_held(struct vm_space *s, const pte_t *t, int level)
{
	for (unsigned i = 0; i < VM_ENTRIES; i++) {
		pte_t e = vm_entry_read(&t[i]);

		if (!pte_is_present(e))
			continue;
		if (level > 0)
			unref_table(s, pte_addr(e), level - 1);
		else if (!(e & PTE_SHARED) &&
			 (!(e & PTE_COUNTED) ||
			  vm_share_unref(s->share, pte_addr(e))))
			vm_frame_free(s, pte_addr(e));
	}
	VM_WORK_ADD(s, entries_read, VM_ENTRIES);
}

/* A pointer to table (of level-`level` entries) has gone; the last one
 * frees it with what it holds. */
static void unref_table(struct vm_space *s, paddr_t table, int level)
{
	if (!vm_share_table_unref(s->share, table))
		return;
	free_held(s, vm_table(s, table), level);
	vm_frame_free(s, table);
}

/* One try at vm_table_own on the shared pointer e: false if *slot
 * changed meanwhile (another CPU took its copy, or set an A bit). */
static enum vm_status own_once(struct vm_space *s, pte_t *slot, pte_t e,
			       int level, vaddr_t base, bool *done)
{
	paddr_t old = pte_addr(e), pa;
	pte_t *copy;

	if (vm_share_table_count(s->share, old) == 1) {
		/* the last pointer: more permission needs no invalidation */
		*done = vm_cas(s, slot, e, pte_table_owned(e, old));
		return VM_OK;
	}
	if (vm_frame_alloc(s, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	copy = vm_table(s, pa);
	if (copy_shared(s, vm_table(s, old), copy, level - 1) != VM_OK) {
		vm_frame_free(s, pa);
		return VM_ERR_NO_MEMORY;
	}
	*done = vm_cas(s, slot, e, pte_table_owned(e, pa));
	if (!*done) {
		unref_copied(s, copy, level - 1, VM_ENTRIES);
		vm_frame_free(s, pa);
		return VM_OK;
	}
	/* cached walks through the shared table go before the others may
	 * change it (docs/smp.md); its leaves' translations stay right */
	vm_tlb_invalidate(s, base);
	unref_table(s, old, level - 1);
	return VM_OK;
}

enum vm_status vm_table_own(struct vm_space *s, pte_t *slot, int level,
			    vaddr_t base)
{
	for (;;) {
		pte_t e = vm_read(s, slot);
		enum vm_status st;
		bool done = false;

		if (!vm_is_table(e, level) || !pte_table_is_shared(e))
			return VM_OK;
		st = own_once(s, slot, e, level, base, &done);
		if (st != VM_OK || done)
			return st;
	}
}

enum vm_status vm_own_path(struct vm_space *s, vaddr_t va)
{
	pte_t *t;

	if (!s->shares_tables)
		return VM_OK;
	t = vm_table(s, s->pml4);
	for (int level = VM_TOP_LEVEL; level > 0; level--) {
		pte_t *slot = &t[vm_index(va, level)];
		enum vm_status st = vm_table_own(
			s, slot, level, va & ~(vm_level_size(level) - 1));
		pte_t e = vm_read(s, slot);

		if (st != VM_OK)
			return st;
		if (!vm_is_table(e, level))
			return VM_OK;
		t = vm_table(s, pte_addr(e));
	}
	return VM_OK;
}

static enum vm_status own_table(struct vm_space *s, pte_t *t, int level,
				vaddr_t va, vaddr_t end)
{
	struct vm_span sp;

	for (vaddr_t v = va; level > 0 && v < end; v = sp.end) {
		enum vm_status st;
		pte_t e;

		sp = vm_span_at(v, end, level);
		st = vm_table_own(s, &t[sp.index], level, sp.base);
		e = vm_read(s, &t[sp.index]);
		if (st == VM_OK && vm_is_table(e, level))
			st = own_table(s, vm_table(s, pte_addr(e)), level - 1,
				       sp.va, sp.end);
		if (st != VM_OK)
			return st;
	}
	return VM_OK;
}

enum vm_status vm_own_range(struct vm_space *s, vaddr_t va, vaddr_t end)
{
	if (!s->shares_tables)
		return VM_OK;
	return own_table(s, vm_table(s, s->pml4), VM_TOP_LEVEL, va, end);
}

enum vm_status vm_path_own(struct vm_space *s, vaddr_t va, struct vm_path *p)
{
	for (int level = VM_TOP_LEVEL; level > p->level; level--) {
		enum vm_status st = vm_table_own(
			s, p->slot[level], level,
			va & ~(vm_level_size(level) - 1));
		pte_t e = vm_read(s, p->slot[level]);

		if (st != VM_OK)
			return st;
		/* faults never free tables, and releases do not run here */
		ASSERT(vm_is_table(e, level));
		p->slot[level - 1] =
			&vm_table(s, pte_addr(e))[vm_index(va, level - 1)];
	}
	p->entry = vm_read(s, p->slot[p->level]);
	p->shared = false;
	return VM_OK;
}

/* The present leaves below the table pointer e at level. */
static uint64_t present_below(const struct vm_space *s, pte_t e, int level)
{
	const pte_t *t = vm_table(s, pte_addr(e));
	uint64_t n = 0;

	for (unsigned i = 0; i < VM_ENTRIES; i++) {
		pte_t x = vm_entry_read(&t[i]);

		if (level == 1)
			n += pte_is_present(x);
		else if (vm_is_table(x, level - 1))
			n += present_below(s, x, level - 1);
	}
	VM_WORK_ADD(s, entries_read, VM_ENTRIES);
	return n;
}

void vm_table_drop_shared(struct vm_space *s, pte_t *slot, int level,
			  bool released)
{
	pte_t e = vm_read(s, slot);

	ASSERT(vm_is_table(e, level) && pte_table_is_shared(e));
	if (released)
		__atomic_fetch_sub(&s->usage.present, present_below(s, e, level),
				   __ATOMIC_RELAXED);
	vm_write(s, slot, 0);
	if (released) /* every page below loses its translation at once */
		s->env.tlb_flush_space(s->env.ctx, s->pml4);
	unref_table(s, pte_addr(e), level - 1);
}
