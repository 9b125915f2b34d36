/*
 * heap_table.c - page -> span hash table of the kernel heap.
 *
 * Open addressing with linear probing and backward-shift deletion; the
 * invariants are stated in heap_table.h.  Load factor at most 1/2 keeps
 * probes short; the table only grows, by doubling, and is given back
 * whole by heap_table_release() once the heap holds no span.
 */
#include "mm/heap_table.h"

#include "lib/panic.h"
#include "mm/addr.h"
#include "mm/heap.h"

/* 2^64 / golden ratio: multiplying spreads consecutive page numbers, which
 * is what a heap's pages mostly are, over the whole table. */
#define HEAP_TABLE_HASH_MUL 0x9e3779b97f4a7c15ull

static size_t table_home(const struct heap_table *t, uintptr_t page)
{
	return (size_t)(((uint64_t)page * HEAP_TABLE_HASH_MUL) >> t->shift);
}

static size_t table_next(const struct heap_table *t, size_t i)
{
	return (i + 1) & (t->capacity - 1);
}

static size_t table_storage_pages(size_t capacity)
{
	return (size_t)PAGE_ROUND_UP(capacity * sizeof(struct heap_table_slot)) /
	       PAGE_SIZE;
}

static unsigned table_shift_for(size_t capacity)
{
	unsigned shift = 64;

	while (((size_t)1 << (64 - shift)) < capacity)
		shift--;
	return shift;
}

/* Index of page's slot, or of the empty slot where it would go. */
static size_t table_probe(const struct heap_table *t, uintptr_t page)
{
	size_t i = table_home(t, page);

	while (t->slots[i].page != 0 && t->slots[i].page != page)
		i = table_next(t, i);
	return i;
}

static void table_put(struct heap_table *t, uintptr_t page, void *span)
{
	size_t i = table_probe(t, page);

	if (t->slots[i].page == page)
		panic("heap_table_insert: page %p already owned by span %p",
		      (void *)(page << PAGE_SHIFT), t->slots[i].span);
	t->slots[i].page = page;
	t->slots[i].span = span;
	t->count++;
}

/* Moves every entry into fresh storage of new_capacity slots. */
static bool table_resize(struct heap_table *t, const struct heap_page_source *src,
			 size_t new_capacity)
{
	struct heap_table old = *t;
	size_t npages = table_storage_pages(new_capacity);
	struct heap_table_slot *slots = src->pages_alloc(src->ctx, npages);

	if (slots == NULL)
		return false;
	for (size_t i = 0; i < new_capacity; i++)
		slots[i] = (struct heap_table_slot){ 0, NULL };
	*t = (struct heap_table){ .slots = slots, .capacity = new_capacity,
				  .pages = npages,
				  .shift = table_shift_for(new_capacity) };
	for (size_t i = 0; i < old.capacity; i++)
		if (old.slots[i].page != 0)
			table_put(t, old.slots[i].page, old.slots[i].span);
	if (old.slots != NULL)
		src->pages_free(src->ctx, old.slots, old.pages);
	return true;
}

bool heap_table_reserve(struct heap_table *t, const struct heap_page_source *src,
			size_t extra)
{
	size_t want = t->count + extra;
	size_t capacity = t->capacity ? t->capacity : HEAP_TABLE_MIN_SLOTS;

	while (want > capacity / 2)
		capacity *= 2;
	if (capacity == t->capacity)
		return true;
	return table_resize(t, src, capacity);
}

void heap_table_insert(struct heap_table *t, uintptr_t page, void *span)
{
	ASSERT(page != 0);
	ASSERT(t->count < t->capacity / 2);
	table_put(t, page, span);
}

void *heap_table_lookup(const struct heap_table *t, uintptr_t page)
{
	size_t i;

	if (t->count == 0 || page == 0)
		return NULL;
	i = table_probe(t, page);
	return t->slots[i].page == page ? t->slots[i].span : NULL;
}

/* True if home lies cyclically in (gap, j]: the entry at j may not move
 * back to gap, or a probe starting at home would stop at gap too early. */
static bool table_home_between(size_t gap, size_t home, size_t j)
{
	if (gap <= j)
		return gap < home && home <= j;
	return gap < home || home <= j;
}

void heap_table_remove(struct heap_table *t, uintptr_t page)
{
	size_t gap = t->count ? table_probe(t, page) : 0;

	if (t->count == 0 || t->slots[gap].page != page)
		panic("heap_table_remove: page %p not in the table",
		      (void *)(page << PAGE_SHIFT));
	for (size_t j = table_next(t, gap); t->slots[j].page != 0;
	     j = table_next(t, j)) {
		if (table_home_between(gap, table_home(t, t->slots[j].page), j))
			continue;
		t->slots[gap] = t->slots[j];
		gap = j;
	}
	t->slots[gap] = (struct heap_table_slot){ 0, NULL };
	t->count--;
}

void heap_table_release(struct heap_table *t, const struct heap_page_source *src)
{
	ASSERT(t->count == 0);
	if (t->slots != NULL)
		src->pages_free(src->ctx, t->slots, t->pages);
	*t = (struct heap_table){ 0 };
}

void heap_table_visit(const struct heap_table *t,
		      void (*fn)(void *ctx, uintptr_t page, void *span), void *ctx)
{
	for (size_t i = 0; i < t->capacity; i++)
		if (t->slots[i].page != 0)
			fn(ctx, t->slots[i].page, t->slots[i].span);
}
