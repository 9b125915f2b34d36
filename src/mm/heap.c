/*
 * heap.c - kernel heap: size classes carved from slabs, large objects as
 * their own runs of pages.  The contract is in heap.h, span layouts in
 * heap_private.h, the page -> span lookup in heap_table.c, the invariant
 * walk in heap_check.c.
 *
 * Invariants kept here:
 *   - a slab is on exactly one of its class's lists: partial (0 < in_use <
 *     slab_objects), full (in_use == slab_objects) or spare (in_use == 0;
 *     at most one); a slab that becomes empty while a spare exists goes
 *     back to the page source at once;
 *   - every page of every slab, and the first page of every large object,
 *     is in h->table, mapped to the span's first byte; nothing else is;
 *   - with HEAP_JUNK_CHECK every byte of every free small object is
 *     HEAP_JUNK;
 *   - out of memory is detected before anything is changed: the table is
 *     grown first, then the pages are asked for, then the span is linked in.
 */
#include "mm/heap.h"

#include "lib/panic.h"
#include "mm/addr.h"
#include "mm/heap_private.h"

/* dlmalloc-like spacing: 1, 1.5, 2 times each power of two; at most 33%
 * internal waste above 32 bytes. */
static const uint16_t heap_class_sizes[HEAP_CLASS_COUNT] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
};

/* A slab may waste at most 1/HEAP_SLAB_WASTE_DIV of its bytes (header,
 * tail); the 1 KiB-2 KiB classes need 2-4 pages to meet that. */
#define HEAP_SLAB_WASTE_DIV 8

/* Largest request whose page rounding cannot overflow. */
#define HEAP_LARGE_MAX (SIZE_MAX - PAGE_SIZE - sizeof(struct heap_large))

__attribute__((noreturn)) static void heap_panic_not_object(const struct heap *h,
							    const void *p,
							    const char *who)
{
	panic("%s: %p is not an allocated object (double free?) in heap %s",
	      who, p, h->name);
}

/* ---- size classes ------------------------------------------------------- */

static size_t slab_capacity(size_t pages, size_t size)
{
	size_t n = (pages * PAGE_SIZE - HEAP_SLAB_OBJECTS_OFFSET) / size;

	return n < HEAP_SLAB_MAX_OBJECTS ? n : HEAP_SLAB_MAX_OBJECTS;
}

/* Fewest pages per slab that waste at most 1/HEAP_SLAB_WASTE_DIV. */
static void class_init(struct heap_class *c, uint32_t size)
{
	size_t pages = 1;

	while (pages < HEAP_SLAB_MAX_PAGES &&
	       (pages * PAGE_SIZE - slab_capacity(pages, size) * size) *
			       HEAP_SLAB_WASTE_DIV >
		       pages * PAGE_SIZE)
		pages++;
	*c = (struct heap_class){ .size = size,
				  .slab_pages = (uint16_t)pages,
				  .slab_objects = (uint16_t)slab_capacity(pages, size) };
	ASSERT(c->slab_objects > 0);
}

static struct heap_class *class_for(struct heap *h, size_t size)
{
	size_t i = 0;

	while (h->classes[i].size < size)
		i++;
	return &h->classes[i];
}

void heap_init(struct heap *h, const char *name, struct heap_page_source source)
{
	*h = (struct heap){ .name = name, .source = source };
	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++)
		class_init(&h->classes[i], heap_class_sizes[i]);
	ASSERT(h->classes[HEAP_CLASS_COUNT - 1].size == HEAP_SMALL_MAX);
}

/* ---- spans: runs of pages from the source, registered in the table ------ */

/* Pages for a span of npages, with room for its table entries; NULL (and
 * nothing held) when the source is out of memory. */
static void *span_alloc(struct heap *h, size_t npages, size_t table_entries)
{
	void *base;

	if (!heap_table_reserve(&h->table, &h->source, table_entries))
		return NULL;
	base = h->source.pages_alloc(h->source.ctx, npages);
	if (base != NULL && ((uintptr_t)base & PAGE_MASK) != 0)
		panic("heap %s: page source returned unaligned %p", h->name, base);
	return base;
}

static void span_register(struct heap *h, void *base, size_t entries)
{
	for (size_t i = 0; i < entries; i++)
		heap_table_insert(&h->table, ((uintptr_t)base >> PAGE_SHIFT) + i, base);
}

static void span_free(struct heap *h, void *base, size_t npages, size_t entries)
{
	for (size_t i = 0; i < entries; i++)
		heap_table_remove(&h->table, ((uintptr_t)base >> PAGE_SHIFT) + i);
	h->source.pages_free(h->source.ctx, base, npages);
}

/* ---- slab lists --------------------------------------------------------- */

static void slab_list_push(struct heap_slab **head, struct heap_slab *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head != NULL)
		(*head)->prev = s;
	*head = s;
}

static void slab_list_remove(struct heap_slab **head, struct heap_slab *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

/* ---- slabs -------------------------------------------------------------- */

/* size is a multiple of HEAP_ALIGN, so whole words cover it. */
static void junk_fill(void *p, size_t size)
{
	heap_word_t *w = p;

	for (size_t i = 0; i < size / sizeof(*w); i++)
		w[i] = HEAP_JUNK_WORD;
}

static struct heap_slab *slab_create(struct heap *h, struct heap_class *c)
{
	struct heap_slab *s = span_alloc(h, c->slab_pages, c->slab_pages);

	if (s == NULL)
		return NULL;
	*s = (struct heap_slab){ .magic = HEAP_SLAB_MAGIC,
				 .class_index = (uint16_t)(c - h->classes) };
	if (HEAP_JUNK_CHECK)
		junk_fill(heap_slab_object(s, c, 0), (size_t)c->slab_objects * c->size);
	span_register(h, s, c->slab_pages);
	c->slabs++;
	return s;
}

static void slab_destroy(struct heap *h, struct heap_class *c, struct heap_slab *s)
{
	span_free(h, s, c->slab_pages, c->slab_pages);
	c->slabs--;
}

/* The spare slab if there is one, else a new one; NULL when out of memory. */
static struct heap_slab *class_take_empty_slab(struct heap *h, struct heap_class *c)
{
	struct heap_slab *s = c->spare;

	if (s == NULL)
		return slab_create(h, c);
	c->spare = NULL;
	return s;
}

/* A slab just became empty: keep it as the spare, or give it back. */
static void class_retire_slab(struct heap *h, struct heap_class *c, struct heap_slab *s)
{
	slab_list_remove(&c->partial, s);
	if (c->spare == NULL) {
		c->spare = s;
		return;
	}
	slab_destroy(h, c, s);
}

static size_t slab_first_free(const struct heap_slab *s)
{
	size_t w = 0;

	while (s->used[w] == ~(uint64_t)0)
		w++;
	return w * 64 + (size_t)__builtin_ctzll(~s->used[w]);
}

static void junk_verify(const struct heap *h, const void *obj, size_t size)
{
	size_t bad = heap_junk_find(obj, size);

	if (bad != size)
		panic("heap_alloc: use after free in heap %s: object %p byte %zu is "
		      "0x%x, expected 0x%x",
		      h->name, obj, bad, ((const unsigned char *)obj)[bad], HEAP_JUNK);
}

static void *class_alloc(struct heap *h, struct heap_class *c)
{
	struct heap_slab *s = c->partial;
	size_t i;
	void *obj;

	if (s == NULL) {
		s = class_take_empty_slab(h, c);
		if (s == NULL)
			return NULL;
		slab_list_push(&c->partial, s);
	}
	i = slab_first_free(s);
	obj = heap_slab_object(s, c, i);
	if (HEAP_JUNK_CHECK)
		junk_verify(h, obj, c->size);
	s->used[i / 64] |= (uint64_t)1 << (i % 64);
	s->in_use++;
	c->objects_in_use++;
	if (s->in_use == c->slab_objects) {
		slab_list_remove(&c->partial, s);
		slab_list_push(&c->full, s);
	}
	return obj;
}

/* Index of live object p in slab s, or a panic naming who. */
static size_t slab_index_of(const struct heap *h, const struct heap_slab *s,
			    const void *p, const char *who)
{
	const struct heap_class *c = &h->classes[s->class_index];
	uintptr_t off = (uintptr_t)p - (uintptr_t)heap_slab_object(s, c, 0);

	/* p below the first object wraps off around to a huge value. */
	if (off % c->size != 0 || off / c->size >= c->slab_objects ||
	    !heap_slab_bit(s, off / c->size))
		heap_panic_not_object(h, p, who);
	return off / c->size;
}

static void slab_free(struct heap *h, struct heap_slab *s, size_t i)
{
	struct heap_class *c = &h->classes[s->class_index];

	if (HEAP_JUNK_CHECK)
		junk_fill(heap_slab_object(s, c, i), c->size);
	s->used[i / 64] &= ~((uint64_t)1 << (i % 64));
	c->objects_in_use--;
	if (s->in_use-- == c->slab_objects) {
		slab_list_remove(&c->full, s);
		slab_list_push(&c->partial, s);
	}
	if (s->in_use == 0)
		class_retire_slab(h, c, s);
}

/* ---- large objects ------------------------------------------------------ */

static void *large_alloc(struct heap *h, size_t size)
{
	size_t npages;
	struct heap_large *l;

	if (size > HEAP_LARGE_MAX)
		return NULL;
	npages = (size_t)PAGE_ROUND_UP(size + sizeof(*l)) / PAGE_SIZE;
	l = span_alloc(h, npages, 1);
	if (l == NULL)
		return NULL;
	*l = (struct heap_large){ .magic = HEAP_LARGE_MAGIC, .pages = npages };
	span_register(h, l, 1);
	h->large_objects++;
	h->large_pages += npages;
	h->large_bytes += heap_large_usable(l);
	return l + 1;
}

static void large_free(struct heap *h, struct heap_large *l)
{
	h->large_objects--;
	h->large_pages -= l->pages;
	h->large_bytes -= heap_large_usable(l);
	span_free(h, l, l->pages, 1);
}

/* ---- finding the object behind a pointer -------------------------------- */

/*
 * The span that holds live object p, checked, or a panic naming who.  The
 * table answers before p's memory is touched, so a wild or foreign pointer
 * panics cleanly instead of faulting.  On return exactly one of *slab and
 * *large is set; for a slab, *index is the object's index.
 */
static void span_find(const struct heap *h, const void *p, const char *who,
		      struct heap_slab **slab, size_t *index, struct heap_large **large)
{
	void *span = heap_table_lookup(&h->table, (uintptr_t)p >> PAGE_SHIFT);
	uint32_t magic;

	if (span == NULL)
		heap_panic_not_object(h, p, who);
	magic = *(const uint32_t *)span;
	*slab = NULL;
	*large = NULL;
	if (magic == HEAP_LARGE_MAGIC) {
		*large = span;
		if ((const void *)(*large + 1) != p)
			heap_panic_not_object(h, p, who);
	} else if (magic == HEAP_SLAB_MAGIC &&
		   ((struct heap_slab *)span)->class_index < HEAP_CLASS_COUNT) {
		*slab = span;
		*index = slab_index_of(h, *slab, p, who);
	} else {
		panic("%s: heap %s: header of span %p holding %p is corrupted "
		      "(magic 0x%x)",
		      who, h->name, span, p, magic);
	}
}

/* ---- public API --------------------------------------------------------- */

void *heap_alloc(struct heap *h, size_t size)
{
	if (size > HEAP_SMALL_MAX)
		return large_alloc(h, size);
	return class_alloc(h, class_for(h, size));
}

void heap_free(struct heap *h, void *p)
{
	struct heap_slab *s;
	struct heap_large *l;
	size_t i;

	if (p == NULL)
		return;
	span_find(h, p, __func__, &s, &i, &l);
	if (s != NULL)
		slab_free(h, s, i);
	else
		large_free(h, l);
}

size_t heap_usable_size(const struct heap *h, const void *p)
{
	struct heap_slab *s;
	struct heap_large *l;
	size_t i;

	span_find(h, p, __func__, &s, &i, &l);
	return s != NULL ? h->classes[s->class_index].size : heap_large_usable(l);
}

void heap_trim(struct heap *h)
{
	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		struct heap_class *c = &h->classes[i];

		if (c->spare != NULL) {
			slab_destroy(h, c, c->spare);
			c->spare = NULL;
		}
	}
	if (h->table.count == 0)
		heap_table_release(&h->table, &h->source);
}

void heap_get_stats(const struct heap *h, struct heap_stats *out)
{
	*out = (struct heap_stats){ .bytes_in_use = h->large_bytes,
				    .objects_in_use = h->large_objects,
				    .pages_held = h->large_pages + h->table.pages,
				    .large_objects = h->large_objects,
				    .large_pages = h->large_pages,
				    .table_pages = h->table.pages };
	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		const struct heap_class *c = &h->classes[i];
		struct heap_class_stats *cs = &out->classes[i];

		*cs = (struct heap_class_stats){ .size = c->size,
						 .objects_in_use = c->objects_in_use,
						 .slabs = c->slabs,
						 .pages = c->slabs * c->slab_pages };
		out->bytes_in_use += c->objects_in_use * c->size;
		out->objects_in_use += c->objects_in_use;
		out->pages_held += cs->pages;
	}
}
