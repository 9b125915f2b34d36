/*
 * test_vm_model.c - randomized model-based test of the vm core.
 *
 * Long random sequences (fixed seeds) of reserve, reserve_at, image
 * reserve, release (often with a wrong address or size), touch (fault with
 * random access bits), protect and guard, some of them with the frame
 * allocator set to fail, run against a reference model: one plain record
 * per page and the same next-fit rule.  The model predicts every status,
 * every address a reserve picks and every fault result; a call that
 * reports out of memory must leave the model's pages unchanged.  After
 * every step: every page's state equals the model's, frame contents equal
 * what was last written, invariants hold (summaries exact) and frames in
 * use == page tables + present pages.  The space's limits change every
 * 250 steps (none, above or below the usage): the model predicts each
 * VM_ERR_LIMIT and VM_FAULT_LIMIT, and its counts of reserved and present
 * pages must be the space's usage.
 *
 * Modes: ~3000 pages across a 1 GiB (PDPTE) or 512 GiB (PML4E) boundary,
 * the same with the RDOS-like flags, and ~4 GiB where large reservations
 * make 2 MiB and 1 GiB entries that touches and protects then split.
 */
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "vm_test.h"

#define SEL_GOOD 17 /* provider that fills pages */
#define SEL_BAD 18  /* provider that always fails */

struct mpage {
	enum vm_state_kind kind;
	unsigned prot;
	bool start;
	unsigned sel;   /* image */
	uint64_t page;  /* image */
	uint64_t stamp; /* present: the frame's first 8 bytes */
};

struct model {
	struct sim_vm vm;
	vaddr_t lo;
	size_t n;            /* pages in the range */
	struct mpage *pages; /* the reference state */
	size_t *starts;      /* first page of live reservations (may be stale) */
	size_t nstarts;
	size_t cursor;       /* model of the next-fit cursor, as a page index */
	size_t present;      /* present pages */
	size_t used;         /* non-free pages */
	struct vm_limits lim; /* the space's limits */
	size_t win_lo, win_hi; /* pages the last operation aimed at */
	uint64_t rng;
	size_t max_size;     /* largest reservation tried */
};

static uint64_t rnd(struct model *m)
{
	/* xorshift64*: fixed seeds give the same sequence everywhere */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545F4914F6CDD1DULL;
}

static size_t below(struct model *m, size_t n)
{
	return n ? (size_t)(rnd(m) % n) : 0;
}

static uint64_t image_stamp(uint64_t page)
{
	return page * 0x9E3779B97F4A7C15ULL | 1;
}

static int provide(void *ctx, uint64_t page, void *dest)
{
	uint64_t stamp = image_stamp(page);

	(void)ctx;
	memset(dest, (int)page, PAGE_SIZE);
	memcpy(dest, &stamp, sizeof(stamp));
	return 0;
}

static int refuse(void *ctx, uint64_t page, void *dest)
{
	(void)ctx, (void)page, (void)dest;
	return 1;
}

static vaddr_t va_of(const struct model *m, size_t i)
{
	return m->lo + (vaddr_t)i * PAGE_SIZE;
}

static bool in_range(const struct model *m, size_t i, size_t n)
{
	return n > 0 && i < m->n && n <= m->n - i;
}

/* --- comparing the space with the model ------------------------------------- */

static uint64_t frame_stamp(struct model *m, paddr_t frame)
{
	uint64_t stamp;

	memcpy(&stamp, sim_phys_to_virt(&m->vm.phys, frame), sizeof(stamp));
	return stamp;
}

static void compare_page(struct model *m, size_t i, const struct vm_state *st,
			 bool first)
{
	const struct mpage *p = &m->pages[i];

	if (st->kind != p->kind || st->prot != p->prot ||
	    (first ? st->start : false) != p->start)
		fail_msg("page %#lx: space %d/%u/%d, model %d/%u/%d",
			 (unsigned long)va_of(m, i), st->kind, st->prot,
			 first && st->start, p->kind, p->prot, p->start);
	if (p->kind == VM_STATE_IMAGE)
		assert_true(first && st->selector == p->sel &&
			    st->page == p->page);
	if (p->kind == VM_STATE_PRESENT)
		assert_int_equal(frame_stamp(m, st->frame), p->stamp);
}

/* Compare pages [from, to) of the range; one query per entry. */
static void compare_range(struct model *m, size_t from, size_t to)
{
	for (size_t i = from; i < to;) {
		struct vm_state st = vm_test_state(&m->vm, va_of(m, i));
		uint64_t size = (uint64_t)1 << (PAGE_SHIFT + 9 * st.level);
		vaddr_t end = (va_of(m, i) & ~(size - 1)) + size;
		size_t span = st.level ? (end - va_of(m, i)) >> PAGE_SHIFT : 1;

		if (span > to - i)
			span = to - i;
		compare_page(m, i, &st, true);
		for (size_t j = 1; j < span; j++)
			compare_page(m, i + j, &st, false);
		i += span;
	}
}

/*
 * Invariants, leaks and the present count after every step; the pages the
 * step aimed at (and their neighbours) too, and every page now and then:
 * a stray change elsewhere persists until that full comparison.
 */
static void check_step(struct model *m, int step)
{
	struct vm_stats st;

	assert_sane_stats(&m->vm, &st);
	assert_int_equal(st.present_pages, m->present);
	assert_int_equal(st.used_pages, m->used);
	assert_int_equal(vm_usage(&m->vm.space).present, m->present);
	assert_int_equal(vm_usage(&m->vm.space).reserved, m->used);
	if (step % 16 == 0) {
		compare_range(m, 0, m->n);
	} else if (m->win_lo < m->n) {
		size_t lo = m->win_lo > 0 ? m->win_lo - 1 : 0;
		size_t hi = m->win_hi < m->n ? m->win_hi + 1 : m->n;

		compare_range(m, lo, hi);
	}
}

/* Remember the pages an operation aims at, for check_step(). */
static void aim(struct model *m, size_t i, size_t n)
{
	m->win_lo = i;
	m->win_hi = i + n > i && i + n < m->n ? i + n : m->n;
}

/* The page's state is going away: count its frame out. */
static void forget(struct model *m, struct mpage *p)
{
	m->present -= p->kind == VM_STATE_PRESENT;
}

/* --- model predictions ---------------------------------------------------------- */

static bool used(const struct model *m, size_t i)
{
	return m->pages[i].kind != VM_STATE_FREE;
}

/* First index in [from, to) of a run of n free pages, or SIZE_MAX. */
static size_t find_run(const struct model *m, size_t from, size_t to, size_t n)
{
	size_t run = 0;

	for (size_t i = from; i < to; i++) {
		run = used(m, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return SIZE_MAX;
}

static size_t model_search(const struct model *m, size_t n)
{
	size_t from = (m->vm.space.flags & VM_SPACE_FIRST_FIT) ? 0 : m->cursor;
	size_t at = find_run(m, from, m->n, n);

	if (at == SIZE_MAX && from != 0)
		at = find_run(m, 0, m->n - from > n ? from + n : m->n, n);
	return at;
}

/* No free page in [i, i + n), and no START after page i. */
static bool one_reservation(const struct model *m, size_t i, size_t n)
{
	for (size_t j = i; j < i + n; j++)
		if (!used(m, j) || (j > i && m->pages[j].start))
			return false;
	return true;
}

static enum vm_status expect_release(const struct model *m, size_t i,
				     size_t n)
{
	if (!in_range(m, i, n))
		return VM_ERR_INVALID;
	if (!used(m, i) || !m->pages[i].start)
		return VM_ERR_NOT_START;
	if (!one_reservation(m, i, n))
		return VM_ERR_WRONG_SIZE;
	if (i + n < m->n && used(m, i + n) && !m->pages[i + n].start)
		return VM_ERR_WRONG_SIZE;
	return VM_OK;
}

static enum vm_status expect_change(const struct model *m, size_t i, size_t n)
{
	if (!in_range(m, i, n))
		return VM_ERR_INVALID;
	return one_reservation(m, i, n) ? VM_OK : VM_ERR_NOT_RESERVED;
}

/* A reserve of n pages whose place is decided: within the limit? */
static enum vm_status expect_limit(const struct model *m, size_t n)
{
	uint64_t max = m->lim.max_reserved;

	return m->used > max || n > max - m->used ? VM_ERR_LIMIT : VM_OK;
}

static enum vm_status expect_reserve_at(const struct model *m, size_t i,
					size_t n)
{
	if (!in_range(m, i, n))
		return VM_ERR_INVALID;
	for (size_t j = i; j < i + n; j++)
		if (used(m, j))
			return VM_ERR_BUSY;
	return expect_limit(m, n);
}

/* New limits, each none, above or below the usage. */
static uint64_t random_limit(struct model *m, size_t usage, size_t scale)
{
	return below(m, 4) == 0 ? VM_LIMIT_NONE
				: usage / 2 + below(m, scale);
}

static void change_limits(struct model *m)
{
	m->lim.max_reserved = random_limit(m, m->used, m->n);
	m->lim.max_present = random_limit(m, m->present, 64);
	vm_set_limits(&m->vm.space, m->lim);
}

/* --- operations ---------------------------------------------------------------- */

/* Set the allocator to fail soon, now and then; true if it was. */
static bool maybe_starve(struct model *m)
{
	bool starve = below(m, 16) == 0;

	sim_phys_fail_after(&m->vm.phys, starve ? (long)below(m, 4) : -1);
	return starve;
}

/* The real call's status must be the prediction, or out of memory. */
static bool agrees(enum vm_status got, enum vm_status want, bool starved)
{
	if (starved && got == VM_ERR_NO_MEMORY)
		return false;
	assert_status(got, want);
	return got == VM_OK;
}

static void mark(struct model *m, size_t i, size_t n, enum vm_state_kind kind,
		 unsigned prot, uint64_t first_page, unsigned sel)
{
	for (size_t j = 0; j < n; j++)
		m->pages[i + j] = (struct mpage){ .kind = kind, .prot = prot,
						  .start = j == 0, .sel = sel,
						  .page = first_page + j };
	m->starts[m->nstarts++] = i;
	m->used += n;
}

static size_t random_size(struct model *m)
{
	switch (below(m, 4)) {
	case 0: return 1 + below(m, 4);
	case 1: return 1 + below(m, 16);
	case 2: return 1 + below(m, m->max_size / 64 + 1);
	default: return 1 + below(m, m->max_size);
	}
}

/* A page near a live reservation's start, or anywhere (rarely outside). */
static size_t random_page(struct model *m)
{
	if (m->nstarts > 0 && below(m, 4) != 0) {
		size_t s = m->starts[below(m, m->nstarts)];
		size_t off = below(m, 8) == 0 ? below(m, m->max_size) : below(m, 24);

		return below(m, 4) == 0 && s > 0 ? s - 1 : s + off;
	}
	return below(m, m->n + 4);
}

static void op_reserve(struct model *m, bool image)
{
	size_t n = random_size(m), at = model_search(m, n);
	unsigned prot = (unsigned)below(m, VM_PROT_ALL + 1);
	unsigned sel = below(m, 4) == 0 ? SEL_BAD : SEL_GOOD;
	uint64_t first = below(m, 1000);
	bool starved = maybe_starve(m);
	vaddr_t va = 0;
	enum vm_status st =
		image ? vm_reserve_image(&m->vm.space, n, prot, sel, first, &va)
		      : vm_reserve(&m->vm.space, n, prot, &va);

	if (!agrees(st, at == SIZE_MAX ? VM_ERR_NO_SPACE : expect_limit(m, n),
		    starved))
		return;
	aim(m, at, n);
	assert_int_equal(va, va_of(m, at));
	mark(m, at, n, image ? VM_STATE_IMAGE : VM_STATE_RESERVED, prot,
	     image ? first : 0, image ? sel : 0);
	m->cursor = at + n < m->n ? at + n : 0;
}

static void op_reserve_at(struct model *m)
{
	size_t i = random_page(m), n = random_size(m);
	unsigned prot = (unsigned)below(m, VM_PROT_ALL + 1);
	bool starved = maybe_starve(m);

	aim(m, i, n);
	if (agrees(vm_reserve_at(&m->vm.space, va_of(m, i), n, prot),
		   expect_reserve_at(m, i, n), starved))
		mark(m, i, n, VM_STATE_RESERVED, prot, 0, 0);
}

static void op_release(struct model *m)
{
	size_t k, i, n = 0, wrong = below(m, 4);

	if (m->nstarts == 0)
		return;
	k = below(m, m->nstarts);
	i = m->starts[k];
	while (i + n < m->n && used(m, i + n) &&
	       (n == 0 || !m->pages[i + n].start))
		n++;
	if (wrong == 1)
		n = n + 1 + below(m, 3);
	else if (wrong == 2 && n > 1)
		n = 1 + below(m, n - 1);
	else if (wrong == 3)
		i += below(m, 3) == 0 ? (size_t)-1 : 1;
	aim(m, i, n);
	if (!agrees(vm_release(&m->vm.space, va_of(m, i), n),
		    expect_release(m, i, n), false))
		return;
	for (size_t j = i; j < i + n; j++) {
		forget(m, &m->pages[j]);
		m->pages[j] = (struct mpage){ .kind = VM_STATE_FREE };
	}
	m->used -= n;
	/* a "wrong" variant may have hit another reservation exactly */
	for (k = 0; m->starts[k] != i; k++)
		;
	m->starts[k] = m->starts[--m->nstarts];
}

static void op_change(struct model *m, bool guard)
{
	size_t i = random_page(m), n = 1 + below(m, below(m, 2) ? 8 : m->max_size);
	unsigned prot = (unsigned)below(m, VM_PROT_ALL + 1);
	bool starved = maybe_starve(m);
	enum vm_status st = guard ? vm_guard(&m->vm.space, va_of(m, i), n)
				  : vm_protect(&m->vm.space, va_of(m, i), n, prot);

	aim(m, i, n);
	if (!agrees(st, expect_change(m, i, n), starved))
		return;
	for (size_t j = i; j < i + n; j++) {
		struct mpage *p = &m->pages[j];

		if (guard) {
			forget(m, p);
			*p = (struct mpage){ .kind = VM_STATE_GUARD,
					     .start = p->start };
		} else if (p->kind != VM_STATE_GUARD)
			p->prot = prot;
	}
}

static enum vm_fault_result expect_fault(const struct model *m, size_t i,
					 unsigned pf)
{
	const struct mpage *p;

	if (i >= m->n)
		return VM_FAULT_OUTSIDE;
	p = &m->pages[i];
	if (p->kind == VM_STATE_FREE)
		return VM_FAULT_FREE;
	if (p->kind == VM_STATE_GUARD)
		return VM_FAULT_GUARD;
	if (((pf & VM_PF_WRITE) && !(p->prot & VM_PROT_WRITE)) ||
	    ((pf & VM_PF_USER) && !(p->prot & VM_PROT_USER)) ||
	    ((pf & VM_PF_INSTR) && !(p->prot & VM_PROT_EXEC)))
		return VM_FAULT_PROTECTION;
	if (p->kind != VM_STATE_PRESENT && m->present >= m->lim.max_present)
		return VM_FAULT_LIMIT;
	if (p->kind == VM_STATE_IMAGE && p->sel == SEL_BAD)
		return VM_FAULT_PROVIDER;
	return VM_FAULT_HANDLED;
}

/* The access after a handled fault: check what is there, maybe write. */
static void access_page(struct model *m, size_t i, unsigned pf)
{
	struct mpage *p = &m->pages[i];
	struct vm_state st = vm_test_state(&m->vm, va_of(m, i));
	uint64_t stamp = rnd(m);

	assert_int_equal(st.kind, VM_STATE_PRESENT);
	assert_int_equal(frame_stamp(m, st.frame), p->stamp);
	if (pf & VM_PF_WRITE) {
		memcpy(sim_phys_to_virt(&m->vm.phys, st.frame), &stamp,
		       sizeof(stamp));
		p->stamp = stamp;
	}
}

static void op_touch(struct model *m)
{
	static const unsigned pfs[] = { 0, VM_PF_WRITE, VM_PF_USER,
					VM_PF_USER | VM_PF_WRITE, VM_PF_INSTR,
					VM_PF_USER | VM_PF_INSTR };
	size_t i = random_page(m);
	unsigned pf = pfs[below(m, 6)];
	bool starved = maybe_starve(m);
	enum vm_fault_result want = expect_fault(m, i, pf), got;
	struct mpage *p = i < m->n ? &m->pages[i] : NULL;

	if (p && p->kind == VM_STATE_PRESENT)
		pf |= VM_PF_PRESENT;
	aim(m, i, 1);
	got = vm_fault(&m->vm.space, va_of(m, i), pf, NULL);
	if (starved && got == VM_FAULT_NO_MEMORY)
		return;
	assert_fault(got, want);
	if (got != VM_FAULT_HANDLED)
		return;
	m->present += p->kind != VM_STATE_PRESENT;
	if (p->kind != VM_STATE_PRESENT)
		*p = (struct mpage){
			.kind = VM_STATE_PRESENT, .prot = p->prot,
			.start = p->start,
			.stamp = p->kind == VM_STATE_IMAGE ? image_stamp(p->page)
							   : 0,
		};
	access_page(m, i, pf);
}

/* --- driver ------------------------------------------------------------------------ */

static void step(struct model *m, int n)
{
	aim(m, m->n, 0);
	if (n % 250 == 249)
		change_limits(m);
	switch (below(m, 20)) {
	case 0: case 1: case 2: case 3: op_reserve(m, false); break;
	case 4: op_reserve(m, true); break;
	case 5: case 6: op_reserve_at(m); break;
	case 7: case 8: case 9: case 10: op_release(m); break;
	case 11: case 12: op_change(m, false); break;
	case 13: op_change(m, true); break;
	default: op_touch(m); break;
	}
	sim_phys_fail_after(&m->vm.phys, -1);
	check_step(m, n);
}

static void run_model(vaddr_t lo, size_t n, size_t max_size, unsigned flags,
		      uint64_t seed, int steps)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->lo = lo;
	m->n = n;
	m->rng = seed;
	m->max_size = max_size;
	m->lim = (struct vm_limits){ VM_LIMIT_NONE, VM_LIMIT_NONE };
	m->pages = calloc(n, sizeof(*m->pages));
	m->starts = calloc(n, sizeof(*m->starts));
	assert_true(m->pages && m->starts);
	sim_vm_init(&m->vm, lo, lo + n * PAGE_SIZE, 4096, flags);
	assert_status(vm_provider_register(SEL_GOOD, provide, NULL), VM_OK);
	assert_status(vm_provider_register(SEL_BAD, refuse, NULL), VM_OK);
	for (int s = 0; s < steps; s++)
		step(m, s);
	vm_provider_unregister(SEL_GOOD);
	vm_provider_unregister(SEL_BAD);
	sim_vm_fini(&m->vm);
	free(m->pages);
	free(m->starts);
	free(m);
}

static void vm_model_across_a_pdpte_boundary(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++)
		run_model(GIB - 1536 * PAGE_SIZE, 3072, 700, 0, seed, 2500);
}

static void vm_model_across_a_pml4e_boundary(void **state)
{
	(void)state;
	for (uint64_t seed = 11; seed <= 12; seed++)
		run_model(512 * GIB - 1000 * PAGE_SIZE, 2600, 700, 0, seed,
			  2500);
}

/* A space whose hi is one page below a 512 GiB boundary, as the user
 * space's is below the canonical hole: its tables' last entries cross hi,
 * so compact children that hold only the page beyond it end them. */
static void vm_model_up_to_a_page_below_a_pml4e_end(void **state)
{
	(void)state;
	for (uint64_t seed = 31; seed <= 33; seed++)
		run_model(512 * GIB - 3000 * PAGE_SIZE, 2999, 700, 0, seed,
			  2500);
}

static void vm_model_rdos_like_flags(void **state)
{
	(void)state;
	run_model(GIB - 1536 * PAGE_SIZE, 3072, 700, VM_SPACE_RDOS_LIKE, 21,
		  2500);
}

/* The search skipping FULL tables only (the ablation's one-bit summary):
 * the same addresses as with the whole summaries. */
static void vm_model_full_only_search(void **state)
{
	(void)state;
	run_model(GIB - 1536 * PAGE_SIZE, 3072, 700, VM_SPACE_FULL_ONLY, 41,
		  2500);
}

/*
 * Many page tables, small areas: a fragmented space whose searches skip
 * subtrees by their summaries, cross them through their edge runs and
 * often fail; every summary is recomputed after every step.
 */
static void vm_model_summaries_in_a_fragmented_space(void **state)
{
	(void)state;
	for (uint64_t seed = 51; seed <= 52; seed++)
		run_model(GIB - PAGES(40 * MIB) * PAGE_SIZE, PAGES(80 * MIB),
			  1200, 0, seed, 4000);
}

/* Large reservations: 2 MiB and 1 GiB entries, split by touch and protect. */
static void vm_model_upper_level_entries(void **state)
{
	(void)state;
	for (uint64_t seed = 31; seed <= 32; seed++)
		run_model(2 * GIB - 700 * PAGE_SIZE, PAGES(4 * GIB) + 1400,
			  PAGES(3 * GIB), 0, seed, 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_model_across_a_pdpte_boundary),
		cmocka_unit_test(vm_model_across_a_pml4e_boundary),
		cmocka_unit_test(vm_model_up_to_a_page_below_a_pml4e_end),
		cmocka_unit_test(vm_model_rdos_like_flags),
		cmocka_unit_test(vm_model_full_only_search),
		cmocka_unit_test(vm_model_summaries_in_a_fragmented_space),
		cmocka_unit_test(vm_model_upper_level_entries),
	};

	return HOST_TAP_RUN(tests);
}
