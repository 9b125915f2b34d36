/*
 * vm_share.h - reference counts of the frames, and of the page tables,
 * that fork shares between address spaces, kept only while something is
 * shared.
 *
 * Until a process forks, the page tables are the whole bookkeeping (the
 * RDOS property): a present leaf owns its frame.  Fork marks the leaves it
 * shares PTE_COUNTED and counts their mappings here:
 *
 *   count(frame) = the number of present COUNTED leaves, in every address
 *                  space, that map frame.
 *
 * Only frames with count >= 2 have an entry; a frame without one has
 * count 1 (its last mapping, or a leaf fork marked whose other mappings
 * have all gone).  So a system that never forks holds no entry and no
 * storage at all, and the table is freed again when the last shared frame
 * stops being shared.  Design and numbers: docs/fork.md.
 *
 * The rdos design's fork shares whole page tables too (docs/fork.md):
 *
 *   count(table) = the number of table pointers, in every page table,
 *                  that lead to the table,
 *
 * kept the same way in a second hash table beside the first (a table
 * frame is never a leaf's frame, but the two are kept apart so that each
 * count means one thing): only tables with count >= 2 have an entry.
 *
 * Each is an open-addressing hash table keyed by frame number
 * (linear probing, deletion by backward shift, so no tombstones), one
 * 8-byte slot per entry packing frame number and count; it doubles above
 * 3/4 load and halves below 1/8.  Storage comes from the memory source
 * given at init (kmalloc in the kernel, malloc on the host).
 *
 * One table per physical memory: every space that can share a frame with
 * another must use the same table (mm_env.share), so in the kernel it is
 * global.  Locking: one lock for the whole table, taken inside every call
 * below; holders never fault and never take a space's lock, and growth
 * calls the memory source with it held (order: share lock, then the
 * source's).  Counters are atomic.
 */
#ifndef MM_VM_SHARE_H
#define MM_VM_SHARE_H

#include "mm/mm_lock.h"
#include "mm/vm.h"

/* Where table storage comes from.  alloc returns NULL when out of
 * memory; the bytes need not be zeroed.  free gets the same size back. */
struct vm_share_mem {
	void *(*alloc)(void *ctx, size_t bytes);
	void (*free)(void *ctx, void *p, size_t bytes);
	void *ctx;
	/* one turn of a wait for the table's lock (mm/mm_lock.h); NULL: pause */
	mm_relax_fn relax;
};

/*
 * Invariants of each set (checked by vm_share_check): slots is NULL
 * exactly when cap and used are 0; otherwise cap is a power of two >=
 * VM_SHARE_MIN_SLOTS, used <= 3/4 cap, every used slot holds a count >= 2
 * and is reached from its frame's home slot without crossing an empty one;
 * extra is the sum of count - 1 over all entries.
 */
struct vm_share_set {
	uint64_t *slots;   /* cap slots, 0 = empty; NULL while nothing shared */
	size_t cap;        /* a power of two, or 0 */
	unsigned shift;    /* cap == 1 << shift when cap != 0 */
	size_t used;       /* slots holding an entry */
	uint64_t extra;    /* mappings beyond one per frame, over all entries */
};

struct vm_share {
	struct vm_share_mem mem;
	struct vm_share_set frames; /* data frames, by count(frame) */
	struct vm_share_set tables; /* page tables, by count(table) */
	uint64_t cow_copies;   /* COW faults that copied the frame */
	uint64_t cow_in_place; /* COW faults that found the last mapping */
	bool locked;
};

#define VM_SHARE_MIN_SLOTS (PAGE_SIZE / sizeof(uint64_t))
/* A count past this makes vm_share_ref fail: 2^24 - 1 mappings. */
#define VM_SHARE_COUNT_MAX ((1u << 24) - 1)

/* A static initialiser for a table drawing on alloc/free with ctx. */
#define VM_SHARE_INIT(alloc_, free_, ctx_, relax_)                            \
	{ .mem = { (alloc_), (free_), (ctx_), (relax_) } }

/* An empty table drawing on mem: no storage until the first vm_share_ref. */
void vm_share_init(struct vm_share *t, const struct vm_share_mem *mem);

/*
 * One more COUNTED leaf maps frame: its count goes up by one (from 1 if
 * it had no entry).  VM_ERR_NO_MEMORY if the table cannot grow or the
 * count is at VM_SHARE_COUNT_MAX; nothing changed then.
 */
enum vm_status vm_share_ref(struct vm_share *t, paddr_t frame);

/*
 * A COUNTED leaf mapping frame has gone: its count goes down by one.
 * True if that was the last mapping: the caller frees the frame.  Cannot
 * fail (a shrink without memory keeps the larger table).
 */
bool vm_share_unref(struct vm_share *t, paddr_t frame);

/* The number of COUNTED leaves mapping frame (1 if it has no entry). */
uint64_t vm_share_count(struct vm_share *t, paddr_t frame);

/* The same for page tables: one more pointer leads to table (fork shared
 * it); one went (true: it was the last, the caller owns the table and
 * frees what it holds); the pointers that lead to it. */
enum vm_status vm_share_table_ref(struct vm_share *t, paddr_t table);
bool vm_share_table_unref(struct vm_share *t, paddr_t table);
uint64_t vm_share_table_count(struct vm_share *t, paddr_t table);

/* For the COW fault: one more copy, or one more frame kept in place. */
void vm_share_note_cow(struct vm_share *t, bool copied);

struct vm_share_stats {
	size_t frames;         /* entries: frames mapped by >= 2 leaves */
	uint64_t extra;        /* present leaves minus frames, over them */
	size_t tables;         /* entries: page tables led to by >= 2 pointers */
	uint64_t table_extra;  /* pointers minus tables, over them */
	size_t bytes;          /* storage of both; 0 when nothing is shared */
	uint64_t cow_copies;
	uint64_t cow_in_place;
};

struct vm_share_stats vm_share_stats(struct vm_share *t);

/* NULL if the invariants of struct vm_share hold, else the first broken
 * one.  Visits every slot. */
const char *vm_share_check(struct vm_share *t);

#endif
