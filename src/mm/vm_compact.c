/*
 * vm_compact.c - compact entries: a partially reserved 2 MiB, 1 GiB or
 * 512 GiB block held as a few runs of pages in a 128-byte descriptor
 * instead of a page table below its entry (pte.h, COMPACT).  The hardware
 * never walks a non-present entry, so below one the form is ours; a block
 * gets its real table only when a page in it is touched, or when a change
 * no longer fits (an eighth run, a protect that cuts a run).
 *
 * Invariants (vm_check_invariants checks them all):
 * - A compact entry lies above the leaf level, covers a block wholly
 *   inside [lo, hi) (so no bound marker is ever needed inside it), never
 *   in a pinned kernel-half PML4 entry, never in a table that fork shares
 *   (vm_fork expands them first), and holds no present page.
 * - Its descriptor holds 1 to VM_COMPACT_RUNS runs, sorted, disjoint,
 *   non-empty, inside the block; a run is one reservation's pages in the
 *   block, and its fill is the leaf-form entry of its first page (START
 *   if the reservation starts there; an image's offset is that page's).
 *   Every other page of the block is free.
 * - pool.live counts the space's compact entries.
 * Who touches descriptors: the writers (reserve, release, protect, guard,
 * fork, destroy) change them in place under the writer side of the lock,
 * where no fault reads one.  The kernel's lockless first touch never
 * reads one: it leaves compact entries to the locked path.  Faults (the
 * readers) only replace a compact entry by a table, published by CAS as a
 * split is, and retire its descriptor: it is reused only after the next
 * writer began (vm_compact_reclaim), when no fault can still read it.
 */
#include "mm/mm_lock.h"
#include "mm/vm_internal.h"

#define POOL_FRAMES_MAX (PAGE_SIZE / sizeof(paddr_t))

_Static_assert(sizeof(struct vm_compact) == 128, "descriptor: 128 bytes");

/* --- the pool ----------------------------------------------------------- */

static void pool_lock(struct vm_space *s)
{
	while (__atomic_exchange_n(&s->compact.lock, 1, __ATOMIC_ACQUIRE))
		mm_relax(s->env.relax, s->env.ctx);
}

static void pool_unlock(struct vm_space *s)
{
	__atomic_store_n(&s->compact.lock, 0, __ATOMIC_RELEASE);
}

struct vm_compact *vm_compact_at(const struct vm_space *s, unsigned index)
{
	const paddr_t *dir = vm_frame_virt(s, s->compact.dir);
	char *frame = vm_frame_virt(s, dir[index / VM_COMPACT_PER_FRAME]);

	return (struct vm_compact *)(frame + (index % VM_COMPACT_PER_FRAME) *
						     sizeof(struct vm_compact));
}

/* One more frame of free descriptors, under the pool lock. */
static bool pool_grow(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;
	paddr_t pa;

	if (p->frames == POOL_FRAMES_MAX)
		return false;
	if (p->dir == 0 && vm_frame_alloc(s, &p->dir) != 0) {
		p->dir = 0;
		return false;
	}
	if (vm_frame_alloc(s, &pa) != 0) {
		if (p->frames == 0) { /* a failure keeps nothing */
			vm_frame_free(s, p->dir);
			p->dir = 0;
		}
		return false;
	}
	((paddr_t *)vm_frame_virt(s, p->dir))[p->frames++] = pa;
	for (unsigned k = VM_COMPACT_PER_FRAME; k-- > 0;) {
		unsigned index = (p->frames - 1) * VM_COMPACT_PER_FRAME + k;

		vm_compact_at(s, index)->next = p->free;
		p->free = index + 1;
	}
	return true;
}

/* A descriptor with no runs; false if the pool is full or no frame. */
static bool desc_alloc(struct vm_space *s, unsigned *index)
{
	struct vm_compact_pool *p = &s->compact;
	bool ok;

	pool_lock(s);
	ok = p->free != 0 || pool_grow(s);
	if (ok) {
		struct vm_compact *d;

		*index = p->free - 1;
		d = vm_compact_at(s, *index);
		p->free = d->next;
		d->nruns = 0;
		p->live++;
	}
	pool_unlock(s);
	return ok;
}

/* Back to the pool: at once, or (retire: a fault replaced its entry)
 * after the next writer began. */
static void desc_free(struct vm_space *s, unsigned index, bool retire)
{
	struct vm_compact_pool *p = &s->compact;
	uint32_t *list = retire ? &p->retired : &p->free;

	pool_lock(s);
	vm_compact_at(s, index)->next = *list;
	*list = index + 1;
	p->live--;
	pool_unlock(s);
}

void vm_compact_reclaim(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;

	while (p->retired) {
		struct vm_compact *d = vm_compact_at(s, p->retired - 1);
		uint32_t next = d->next;

		d->next = p->free;
		p->free = p->retired;
		p->retired = next;
	}
}

size_t vm_compact_pool_pages(const struct vm_space *s)
{
	return s->compact.frames + (s->compact.dir != 0);
}

void vm_compact_pool_free(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;

	ASSERT(p->live == 0);
	for (unsigned i = 0; i < p->frames; i++)
		vm_frame_free(s, ((paddr_t *)vm_frame_virt(s, p->dir))[i]);
	if (p->dir)
		vm_frame_free(s, p->dir);
	*p = (struct vm_compact_pool){ 0 };
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

pte_t vm_compact_page(const struct vm_space *s, pte_t e, int level,
		      vaddr_t va)
{
	const struct vm_compact *d = vm_compact_of(s, e);
	uint64_t rel = (va & (vm_level_size(level) - 1)) >> PAGE_SHIFT;

	VM_WORK_ADD(s, entries_read, 1);
	for (unsigned k = 0; k < d->nruns && d->run[k].first <= rel; k++)
		if (rel - d->run[k].first < d->run[k].pages)
			return vm_compact_run_page(&d->run[k], rel);
	return 0;
}

struct vm_free_edges vm_compact_edges(const struct vm_space *s, pte_t e,
				      int level)
{
	const struct vm_compact *d = vm_compact_of(s, e);
	uint64_t prev = 0, longest = 0;

	VM_WORK_ADD(s, entries_read, d->nruns);
	for (unsigned k = 0; k < d->nruns; k++) {
		uint64_t gap = d->run[k].first - prev;

		longest = gap > longest ? gap : longest;
		prev = d->run[k].first + d->run[k].pages;
	}
	if (vm_block_pages(level) - prev > longest)
		longest = vm_block_pages(level) - prev;
	return (struct vm_free_edges){ d->run[0].first,
				       vm_block_pages(level) - prev, longest };
}

bool vm_compact_cuts(const struct vm_space *s, pte_t e, int level,
		     vaddr_t va)
{
	const struct vm_compact *d = vm_compact_of(s, e);
	uint64_t rel = (va & (vm_level_size(level) - 1)) >> PAGE_SHIFT;

	VM_WORK_ADD(s, entries_read, 1);
	for (unsigned k = 0; k < d->nruns && d->run[k].first < rel; k++)
		if (rel - d->run[k].first < d->run[k].pages)
			return true;
	return false;
}

bool vm_compact_allowed(const struct vm_space *s, int level, vaddr_t base)
{
	return level > 0 &&
	       !(s->flags & (VM_SPACE_NO_COMPACT | VM_SPACE_UNSUMMARISED)) &&
	       !vm_is_pinned(level, base) && base >= s->lo &&
	       s->hi - base >= vm_level_size(level);
}

/* The free run around the pages [lo, hi) of a block of n pages, given
 * its runs (those overlapping [lo, hi) are the change's). */
static struct vm_chain chain_around(const struct vm_compact *d, uint64_t n,
				    uint64_t lo, uint64_t hi)
{
	struct vm_chain c = { lo, n - hi, 0, true, true };

	for (unsigned k = 0; k < d->nruns; k++) {
		uint64_t first = d->run[k].first, end = first + d->run[k].pages;

		if (end <= lo) {
			c.left = lo - end;
			c.left_edge = false;
		} else if (first >= hi) {
			c.right = first - hi;
			c.right_edge = false;
			break;
		}
	}
	return c;
}

static void insert_run(struct vm_compact *d, uint64_t lo, uint64_t hi,
		       pte_t fill)
{
	unsigned k = d->nruns;

	ASSERT(k < VM_COMPACT_RUNS);
	for (; k > 0 && d->run[k - 1].first > lo; k--)
		d->run[k] = d->run[k - 1];
	d->run[k] = (struct vm_compact_run){ (uint32_t)lo, (uint32_t)(hi - lo),
					     fill };
	d->nruns++;
}

/* --- changes ------------------------------------------------------------- */

enum vm_compact_result vm_compact_mark(struct vm_space *s, pte_t *slot,
				       pte_t e, int level,
				       const struct vm_span *sp, pte_t fill,
				       struct vm_chain *chain)
{
	uint64_t lo = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t hi = (sp->end - sp->base) >> PAGE_SHIFT;
	struct vm_compact *d;
	unsigned index;

	if (pte_is_free(e)) {
		if (!vm_compact_allowed(s, level, sp->base) ||
		    !desc_alloc(s, &index))
			return VM_COMPACT_NO; /* a table, then */
		d = vm_compact_at(s, index);
		insert_run(d, lo, hi, fill);
		vm_write(s, slot, pte_make_compact(index));
	} else if (pte_is_compact(e)) {
		d = vm_compact_of(s, e);
		if (d->nruns == VM_COMPACT_RUNS)
			return vm_compact_expand(s, slot, level, sp->base, e) ==
					       VM_OK
				       ? VM_COMPACT_NO
				       : VM_COMPACT_NO_MEMORY;
		insert_run(d, lo, hi, fill);
		VM_WORK_ADD(s, entries_written, 1);
	} else {
		return VM_COMPACT_NO;
	}
	*chain = chain_around(d, vm_block_pages(level), lo, hi);
	return VM_COMPACT_DONE;
}

void vm_compact_clear(struct vm_space *s, pte_t *slot, int level,
		      const struct vm_span *sp, struct vm_chain *chain)
{
	pte_t e = vm_read(s, slot);
	struct vm_compact *d = vm_compact_of(s, e);
	uint64_t lo = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t hi = (sp->end - sp->base) >> PAGE_SHIFT;
	unsigned kept = 0;

	for (unsigned k = 0; k < d->nruns; k++) {
		struct vm_compact_run r = d->run[k];

		if (r.first >= lo && r.first + r.pages <= hi)
			continue;
		/* a release is of whole reservations: no run is cut */
		ASSERT(r.first + r.pages <= lo || r.first >= hi);
		d->run[kept++] = r;
	}
	VM_WORK_ADD(s, entries_read, d->nruns);
	VM_WORK_ADD(s, entries_written, 1);
	d->nruns = kept;
	*chain = chain_around(d, vm_block_pages(level), lo, hi);
	if (kept == 0) {
		vm_write(s, slot, 0);
		desc_free(s, pte_compact_index(e), false);
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
	for (unsigned k = 0; k < d->nruns; k++) {
		struct vm_compact_run *r = &d->run[k];

		if (r->first + r->pages <= lo || r->first >= hi)
			continue;
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
			desc_free(s, pte_compact_index(t[i]), false);
}

/*
 * Entry i of the table that replaces a compact entry at level (runs r[0..n)
 * of its block): a leaf, free, a whole-entry reservation, or a compact
 * entry with the runs' pieces inside it.  False if no descriptor.
 */
static bool build_entry(struct vm_space *s, pte_t *t, int level,
			const struct vm_compact_run *r, unsigned n, unsigned i)
{
	uint64_t ep = vm_block_pages(level - 1), lo = i * ep, hi = lo + ep;
	struct vm_compact_run piece[VM_COMPACT_RUNS];
	unsigned np = 0, index;
	struct vm_compact *d;

	for (unsigned k = 0; k < n; k++) {
		uint64_t first = r[k].first, end = first + r[k].pages;

		if (end <= lo || first >= hi)
			continue;
		first = first > lo ? first : lo;
		end = end < hi ? end : hi;
		piece[np++] = (struct vm_compact_run){
			(uint32_t)(first - lo), (uint32_t)(end - first),
			vm_compact_run_page(&r[k], first)
		};
	}
	VM_WORK_ADD(s, entries_written, 1);
	if (level == 1 || (np == 1 && piece[0].pages == ep &&
			   pte_kind(piece[0].fill) != PTE_KIND_IMAGE &&
			   !(s->flags & VM_SPACE_NO_UPPER))) {
		t[i] = np ? piece[0].fill : 0;
		return true;
	}
	if (!desc_alloc(s, &index))
		return false;
	d = vm_compact_at(s, index);
	for (unsigned k = 0; k < np; k++)
		d->run[k] = piece[k];
	d->nruns = np;
	t[i] = pte_make_compact(index);
	return true;
}

enum vm_status vm_compact_expand(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base, pte_t e)
{
	const struct vm_compact *d = vm_compact_of(s, e);
	struct vm_compact_run r[VM_COMPACT_RUNS];
	unsigned n = d->nruns, last = VM_ENTRIES;
	uint64_t ep = vm_block_pages(level - 1);
	struct vm_free_edges fe = vm_compact_edges(s, e, level);
	pte_t *t;
	pte_t te;
	paddr_t pa;

	for (unsigned k = 0; k < n; k++)
		r[k] = d->run[k];
	if (vm_frame_alloc(s, &pa) != 0)
		return VM_ERR_NO_MEMORY;
	t = vm_table(s, pa);
	__builtin_memset(t, 0, PAGE_SIZE);
	for (unsigned k = 0; k < n; k++) {
		for (uint64_t i = r[k].first / ep;
		     i <= (r[k].first + r[k].pages - 1) / ep; i++) {
			if (i == last)
				continue;
			last = (unsigned)i;
			if (!build_entry(s, t, level, r, n, last)) {
				free_children(s, t);
				vm_frame_free(s, pa);
				return VM_ERR_NO_MEMORY;
			}
		}
	}
	te = pte_with_summary(pte_make_table(pa, !vm_is_kernel_half(base)),
			      vm_summary_of(fe.longest, VM_ENTRIES - 1 - last));
	/* the CAS releases the entries, as a split's does */
	if (!vm_cas(s, slot, e, te)) {
		free_children(s, t); /* another CPU expanded it first */
		vm_frame_free(s, pa);
		return VM_OK;
	}
	desc_free(s, pte_compact_index(e), true);
	return VM_OK;
}

/* Expand every compact entry below the table t (level), skipping what
 * fork shares (it holds none). */
static enum vm_status expand_table(struct vm_space *s, pte_t *t, int level,
				   vaddr_t tbase)
{
	/* at the top, the user half only: the kernel half is not ours */
	unsigned n = level == VM_TOP_LEVEL ? VM_ENTRIES / 2 : VM_ENTRIES;

	for (unsigned i = 0; i < n && s->compact.live; i++) {
		vaddr_t base = tbase + (vaddr_t)i * vm_level_size(level);
		pte_t e = vm_read(s, &t[i]);
		enum vm_status st = VM_OK;

		if (pte_is_compact(e)) {
			st = vm_compact_expand(s, &t[i], level, base, e);
			e = vm_read(s, &t[i]);
		}
		if (st == VM_OK && level > 1 && vm_is_table(e, level) &&
		    !pte_table_is_shared(e))
			st = expand_table(s, vm_table(s, pte_addr(e)),
					  level - 1, base);
		if (st != VM_OK)
			return st;
	}
	return VM_OK;
}

enum vm_status vm_compact_expand_all(struct vm_space *s)
{
	return s->compact.live == 0
		       ? VM_OK
		       : expand_table(s, vm_table(s, s->pml4), VM_TOP_LEVEL, 0);
}
