/*
 * malloc.h - the C allocation functions for user programs, and what the
 * tests need to see inside them.
 *
 * Backed by the kernel's slab heap (src/mm/heap.c) over pages from
 * RDOS_SYS_RESERVE: bytes on top of pages, the same third layer as in the
 * kernel.  One heap per process; processes have one thread, so no lock.
 * Contract as heap.h: 16-byte alignment, malloc(0) is a unique object,
 * NULL only when out of memory, free() of anything that is not a live
 * object panics (the process exits with status 127).
 */
#ifndef USER_RUNTIME_MALLOC_H
#define USER_RUNTIME_MALLOC_H

#include <stddef.h>

#include "mm/heap.h"

void *malloc(size_t size);
void free(void *p);
/* NULL if nmemb * size overflows. */
void *calloc(size_t nmemb, size_t size);
/* realloc(NULL, n) is malloc(n); on failure p is left unchanged. */
void *realloc(void *p, size_t size);

/* Returns cached empty slabs (and the heap's own table once nothing is
 * allocated) to the kernel; after freeing everything it holds no page. */
void malloc_trim(void);
void malloc_get_stats(struct heap_stats *out);
/* Panics on the first broken heap invariant or overwritten free object. */
void malloc_check(void);

#endif
