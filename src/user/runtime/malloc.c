/*
 * malloc.c - malloc/free/calloc/realloc over the kernel's slab heap
 * (src/mm/heap.c, compiled unchanged for user programs) with a page source
 * over RDOS_SYS_RESERVE / RDOS_SYS_RELEASE.
 *
 * The heap is set up on first use, so a program that never allocates
 * reserves nothing.  Its pages are read-write reservations filled by the
 * kernel on first touch; heap.h asks that the first touch cannot fail,
 * which holds as long as the kernel either commits frames at RESERVE or
 * has one free at the fault (docs/user-runtime.md, "Out of memory").
 */
#include "user/runtime/malloc.h"

#include "lib/panic.h"
#include "lib/string.h"
#include "user/runtime/sys.h"

static struct heap user_heap;
static bool user_heap_ready;

static void *user_pages_alloc(void *ctx, size_t npages)
{
	int64_t addr = sys_reserve(npages, RDOS_PROT_WRITE, 0);

	(void)ctx;
	return addr < 0 ? NULL : (void *)(uintptr_t)addr;
}

/* The heap gives back exactly what it was given: any failure is a broken
 * heap invariant or a broken kernel, not a condition to recover from. */
static void user_pages_free(void *ctx, void *addr, size_t npages)
{
	int64_t r = sys_release((uintptr_t)addr, npages);

	(void)ctx;
	if (r != 0)
		panic("malloc: releasing %llu pages at %p failed: %s",
		      (unsigned long long)npages, addr, sys_error_name(r));
}

static struct heap *user_heap_get(void)
{
	if (!user_heap_ready) {
		heap_init(&user_heap, "user",
			  (struct heap_page_source){ .pages_alloc = user_pages_alloc,
						     .pages_free = user_pages_free });
		user_heap_ready = true;
	}
	return &user_heap;
}

void *malloc(size_t size)
{
	return heap_alloc(user_heap_get(), size);
}

void free(void *p)
{
	heap_free(user_heap_get(), p);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &bytes))
		return NULL;
	p = malloc(bytes);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

void *realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (p == NULL)
		return malloc(size);
	old = heap_usable_size(user_heap_get(), p);
	if (size <= old)
		return p;
	q = malloc(size);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old);
	free(p);
	return q;
}

void malloc_trim(void)
{
	heap_trim(user_heap_get());
}

void malloc_get_stats(struct heap_stats *out)
{
	heap_get_stats(user_heap_get(), out);
}

void malloc_check(void)
{
	heap_check(user_heap_get());
}
