/*
 * test_heap_model.c - random alloc/free storms on the kernel heap, checked
 * against a reference model.
 *
 * The model is the list of live objects with their usable size and a fill
 * byte written over all of it.  Pass rule, checked as the storm runs:
 *   - every object is HEAP_ALIGN-aligned and at least as big as asked for;
 *   - an object's bytes are intact when it is freed (no other object, and no
 *     heap metadata, was written over it);
 *   - live objects never overlap (sorted interval check every OVERLAP_EVERY);
 *   - heap_check() passes and the stats equal the model's counts every
 *     CHECK_EVERY ops, and the heap holds exactly the pages the source lent;
 *   - a failed allocation changes no count;
 *   - at the end, with everything freed and the heap trimmed, every page is
 *     back at the page source.
 * Seeds are fixed, so a failure replays exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_page_source.h"
#include "host_tap.h"
#include "mm/addr.h"
#include "mm/heap.h"

#define MAX_LIVE 4096
#define CHECK_EVERY 2000
#define OVERLAP_EVERY 10000
#define PHASE_OPS 25000 /* the storm alternates growing and shrinking phases */

struct storm_config {
	uint64_t seed;
	unsigned long ops;
	unsigned fail_every; /* page source failure injection; 0: none */
	size_t limit_pages;  /* page source budget; 0: none */
};

struct live_object {
	unsigned char *p;
	size_t usable;
	unsigned char fill;
};

struct model {
	struct live_object live[MAX_LIVE];
	size_t count;
	size_t bytes; /* sum of usable sizes */
	uint64_t rng;
	unsigned long failed_allocs;
};

/* xorshift64*: small, fast, and the same sequence on every host. */
static uint64_t model_random(struct model *m)
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545f4914f6cdd1dull;
}

static size_t model_between(struct model *m, size_t lo, size_t hi)
{
	return lo + (size_t)(model_random(m) % (hi - lo + 1));
}

/* Skewed to small: 70% <= 128 bytes, 20% up to 2 KiB, 8% a few pages,
 * 2% up to 64 KiB; 0 is included on purpose. */
static size_t model_size(struct model *m)
{
	unsigned kind = (unsigned)(model_random(m) % 100);

	if (kind < 70)
		return model_between(m, 0, 128);
	if (kind < 90)
		return model_between(m, 129, HEAP_SMALL_MAX);
	if (kind < 98)
		return model_between(m, HEAP_SMALL_MAX + 1, 4 * PAGE_SIZE);
	return model_between(m, 4 * PAGE_SIZE + 1, 16 * PAGE_SIZE);
}

static void model_expect_counts(const struct model *m, struct heap *h,
				const struct host_pages *hp)
{
	struct heap_stats st;

	heap_get_stats(h, &st);
	assert_int_equal(st.objects_in_use, m->count);
	assert_int_equal(st.bytes_in_use, m->bytes);
	assert_int_equal(st.pages_held, hp->pages_out);
}

static void model_alloc(struct model *m, struct heap *h, const struct host_pages *hp)
{
	size_t size = model_size(m);
	struct live_object *o = &m->live[m->count];

	o->p = heap_alloc(h, size);
	if (o->p == NULL) {
		m->failed_allocs++;
		model_expect_counts(m, h, hp);
		return;
	}
	assert_int_equal((uintptr_t)o->p % HEAP_ALIGN, 0);
	o->usable = heap_usable_size(h, o->p);
	assert_true(o->usable >= size);
	o->fill = (unsigned char)model_random(m);
	memset(o->p, o->fill, o->usable);
	m->bytes += o->usable;
	m->count++;
}

/* Compares whole words (usable sizes are multiples of HEAP_ALIGN); this is
 * the storm's hot loop.  Only a mismatch looks for the byte. */
static void model_verify_contents(const struct live_object *o)
{
	uint64_t want = 0x0101010101010101ull * o->fill, word;

	for (size_t k = 0; k < o->usable; k += sizeof(word)) {
		memcpy(&word, o->p + k, sizeof(word));
		if (word == want)
			continue;
		while (o->p[k] == o->fill)
			k++;
		fail_msg("object %p (%zu bytes) byte %zu is 0x%02x, wrote 0x%02x",
			 (void *)o->p, o->usable, k, o->p[k], o->fill);
	}
}

static void model_free_at(struct model *m, struct heap *h, size_t i)
{
	struct live_object *o = &m->live[i];

	model_verify_contents(o);
	heap_free(h, o->p);
	m->bytes -= o->usable;
	*o = m->live[--m->count];
}

static int live_by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct live_object *)a)->p;
	uintptr_t y = (uintptr_t)((const struct live_object *)b)->p;

	return (x > y) - (x < y);
}

/* Sorting reorders the model, which only changes which object a later
 * random index picks. */
static void model_check_no_overlap(struct model *m)
{
	qsort(m->live, m->count, sizeof(m->live[0]), live_by_address);
	for (size_t i = 1; i < m->count; i++)
		if (m->live[i - 1].p + m->live[i - 1].usable > m->live[i].p)
			fail_msg("objects %p (+%zu) and %p overlap",
				 (void *)m->live[i - 1].p, m->live[i - 1].usable,
				 (void *)m->live[i].p);
}

/* Growing phases allocate 60% of the time, shrinking ones 40%. */
static bool model_wants_alloc(struct model *m, unsigned long op)
{
	unsigned percent = (op / PHASE_OPS) % 2 == 0 ? 60 : 40;

	if (m->count == 0)
		return true;
	if (m->count == MAX_LIVE)
		return false;
	return model_random(m) % 100 < percent;
}

static void storm_run(const struct storm_config *cfg)
{
	struct host_pages hp = { .fail_every = cfg->fail_every,
				 .limit_pages = cfg->limit_pages };
	struct model *m = calloc(1, sizeof(*m));
	struct heap h;

	assert_non_null(m);
	m->rng = cfg->seed;
	heap_init(&h, "model", host_pages_source(&hp));
	for (unsigned long op = 1; op <= cfg->ops; op++) {
		if (model_wants_alloc(m, op))
			model_alloc(m, &h, &hp);
		else
			model_free_at(m, &h, (size_t)(model_random(m) % m->count));
		if (op % CHECK_EVERY == 0) {
			heap_check(&h);
			model_expect_counts(m, &h, &hp);
		}
		if (op % OVERLAP_EVERY == 0)
			model_check_no_overlap(m);
	}
	while (m->count > 0)
		model_free_at(m, &h, m->count - 1);
	heap_check(&h);
	model_expect_counts(m, &h, &hp);
	heap_trim(&h);
	assert_int_equal(hp.pages_out, 0);
	assert_int_equal(hp.runs_out, 0);
	if (cfg->fail_every != 0 || cfg->limit_pages != 0)
		assert_true(m->failed_allocs > 0); /* the injection did bite */
	else
		assert_int_equal(m->failed_allocs, 0);
	free(m);
}

static void heap_model_storm_seed_1(void **state)
{
	(void)state;
	storm_run(&(struct storm_config){ .seed = 0x9e3779b97f4a7c15ull,
					  .ops = 200000 });
}

static void heap_model_storm_seed_2(void **state)
{
	(void)state;
	storm_run(&(struct storm_config){ .seed = 0xd1b54a32d192ed03ull,
					  .ops = 200000 });
}

/* Every 7th page request fails: NULL returns land in every path - table
 * growth, new slabs, large objects. */
static void heap_model_storm_with_failing_page_source(void **state)
{
	(void)state;
	storm_run(&(struct storm_config){ .seed = 42, .ops = 100000, .fail_every = 7 });
}

/* A budget the live set keeps hitting: the heap runs full, frees, runs on. */
static void heap_model_storm_at_the_page_budget(void **state)
{
	(void)state;
	storm_run(&(struct storm_config){ .seed = 7, .ops = 100000, .limit_pages = 600 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap_model_storm_seed_1),
		cmocka_unit_test(heap_model_storm_seed_2),
		cmocka_unit_test(heap_model_storm_with_failing_page_source),
		cmocka_unit_test(heap_model_storm_at_the_page_budget),
	};

	return HOST_TAP_RUN(tests);
}
