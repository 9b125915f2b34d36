/*
 * ut_malloc - malloc/free storm over the user heap (src/mm/heap.c behind
 * RDOS_SYS_RESERVE): random sizes from 0 to 64 KiB with a fixed seed, each
 * object filled with a pattern derived from its slot and checked before it
 * is freed or reallocated; calloc must give zeros; then everything is
 * freed, the heap trimmed, and the process must hold exactly the
 * reservations and frames it held before the first malloc.
 *
 * Pass rule: every check holds, heap_check finds nothing (it panics, exit
 * 127, otherwise), exit 0.
 */
#include <stddef.h>

#include "lib/string.h"
#include "ut.h"
#include "user/runtime/malloc.h"
#include "user/runtime/sys.h"

#define STORM_SLOTS 256
#define STORM_ROUNDS 20000
#define STORM_SEED 0x2545f4914f6cdd1dull
#define STORM_LARGE_MAX (64 * 1024) /* well past HEAP_SMALL_MAX */

struct storm_slot {
	uint8_t *p;
	size_t size;
	uint8_t tag; /* fill byte: distinct per allocation */
};

static struct storm_slot storm[STORM_SLOTS];

/* xorshift64*: deterministic, so a failure reproduces exactly. */
static uint64_t storm_rng = STORM_SEED;

static uint64_t storm_random(void)
{
	storm_rng ^= storm_rng >> 12;
	storm_rng ^= storm_rng << 25;
	storm_rng ^= storm_rng >> 27;
	return storm_rng * 0x2545f4914f6cdd1dull;
}

/* Mostly small objects (the slab classes), sometimes large ones. */
static size_t storm_size(void)
{
	uint64_t r = storm_random();

	if (r % 8 == 0)
		return (size_t)(r >> 8) % STORM_LARGE_MAX;
	return (size_t)(r >> 8) % (HEAP_SMALL_MAX + 1);
}

/* Checks the first and last bytes and a stride between: enough to catch
 * overlapping objects without making the storm quadratic. */
static bool storm_intact(const uint8_t *p, size_t size, uint8_t tag)
{
	for (size_t i = 0; i < size; i += (i < 64 || size - i <= 64) ? 1 : 61)
		if (p[i] != tag)
			return false;
	return true;
}

static void storm_release(int i)
{
	struct storm_slot *s = &storm[i];

	UT_CHECK(storm_intact(s->p, s->size, s->tag), "slot %d: %zu bytes at %p overwritten",
		 i, s->size, (void *)s->p);
	free(s->p);
	*s = (struct storm_slot){ 0 };
}

static void storm_fill(struct storm_slot *s, uint8_t *p, size_t size, uint8_t tag)
{
	UT_CHECK(((uintptr_t)p & (HEAP_ALIGN - 1)) == 0, "%p not %d-aligned", (void *)p,
		 HEAP_ALIGN);
	memset(p, tag, size);
	*s = (struct storm_slot){ .p = p, .size = size, .tag = tag };
}

/* One step on a random slot: free what is there, or allocate into it with
 * malloc, calloc or realloc. */
static void storm_step(int round)
{
	int i = (int)(storm_random() % STORM_SLOTS);
	struct storm_slot *s = &storm[i];
	size_t size = storm_size();
	uint8_t tag = (uint8_t)(round | 1);
	uint8_t *p;

	if (s->p != NULL && round % 3 == 0) {
		UT_CHECK(storm_intact(s->p, s->size, s->tag),
			 "slot %d overwritten before realloc", i);
		p = realloc(s->p, size);
		if (!UT_CHECK(p != NULL, "realloc(%zu) failed", size))
			return;
		UT_CHECK(storm_intact(p, size < s->size ? size : s->size, s->tag),
			 "realloc %zu -> %zu lost slot %d's contents", s->size, size, i);
		storm_fill(s, p, size, tag);
		return;
	}
	if (s->p != NULL) {
		storm_release(i);
		return;
	}
	p = (round % 5 == 0) ? calloc(1, size) : malloc(size);
	if (!UT_CHECK(p != NULL, "allocating %zu bytes failed", size))
		return;
	if (round % 5 == 0)
		for (size_t k = 0; k < size; k++)
			if (!UT_CHECK(p[k] == 0, "calloc(%zu) byte %zu is 0x%x", size, k, p[k]))
				break;
	storm_fill(s, p, size, tag);
}

int main(void)
{
	struct rdos_memstat before, after;
	struct heap_stats hs;

	ut_begin("ut_malloc");
	ut_prefault();
	ut_memstat(&before);

	for (int round = 0; round < STORM_ROUNDS; round++)
		storm_step(round);
	malloc_check();
	for (int i = 0; i < STORM_SLOTS; i++)
		if (storm[i].p != NULL)
			storm_release(i);
	UT_CHECK(calloc((size_t)1 << 62, 8) == NULL, "calloc overflow not refused");
	malloc_check();
	malloc_trim();

	malloc_get_stats(&hs);
	UT_EXPECT(hs.objects_in_use, 0);
	UT_EXPECT(hs.pages_held, 0);
	ut_memstat(&after);
	UT_EXPECT(after.reserved_pages, before.reserved_pages);
	UT_EXPECT(after.present_pages, before.present_pages);
	return ut_end();
}
