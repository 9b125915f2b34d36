/*
 * heap_table.h - the kernel heap's page table of owners: page -> span.
 *
 * Every page the heap gets from its page source belongs to one span: a slab
 * (one to eight pages, header at the start) or a large object (header at
 * the start of its first page).  heap_free() must find the span header from
 * an arbitrary pointer without touching the memory the pointer names, and a
 * multi-page slab cannot be found by rounding down to a page.  So the heap
 * keeps this table: an open-addressing hash, linear probing, keyed by page
 * number, whose value is the span's first byte.
 *
 * Invariants:
 *   - capacity is 0 (no storage yet) or a power of two >= HEAP_TABLE_MIN_SLOTS;
 *   - count <= capacity / 2, so every probe ends at an empty slot;
 *   - an empty slot has page == 0; page number 0 is never a heap page;
 *   - no key appears twice; every key sits between its home slot and the
 *     first empty slot after it (deletion shifts entries back, no tombstones).
 *
 * The storage itself comes from the same page source, so growing can fail:
 * heap_table_reserve() is called before a span is created and is the only
 * function that can run out of memory.  Not thread-safe: see heap.h.
 */
#ifndef MM_HEAP_TABLE_H
#define MM_HEAP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct heap_page_source; /* heap.h */

/* One page of 16-byte slots: the smallest storage worth asking for. */
#define HEAP_TABLE_MIN_SLOTS 256

struct heap_table_slot {
	uintptr_t page; /* page number (address >> PAGE_SHIFT); 0 = empty */
	void *span;     /* first byte of the span that owns the page */
};

struct heap_table {
	struct heap_table_slot *slots;
	size_t capacity; /* slots; a power of two, or 0 before the first use */
	size_t count;    /* occupied slots */
	size_t pages;    /* pages of storage held from the page source */
	unsigned shift;  /* 64 - log2(capacity): Fibonacci hashing */
};

/* Makes room for `extra` more keys; false (table unchanged) if the page
 * source is out of memory. */
bool heap_table_reserve(struct heap_table *t, const struct heap_page_source *src,
			size_t extra);

/* Adds page -> span.  Precondition: a reserve() made room, page is absent. */
void heap_table_insert(struct heap_table *t, uintptr_t page, void *span);

/* The span owning page, or NULL if the heap does not own it. */
void *heap_table_lookup(const struct heap_table *t, uintptr_t page);

/* Removes page.  Precondition: page is present. */
void heap_table_remove(struct heap_table *t, uintptr_t page);

/* Returns the storage to the page source.  Precondition: the table is empty. */
void heap_table_release(struct heap_table *t, const struct heap_page_source *src);

/* Calls fn for every entry, in slot order. */
void heap_table_visit(const struct heap_table *t,
		      void (*fn)(void *ctx, uintptr_t page, void *span), void *ctx);

#endif
