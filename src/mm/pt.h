/*
 * pt.h - the page-table layer both VM designs sit on: levels, entry
 * access and its counting, one walk that keeps the slots it read (lookup
 * of slot and level), ordered walks of a range, table link by
 * compare-and-swap and unlink (clearing a range), leaf install and drop,
 * the rungs of a fault on a present page, the table copy of fork, and the
 * space's usage, limits and argument checks.  The rdos core
 * (vm_internal.h) adds on top its reservations in non-present entries,
 * their search and the free-space summaries this layer keeps in an rdos
 * space's table pointers (a Card 1 space keeps none:
 * VM_SPACE_UNSUMMARISED); Card 1 (card1_internal.h) adds its VMA tree and
 * includes only this header.
 *
 * The names keep the vm_ prefix: the layer's object is struct vm_space
 * (vm.h), the page tables of one address space and the environment they
 * live in, which both designs own one of.
 *
 * Levels are numbered by what an entry covers: 0 = PTE (4 KiB), 1 = PDE
 * (2 MiB), 2 = PDPTE (1 GiB), 3 = PML4E (512 GiB).  Entries are read and
 * written with single 64-bit atomic accesses because faults run
 * concurrently with each other (see the locking rule in vm.h).
 */
#ifndef MM_PT_H
#define MM_PT_H

#include "lib/panic.h"
#include "mm/mm_work.h"
#include "mm/vm.h"
#include "mm/vm_share.h"

#define VM_TOP_LEVEL 3
#define VM_ENTRIES 512u

#define VM_CONTAINER_OF(ptr, type, member)                                    \
	((type *)((char *)(ptr)-offsetof(type, member)))

static inline unsigned vm_level_shift(int level)
{
	return PAGE_SHIFT + 9u * (unsigned)level;
}

static inline uint64_t vm_level_size(int level)
{
	return (uint64_t)1 << vm_level_shift(level);
}

static inline unsigned vm_index(vaddr_t va, int level)
{
	return (unsigned)(va >> vm_level_shift(level)) & (VM_ENTRIES - 1);
}

static inline bool vm_is_kernel_half(vaddr_t va)
{
	return (va >> 63) != 0;
}

/* PML4 entries of the kernel half are shared by every address space. */
static inline bool vm_is_pinned(int level, vaddr_t base)
{
	return level == VM_TOP_LEVEL && vm_is_kernel_half(base);
}

/* Drop va's cached translations (and upper-level entries) in space s. */
static inline void vm_tlb_invalidate(const struct vm_space *s, vaddr_t va)
{
	s->env.tlb_invalidate(s->env.ctx, s->pml4, va);
}

static inline pte_t vm_entry_read(const pte_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static inline void vm_entry_write(pte_t *slot, pte_t e)
{
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

/* Install e where old still is; false if another CPU changed the entry. */
static inline bool vm_entry_cas(pte_t *slot, pte_t old, pte_t e)
{
	return __atomic_compare_exchange_n(slot, &old, e, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Add n to the space's work count field (mm_work.h), if it has counts. */
#define VM_WORK_ADD(s, field, n)                                              \
	do {                                                                  \
		if ((s)->env.work)                                            \
			(s)->env.work->field += (n);                          \
	} while (0)

/* The entry accessors above, counted as work of the space s: what the
 * core's operations use; invariant checks read uncounted. */
static inline pte_t vm_read(const struct vm_space *s, const pte_t *slot)
{
	VM_WORK_ADD(s, entries_read, 1);
	return vm_entry_read(slot);
}

static inline void vm_write(const struct vm_space *s, pte_t *slot, pte_t e)
{
	VM_WORK_ADD(s, entries_written, 1);
	vm_entry_write(slot, e);
}

static inline bool vm_cas(const struct vm_space *s, pte_t *slot, pte_t old,
			  pte_t e)
{
	VM_WORK_ADD(s, entries_written, 1);
	return vm_entry_cas(slot, old, e);
}

/* Frames from and back to the environment, counted. */
static inline int vm_frame_alloc(const struct vm_space *s, paddr_t *pa)
{
	int err = s->env.frame_alloc(s->env.ctx, pa);

	if (!err)
		VM_WORK_ADD(s, frames_alloc, 1);
	return err;
}

static inline void vm_frame_free(const struct vm_space *s, paddr_t pa)
{
	VM_WORK_ADD(s, frames_freed, 1);
	s->env.frame_free(s->env.ctx, pa);
}

/*
 * A present entry above level 0 that points to a table.  A present large
 * page (PS=1) belongs to the kernel's direct map and is never inside a
 * managed range: meeting one there is a broken invariant.
 */
static inline bool vm_is_table(pte_t e, int level)
{
	if (level == 0 || !pte_is_present(e))
		return false;
	ASSERT(!(e & PTE_PS));
	return true;
}

/*
 * What is wrong with the present leaf e, or NULL: unused and key bits
 * stay 0; copy-on-write is counted and not writable; a frame is either counted
 * (fork shared it) or not owned (PTE_SHARED), never both.
 */
static inline const char *vm_leaf_problem(pte_t e)
{
	if (e & PTE_LEAF_ZERO_MASK)
		return "present leaf with unused or key bits";
	if ((e & PTE_COW) && ((e & PTE_RW) || !(e & PTE_COUNTED)))
		return "copy-on-write leaf writable or not counted";
	if ((e & PTE_COUNTED) && (e & PTE_SHARED))
		return "leaf both counted and not owned";
	return NULL;
}

/* One entry's share of [va, end) at a level. */
struct vm_span {
	vaddr_t va;     /* first address of the share */
	vaddr_t end;    /* one past its last address */
	vaddr_t base;   /* first address the entry covers */
	unsigned index; /* the entry's index in its table */
	bool whole;     /* the share is everything the entry covers */
};

/* The span of the entry holding va, clipped to end (end > va). */
static inline struct vm_span vm_span_at(vaddr_t va, vaddr_t end, int level)
{
	uint64_t size = vm_level_size(level);
	struct vm_span sp;
	vaddr_t cover_end;

	sp.va = va;
	sp.base = va & ~(size - 1);
	/* 0 for the last entry of the address space: compare "last" bytes */
	cover_end = sp.base + size;
	sp.end = cover_end - 1 < end - 1 ? cover_end : end;
	sp.index = vm_index(va, level);
	sp.whole = sp.va == sp.base && sp.end - sp.base == size;
	return sp;
}

/* START as it applies to the page at the span's first address. */
static inline bool vm_span_starts(const struct vm_span *sp, pte_t e)
{
	return pte_is_start(e) && sp->va == sp->base;
}

static inline uint64_t vm_span_pages(const struct vm_span *sp)
{
	return (sp->end - sp->va) >> PAGE_SHIFT;
}

/* --- walks (vm_walk.c) -------------------------------------------------- */

/* Where the core reaches the frame at pa (a table, or a page it zeroes,
 * fills or copies): inline through env.direct_map where there is one, as
 * the search and the fault translate once per level. */
static inline void *vm_frame_virt(const struct vm_space *s, paddr_t pa)
{
	if (s->env.direct_map)
		return (void *)(s->env.direct_map + pa);
	return s->env.phys_to_virt(s->env.ctx, pa);
}

/* The table at pa; vm_table counts a table visited (mm_work.h),
 * vm_table_peek does not (for invariant checks). */
static inline pte_t *vm_table_peek(const struct vm_space *s, paddr_t pa)
{
	return vm_frame_virt(s, pa);
}

static inline pte_t *vm_table(const struct vm_space *s, paddr_t pa)
{
	VM_WORK_ADD(s, tables_visited, 1);
	return vm_table_peek(s, pa);
}

/*
 * One walk from the PML4 towards the page va: the slot it read at every
 * level down to where it stopped, the first entry that is not a table
 * pointer (free, reservation or leaf).  A fault keeps it, so that it
 * decides, splits and installs without walking again.
 */
struct vm_path {
	pte_t *slot[VM_TOP_LEVEL + 1]; /* slot[level] .. slot[VM_TOP_LEVEL] */
	int level;                     /* where the walk stopped */
	pte_t entry;                   /* *slot[level] as the walk read it */
	pte_t compact_page; /* if entry is compact (pte.h): the page's own */
	bool shared; /* it passed a table pointer fork shares (pte.h) */
};

void vm_path_walk(const struct vm_space *s, vaddr_t va, struct vm_path *p);

/* Continue the walk p down from its entry while that is a table pointer
 * (after a split replaced it by one, say). */
void vm_path_down(const struct vm_space *s, vaddr_t va, struct vm_path *p);

/* The path's entry as the page va's own: for an upper-level entry START
 * is kept only if va is its first page. */
pte_t vm_path_page_entry(const struct vm_path *p, vaddr_t va);

/* The level of the entry vm_path_page_entry gives: where the walk
 * stopped, but 0 for a compact entry's page (its entry is the page's). */
int vm_path_page_level(const struct vm_path *p);

/*
 * The entry that describes the page va, as that page's own entry (as
 * vm_path_page_entry).  *level receives its level (vm_path_page_level).
 */
pte_t vm_lookup(const struct vm_space *s, vaddr_t va, int *level);

/*
 * Read-only walk of [va, end): visit() is called, in address order, for
 * every leaf entry and every upper-level entry that is not a table pointer
 * (free or reservation), with its span clipped to the range (a compact
 * entry's free stretches and runs are visited as level-0 entries whose
 * span is the stretch, its base the span's first page); with
 * stop_at_full also for table pointers whose summary is FULL (no free
 * page below), instead of descending.  A walker with leaves() gets a leaf
 * table's entries [va, end) in one call instead (counting its reads).
 * Stops when visit() or leaves() returns false; returns false then.
 */
struct vm_walk {
	const struct vm_space *space;
	bool stop_at_full;
	bool (*visit)(struct vm_walk *w, const struct vm_span *sp, pte_t e,
		      int level);
	bool (*leaves)(struct vm_walk *w, const pte_t *t, vaddr_t va,
		       vaddr_t end);
};

bool vm_walk_range(struct vm_walk *w, vaddr_t va, vaddr_t end);

/* --- tables and leaves (vm_table.c) ------------------------------------ */

/* Allocate a cleared table (vm_table_publish) and link it into the free
 * entry *slot. */
enum vm_status vm_table_link_new(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base);

/*
 * The entries [below, above) of a new table below the level-`level`
 * pointer covering base are the ones not wholly outside the space's range;
 * the others get the bound marker (pte_make_outside).  [0, 512) in spaces
 * without markers (VM_SPACE_UNSUMMARISED, VM_SPACE_NO_BOUNDS).
 */
struct vm_bounds {
	unsigned below, above;
};

struct vm_bounds vm_bounds_of(const struct vm_space *s, int level,
			      vaddr_t base);

/*
 * Clear the frame pa, bound markers and all, and link it as the table
 * below the level-`level` *slot (covering base) if the entry still is old,
 * a free entry: a fault may do this while others run.  False if another
 * CPU linked a table first; pa is then still the caller's.
 */
bool vm_table_publish(struct vm_space *s, pte_t *slot, pte_t old, paddr_t pa,
		      int level, vaddr_t base);

/* The level-0 slot of va; every level above must be a table pointer. */
pte_t *vm_leaf_slot(const struct vm_space *s, vaddr_t va);

/*
 * A present leaf e at va is going away: count it out of usage.present,
 * invalidate its translation (if invalidate) and return its frame unless
 * not owned (PTE_SHARED) or, if counted, still mapped elsewhere.  e must
 * already be replaced in the table.
 */
void vm_page_drop(struct vm_space *s, pte_t e, vaddr_t va, bool invalidate);

/* Make every page of [va, end) free; see vm_release for the contract.
 * Free-space summaries, where the space keeps them, stay exact. */
void vm_clear_range(struct vm_space *s, vaddr_t va, vaddr_t end,
		    bool invalidate);

/* --- usage and limits (vm_space.c) --------------------------------------- */

/* May npages more be reserved under limits.max_reserved? */
bool vm_usage_fits_reserve(const struct vm_space *s, uint64_t npages);

/*
 * Count one more present page unless that passes limits.max_present
 * (false then).  Atomic: faults of one space run concurrently.  A fault
 * that takes a count and installs nothing gives it back.
 */
bool vm_usage_take_present(struct vm_space *s);
void vm_usage_give_present(struct vm_space *s);

/* Is the usage within the limits?  (A fork's child inherits both.) */
bool vm_usage_within_limits(const struct vm_space *s);

/* --- vm_fault.c -------------------------------------------------------- */

/*
 * The rungs of a fault on the present leaf e in *slot at va: protection,
 * then copy-on-write on a write, else a stale TLB entry.  Both designs
 * decide present pages here.
 */
enum vm_fault_result vm_fault_present(struct vm_space *s, vaddr_t va,
				      unsigned pf, pte_t *slot, pte_t e);

/*
 * A new frame in *pa with the first contents of the not-present page
 * whose rdos entry is e (reserved: zeroes; image: the provider's page).
 * VM_FAULT_NO_MEMORY or VM_FAULT_PROVIDER, with no frame kept, if not.
 */
enum vm_fault_result vm_fill_frame(struct vm_space *s, pte_t e, paddr_t *pa);

/*
 * Install the frame pa from vm_fill_frame as the leaf of the page e
 * describes, by compare-and-swap in *slot where old still is: true if
 * installed; false if another CPU filled the page first, and pa is freed.
 */
bool vm_fill_install(struct vm_space *s, pte_t *slot, pte_t old, pte_t e,
		     paddr_t pa);

/* --- vm_check.c ------------------------------------------------------- */

/* What is wrong with s->usage against the totals a walk counted, or NULL. */
const char *vm_usage_mismatch(const struct vm_space *s,
			      const struct vm_stats *walked);

/* --- vm_fork.c -------------------------------------------------------- */

/* What child, a new empty space, takes from parent besides the entries:
 * cursor, share table, limits and usage (it will hold the same pages). */
void vm_fork_inherit(const struct vm_space *parent, struct vm_space *child);

/*
 * Copy every entry of parent's range into child, an empty space over the
 * same range with the same share table: tables are made, present leaves
 * shared (vm_fork).  On VM_ERR_NO_MEMORY child holds a partial copy whose
 * every leaf is counted: destroying it restores every count.
 */
enum vm_status vm_fork_tables(struct vm_space *parent, struct vm_space *child);

/* --- vm_space.c -------------------------------------------------------- */

/*
 * VM_OK if [va, va + npages pages) is page-aligned, non-empty and inside
 * the space's range; *end receives its end.
 */
enum vm_status vm_check_range(const struct vm_space *s, vaddr_t va,
			      size_t npages, vaddr_t *end);

/* VM_OK if prot holds only VM_PROT_* and no user bit in the kernel half. */
enum vm_status vm_check_prot(const struct vm_space *s, unsigned prot);

/* --- vm_provider.c, vm_query.c -------------------------------------------- */

/* Is a provider registered under sel? */
bool vm_provider_known(unsigned sel);

/* The state a page's own entry e (found at level) says, as vm_query. */
void vm_state_decode(pte_t e, int level, struct vm_state *st);

#endif
