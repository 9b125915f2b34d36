/*
 * heap.h - the kernel heap: bytes on top of pages (frames -> pages -> bytes).
 *
 * A struct heap turns pages from a page source into objects of any size.
 * Small requests (<= HEAP_SMALL_MAX) are rounded up to one of
 * HEAP_CLASS_COUNT size classes and carved from slabs of one to eight
 * pages; larger ones get their own run of pages with a 16-byte header.
 * docs/kernel-heap.md explains the design.
 *
 * Contract:
 *   - every object is HEAP_ALIGN-aligned;
 *   - heap_alloc(h, 0) returns a unique minimum-size object, so NULL always
 *     means out of memory; out of memory changes nothing in the heap;
 *   - objects are not zeroed: a small one holds HEAP_JUNK (with
 *     HEAP_JUNK_CHECK) or old data, a large one what the page source gave;
 *   - heap_free(h, NULL) does nothing; freeing anything that is not a live
 *     object of this heap panics (double free, interior pointer, foreign
 *     pointer), naming the heap and the address;
 *   - with HEAP_JUNK_CHECK (on unless defined to 0) freed small objects are
 *     filled with HEAP_JUNK, and a byte changed while the object was free
 *     panics when the object is handed out again or at heap_check().
 *
 * Locking: a struct heap is not thread-safe and holds no lock.  The kernel
 * wrapper (kmalloc/kfree) owns one spinlock for the kernel heap and holds it
 * around every call here, heap_get_stats() and heap_check() included.  The
 * page source is called with that lock held, so it must never allocate from
 * the same heap.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/heap_table.h"

#ifndef HEAP_JUNK_CHECK
#define HEAP_JUNK_CHECK 1
#endif

#define HEAP_ALIGN 16
#define HEAP_JUNK 0x6b /* fills free small objects; zircon/Linux "slab free" */
#define HEAP_CLASS_COUNT 14
#define HEAP_SMALL_MAX 2048
#define HEAP_SLAB_MAX_PAGES 8
#define HEAP_SLAB_MAX_OBJECTS 256 /* bits in a slab's allocation bitmap */

/*
 * Where the heap's pages come from.  In the kernel: virtual-memory
 * reservations in the kernel address space, filled on first touch; the
 * source must have committed the frames, so that the first touch (done by
 * the heap itself, with its lock held) cannot fail.
 */
struct heap_page_source {
	/* npages contiguous, page-aligned pages; NULL when out of memory or
	 * address space. */
	void *(*pages_alloc)(void *ctx, size_t npages);
	/* Gives back exactly a run that pages_alloc returned. */
	void (*pages_free)(void *ctx, void *addr, size_t npages);
	void *ctx;
};

struct heap_slab; /* private to heap.c */

/*
 * One size class.  Each slab is on exactly one of: partial (some objects
 * free, some used), full (no object free), spare (all free; at most one per
 * class, kept so that one alloc/free pair at a slab boundary does not ask
 * the page source every time).
 */
struct heap_class {
	uint32_t size;         /* object size: a multiple of HEAP_ALIGN */
	uint16_t slab_pages;   /* pages per slab */
	uint16_t slab_objects; /* objects per slab, <= HEAP_SLAB_MAX_OBJECTS */
	struct heap_slab *partial;
	struct heap_slab *full;
	struct heap_slab *spare;
	size_t slabs;          /* on all three lists */
	size_t objects_in_use;
};

/* Fields are private to src/mm/heap*.c; read them with heap_get_stats(). */
struct heap {
	const char *name; /* for panic messages */
	struct heap_page_source source;
	struct heap_class classes[HEAP_CLASS_COUNT];
	struct heap_table table;
	size_t large_objects;
	size_t large_pages;
	size_t large_bytes; /* usable bytes of the large objects */
};

struct heap_class_stats {
	size_t size;
	size_t objects_in_use;
	size_t slabs;
	size_t pages; /* slabs * pages per slab */
};

struct heap_stats {
	size_t bytes_in_use;   /* sum of heap_usable_size() of live objects */
	size_t objects_in_use;
	size_t pages_held;     /* slab + large + table pages, not yet returned */
	size_t large_objects;
	size_t large_pages;
	size_t table_pages;
	struct heap_class_stats classes[HEAP_CLASS_COUNT];
};

/* Sets up an empty heap; takes no pages until the first allocation. */
void heap_init(struct heap *h, const char *name, struct heap_page_source source);

/* A HEAP_ALIGN-aligned object of at least size bytes, or NULL when the page
 * source is out of memory. */
void *heap_alloc(struct heap *h, size_t size);

/* Frees an object from heap_alloc(h, ...); NULL is a no-op; anything else
 * panics (see the contract above). */
void heap_free(struct heap *h, void *p);

/* Bytes the caller may use in live object p (>= the size asked for);
 * panics like heap_free() if p is not a live object. */
size_t heap_usable_size(const struct heap *h, const void *p);

/* Returns the spare slabs, and the page table if no span is left, to the
 * page source.  After everything is freed, a trim brings pages_held to 0. */
void heap_trim(struct heap *h);

void heap_get_stats(const struct heap *h, struct heap_stats *out);

/* Walks every slab and large object and panics on the first broken
 * invariant: list membership, bitmap and counters, page table, and (with
 * HEAP_JUNK_CHECK) the junk in every free object.  For tests. */
void heap_check(const struct heap *h);

#endif
