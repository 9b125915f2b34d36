/*
 * host_page_source.c - page source for host tests of the kernel heap.
 *
 * New pages are filled with HOST_PAGES_FRESH, neither zero nor the heap's
 * junk, so a heap that relies on fresh pages being zeroed (kernel pages
 * are) or pre-junked fails on the host first.  pages_free() aborts unless
 * it gets back exactly a run that pages_alloc() handed out.
 */
#include "host_page_source.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/addr.h"

#define HOST_PAGES_FRESH 0xa5

static bool host_pages_should_fail(struct host_pages *hp, size_t npages)
{
	hp->calls++;
	if (hp->fail_every != 0 && hp->calls % hp->fail_every == 0)
		return true;
	return hp->limit_pages != 0 && hp->pages_out + npages > hp->limit_pages;
}

static void *host_pages_alloc(void *ctx, size_t npages)
{
	struct host_pages *hp = ctx;
	void *p;

	if (npages == 0 || host_pages_should_fail(hp, npages)) {
		hp->failures++;
		return NULL;
	}
	p = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
	if (p == NULL)
		return NULL;
	memset(p, HOST_PAGES_FRESH, npages * PAGE_SIZE);
	hp->pages_out += npages;
	hp->runs_out++;
	return p;
}

static void host_pages_free(void *ctx, void *addr, size_t npages)
{
	struct host_pages *hp = ctx;
	size_t usable = malloc_usable_size(addr);

	if (((uintptr_t)addr & PAGE_MASK) != 0 || usable < npages * PAGE_SIZE ||
	    usable >= (npages + 1) * PAGE_SIZE || hp->pages_out < npages) {
		fprintf(stderr, "host_pages_free: %p, %zu pages: not a run we gave out\n",
			addr, npages);
		abort();
	}
	hp->pages_out -= npages;
	hp->runs_out--;
	free(addr);
}

struct heap_page_source host_pages_source(struct host_pages *hp)
{
	return (struct heap_page_source){ .pages_alloc = host_pages_alloc,
					  .pages_free = host_pages_free,
					  .ctx = hp };
}
