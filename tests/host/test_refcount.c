/*
 * test_refcount.c - the frame-share table (mm/vm_share.h) on its own.
 *
 * Unit tests: absent frames count 1 and cost nothing; the table appears
 * with the first shared frame, doubles, halves and is freed with the
 * last; out of memory on growth changes nothing and on shrink only keeps
 * the table larger; a count stops at its maximum.  A randomized model
 * test runs ref/unref (with starved growth now and then) against a plain
 * per-frame array and compares every count, the totals and the table's
 * own invariants (vm_share_check).
 */
#include "host_tap.h"
#include "test_card1.h"
#include "test_fork.h"
#include "vm_test.h"

#define FRAME(i) (SIM_PHYS_BASE + ((paddr_t)(i) << PAGE_SHIFT))

static void assert_share_sane(struct vm_share *t)
{
	const char *why = vm_share_check(t);

	if (why)
		fail_msg("%s", why);
}

static void fork_refcount_absent_frame_counts_one(void **state)
{
	struct share_source mem;
	struct vm_share t;

	(void)state;
	share_setup(&t, &mem);
	assert_int_equal(vm_share_count(&t, FRAME(7)), 1);
	assert_true(vm_share_unref(&t, FRAME(7))); /* its last mapping */
	assert_int_equal(vm_share_stats(&t).bytes, 0);
	assert_int_equal(mem.pool.live, 0);

	assert_status(vm_share_ref(&t, FRAME(7)), VM_OK);
	assert_status(vm_share_ref(&t, FRAME(7)), VM_OK);
	assert_int_equal(vm_share_count(&t, FRAME(7)), 3);
	assert_int_equal(vm_share_stats(&t).frames, 1);
	assert_int_equal(vm_share_stats(&t).extra, 2);
	assert_int_equal(vm_share_stats(&t).bytes, PAGE_SIZE);
	assert_false(vm_share_unref(&t, FRAME(7)));
	assert_false(vm_share_unref(&t, FRAME(7)));
	assert_int_equal(vm_share_count(&t, FRAME(7)), 1);
	assert_int_equal(vm_share_stats(&t).bytes, 0); /* nothing shared */
	assert_int_equal(mem.bytes_out, 0);
	assert_true(vm_share_unref(&t, FRAME(7)));
	assert_share_sane(&t);
}

/* Share n frames FRAME(0..n-1) once each. */
static void share_frames(struct vm_share *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_status(vm_share_ref(t, FRAME(i)), VM_OK);
}

static void fork_refcount_grows_by_doubling_and_shrinks_to_nothing(void **state)
{
	const size_t n = 10000;
	struct share_source mem;
	struct vm_share t;
	size_t bytes = 0, most = 0;

	(void)state;
	share_setup(&t, &mem);
	for (size_t i = 0; i < n; i++) {
		size_t now;

		assert_status(vm_share_ref(&t, FRAME(i)), VM_OK);
		now = vm_share_stats(&t).bytes;
		assert_true(now == bytes || now == (bytes ? 2 * bytes : PAGE_SIZE));
		bytes = now;
	}
	assert_share_sane(&t);
	/* 10000 entries at most 3/4 full: 16384 slots of 8 bytes */
	assert_int_equal(bytes, 16384 * sizeof(uint64_t));
	most = bytes;
	for (size_t i = 0; i < n; i++) {
		assert_false(vm_share_unref(&t, FRAME(i)));
		assert_true(vm_share_stats(&t).bytes <= most);
		most = vm_share_stats(&t).bytes;
		if (i % 1000 == 0)
			assert_share_sane(&t);
	}
	assert_int_equal(most, 0);
	assert_int_equal(mem.bytes_out, 0);
	assert_int_equal(mem.pool.live, 0);
}

static void fork_refcount_out_of_memory_changes_nothing(void **state)
{
	const size_t full = VM_SHARE_MIN_SLOTS * 3 / 4; /* the next one grows */
	struct share_source mem;
	struct vm_share t;

	(void)state;
	share_setup(&t, &mem);
	mem.pool.fail_after = 0;
	assert_status(vm_share_ref(&t, FRAME(1)), VM_ERR_NO_MEMORY);
	assert_int_equal(vm_share_stats(&t).bytes, 0);
	mem.pool.fail_after = -1;
	share_frames(&t, full);
	mem.pool.fail_after = 0;
	assert_status(vm_share_ref(&t, FRAME(full)), VM_ERR_NO_MEMORY);
	assert_int_equal(vm_share_count(&t, FRAME(full)), 1);
	assert_status(vm_share_ref(&t, FRAME(0)), VM_OK); /* no growth */
	assert_int_equal(vm_share_count(&t, FRAME(0)), 3);
	assert_int_equal(vm_share_stats(&t).frames, full);
	assert_share_sane(&t);
	mem.pool.fail_after = -1;
	assert_status(vm_share_ref(&t, FRAME(full)), VM_OK);
	assert_int_equal(vm_share_stats(&t).bytes, 2 * PAGE_SIZE);

	/* a shrink without memory keeps the larger table */
	mem.pool.fail_after = 0;
	for (size_t i = 1; i <= full; i++)
		assert_false(vm_share_unref(&t, FRAME(i)));
	assert_int_equal(vm_share_stats(&t).bytes, 2 * PAGE_SIZE);
	assert_share_sane(&t);
	mem.pool.fail_after = -1;
	assert_false(vm_share_unref(&t, FRAME(0)));
	assert_false(vm_share_unref(&t, FRAME(0)));
	assert_int_equal(vm_share_stats(&t).bytes, 0);
	assert_int_equal(mem.bytes_out, 0);
}

static void fork_refcount_count_stops_at_its_maximum(void **state)
{
	struct share_source mem;
	struct vm_share t;

	(void)state;
	share_setup(&t, &mem);
	for (uint64_t n = 1; n < VM_SHARE_COUNT_MAX; n++)
		assert_true(vm_share_ref(&t, FRAME(3)) == VM_OK);
	assert_int_equal(vm_share_count(&t, FRAME(3)), VM_SHARE_COUNT_MAX);
	assert_status(vm_share_ref(&t, FRAME(3)), VM_ERR_NO_MEMORY);
	assert_int_equal(vm_share_count(&t, FRAME(3)), VM_SHARE_COUNT_MAX);
	while (!vm_share_unref(&t, FRAME(3)))
		;
	assert_int_equal(vm_share_stats(&t).bytes, 0);
	assert_int_equal(mem.bytes_out, 0);
}

/* --- model ------------------------------------------------------------- */

struct model {
	struct share_source mem;
	struct vm_share t;
	paddr_t *frame;  /* the universe of frames the test draws from */
	uint64_t *count; /* the reference: per frame, 1 when not shared */
	size_t n;
	uint64_t rng;
};

static void model_compare_all(struct model *m)
{
	size_t frames = 0;
	uint64_t extra = 0;
	struct vm_share_stats st = vm_share_stats(&m->t);

	assert_share_sane(&m->t);
	for (size_t i = 0; i < m->n; i++) {
		assert_int_equal(vm_share_count(&m->t, m->frame[i]),
				 m->count[i]);
		frames += m->count[i] > 1;
		extra += m->count[i] - 1;
	}
	assert_int_equal(st.frames, frames);
	assert_int_equal(st.extra, extra);
	assert_int_equal(st.bytes, m->mem.bytes_out);
}

/* One ref (percent_ref of the time) or unref of a random frame. */
static void model_step(struct model *m, unsigned percent_ref)
{
	size_t i = card1_rng_next(&m->rng) % m->n;
	paddr_t f = m->frame[i];

	if (card1_rng_next(&m->rng) % 100 < percent_ref) {
		bool starve = card1_rng_next(&m->rng) % 16 == 0;

		m->mem.pool.fail_after = starve ? 0 : -1;
		if (vm_share_ref(&m->t, f) == VM_OK)
			m->count[i]++;
		else
			assert_true(starve);
		m->mem.pool.fail_after = -1;
	} else {
		assert_int_equal(vm_share_unref(&m->t, f), m->count[i] == 1);
		m->count[i] -= m->count[i] > 1;
	}
	assert_int_equal(vm_share_count(&m->t, f), m->count[i]);
}

/* Frames spread over the 52-bit physical space, some in dense runs (so
 * that neighbours probe into each other's clusters). */
static void model_init(struct model *m, size_t n, uint64_t seed)
{
	m->rng = seed;
	m->n = n;
	m->frame = malloc(n * sizeof(*m->frame));
	m->count = malloc(n * sizeof(*m->count));
	share_setup(&m->t, &m->mem);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = card1_rng_next(&m->rng);

		m->frame[i] = i % 2 ? FRAME(i) : ((r & PTE_ADDR_MASK) | FRAME(1));
		m->count[i] = 1;
		for (size_t j = 0; j < i; j++)
			if (m->frame[j] == m->frame[i])
				m->frame[i] = FRAME(i);
	}
}

static void fork_refcount_random_against_a_plain_array(void **state)
{
	struct model m;

	(void)state;
	model_init(&m, 3000, 0x5eed0001);
	/* grow, churn, drain: the load crosses both resize thresholds */
	for (int phase = 0; phase < 3; phase++) {
		unsigned percent_ref = phase == 0 ? 80 : phase == 1 ? 50 : 20;

		for (int step = 0; step < 40000; step++) {
			model_step(&m, percent_ref);
			if (step % 1024 == 0)
				model_compare_all(&m);
		}
		model_compare_all(&m);
	}
	for (size_t i = 0; i < m.n; i++)
		while (m.count[i] > 1) {
			assert_false(vm_share_unref(&m.t, m.frame[i]));
			m.count[i]--;
		}
	model_compare_all(&m);
	assert_int_equal(vm_share_stats(&m.t).bytes, 0);
	free(m.frame);
	free(m.count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fork_refcount_absent_frame_counts_one),
		cmocka_unit_test(fork_refcount_grows_by_doubling_and_shrinks_to_nothing),
		cmocka_unit_test(fork_refcount_out_of_memory_changes_nothing),
		cmocka_unit_test(fork_refcount_count_stops_at_its_maximum),
		cmocka_unit_test(fork_refcount_random_against_a_plain_array),
	};

	return HOST_TAP_RUN(tests);
}
