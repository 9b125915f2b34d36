/*
 * test_card1_model.c - both VM designs, side by side, against a reference.
 *
 * Random operation sequences (fixed seeds) go through the mm_space
 * dispatch to an rdos space and a card1 space over separate simulated
 * memories, and to a reference: one record per page.  Every call must
 * return the status (or fault result) the reference predicts in both
 * designs, and every reserve the same address in both (both place next
 * fit from a cursor, wrapping once).  Now and then one design's frames
 * or nodes run out: a call may then report out of memory, must have
 * changed nothing, and is repeated with memory back, so both designs
 * always hold the same pages.
 *
 * After every step, in both designs: invariants (mm_check_invariants),
 * frames in use == page tables + present pages, live nodes == VMAs, and
 * the present count; the pages the step aimed at (all pages every 32
 * steps) equal the reference: kind, protection, START, image page, and
 * the first 8 bytes of a present frame.  Both spaces' limits change
 * every 250 steps (none, above or below the usage): the reference
 * predicts every VM_ERR_LIMIT and VM_FAULT_LIMIT, and its counts of
 * reserved and present pages must be both spaces' usage.
 */
#include <string.h>

#include "host_tap.h"
#include "test_card1.h"
#include "vm_test.h"

#define SEL_OK 21   /* fills a page with its stamp */
#define SEL_FAIL 22 /* always fails */
#define DESIGNS 2

static const enum mm_design designs[DESIGNS] = { MM_DESIGN_RDOS,
						 MM_DESIGN_CARD1 };

struct ref_page {
	enum vm_state_kind kind;
	unsigned prot;
	bool start;
	unsigned sel;   /* image */
	uint64_t page;  /* image */
	uint64_t stamp; /* present: first 8 bytes of the frame */
};

struct world {
	struct card1_sim d[DESIGNS];
	vaddr_t lo;
	size_t n;                /* pages in the range */
	struct ref_page *ref;
	size_t cursor;           /* the reference's next-fit cursor (a page) */
	size_t present;
	size_t used;             /* non-free pages */
	struct vm_limits lim;    /* both spaces' limits */
	size_t aim_lo, aim_hi;   /* pages the current step aims at */
	size_t max_size;
	uint64_t rng;
};

static uint64_t rnd(struct world *w)
{
	return card1_rng_next(&w->rng);
}

static size_t pick(struct world *w, size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd(w) % n);
}

static uint64_t provider_stamp(uint64_t page)
{
	return (page << 8) | 0xC1;
}

static int provide_stamp(void *ctx, uint64_t page, void *dest)
{
	uint64_t stamp = provider_stamp(page);

	(void)ctx;
	memset(dest, 0x3C, PAGE_SIZE);
	memcpy(dest, &stamp, sizeof(stamp));
	return 0;
}

static int provide_nothing(void *ctx, uint64_t page, void *dest)
{
	(void)ctx, (void)page, (void)dest;
	return -1;
}

static vaddr_t va_at(const struct world *w, size_t i)
{
	return w->lo + (vaddr_t)i * PAGE_SIZE;
}

/* --- the reference ------------------------------------------------------ */

static bool is_used(const struct world *w, size_t i)
{
	return w->ref[i].kind != VM_STATE_FREE;
}

static bool fits(const struct world *w, size_t i, size_t n)
{
	return n > 0 && i < w->n && n <= w->n - i;
}

/* Pages [i, i + n) all used, none but page i a reservation's first. */
static bool inside_one(const struct world *w, size_t i, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!is_used(w, i + k) || (k > 0 && w->ref[i + k].start))
			return false;
	return true;
}

/* The length of the reservation starting at page i. */
static size_t extent(const struct world *w, size_t i)
{
	size_t n = 1;

	while (i + n < w->n && inside_one(w, i, n + 1))
		n++;
	return n;
}

/* Lowest page p in [from, to - n] with [p, p + n) free, or SIZE_MAX. */
static size_t lowest_hole(const struct world *w, size_t from, size_t to,
			  size_t n)
{
	size_t free_run = 0;

	for (size_t p = from; p < to; p++) {
		free_run = is_used(w, p) ? 0 : free_run + 1;
		if (free_run >= n)
			return p + 1 - n;
	}
	return SIZE_MAX;
}

/* The page a reserve of n pages must pick (vm.h's placement rule). */
static size_t expect_place(const struct world *w, size_t n)
{
	size_t at = lowest_hole(w, w->cursor, w->n, n);
	size_t wrap_end = w->n - w->cursor > n ? w->cursor + n : w->n;

	return at == SIZE_MAX && w->cursor > 0 ? lowest_hole(w, 0, wrap_end, n)
					       : at;
}

/* A reserve of n pages whose place is found: within the limit? */
static enum vm_status expect_limit(const struct world *w, size_t n)
{
	uint64_t max = w->lim.max_reserved;

	return w->used > max || n > max - w->used ? VM_ERR_LIMIT : VM_OK;
}

static enum vm_status expect_reserve_at(const struct world *w, size_t i,
					size_t n)
{
	if (!fits(w, i, n))
		return VM_ERR_INVALID;
	if (lowest_hole(w, i, i + n, n) != i)
		return VM_ERR_BUSY;
	return expect_limit(w, n);
}

static enum vm_status expect_release(const struct world *w, size_t i,
				     size_t n)
{
	if (!fits(w, i, n))
		return VM_ERR_INVALID;
	if (!is_used(w, i) || !w->ref[i].start)
		return VM_ERR_NOT_START;
	return extent(w, i) == n ? VM_OK : VM_ERR_WRONG_SIZE;
}

static enum vm_status expect_change(const struct world *w, size_t i, size_t n)
{
	if (!fits(w, i, n))
		return VM_ERR_INVALID;
	return inside_one(w, i, n) ? VM_OK : VM_ERR_NOT_RESERVED;
}

/* --- comparing ---------------------------------------------------------- */

static uint64_t stamp_of(struct card1_sim *d, paddr_t frame)
{
	uint64_t stamp;

	memcpy(&stamp, sim_phys_to_virt(&d->phys, frame), sizeof(stamp));
	return stamp;
}

static void expect_page(struct world *w, struct card1_sim *d, size_t i)
{
	const struct ref_page *r = &w->ref[i];
	struct vm_state st;

	assert_status(mm_query(&d->space, va_at(w, i), &st), VM_OK);
	if (st.kind != r->kind || st.prot != r->prot || st.start != r->start)
		fail_msg("design %d page %#lx: %d/%u/%d, reference %d/%u/%d",
			 d->space.design, (unsigned long)va_at(w, i), st.kind,
			 st.prot, st.start, r->kind, r->prot, r->start);
	if (r->kind == VM_STATE_IMAGE)
		assert_true(st.selector == r->sel && st.page == r->page);
	if (r->kind == VM_STATE_PRESENT)
		assert_int_equal(stamp_of(d, st.frame), r->stamp);
}

/* Pages [from, to), skipping the blocks a state claims to cover whole
 * (st.level > 0) after checking every page of them in the reference. */
static void expect_pages(struct world *w, struct card1_sim *d, size_t from,
			 size_t to)
{
	for (size_t i = from; i < to;) {
		struct vm_state st;
		uint64_t size;
		size_t end;

		expect_page(w, d, i);
		assert_status(mm_query(&d->space, va_at(w, i), &st), VM_OK);
		size = (uint64_t)1 << (PAGE_SHIFT + 9 * st.level);
		end = i + (size_t)((((va_at(w, i) & ~(size - 1)) + size) -
				    va_at(w, i)) >> PAGE_SHIFT);
		/* image pages differ per page: never claimed as a block */
		assert_true(st.level == 0 || st.kind != VM_STATE_IMAGE);
		for (i++; i < end && i < to; i++)
			assert_true(w->ref[i].kind == st.kind &&
				    w->ref[i].prot == st.prot &&
				    !w->ref[i].start);
	}
}

/* The aimed-at pages and their neighbours, in one design. */
static void expect_aimed(struct world *w, struct card1_sim *d)
{
	size_t lo = w->aim_lo > 0 ? w->aim_lo - 1 : 0;
	size_t hi = w->aim_hi < w->n ? w->aim_hi + 1 : w->n;

	if (w->aim_lo < w->n)
		expect_pages(w, d, lo, hi);
}

static void check_step(struct world *w, int step)
{
	for (int k = 0; k < DESIGNS; k++) {
		struct card1_sim *d = &w->d[k];
		struct mm_stats st;

		assert_card1_sane_stats(d, &st);
		assert_int_equal(st.vm.present_pages, w->present);
		assert_int_equal(st.vm.used_pages, w->used);
		assert_int_equal(mm_usage(&d->space).present, w->present);
		assert_int_equal(mm_usage(&d->space).reserved, w->used);
		if (step % 32 == 0)
			expect_pages(w, d, 0, w->n);
		else
			expect_aimed(w, d);
	}
}

static void aim(struct world *w, size_t i, size_t n)
{
	w->aim_lo = i;
	w->aim_hi = fits(w, i, n) ? i + n : w->n;
}

/* --- operations --------------------------------------------------------- */

enum op_kind { OP_RESERVE, OP_RESERVE_IMAGE, OP_RESERVE_AT, OP_RELEASE,
	       OP_PROTECT, OP_GUARD };

struct op {
	enum op_kind kind;
	size_t i, n;
	unsigned prot, sel;
	uint64_t first_page;
	vaddr_t got_va; /* reserve: where it went */
};

static enum vm_status apply(struct world *w, struct mm_space *s, struct op *o)
{
	vaddr_t va = va_at(w, o->i);

	switch (o->kind) {
	case OP_RESERVE:
		return mm_reserve(s, o->n, o->prot, &o->got_va);
	case OP_RESERVE_IMAGE:
		return mm_reserve_image(s, o->n, o->prot, o->sel,
					o->first_page, &o->got_va);
	case OP_RESERVE_AT:
		return mm_reserve_at(s, va, o->n, o->prot);
	case OP_RELEASE:
		return mm_release(s, va, o->n);
	case OP_PROTECT:
		return mm_protect(s, va, o->n, o->prot);
	case OP_GUARD:
		return mm_guard(s, va, o->n);
	}
	return VM_ERR_INVALID;
}

/* Make one design's frames or nodes run out soon, one step in eight. */
static bool maybe_starve(struct world *w, struct card1_sim *d)
{
	if (pick(w, 8) != 0)
		return false;
	card1_sim_fail_after(d, (long)pick(w, 4), (long)pick(w, 2));
	return true;
}

/* An operation in every design: each must give want, or run out of
 * memory when starved, having changed nothing, and then give want. */
static void run_op(struct world *w, struct op *o, enum vm_status want)
{
	for (int k = 0; k < DESIGNS; k++) {
		struct card1_sim *d = &w->d[k];
		bool starved = maybe_starve(w, d);
		enum vm_status got = apply(w, &d->space, o);

		card1_sim_fail_after(d, -1, -1);
		if (starved && got == VM_ERR_NO_MEMORY) {
			assert_card1_sane(d);
			expect_aimed(w, d);
			got = apply(w, &d->space, o);
		}
		assert_status(got, want);
		if (want == VM_OK && o->kind <= OP_RESERVE_IMAGE)
			assert_int_equal(o->got_va, va_at(w, o->i));
	}
}

/* Sizes spread over every scale: max_size halved a random number of
 * times, then a random size up to that. */
static size_t random_size(struct world *w)
{
	size_t cap = w->max_size >> pick(w, 12);

	return 1 + pick(w, cap > 0 ? cap : 1);
}

/* Mostly a used page near a reservation's start, sometimes any page or
 * just past the range. */
static size_t random_target(struct world *w)
{
	size_t i = pick(w, w->n + 3);

	if (pick(w, 4) == 0 || i >= w->n)
		return i;
	while (i > 0 && is_used(w, i) && !w->ref[i].start)
		i--;
	return pick(w, 3) == 0 ? i + pick(w, 30) : i;
}

static void mark_reserved(struct world *w, const struct op *o)
{
	bool image = o->kind == OP_RESERVE_IMAGE;

	for (size_t k = 0; k < o->n; k++)
		w->ref[o->i + k] = (struct ref_page){
			.kind = image ? VM_STATE_IMAGE : VM_STATE_RESERVED,
			.prot = o->prot, .start = k == 0,
			.sel = image ? o->sel : 0,
			.page = image ? o->first_page + k : 0,
		};
	w->used += o->n;
}

static void op_reserve(struct world *w, enum op_kind kind)
{
	struct op o = { .kind = kind, .n = random_size(w),
			.prot = (unsigned)pick(w, VM_PROT_ALL + 1),
			.sel = pick(w, 5) == 0 ? SEL_FAIL : SEL_OK,
			.first_page = pick(w, 5000) };
	enum vm_status want;

	if (kind == OP_RESERVE_AT) {
		o.i = random_target(w);
		want = expect_reserve_at(w, o.i, o.n);
	} else {
		o.i = expect_place(w, o.n);
		want = o.i == SIZE_MAX ? VM_ERR_NO_SPACE : expect_limit(w, o.n);
	}
	aim(w, o.i, o.n);
	run_op(w, &o, want);
	if (want != VM_OK)
		return;
	mark_reserved(w, &o);
	if (kind != OP_RESERVE_AT)
		w->cursor = o.i + o.n < w->n ? o.i + o.n : 0;
}

static void op_release(struct world *w)
{
	struct op o = { .kind = OP_RELEASE, .i = random_target(w) };
	enum vm_status want;

	o.n = o.i < w->n && is_used(w, o.i) ? extent(w, o.i) : 1;
	/* a quarter of the releases are one page too long or too short */
	if (pick(w, 4) == 0)
		o.n = pick(w, 2) ? o.n + 1 : o.n - (o.n > 1);
	want = expect_release(w, o.i, o.n);
	aim(w, o.i, o.n);
	run_op(w, &o, want);
	if (want != VM_OK)
		return;
	for (size_t k = o.i; k < o.i + o.n; k++) {
		w->present -= w->ref[k].kind == VM_STATE_PRESENT;
		w->ref[k] = (struct ref_page){ .kind = VM_STATE_FREE };
	}
	w->used -= o.n;
}

static void op_change(struct world *w, enum op_kind kind)
{
	struct op o = { .kind = kind, .i = random_target(w),
			.n = 1 + pick(w, pick(w, 2) ? 6 : w->max_size),
			.prot = (unsigned)pick(w, VM_PROT_ALL + 1) };
	enum vm_status want = expect_change(w, o.i, o.n);

	aim(w, o.i, o.n);
	run_op(w, &o, want);
	if (want != VM_OK)
		return;
	for (size_t k = o.i; k < o.i + o.n; k++) {
		struct ref_page *r = &w->ref[k];

		if (kind == OP_GUARD) {
			w->present -= r->kind == VM_STATE_PRESENT;
			*r = (struct ref_page){ .kind = VM_STATE_GUARD,
						.start = r->start };
		} else if (r->kind != VM_STATE_GUARD) {
			r->prot = o.prot;
		}
	}
}

static enum vm_fault_result expect_fault(const struct world *w, size_t i,
					 unsigned pf)
{
	const struct ref_page *r;
	unsigned need;

	if (i >= w->n)
		return VM_FAULT_OUTSIDE;
	r = &w->ref[i];
	need = ((pf & VM_PF_WRITE) ? VM_PROT_WRITE : 0) |
	       ((pf & VM_PF_USER) ? VM_PROT_USER : 0) |
	       ((pf & VM_PF_INSTR) ? VM_PROT_EXEC : 0);
	if (r->kind == VM_STATE_FREE)
		return VM_FAULT_FREE;
	if (r->kind == VM_STATE_GUARD)
		return VM_FAULT_GUARD;
	if (need & ~r->prot)
		return VM_FAULT_PROTECTION;
	if (r->kind != VM_STATE_PRESENT && w->present >= w->lim.max_present)
		return VM_FAULT_LIMIT;
	if (r->kind == VM_STATE_IMAGE && r->sel == SEL_FAIL)
		return VM_FAULT_PROVIDER;
	return VM_FAULT_HANDLED;
}

/* One design's fault; out of memory when starved must change nothing. */
static void fault_in(struct world *w, struct card1_sim *d, size_t i,
		     unsigned pf, enum vm_fault_result want)
{
	bool starved = maybe_starve(w, d);
	enum vm_fault_result got = mm_fault(&d->space, va_at(w, i), pf, NULL);

	card1_sim_fail_after(d, -1, -1);
	if (starved && got == VM_FAULT_NO_MEMORY) {
		assert_card1_sane(d);
		expect_aimed(w, d);
		got = mm_fault(&d->space, va_at(w, i), pf, NULL);
	}
	assert_fault(got, want);
}

/* After a handled fault, the access itself: a write stamps the frame. */
static void access_page(struct world *w, struct card1_sim *d, size_t i,
			unsigned pf, uint64_t stamp)
{
	struct vm_state st;

	assert_status(mm_query(&d->space, va_at(w, i), &st), VM_OK);
	assert_int_equal(st.kind, VM_STATE_PRESENT);
	assert_int_equal(stamp_of(d, st.frame), w->ref[i].stamp);
	if (pf & VM_PF_WRITE)
		memcpy(sim_phys_to_virt(&d->phys, st.frame), &stamp,
		       sizeof(stamp));
}

static void op_touch(struct world *w)
{
	static const unsigned pfs[] = { 0, VM_PF_WRITE, VM_PF_USER,
					VM_PF_WRITE | VM_PF_USER, VM_PF_INSTR };
	size_t i = random_target(w);
	unsigned pf = pfs[pick(w, 5)];
	enum vm_fault_result want = expect_fault(w, i, pf);
	struct ref_page *r = i < w->n ? &w->ref[i] : NULL;
	uint64_t stamp = rnd(w);

	if (r && r->kind == VM_STATE_PRESENT)
		pf |= VM_PF_PRESENT;
	aim(w, i, 1);
	for (int k = 0; k < DESIGNS; k++)
		fault_in(w, &w->d[k], i, pf, want);
	if (want != VM_FAULT_HANDLED)
		return;
	if (r->kind != VM_STATE_PRESENT) {
		w->present++;
		*r = (struct ref_page){
			.kind = VM_STATE_PRESENT, .prot = r->prot,
			.start = r->start,
			.stamp = r->kind == VM_STATE_IMAGE
					 ? provider_stamp(r->page) : 0,
		};
	}
	for (int k = 0; k < DESIGNS; k++)
		access_page(w, &w->d[k], i, pf, stamp);
	if (pf & VM_PF_WRITE)
		r->stamp = stamp;
}

/* --- driver ------------------------------------------------------------- */

/* New limits for both spaces, each none, above or below the usage. */
static uint64_t random_limit(struct world *w, size_t usage, size_t scale)
{
	return pick(w, 4) == 0 ? VM_LIMIT_NONE : usage / 2 + pick(w, scale);
}

static void change_limits(struct world *w)
{
	w->lim.max_reserved = random_limit(w, w->used, w->n);
	w->lim.max_present = random_limit(w, w->present, 64);
	for (int k = 0; k < DESIGNS; k++)
		mm_set_limits(&w->d[k].space, w->lim);
}

static void step(struct world *w, int s)
{
	aim(w, w->n, 0);
	if (s % 250 == 249)
		change_limits(w);
	switch (pick(w, 20)) {
	case 0: case 1: case 2: op_reserve(w, OP_RESERVE); break;
	case 3: op_reserve(w, OP_RESERVE_IMAGE); break;
	case 4: case 5: op_reserve(w, OP_RESERVE_AT); break;
	case 6: case 7: case 8: case 9: op_release(w); break;
	case 10: case 11: op_change(w, OP_PROTECT); break;
	case 12: op_change(w, OP_GUARD); break;
	default: op_touch(w); break;
	}
	check_step(w, s);
}

static void run_world(vaddr_t lo, size_t n, size_t max_size, uint64_t seed,
		      int steps)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	*w = (struct world){ .lo = lo, .n = n, .max_size = max_size,
			     .rng = seed,
			     .lim = { VM_LIMIT_NONE, VM_LIMIT_NONE } };
	w->ref = calloc(n, sizeof(*w->ref));
	assert_non_null(w->ref);
	for (int k = 0; k < DESIGNS; k++)
		card1_sim_init(&w->d[k], designs[k], lo, lo + n * PAGE_SIZE,
			       4096);
	assert_status(vm_provider_register(SEL_OK, provide_stamp, NULL), VM_OK);
	assert_status(vm_provider_register(SEL_FAIL, provide_nothing, NULL),
		      VM_OK);
	for (int s = 0; s < steps; s++)
		step(w, s);
	for (int k = 0; k < DESIGNS; k++)
		card1_sim_fini(&w->d[k]);
	vm_provider_unregister(SEL_OK);
	vm_provider_unregister(SEL_FAIL);
	free(w->ref);
	free(w);
}

static void card1_model_across_a_1g_boundary(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++)
		run_world(GIB - 1536 * PAGE_SIZE, 3072, 700, seed, 2500);
}

static void card1_model_across_a_512g_boundary(void **state)
{
	(void)state;
	for (uint64_t seed = 41; seed <= 42; seed++)
		run_world(512 * GIB - 1000 * PAGE_SIZE, 2600, 700, seed, 2500);
}

/* Reservations of many MiB: 2 MiB entries in the rdos design, one VMA
 * in card1, cut by touches and protects. */
static void card1_model_large_reservations(void **state)
{
	(void)state;
	run_world(2 * GIB - 700 * PAGE_SIZE, PAGES(64 * MIB) + 1400,
		  PAGES(24 * MIB), 77, 800);
}

/* Few pages: the space is nearly always full, so searches wrap and fail. */
static void card1_model_crowded(void **state)
{
	(void)state;
	for (uint64_t seed = 90; seed <= 93; seed++)
		run_world(VM_USER_LO, 200, 40, seed, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(card1_model_across_a_1g_boundary),
		cmocka_unit_test(card1_model_across_a_512g_boundary),
		cmocka_unit_test(card1_model_large_reservations),
		cmocka_unit_test(card1_model_crowded),
	};

	return HOST_TAP_RUN(tests);
}
