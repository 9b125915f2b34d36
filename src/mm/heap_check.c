/*
 * heap_check.c - heap_check(): recount everything the heap keeps count of
 * and compare, for tests and debugging.
 *
 * Two walks that see the heap from opposite ends: the class lists (every
 * slab, its bitmap, its free objects' junk, its pages in the table) and the
 * page table (every entry points at a valid span header).  Totals from both
 * must equal the counters that heap_get_stats() reports.  Reads only; the
 * first broken invariant panics with the heap's name and the culprit.
 */
#include "lib/panic.h"
#include "mm/addr.h"
#include "mm/heap.h"
#include "mm/heap_private.h"

#define CHECK(h, cond, fmt, ...)                                              \
	do {                                                                  \
		if (!(cond))                                                  \
			panic("heap_check: heap %s: " fmt, (h)->name,         \
			      ##__VA_ARGS__);                                 \
	} while (0)

/* Totals gathered from the page table. */
struct check_table_totals {
	const struct heap *h;
	size_t slab_entries;
	size_t large_objects;
	size_t large_pages;
	size_t large_bytes;
};

static void check_free_object(const struct heap *h, const struct heap_class *c,
			      const struct heap_slab *s, size_t i)
{
	const unsigned char *obj = heap_slab_object(s, c, i);
	size_t bad = heap_junk_find(obj, c->size);

	CHECK(h, bad == c->size,
	      "free object %p byte %zu is 0x%x, not junk 0x%x (use after free)",
	      (const void *)obj, bad, obj[bad], HEAP_JUNK);
}

/* Header, bitmap against in_use, junk, and the slab's pages in the table. */
static void check_slab(const struct heap *h, const struct heap_class *c,
		       const struct heap_slab *s)
{
	uintptr_t first_page = (uintptr_t)s >> PAGE_SHIFT;
	size_t used = 0;

	CHECK(h, s->magic == HEAP_SLAB_MAGIC, "slab %p: bad magic 0x%x",
	      (const void *)s, s->magic);
	CHECK(h, s->class_index < HEAP_CLASS_COUNT && &h->classes[s->class_index] == c,
	      "slab %p: class %u on the lists of class %u", (const void *)s,
	      s->class_index, (unsigned)(c - h->classes));
	for (size_t i = 0; i < HEAP_SLAB_MAX_OBJECTS; i++) {
		if (heap_slab_bit(s, i)) {
			CHECK(h, i < c->slab_objects,
			      "slab %p: bit %zu set, slab has %u objects",
			      (const void *)s, i, c->slab_objects);
			used++;
		} else if (HEAP_JUNK_CHECK && i < c->slab_objects) {
			check_free_object(h, c, s, i);
		}
	}
	CHECK(h, used == s->in_use, "slab %p: in_use %u, bitmap has %zu",
	      (const void *)s, s->in_use, used);
	for (size_t p = 0; p < c->slab_pages; p++)
		CHECK(h, heap_table_lookup(&h->table, first_page + p) == s,
		      "slab %p: page %zu is not mapped to it in the table",
		      (const void *)s, p);
}

/* Walks one list whose slabs must have lo..hi objects in use; adds the
 * list's slabs and objects to *slabs and *objects. */
static void check_list(const struct heap *h, const struct heap_class *c,
		       const struct heap_slab *head, const char *list, size_t lo,
		       size_t hi, size_t *slabs, size_t *objects)
{
	const struct heap_slab *prev = NULL;

	for (const struct heap_slab *s = head; s != NULL; prev = s, s = s->next) {
		CHECK(h, ++*slabs <= c->slabs,
		      "class %u: more slabs on the lists than its %zu (cycle?)",
		      c->size, c->slabs);
		CHECK(h, s->prev == prev, "slab %p on the %s list: bad prev link",
		      (const void *)s, list);
		check_slab(h, c, s);
		CHECK(h, s->in_use >= lo && s->in_use <= hi,
		      "slab %p on the %s list has %u of %u objects in use",
		      (const void *)s, list, s->in_use, c->slab_objects);
		*objects += s->in_use;
	}
}

static void check_class(const struct heap *h, const struct heap_class *c)
{
	size_t slabs = 0, objects = 0;

	check_list(h, c, c->partial, "partial", 1, c->slab_objects - 1u, &slabs,
		   &objects);
	check_list(h, c, c->full, "full", c->slab_objects, c->slab_objects,
		   &slabs, &objects);
	if (c->spare != NULL) {
		CHECK(h, c->spare->prev == NULL && c->spare->next == NULL,
		      "class %u: spare slab %p is linked", c->size,
		      (const void *)c->spare);
		check_list(h, c, c->spare, "spare", 0, 0, &slabs, &objects);
	}
	CHECK(h, slabs == c->slabs, "class %u: %zu slabs on the lists, counter %zu",
	      c->size, slabs, c->slabs);
	CHECK(h, objects == c->objects_in_use,
	      "class %u: %zu objects in use in slabs, counter %zu", c->size,
	      objects, c->objects_in_use);
}

static void check_table_entry(void *ctx, uintptr_t page, void *span)
{
	struct check_table_totals *t = ctx;
	const struct heap *h = t->h;
	uintptr_t span_page = (uintptr_t)span >> PAGE_SHIFT;
	uint32_t magic = *(const uint32_t *)span;

	if (magic == HEAP_SLAB_MAGIC) {
		const struct heap_slab *s = span;

		CHECK(h, s->class_index < HEAP_CLASS_COUNT &&
				 page - span_page < h->classes[s->class_index].slab_pages,
		      "page %p is mapped to slab %p, which does not cover it",
		      (void *)(page << PAGE_SHIFT), span);
		t->slab_entries++;
	} else if (magic == HEAP_LARGE_MAGIC) {
		const struct heap_large *l = span;

		CHECK(h, page == span_page,
		      "page %p is mapped to large object %p, not its first page",
		      (void *)(page << PAGE_SHIFT), span);
		t->large_objects++;
		t->large_pages += l->pages;
		t->large_bytes += heap_large_usable(l);
	} else {
		CHECK(h, false, "page %p is mapped to span %p with bad magic 0x%x",
		      (void *)(page << PAGE_SHIFT), span, magic);
	}
}

void heap_check(const struct heap *h)
{
	struct check_table_totals t = { .h = h };
	size_t slab_pages = 0;

	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		check_class(h, &h->classes[i]);
		slab_pages += h->classes[i].slabs * h->classes[i].slab_pages;
	}
	CHECK(h, h->table.count <= h->table.capacity / 2,
	      "table holds %zu entries in %zu slots", h->table.count,
	      h->table.capacity);
	heap_table_visit(&h->table, check_table_entry, &t);
	CHECK(h, t.slab_entries == slab_pages,
	      "table maps %zu slab pages, the classes hold %zu", t.slab_entries,
	      slab_pages);
	CHECK(h, t.slab_entries + t.large_objects == h->table.count,
	      "table counts %zu entries, visited %zu", h->table.count,
	      t.slab_entries + t.large_objects);
	CHECK(h, t.large_objects == h->large_objects &&
			 t.large_pages == h->large_pages &&
			 t.large_bytes == h->large_bytes,
	      "large objects: table has %zu (%zu pages, %zu bytes), counters "
	      "%zu (%zu pages, %zu bytes)",
	      t.large_objects, t.large_pages, t.large_bytes, h->large_objects,
	      h->large_pages, h->large_bytes);
}
