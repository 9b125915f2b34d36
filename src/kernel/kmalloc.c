/*
 * kmalloc.c - the kernel heap (src/mm/heap.c) fed with pages reserved in the
 * kernel address space.
 *
 * The pages are committed (given frames) as soon as they are reserved: the
 * heap decides out-of-memory when it asks for pages, so kmalloc can return
 * NULL, and no access to a heap object can ever fault for lack of memory.
 *
 * Lock: heap_lock protects kernel_heap.  The page source takes
 * kernel_space_lock inside it (order: heap_lock, then kernel_space_lock).
 */
#include "kernel/address_space.h"
#include "kernel/kmalloc.h"
#include "kernel/spinlock.h"
#include "lib/panic.h"

static struct heap kernel_heap;
static struct spinlock heap_lock = SPINLOCK_INIT("kernel_heap");

static void *heap_pages_alloc(void *ctx, size_t npages)
{
	vaddr_t va;

	(void)ctx;
	if (kernel_reserve(npages, VM_PROT_WRITE, &va) != VM_OK)
		return NULL;
	if (kernel_commit(va, npages) != VM_OK) {
		kernel_release(va, npages);
		return NULL;
	}
	return (void *)(uintptr_t)va;
}

static void heap_pages_free(void *ctx, void *addr, size_t npages)
{
	enum vm_status s;

	(void)ctx;
	s = kernel_release((vaddr_t)(uintptr_t)addr, npages);
	if (s != VM_OK)
		panic("kmalloc: heap pages %p (%zu) not released: %s", addr, npages,
		      vm_status_name(s));
}

void kmalloc_init(void)
{
	heap_init(&kernel_heap, "kernel",
		  (struct heap_page_source){ heap_pages_alloc, heap_pages_free, NULL });
}

void *kmalloc(size_t size)
{
	void *p;

	spin_lock(&heap_lock);
	p = heap_alloc(&kernel_heap, size);
	spin_unlock(&heap_lock);
	return p;
}

void kfree(void *p)
{
	spin_lock(&heap_lock);
	heap_free(&kernel_heap, p);
	spin_unlock(&heap_lock);
}

void kmalloc_trim(void)
{
	spin_lock(&heap_lock);
	heap_trim(&kernel_heap);
	spin_unlock(&heap_lock);
}

struct heap_stats kmalloc_stats(void)
{
	struct heap_stats st;

	spin_lock(&heap_lock);
	heap_get_stats(&kernel_heap, &st);
	heap_check(&kernel_heap);
	spin_unlock(&heap_lock);
	return st;
}
