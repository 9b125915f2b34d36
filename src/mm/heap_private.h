/*
 * heap_private.h - span layouts and helpers shared by heap.c and heap_check.c.
 *
 * Only the heap's own files include this.  A span is a run of pages from the
 * page source, with its header in its first bytes:
 *
 *   slab   | struct heap_slab | pad | obj 0 | obj 1 | ... | obj n-1 | tail |
 *          ^ page-aligned          ^ base + HEAP_SLAB_OBJECTS_OFFSET
 *
 *   large  | struct heap_large | object ...................................|
 *          ^ page-aligned      ^ base + 16: what heap_alloc() returned
 *
 * The first word of both headers is a magic number that says which kind of
 * span it is; heap_table maps every page of a slab, and the first page of a
 * large object, to the span's first byte.
 */
#ifndef MM_HEAP_PRIVATE_H
#define MM_HEAP_PRIVATE_H

#include "mm/addr.h"
#include "mm/heap.h"

#define HEAP_SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define HEAP_LARGE_MAGIC 0x4c524745u /* "LRGE" */

/*
 * Slab header.  Invariant: in_use == number of set bits in used[], and no
 * bit at or above the class's slab_objects is set.  The free set is the
 * bitmap, not a list threaded through the objects, so a free object holds
 * nothing but junk and a stray write into it cannot corrupt the allocator.
 */
struct heap_slab {
	uint32_t magic;
	uint16_t class_index;
	uint16_t in_use;
	struct heap_slab *prev; /* links on the class's partial or full list */
	struct heap_slab *next;
	uint64_t used[HEAP_SLAB_MAX_OBJECTS / 64]; /* bit set: object allocated */
};

#define HEAP_SLAB_OBJECTS_OFFSET \
	((sizeof(struct heap_slab) + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1))

/* Large-object header: exactly HEAP_ALIGN bytes so the object stays aligned. */
struct heap_large {
	uint32_t magic;
	uint32_t reserved;
	uint64_t pages; /* the run's length, for pages_free() */
};

_Static_assert(sizeof(struct heap_large) == HEAP_ALIGN,
	       "large header must keep objects HEAP_ALIGN-aligned");

/* Junk is compared a word at a time: objects and sizes are multiples of 16.
 * may_alias: objects are untyped memory that callers wrote as anything. */
typedef uint64_t __attribute__((may_alias)) heap_word_t;
#define HEAP_JUNK_WORD (0x0101010101010101ull * HEAP_JUNK)

static inline void *heap_slab_object(const struct heap_slab *s,
				     const struct heap_class *c, size_t i)
{
	return (char *)s + HEAP_SLAB_OBJECTS_OFFSET + i * c->size;
}

static inline bool heap_slab_bit(const struct heap_slab *s, size_t i)
{
	return (s->used[i / 64] >> (i % 64)) & 1;
}

static inline size_t heap_large_usable(const struct heap_large *l)
{
	return l->pages * PAGE_SIZE - sizeof(*l);
}

/* Offset of the first byte of p[0..size) that is not HEAP_JUNK, or size. */
static inline size_t heap_junk_find(const void *p, size_t size)
{
	const heap_word_t *w = p;
	const unsigned char *b = p;
	size_t i = 0;

	while (i < size / sizeof(*w) && w[i] == HEAP_JUNK_WORD)
		i++;
	for (i *= sizeof(*w); i < size; i++)
		if (b[i] != HEAP_JUNK)
			return i;
	return size;
}

#endif
