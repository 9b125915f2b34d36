/*
 * host_page_source.h - a struct heap_page_source for host tests.
 *
 * Pages come from the C library (aligned_alloc), so AddressSanitizer sees a
 * heap that touches pages it gave back.  The source counts what is out, so
 * a test can prove that a heap returned everything, and can be told to fail:
 * beyond a page budget, or on every n-th call.
 */
#ifndef HOST_PAGE_SOURCE_H
#define HOST_PAGE_SOURCE_H

#include <stddef.h>

#include "mm/heap.h"

struct host_pages {
	size_t pages_out;    /* handed out and not yet freed */
	size_t runs_out;     /* pages_alloc() results not yet freed */
	size_t limit_pages;  /* fail when pages_out would exceed it; 0: none */
	unsigned fail_every; /* fail every n-th pages_alloc() call; 0: never */
	unsigned long calls; /* pages_alloc() calls so far */
	unsigned long failures;
};

/* A page source drawing from hp, which the caller zeroes or configures. */
struct heap_page_source host_pages_source(struct host_pages *hp);

#endif
