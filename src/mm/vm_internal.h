/*
 * vm_internal.h - what the vm_*.c files share: levels, entry access, the
 * span iterator, and the table walks of vm_walk.c.  Not for other code.
 *
 * Levels are numbered by what an entry covers: 0 = PTE (4 KiB), 1 = PDE
 * (2 MiB), 2 = PDPTE (1 GiB), 3 = PML4E (512 GiB).  Entries are read and
 * written with single 64-bit atomic accesses because vm_fault() runs
 * concurrently with itself (see the locking rule in vm.h).
 */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

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

/* --- vm_summary.c ------------------------------------------------------ */

/* A run length's class, the summary's unit: 0 for 0 pages, else
 * floor(log2 pages) + 1. */
unsigned vm_run_class(uint64_t pages);

/* The summary of a table whose subtree's longest free run is longest
 * pages and whose last tail_entries entries are free. */
unsigned vm_summary_of(uint64_t longest, unsigned tail_entries);

/* The longest free run a subtree with summary sum may hold. */
uint64_t vm_summary_longest_below(unsigned sum);

/* The free pages at the end of the subtree below the table pointer e at
 * level, exactly: from its summary, one read per level below. */
uint64_t vm_table_free_tail(const struct vm_space *s, pte_t e, int level);

/* The free pages at its start, read from the start; the count stops once
 * it reaches enough. */
uint64_t vm_table_free_head(const struct vm_space *s, pte_t e, int level,
			    uint64_t enough);

/* Do the free pages at its start reach need?  Read from the start only
 * as far as the summaries below allow. */
bool vm_table_head_reaches(const struct vm_space *s, pte_t e, int level,
			   uint64_t need);

/*
 * The free run that touches a change of pages inside one table: left free
 * pages just before its first page, right just after its last, within the
 * table; the _edge flags say that they reach the table's first / last
 * page.  VM_CHAIN_WHOLE is the chain inside an entry changed as a whole.
 */
struct vm_chain {
	uint64_t left, right;
	bool left_edge, right_edge;
};

#define VM_CHAIN_WHOLE ((struct vm_chain){ 0, 0, true, true })

/*
 * What is known of a table before a change: entries [0, head) and
 * [512 - tail, 512) are free; a free run after the change that stops
 * before the table's end need not be measured past enough pages.  From its
 * pointer's summary (vm_known_of, for a reserve or a release), or for a
 * table the change has just made (VM_KNOWN_FRESH: all free).
 */
struct vm_known {
	unsigned head, tail;
	uint64_t enough;
};

#define VM_KNOWN_FRESH ((struct vm_known){ VM_ENTRIES, VM_ENTRIES, UINT64_MAX })
#define VM_KNOWN_NOTHING ((struct vm_known){ 0, 0, UINT64_MAX })

struct vm_known vm_known_of(pte_t e, bool released);

/*
 * The chain of the change [va, end) in the table t of level-`level`
 * entries, from the chains inside its first and last entries (each
 * VM_CHAIN_WHOLE if changed whole): read outward only past the edges they
 * reach, and only where known does not tell.
 */
struct vm_chain vm_chain_extend(const struct vm_space *s, const pte_t *t,
				int level, vaddr_t va, vaddr_t end,
				const struct vm_known *known,
				struct vm_chain first, struct vm_chain last);

/*
 * The summary of the table pointer e at level after the pages [va, end)
 * below it, with chain c, became non-free (a reserve) or free (released);
 * *empty if a release left no page below non-free.
 */
unsigned vm_summary_after(const struct vm_space *s, pte_t e, int level,
			  vaddr_t va, vaddr_t end, const struct vm_chain *c,
			  bool released, bool *empty);

/* --- vm_walk.c --------------------------------------------------------- */

/* The table at pa through the direct map, counted as a table visited;
 * vm_table_peek does not count (for invariant checks). */
pte_t *vm_table(const struct vm_space *s, paddr_t pa);
pte_t *vm_table_peek(const struct vm_space *s, paddr_t pa);

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
};

void vm_path_walk(const struct vm_space *s, vaddr_t va, struct vm_path *p);

/* Continue the walk p down from its entry while that is a table pointer
 * (after a split replaced it by one, say). */
void vm_path_down(const struct vm_space *s, vaddr_t va, struct vm_path *p);

/* The path's entry as the page va's own: for an upper-level entry START
 * is kept only if va is its first page. */
pte_t vm_path_page_entry(const struct vm_path *p, vaddr_t va);

/*
 * The entry that describes the page va, as that page's own entry (as
 * vm_path_page_entry).  *level receives the level the entry was found at.
 */
pte_t vm_lookup(const struct vm_space *s, vaddr_t va, int *level);

/*
 * Read-only walk of [va, end): visit() is called, in address order, for
 * every leaf entry and every upper-level entry that is not a table pointer
 * (free or reservation), with its span clipped to the range; with
 * stop_at_full also for table pointers whose summary is FULL (no free
 * page below), instead of descending.
 * Stops when visit() returns false; returns false then.
 */
struct vm_walk {
	const struct vm_space *space;
	bool stop_at_full;
	bool (*visit)(struct vm_walk *w, const struct vm_span *sp, pte_t e,
		      int level);
};

bool vm_walk_range(struct vm_walk *w, vaddr_t va, vaddr_t end);

/* True if every page of [va, end) is non-free and none but va's has START. */
bool vm_in_one_reservation(const struct vm_space *s, vaddr_t va, vaddr_t end);

/* Allocate a zeroed table and link it into the free entry *slot. */
enum vm_status vm_table_link_new(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base);

/*
 * Zero the frame pa and link it as the table below *slot (covering base)
 * if the entry still is old, a free entry: a fault may do this while
 * others run.  False if another CPU linked a table first; pa is then
 * still the caller's.
 */
bool vm_table_publish(struct vm_space *s, pte_t *slot, pte_t old, paddr_t pa,
		      vaddr_t base);

/*
 * After the pages [va, end) below the table pointer *slot (level, covering
 * base) all became non-free (a reserve) or free (released), c being their
 * chain inside the table (vm_summary.c): free the table if the release
 * emptied it, otherwise make its summary exact.  Pinned entries keep
 * neither.
 */
void vm_table_settle(struct vm_space *s, pte_t *slot, int level, vaddr_t base,
		     vaddr_t va, vaddr_t end, const struct vm_chain *c,
		     bool released);

/*
 * Replace the reservation entry e in *slot (covering base) by a full table
 * of entries one level down describing the same pages, published by CAS:
 * faults run concurrently.  If another CPU changed the entry first, ours
 * is freed and the caller reads the winner's.  VM_ERR_NO_MEMORY if no
 * frame (nothing changed).
 */
enum vm_status vm_split_entry(struct vm_space *s, pte_t *slot, vaddr_t base,
			      pte_t e);

/*
 * Replace upper-level reservation entries that contain va by tables of
 * entries describing the same pages: those with va in their interior, or
 * all of them down to the leaf if to_page.  May allocate; on
 * VM_ERR_NO_MEMORY the pages' states are unchanged.
 */
enum vm_status vm_split_to(struct vm_space *s, vaddr_t va, bool to_page);

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
 * Summaries are kept exact as it goes. */
void vm_clear_range(struct vm_space *s, vaddr_t va, vaddr_t end,
		    bool invalidate);

/* --- usage and limits (vm_space.c) ----------------------------------------- */

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

/* --- vm_search.c ------------------------------------------------------ */

/*
 * A run of npages free pages, next fit from the cursor (or from lo with
 * VM_SPACE_FIRST_FIT); VM_ERR_NO_SPACE if none.  Only reads.
 */
enum vm_status vm_search(const struct vm_space *s, size_t npages,
			 vaddr_t *out_va);

/* --- vm_space.c -------------------------------------------------------- */

/*
 * VM_OK if [va, va + npages pages) is page-aligned, non-empty and inside
 * the space's range; *end receives its end.
 */
enum vm_status vm_check_range(const struct vm_space *s, vaddr_t va,
			      size_t npages, vaddr_t *end);

/* VM_OK if prot holds only VM_PROT_* and no user bit in the kernel half. */
enum vm_status vm_check_prot(const struct vm_space *s, unsigned prot);

/* --- vm_provider.c ----------------------------------------------------- */

bool vm_provider_known(unsigned sel);

/* Fill dest with the provider's page; false if missing or it failed. */
bool vm_provider_fill(unsigned sel, uint64_t page, void *dest);

/* --- vm_query.c -------------------------------------------------------- */

void vm_state_decode(pte_t e, int level, struct vm_state *st);

#endif
