/*
 * test_pmm_model.c - randomized model-based test of the physical memory
 * manager against a byte-per-frame reference.
 *
 * The model is deliberately naive: one state byte per frame, next-fit and
 * first-fit by linear scan.  Because the allocator's choices are specified
 * (next fit from the cursor for single frames, lowest aligned fit for runs),
 * the model predicts the exact frame of every allocation and the exact status
 * of every free, good or bad.  Each scenario first fills memory to its target
 * with single frames, then random operations keep it around that fill.  After each operation the counters must agree;
 * every CHECK_EVERY operations, and at the end, pmm_check_consistency() must
 * pass.  Seeds are fixed, so a failure replays identically.
 */
#include <stdio.h>
#include <stdlib.h>

#include "host_tap.h"
#include "mm/pmm.h"

#define CHECK_EVERY 1000
#define MAX_MAP_RANGES 8

enum frame_state { HOLE, RESERVED, FREE, USED };

struct span {
	uint64_t first, count;
};

struct scenario {
	uint64_t nframes;
	struct span usable[MAX_MAP_RANGES];
	struct span reserved[MAX_MAP_RANGES];
	unsigned ops;
	unsigned fill_percent;   /* the random walk hovers around this fill */
	unsigned contig_percent; /* share of growing steps that take a run */
	unsigned cycle;          /* if non-zero: alternate 100% and 20% fill */
	uint64_t seed;
};

/* A live allocation: frames [first, first + count) are USED. */
struct model {
	struct pmm *pmm;
	uint8_t *state;
	uint64_t nframes, cursor, free, used;
	struct span *live;
	size_t nlive;
	uint64_t rng;
	unsigned nomem; /* NOMEM results seen, to prove exhaustion happened */
};

static uint64_t rnd(struct model *m)
{
	/* splitmix64 */
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(struct model *m, uint64_t n)
{
	return rnd(m) % n;
}

#define assert_status(expr, want)                                             \
	assert_string_equal(pmm_status_name(expr), pmm_status_name(want))

static void model_check_counters(const struct model *m)
{
	struct pmm_counters c = pmm_counters(m->pmm);

	assert_int_equal(c.free, m->free);
	assert_int_equal(c.used, m->used);
}

static void model_check_full(const struct model *m)
{
	const char *why = pmm_check_consistency(m->pmm);

	if (why)
		fail_msg("pmm inconsistent: %s", why);
	model_check_counters(m);
}

static void model_set(struct model *m, uint64_t first, uint64_t count,
		      enum frame_state from, enum frame_state to)
{
	for (uint64_t f = first; f < first + count; f++) {
		assert_int_equal(m->state[f], from);
		m->state[f] = to;
	}
	if (to == USED) {
		m->free -= count;
		m->used += count;
	} else {
		m->free += count;
		m->used -= count;
	}
}

/* Build the same map in the model and the allocator; odd seeds add the
 * carve-outs first, to exercise order independence. */
static void model_init(struct model *m, const struct scenario *sc)
{
	size_t meta = pmm_metadata_bytes(sc->nframes << PAGE_SHIFT);

	*m = (struct model){ .nframes = sc->nframes, .rng = sc->seed };
	m->pmm = malloc(sizeof(*m->pmm) + meta);
	m->state = calloc(sc->nframes, 1);
	m->live = calloc(sc->nframes, sizeof(*m->live));
	assert_true(m->pmm && m->state && m->live);
	pmm_init(m->pmm, m->pmm + 1, sc->nframes << PAGE_SHIFT);
	for (int pass = 0; pass < 2; pass++) {
		bool usable_pass = (pass == 0) == !(sc->seed & 1);
		const struct span *s = usable_pass ? sc->usable : sc->reserved;

		for (; s->count; s++) {
			paddr_t a = s->first << PAGE_SHIFT;
			paddr_t b = (s->first + s->count) << PAGE_SHIFT;

			assert_status(usable_pass ? pmm_add_usable(m->pmm, a, b) :
						    pmm_reserve_range(m->pmm, a, b),
				      PMM_OK);
		}
	}
	for (const struct span *s = sc->usable; s->count; s++)
		for (uint64_t f = s->first; f < s->first + s->count; f++)
			m->state[f] = FREE;
	for (const struct span *s = sc->reserved; s->count; s++)
		for (uint64_t f = s->first; f < s->first + s->count; f++)
			if (m->state[f] == FREE)
				m->state[f] = RESERVED;
	for (uint64_t f = 0; f < m->nframes; f++)
		m->free += m->state[f] == FREE;
	model_check_full(m);
}

static void model_destroy(struct model *m)
{
	free(m->pmm);
	free(m->state);
	free(m->live);
}

/* ---- the reference's predictions */

static uint64_t model_next_fit(const struct model *m)
{
	for (uint64_t f = m->cursor; f < m->nframes; f++)
		if (m->state[f] == FREE)
			return f;
	for (uint64_t f = 0; f < m->cursor && f < m->nframes; f++)
		if (m->state[f] == FREE)
			return f;
	return UINT64_MAX;
}

static bool model_run_free(const struct model *m, uint64_t first, uint64_t count)
{
	for (uint64_t f = first; f < first + count; f++)
		if (m->state[f] != FREE)
			return false;
	return true;
}

static uint64_t model_first_fit(const struct model *m, uint64_t count,
				uint64_t align)
{
	for (uint64_t f = 0; f + count <= m->nframes; f += align)
		if (model_run_free(m, f, count))
			return f;
	return UINT64_MAX;
}

static enum pmm_status model_free_status(const struct model *m, paddr_t addr,
					 uint64_t count)
{
	uint64_t first = addr >> PAGE_SHIFT;
	bool any_free = false;

	if (count == 0)
		return PMM_ERR_BAD_ARGUMENT;
	if (addr & PAGE_MASK)
		return PMM_ERR_MISALIGNED;
	if (first >= m->nframes || count > m->nframes - first)
		return PMM_ERR_OUT_OF_RANGE;
	for (uint64_t f = first; f < first + count; f++) {
		if (m->state[f] == HOLE || m->state[f] == RESERVED)
			return PMM_ERR_NOT_USABLE;
		any_free |= m->state[f] == FREE;
	}
	return any_free ? PMM_ERR_DOUBLE_FREE : PMM_OK;
}

/* ---- operations, each checked against the prediction */

static void op_alloc(struct model *m)
{
	uint64_t want = model_next_fit(m);
	paddr_t got;

	if (want == UINT64_MAX) {
		assert_status(pmm_alloc(m->pmm, &got), PMM_ERR_NOMEM);
		m->nomem++;
		return;
	}
	assert_status(pmm_alloc(m->pmm, &got), PMM_OK);
	assert_int_equal(got, want << PAGE_SHIFT);
	model_set(m, want, 1, FREE, USED);
	m->cursor = want + 1;
	m->live[m->nlive++] = (struct span){ want, 1 };
}

static void op_alloc_contig(struct model *m)
{
	uint64_t count = rnd_below(m, 8) ? 1 + rnd_below(m, 40) :
					    1 + rnd_below(m, 700);
	uint64_t align = 1ull << rnd_below(m, 10); /* up to 512 = 2 MiB */
	uint64_t want = model_first_fit(m, count, align);
	paddr_t got;

	if (want == UINT64_MAX) {
		assert_status(pmm_alloc_contig(m->pmm, count, align, &got),
			      PMM_ERR_NOMEM);
		m->nomem++;
		return;
	}
	assert_status(pmm_alloc_contig(m->pmm, count, align, &got), PMM_OK);
	assert_int_equal(got, want << PAGE_SHIFT);
	model_set(m, want, count, FREE, USED);
	m->live[m->nlive++] = (struct span){ want, count };
}

/* Free a random live allocation, or only a prefix of it (runs may be freed
 * piecewise); a prefix of one frame goes through pmm_free(). */
static void op_free(struct model *m)
{
	size_t i = rnd_below(m, m->nlive);
	struct span *s = &m->live[i];
	uint64_t n = rnd_below(m, 2) ? s->count : 1 + rnd_below(m, s->count);
	paddr_t addr = s->first << PAGE_SHIFT;

	assert_status(n == 1 ? pmm_free(m->pmm, addr) :
			       pmm_free_contig(m->pmm, addr, n),
		      PMM_OK);
	model_set(m, s->first, n, USED, FREE);
	s->first += n;
	s->count -= n;
	if (s->count == 0)
		*s = m->live[--m->nlive];
}

/* A free the model says must fail: checks the exact status, then that
 * nothing changed (the counters after every op catch a partial free). */
static void op_bad_free(struct model *m)
{
	paddr_t addr = rnd_below(m, m->nframes + 64) << PAGE_SHIFT;
	uint64_t count = rnd_below(m, 4) ? 1 : rnd_below(m, 70);
	enum pmm_status want;

	if (rnd_below(m, 16) == 0)
		addr += 1 + rnd_below(m, PAGE_SIZE - 1);
	want = model_free_status(m, addr, count);
	if (want == PMM_OK)
		return; /* a valid free of live frames: op_free's business */
	assert_status(count == 1 ? pmm_free(m->pmm, addr) :
				   pmm_free_contig(m->pmm, addr, count),
		      want);
}

static unsigned target_fill(const struct scenario *sc, unsigned op)
{
	if (sc->cycle)
		return (op / sc->cycle) % 2 ? 20 : 101;
	return sc->fill_percent;
}

static void op_random(struct model *m, const struct scenario *sc, unsigned op)
{
	uint64_t usable = m->free + m->used;
	bool below = m->used * 100 < usable * target_fill(sc, op);
	unsigned grow_percent = below ? 70 : 30;

	if (rnd_below(m, 100) < 8)
		op_bad_free(m);
	else if (m->nlive == 0 || rnd_below(m, 100) < grow_percent)
		(rnd_below(m, 100) < sc->contig_percent ? op_alloc_contig :
							   op_alloc)(m);
	else
		op_free(m);
}

/* Fill to the target first, so that large maps are also tested full rather
 * than after a slow random walk up from empty. */
static void prefill(struct model *m, const struct scenario *sc)
{
	uint64_t usable = m->free + m->used;

	while (m->used * 100 < usable * target_fill(sc, 0) && m->free > 0)
		op_alloc(m);
	model_check_full(m);
}

/* Run the scenario, then free everything: the allocator must be back to its
 * initial counters (no leak, no lost frame). */
static void run_scenario(const struct scenario *sc)
{
	struct model m;
	uint64_t initial_free;

	model_init(&m, sc);
	initial_free = m.free;
	prefill(&m, sc);
	for (unsigned op = 0; op < sc->ops; op++) {
		op_random(&m, sc, op);
		model_check_counters(&m);
		if (op % CHECK_EVERY == 0)
			model_check_full(&m);
	}
	model_check_full(&m);
	if (sc->fill_percent >= 95 || sc->cycle)
		assert_true(m.nomem > 0);
	while (m.nlive)
		op_free(&m);
	assert_int_equal(m.free, initial_free);
	model_check_full(&m);
	model_destroy(&m);
}

/* ---- scenarios: about 200k operations in all */

static void pmm_model_small_map_with_holes(void **state)
{
	static const struct scenario sc = {
		.nframes = 5000,
		.usable = { { 0, 159 }, { 256, 2000 }, { 2300, 1800 },
			    { 4101, 899 } },
		.reserved = { { 256, 300 }, { 1000, 64 }, { 4095, 10 } },
		.ops = 50000, .fill_percent = 60, .contig_percent = 20,
		.seed = 1,
	};

	(void)state;
	run_scenario(&sc);
}

static void pmm_model_near_full(void **state)
{
	static const struct scenario sc = {
		.nframes = 3000,
		.usable = { { 1, 1500 }, { 1600, 1399 } },
		.reserved = { { 63, 2 }, { 2047, 2 } },
		.ops = 50000, .fill_percent = 99, .contig_percent = 10,
		.seed = 2,
	};

	(void)state;
	run_scenario(&sc);
}

static void pmm_model_four_levels(void **state)
{
	static const struct scenario sc = {
		.nframes = 300000,
		.usable = { { 0, 640 }, { 1024, 3071 }, { 4097, 195903 },
			    { 262100, 36900 } },
		.reserved = { { 100, 64 }, { 262143, 2 } },
		.ops = 30000, .fill_percent = 90, .contig_percent = 2,
		.seed = 3,
	};

	(void)state;
	run_scenario(&sc);
}

static void pmm_model_qemu_shape(void **state)
{
	/* low RAM, a "PCI hole", RAM above it, kernel carve-out at 1 MiB */
	static const struct scenario sc = {
		.nframes = 24576,
		.usable = { { 0, 159 }, { 256, 12000 }, { 16384, 8192 } },
		.reserved = { { 0, 256 }, { 256, 512 } },
		.ops = 40000, .fill_percent = 90, .contig_percent = 10,
		.seed = 5,
	};

	(void)state;
	run_scenario(&sc);
}

static void pmm_model_exhaust_cycles(void **state)
{
	static const struct scenario sc = {
		.nframes = 1000,
		.usable = { { 0, 1000 } },
		.reserved = { { 500, 1 } },
		.ops = 40000, .contig_percent = 15, .cycle = 4000,
		.seed = 6,
	};

	(void)state;
	run_scenario(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmm_model_small_map_with_holes),
		cmocka_unit_test(pmm_model_near_full),
		cmocka_unit_test(pmm_model_four_levels),
		cmocka_unit_test(pmm_model_qemu_shape),
		cmocka_unit_test(pmm_model_exhaust_cycles),
	};

	return HOST_TAP_RUN(tests);
}
