/*
 * vm_internal.h - what the rdos core's vm_*.c files share on top of the
 * page-table layer (pt.h): the free-space summaries, the "inside one
 * reservation" test, settling and splitting tables, the search.  Not for
 * other code: Card 1 includes pt.h only.
 */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include "mm/pt.h"

/* --- vm_compact.c: compact entries (pte.h) ------------------------------ */

/*
 * Descriptors come in six sizes, 128 << cls bytes (128 B to a whole 4 KiB
 * pool frame): a 16-byte header and room for 7, 15, 31, 63, 127 or 255
 * runs.  A descriptor grows a size when a run no longer fits; a block
 * whose runs outgrow the largest gets its table.
 */
#define VM_COMPACT_SLOT 128u

struct vm_chain;

/* Pages [first, first + pages) of the block (relative to its first
 * page); fill is the leaf-form entry of page first. */
struct vm_compact_run {
	uint32_t first, pages;
	pte_t fill;
};

struct vm_compact {
	union {
		uint32_t nruns;
		uint32_t prev; /* a free block's: its list (vm_compact_pool.c) */
	};
	uint32_t next;    /* a free or retired block's list */
	uint32_t longest; /* the block's longest free run, in pages */
	uint8_t cls;      /* the size: 128 << cls bytes */
	uint8_t state;    /* the pool's: free or not */
	uint8_t unused[2];
	struct vm_compact_run run[]; /* sorted, disjoint */
};

/* Runs a descriptor of size class cls holds. */
static inline unsigned vm_compact_capacity(unsigned cls)
{
	return (unsigned)(((VM_COMPACT_SLOT << cls) - sizeof(struct vm_compact)) /
			  sizeof(struct vm_compact_run));
}

#define VM_COMPACT_RUNS_MAX vm_compact_capacity(VM_COMPACT_CLASSES - 1)

/* --- vm_compact_pool.c: where descriptors live ---------------------------- */

struct vm_compact *vm_compact_at(const struct vm_space *s, unsigned index);

/* Does the slot index lie in a frame of the pool? */
bool vm_compact_names_descriptor(const struct vm_space *s, unsigned index);

/* A descriptor of size class cls, its header zero but for cls; false if
 * the pool is full or no frame. */
bool vm_compact_alloc(struct vm_space *s, unsigned cls, unsigned *index);

/* Back to the pool: at once, or (retire: a fault replaced its entry) at
 * the next vm_compact_reclaim (vm.h). */
void vm_compact_free(struct vm_space *s, unsigned index, bool retire);


static inline struct vm_compact *vm_compact_of(const struct vm_space *s,
					       pte_t e)
{
	return vm_compact_at(s, pte_compact_index(e));
}

/* The first of d's runs that ends after page rel (d->nruns if none): a
 * binary search. */
unsigned vm_compact_find(const struct vm_compact *d, uint64_t rel);

/* A table pointer or a compact entry: what has free runs below it. */
static inline bool vm_has_below(pte_t e, int level)
{
	return vm_is_table(e, level) || pte_is_compact(e);
}

/* Pages an entry of the level covers. */
uint64_t vm_block_pages(int level);

/* The entry of page rel of the run r's block, as the page's own leaf. */
pte_t vm_compact_run_page(const struct vm_compact_run *r, uint64_t rel);

/* The page va's own entry in the compact entry e at level. */
pte_t vm_compact_page(const struct vm_space *s, pte_t e, int level,
		      vaddr_t va);

/* The free pages at the start and end of the compact entry e's block and
 * its longest free run, exactly: what a table's summary tells. */
struct vm_free_edges {
	uint64_t head, tail, longest;
};

struct vm_free_edges vm_compact_edges(const struct vm_space *s, pte_t e,
				      int level);

/* Does va lie inside one of the compact entry e's runs, past its first
 * page (so that a change starting or ending there cuts the run)? */
bool vm_compact_cuts(const struct vm_space *s, pte_t e, int level,
		     vaddr_t va);

/* The pages of the block at base (level) below lo and from hi on, where
 * the space keeps bound markers: a compact entry's bound runs. */
struct vm_bound_pages {
	uint64_t below, above;
};
struct vm_bound_pages vm_compact_bounds(const struct vm_space *s, int level,
					 vaddr_t base);

/* Does the compact entry e hold bound runs only (vm_compact.c)? */
bool vm_compact_bound_only(const struct vm_space *s, pte_t e);

/* May the level-`level` entry covering base become compact? */
bool vm_compact_allowed(const struct vm_space *s, int level, vaddr_t base);

/*
 * A reserve of the span sp (entries filled from fill, the entry of its
 * first page) below the upper-level entry *slot, which holds e: DONE, with *chain the
 * span's free run inside the block, if the entry was free and is compact
 * now, or was compact and had room; NO if the caller must write a table
 * (there is one now if the entry was compact and full); NO_MEMORY if
 * expanding it failed (nothing changed).
 */
enum vm_compact_result { VM_COMPACT_DONE, VM_COMPACT_NO, VM_COMPACT_NO_MEMORY };
enum vm_compact_result vm_compact_mark(struct vm_space *s, pte_t *slot,
				       pte_t e, int level,
				       const struct vm_span *sp, pte_t fill,
				       struct vm_chain *chain);

/* A release of the span sp in the compact entry *slot: its runs there go
 * (the entry too if none is left); *chain: the freed span's free run. */
void vm_compact_clear(struct vm_space *s, pte_t *slot, int level,
		      const struct vm_span *sp, struct vm_chain *chain);

/* Protect or guard of the span sp, which holds whole runs of the compact
 * entry e: their fills become apply(fill, prot). */
void vm_compact_change(struct vm_space *s, pte_t e, int level,
		       const struct vm_span *sp, pte_t (*apply)(pte_t, unsigned),
		       unsigned prot);

/*
 * Replace the compact entry e in *slot (level, covering base) by a table
 * describing the same pages, entries below it compact again where they
 * are partial, published by CAS: faults run concurrently.  If another CPU
 * changed the entry first, ours is freed.  VM_ERR_NO_MEMORY: nothing
 * changed.
 */
enum vm_status vm_compact_expand(struct vm_space *s, pte_t *slot, int level,
				 vaddr_t base, pte_t e);

/* Expand every compact entry of the space (fork shares no descriptor). */
enum vm_status vm_compact_expand_all(struct vm_space *s);


/* The pool's frames; giving them back (every descriptor is free). */
size_t vm_compact_pool_pages(const struct vm_space *s);
void vm_compact_pool_free(struct vm_space *s);

/* --- vm_summary.c ------------------------------------------------------ */

/* A run length's class, the summary's unit: 0 for 0 pages, else
 * floor(log2 pages) + 1. */
unsigned vm_run_class(uint64_t pages);

/* The summary of a table whose subtree's longest free run is longest
 * pages and whose last tail_entries entries are free. */
unsigned vm_summary_of(uint64_t longest, unsigned tail_entries);

/* The longest free run a subtree with summary sum may hold. */
uint64_t vm_summary_longest_below(unsigned sum);

/* The longest free run below the table pointer or compact entry e (a
 * bound, from a table's summary; exact for a compact entry). */
uint64_t vm_longest_below(const struct vm_space *s, pte_t e, int level);

/* The free pages at the end of the subtree below the table pointer e at
 * level, exactly: from its summary, one read per level below. */
uint64_t vm_table_free_tail(const struct vm_space *s, pte_t e, int level);

/* The free pages at its start, exactly: read from the start. */
uint64_t vm_table_free_head(const struct vm_space *s, pte_t e, int level);

/* Do the free pages at its start reach need?  Read from the start only
 * as far as the summaries below allow. */
bool vm_table_head_reaches(const struct vm_space *s, pte_t e, int level,
			   uint64_t need);

/*
 * The free run that touches a change of pages inside one table: left free
 * pages just before its first page, right just after its last, within the
 * table; the _edge flags say that they reach the table's first / last
 * page or a bound marker (beyond which nothing is free either).  A reserve
 * leaves right 0 where the run is known to be too short to settle any
 * summary (vm_known.enough): then no MAX or TAIL depends on it.  gone:
 * the pages that a reserve's new tables turned from free into bound
 * markers; they were part of the run before it, so the run the reserve
 * cut had left + pages + right + gone.  VM_CHAIN_WHOLE is the chain inside
 * an entry changed as a whole.
 */
struct vm_chain {
	uint64_t left, right, gone;
	bool left_edge, right_edge;
};

#define VM_CHAIN_WHOLE ((struct vm_chain){ 0, 0, 0, true, true })

/*
 * What is known of a table before a change: entries [0, head) and
 * [512 - tail, 512) are free; a free run after the change need not be
 * measured past enough pages if it lies inside the table (a piece of
 * 2^(MAX-1) pages settles the table's MAX, and a run inside the table is
 * no longer than its longest, so the tables above, whose MAX is no
 * smaller, are settled too), or past path_enough if the run goes on
 * beyond the table's start (then a table above may need the run's
 * length: path_enough is the largest enough of the tables on the way
 * down, VM_KNOWN_ROOT's 0 for the PML4, which keeps no summary).  From
 * its pointer's summary (vm_known_of, for a reserve or a release), or for
 * a table the change has just made (vm_known_fresh).
 */
struct vm_known {
	unsigned head, tail;
	uint64_t enough, path_enough;
};

#define VM_KNOWN_NOTHING                                                      \
	((struct vm_known){ 0, 0, UINT64_MAX, UINT64_MAX })
#define VM_KNOWN_ROOT ((struct vm_known){ 0, 0, 0, 0 })

struct vm_known vm_known_of(pte_t e, bool released);
/* A table just made below the level-`level` pointer covering base: free
 * but for its bound markers (vm_bounds_of). */
struct vm_known vm_known_fresh(const struct vm_space *s, int level,
			       vaddr_t base);

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

/* The summary of the table pointer e at level, covering base, counted
 * afresh from its entries (a whole table's reads: fork's expansion). */
unsigned vm_summary_recount(const struct vm_space *s, pte_t e, int level,
			    vaddr_t base);

/* --- vm_walk.c, vm_table.c -------------------------------------------- */

/* True if every page of [va, end) is non-free and none but va's has START;
 * if exact, also va's has START and the page at end (below hi) is free or
 * has START: [va, end) is one whole reservation. */
bool vm_in_one_reservation(const struct vm_space *s, vaddr_t va, vaddr_t end,
			   bool exact);

/*
 * After the pages [va, end) below the table pointer *slot (level, covering
 * base) all became non-free (a reserve) or free (released), c being their
 * chain inside the table (vm_summary.c): free the table if the release
 * emptied it (*c then becomes the chain of the whole free entry),
 * otherwise make its summary exact.  Pinned entries keep neither.
 */
void vm_table_settle(struct vm_space *s, pte_t *slot, int level, vaddr_t base,
		     vaddr_t va, vaddr_t end, struct vm_chain *c,
		     bool released);

/*
 * Replace the reservation entry e in *slot (level, covering base) by a
 * full table of entries one level down describing the same pages (a
 * compact entry: vm_compact_expand), published by CAS: faults run
 * concurrently.  If another CPU changed the entry first, ours is freed and
 * the caller reads the winner's.  VM_ERR_NO_MEMORY if no frame (nothing
 * changed).
 */
enum vm_status vm_split_entry(struct vm_space *s, pte_t *slot, int level,
			      vaddr_t base, pte_t e);

/*
 * Replace upper-level reservation entries that contain va by tables of
 * entries describing the same pages: those with va in their interior, or
 * all of them down to the leaf if to_page.  May allocate; on
 * VM_ERR_NO_MEMORY the pages' states are unchanged.
 */
enum vm_status vm_split_to(struct vm_space *s, vaddr_t va, bool to_page);

/* --- vm_table_share.c: tables fork shares (docs/fork.md) --------------- */

/* Fork: the table below the parent's pointer *pslot is shared with the
 * child's *cslot, both now shared pointers; VM_ERR_NO_MEMORY (nothing
 * changed) if its count cannot grow. */
enum vm_status vm_table_share(struct vm_space *p, struct vm_space *c,
			      pte_t *pslot, pte_t *cslot);

/*
 * Before a write below the pointer *slot (level, covering base): if it is
 * shared, make the table the space's own, taken back in place if no other
 * pointer leads to it, else copied (its present entries shared one level
 * down) and published by CAS.  VM_ERR_NO_MEMORY: nothing changed.
 */
enum vm_status vm_table_own(struct vm_space *s, pte_t *slot, int level,
			    vaddr_t base);

/* The same for every shared pointer on the way to va / over [va, end);
 * on failure the tables already taken stay the space's (the same pages). */
enum vm_status vm_own_path(struct vm_space *s, vaddr_t va);
enum vm_status vm_own_range(struct vm_space *s, vaddr_t va, vaddr_t end);

/* vm_own_path on a fault's path, which then leads through own tables. */
enum vm_status vm_path_own(struct vm_space *s, vaddr_t va, struct vm_path *p);

/* A release (released: its present pages leave the usage, every
 * translation of the space is flushed) or a destroy of all that the shared
 * pointer *slot covers: the slot becomes free; whoever drops a table's
 * last pointer frees it with what it holds. */
void vm_table_drop_shared(struct vm_space *s, pte_t *slot, int level,
			  bool released);

/* --- vm_search.c ------------------------------------------------------ */

/*
 * A run of npages free pages, next fit from the cursor (or from lo with
 * VM_SPACE_FIRST_FIT); VM_ERR_NO_SPACE if none.  Only reads.
 */
enum vm_status vm_search(const struct vm_space *s, size_t npages,
			 vaddr_t *out_va);

/* --- vm_provider.c ----------------------------------------------------- */

/* Fill dest with the provider's page; false if missing or it failed. */
bool vm_provider_fill(unsigned sel, uint64_t page, void *dest);

#endif
