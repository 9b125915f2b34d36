/*
 * test_vm_compact.c - compact entries (mm/vm_compact.c): a partial block
 * held as runs in a descriptor, without a table, until touched.
 *
 * Costs: partial blocks at every level cost no table, those that cross
 * the space's ends too; a descriptor grows with its runs, and the 256th
 * expands the block one level; a touch expands only its own path.  Behaviour: every
 * page reads as it would from a table (kind, protection, START, image
 * page), a release of the wrong address or size is refused, protect and
 * guard cut runs, the search finds the holes between runs.  Out of
 * memory at every allocation changes nothing and leaks nothing.  A
 * bitmap of single pages in one block drives a descriptor through every
 * size.  A model:
 * random reserves, touches, protects, guards and releases in a sparse
 * 2 TiB space against a list of areas, the invariants (summaries over
 * compact entries included) recomputed after every step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "mm/vm_internal.h"
#include "vm_test.h"

#define RW (VM_PROT_WRITE | VM_PROT_USER)
#define BLOCK ((vaddr_t)3 * TIB) /* a 512 GiB block wholly inside the range */

static struct sim_vm *vm_new(size_t frames)
{
	static struct sim_vm v;

	sim_vm_init(&v, VM_USER_LO, VM_USER_HI, frames, 0);
	return &v;
}

static struct vm_stats stats_of(struct sim_vm *v)
{
	struct vm_stats st;

	assert_sane_stats(v, &st);
	return st;
}

static void assert_kind(struct sim_vm *v, vaddr_t va, enum vm_state_kind kind,
			unsigned prot, bool start)
{
	struct vm_state st = vm_test_state(v, va);

	assert_int_equal(st.kind, kind);
	assert_int_equal(st.level, 0);
	if (kind != VM_STATE_FREE && kind != VM_STATE_GUARD)
		assert_int_equal(st.prot, prot);
	assert_int_equal(st.start, start);
}

/* --- costs ------------------------------------------------------------------ */

/* One small area in a 512 GiB block, one in a 1 GiB block of another, a
 * few in one 2 MiB block of a third: a compact entry each, no table. */
static void vm_compact_partial_blocks_cost_no_tables(void **state)
{
	struct sim_vm *v = vm_new(64);
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BLOCK + 5 * PAGE_SIZE, 3, RW),
		      VM_OK);
	assert_status(vm_reserve_at(&v->space, 4 * TIB + 7 * GIB, 20, RW),
		      VM_OK);
	for (int i = 0; i < 5; i++)
		assert_status(vm_reserve_at(&v->space,
					    5 * TIB + i * 16 * PAGE_SIZE, 4, RW),
			      VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1); /* the PML4 */
	assert_int_equal(st.compact_entries, 3);
	assert_int_equal(st.descriptor_pages, 1); /* a pool frame */
	assert_int_equal(st.used_pages, 3 + 20 + 5 * 4);
	assert_kind(v, BLOCK + 4 * PAGE_SIZE, VM_STATE_FREE, 0, false);
	assert_kind(v, BLOCK + 5 * PAGE_SIZE, VM_STATE_RESERVED, RW, true);
	assert_kind(v, BLOCK + 7 * PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_kind(v, BLOCK + 8 * PAGE_SIZE, VM_STATE_FREE, 0, false);
	assert_kind(v, 5 * TIB + 16 * PAGE_SIZE, VM_STATE_RESERVED, RW, true);
	assert_kind(v, 5 * TIB + 20 * PAGE_SIZE, VM_STATE_FREE, 0, false);
	sim_vm_fini(v);
}

/* The descriptor grows a size each time its runs outgrow it; the 256th
 * run expands the block one level, and the entries below are compact
 * again. */
static void vm_compact_runs_grow_the_descriptor_then_expand(void **state)
{
	struct sim_vm *v = vm_new(64);
	struct vm_stats st;

	(void)state;
	for (unsigned i = 0; i < VM_COMPACT_RUNS_MAX; i++) {
		assert_status(vm_reserve_at(&v->space, BLOCK + i * 2 * GIB, 1, RW),
			      VM_OK);
		if (i + 1 == vm_compact_capacity(1))
			/* 15 runs: a 256-byte descriptor in the first frame */
			assert_int_equal(stats_of(v).descriptor_pages, 1);
	}
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.compact_entries, 1);
	/* the largest descriptor is a frame of its own; the first frame,
	 * wholly free again, is kept as the spare */
	assert_int_equal(st.descriptor_pages, 2);
	assert_status(vm_reserve_at(&v->space, BLOCK + 511 * GIB, 1, RW), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 2); /* + the block's PDPT */
	assert_int_equal(st.compact_entries, VM_COMPACT_RUNS_MAX + 1);
	for (unsigned i = 0; i < VM_COMPACT_RUNS_MAX; i++)
		assert_kind(v, BLOCK + i * 2 * GIB, VM_STATE_RESERVED, RW, true);
	sim_vm_fini(v);
}

/* A touch makes the tables on its own path; the other runs stay compact
 * one level down, and the page is zero-filled. */
static void vm_compact_touch_expands_only_its_path(void **state)
{
	struct sim_vm *v = vm_new(64);
	const vaddr_t a = BLOCK + 3 * GIB + 5 * MIB, b = BLOCK + 9 * GIB;
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, a, 600, RW), VM_OK);
	assert_status(vm_reserve_at(&v->space, b, 2, RW), VM_OK);
	assert_fault(vm_fault(&v->space, a + 513 * PAGE_SIZE, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	st = stats_of(v);
	/* PML4; PDPT, PD, PT on a's path */
	assert_int_equal(st.table_pages, 4);
	/* b in the PDPT; a's first 2 MiB piece in the PD */
	assert_int_equal(st.compact_entries, 2);
	assert_int_equal(st.present_pages, 1);
	assert_kind(v, a, VM_STATE_RESERVED, RW, true);
	assert_kind(v, a + 512 * PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_kind(v, a + 513 * PAGE_SIZE, VM_STATE_PRESENT, RW, false);
	assert_kind(v, a + 600 * PAGE_SIZE, VM_STATE_FREE, 0, false);
	assert_kind(v, b + PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_status(vm_release(&v->space, a, 600), VM_OK);
	assert_status(vm_release(&v->space, b, 2), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.compact_entries, 0);
	sim_vm_fini(v);
}

/*
 * Blocks that cross the space's ends are compact too: page 0 (below lo)
 * and the page from hi on are their bound runs.  A touch expands them
 * down to the leaf table, whose entry outside the range is the bound
 * marker; an expansion whose crossing child holds nothing else leaves it
 * compact with the bound run alone, and the release that empties the
 * table frees it with the table.  Fork's expansion of every compact entry
 * frees such a child instead (and counts the summaries above it again).
 */
static void vm_compact_blocks_crossing_the_bounds_hold_bound_runs(void **state)
{
	struct sim_vm *v = vm_new(64);
	const vaddr_t top = VM_USER_HI - 2 * PAGE_SIZE, far = VM_USER_LO + GIB;
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, VM_USER_LO, 3, RW), VM_OK);
	assert_status(vm_reserve_at(&v->space, top, 2, RW), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.compact_entries, 2);
	assert_int_equal(st.used_pages, 5);
	assert_fault(vm_fault(&v->space, 0, 0, NULL), VM_FAULT_OUTSIDE);
	assert_fault(vm_fault(&v->space, VM_USER_LO, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	assert_fault(vm_fault(&v->space, top + PAGE_SIZE, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1 + 3 + 3);
	assert_int_equal(st.compact_entries, 0);
	assert_kind(v, VM_USER_LO + PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_status(vm_release(&v->space, VM_USER_LO, 3), VM_OK);
	assert_status(vm_release(&v->space, top, 2), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1);

	/* a touch a GiB away: the first GiB's child keeps the bound run */
	assert_status(vm_reserve_at(&v->space, far, 2, RW), VM_OK);
	assert_fault(vm_fault(&v->space, far, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1 + 3);
	assert_int_equal(st.compact_entries, 1);
	assert_status(vm_release(&v->space, far, 2), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.compact_entries, 0);

	/* fork's expansion: the same child is freed, not made a table */
	assert_status(vm_reserve_at(&v->space, far, 2, RW), VM_OK);
	assert_status(vm_compact_expand_all(&v->space), VM_OK);
	st = stats_of(v);
	assert_int_equal(st.table_pages, 1 + 3);
	assert_int_equal(st.compact_entries, 0);
	assert_kind(v, far + PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_status(vm_release(&v->space, far, 2), VM_OK);
	assert_int_equal(stats_of(v).table_pages, 1);
	sim_vm_fini(v);
}

/* --- behaviour ------------------------------------------------------------- */

static void vm_compact_release_refuses_wrong_address_or_size(void **state)
{
	struct sim_vm *v = vm_new(64);

	(void)state;
	assert_status(vm_reserve_at(&v->space, BLOCK, 8, RW), VM_OK);
	assert_status(vm_reserve_at(&v->space, BLOCK + 8 * PAGE_SIZE, 8, RW),
		      VM_OK);
	assert_status(vm_release(&v->space, BLOCK + PAGE_SIZE, 7),
		      VM_ERR_NOT_START);
	assert_status(vm_release(&v->space, BLOCK, 7), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(&v->space, BLOCK, 9), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(&v->space, BLOCK + 16 * PAGE_SIZE, 1),
		      VM_ERR_NOT_START);
	assert_status(vm_release(&v->space, BLOCK, 8), VM_OK);
	assert_kind(v, BLOCK + 8 * PAGE_SIZE, VM_STATE_RESERVED, RW, true);
	assert_int_equal(stats_of(v).compact_entries, 1);
	assert_status(vm_release(&v->space, BLOCK + 8 * PAGE_SIZE, 8), VM_OK);
	assert_int_equal(stats_of(v).compact_entries, 0);
	sim_vm_fini(v);
}

/* Protect of a run's middle cuts it (the block gets its tables); a whole
 * run changes in place. */
static void vm_compact_protect_and_guard_cut_runs(void **state)
{
	struct sim_vm *v = vm_new(64);
	const vaddr_t a = BLOCK + 40 * PAGE_SIZE;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BLOCK, 10, RW), VM_OK);
	assert_status(vm_reserve_at(&v->space, a, 10, RW), VM_OK);
	assert_status(vm_protect(&v->space, BLOCK, 10, VM_PROT_USER), VM_OK);
	assert_int_equal(stats_of(v).table_pages, 1); /* in place */
	assert_kind(v, BLOCK + 9 * PAGE_SIZE, VM_STATE_RESERVED, VM_PROT_USER,
		    false);
	assert_status(vm_guard(&v->space, a + 3 * PAGE_SIZE, 2), VM_OK);
	assert_status(vm_protect(&v->space, a + 6 * PAGE_SIZE, 1,
				 VM_PROT_USER | VM_PROT_EXEC),
		      VM_OK);
	assert_kind(v, a + 2 * PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_kind(v, a + 3 * PAGE_SIZE, VM_STATE_GUARD, 0, false);
	assert_kind(v, a + 4 * PAGE_SIZE, VM_STATE_GUARD, 0, false);
	assert_kind(v, a + 6 * PAGE_SIZE, VM_STATE_RESERVED,
		    VM_PROT_USER | VM_PROT_EXEC, false);
	assert_kind(v, a + 7 * PAGE_SIZE, VM_STATE_RESERVED, RW, false);
	assert_kind(v, BLOCK, VM_STATE_RESERVED, VM_PROT_USER, true);
	assert_fault(vm_fault(&v->space, a + 3 * PAGE_SIZE, 0, NULL),
		     VM_FAULT_GUARD);
	assert_status(vm_release(&v->space, a, 10), VM_OK);
	assert_status(vm_release(&v->space, BLOCK, 10), VM_OK);
	assert_int_equal(stats_of(v).table_pages, 1);
	sim_vm_fini(v);
}

#define SEL 7

static int provide(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, 0, PAGE_SIZE);
	memcpy(dest, &page, sizeof(page));
	return 0;
}

/* An image run spanning 2 MiB blocks: every page names its own provider
 * page, and a touch fills the right one. */
static void vm_compact_image_pages_come_from_their_provider(void **state)
{
	struct sim_vm *v = vm_new(64);
	const vaddr_t va = BLOCK + 2 * MIB - 3 * PAGE_SIZE;
	struct vm_state st;
	uint64_t got;

	(void)state;
	assert_status(vm_provider_register(SEL, provide, NULL), VM_OK);
	assert_status(vm_reserve_image_at(&v->space, va, 700, RW, SEL, 1000),
		      VM_OK);
	assert_int_equal(stats_of(v).compact_entries, 1);
	for (uint64_t i = 0; i < 700; i += 99) {
		st = vm_test_state(v, va + i * PAGE_SIZE);
		assert_int_equal(st.kind, VM_STATE_IMAGE);
		assert_int_equal(st.page, 1000 + i);
		assert_int_equal(st.start, i == 0);
	}
	assert_fault(vm_fault(&v->space, va + 5 * PAGE_SIZE, 0, NULL),
		     VM_FAULT_HANDLED);
	st = vm_test_state(v, va + 5 * PAGE_SIZE);
	memcpy(&got, sim_phys_to_virt(&v->phys, st.frame), sizeof(got));
	assert_int_equal(got, 1005);
	assert_int_equal(vm_test_state(v, va + 699 * PAGE_SIZE).page, 1699);
	assert_status(vm_release(&v->space, va, 700), VM_OK);
	vm_provider_unregister(SEL);
	sim_vm_fini(v);
}

/* First fit finds the hole between two runs, and the one inside a block
 * whose runs leave no room for a larger request is skipped. */
static void vm_compact_search_finds_the_holes_between_runs(void **state)
{
	struct sim_vm *v = vm_new(64);
	vaddr_t got;

	(void)state;
	v->space.flags |= VM_SPACE_FIRST_FIT;
	v->space.lo = BLOCK; /* a range that starts at the block */
	assert_status(vm_reserve_at(&v->space, BLOCK, 10, RW), VM_OK);
	assert_status(vm_reserve_at(&v->space, BLOCK + 30 * PAGE_SIZE, 10, RW),
		      VM_OK);
	assert_status(vm_reserve(&v->space, 20, RW, &got), VM_OK);
	assert_int_equal(got, BLOCK + 10 * PAGE_SIZE);
	assert_status(vm_reserve(&v->space, 5, RW, &got), VM_OK);
	assert_int_equal(got, BLOCK + 40 * PAGE_SIZE);
	assert_int_equal(stats_of(v).compact_entries, 1);
	sim_vm_fini(v);
}

/* --- out of memory ---------------------------------------------------------- */

/* Run step with allocations failing from the k-th on, for k = 0, 1, ...
 * until it succeeds: each failure must leave the pages as they were
 * and, if undone (a reserve), the frames too, but for a frame of free
 * descriptors the pool may keep (a fault or a protect keeps the tables it
 * made: they describe the same pages).  Returns how many allocations the
 * step needed. */
static long fail_each(struct sim_vm *v, vaddr_t probe, size_t n,
		      bool (*step)(struct sim_vm *v), bool undone)
{
	pte_t before[16];
	long k;

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		before[i] = vm_test_state(v, probe + i * PAGE_SIZE).entry;
	for (k = 0;; k++) {
		size_t frames = v->phys.in_use;
		size_t pool = stats_of(v).descriptor_pages;
		bool ok;

		sim_phys_fail_after(&v->phys, k);
		ok = step(v);
		sim_phys_fail_after(&v->phys, -1);
		assert_sane(v);
		if (ok)
			return k;
		if (undone) {
			size_t kept = stats_of(v).descriptor_pages;

			assert_true(kept <= pool + 1);
			assert_int_equal(v->phys.in_use - kept, frames - pool);
		}
		for (size_t i = 0; i < n; i++)
			assert_int_equal(
				vm_test_state(v, probe + i * PAGE_SIZE).entry,
				before[i]);
	}
}

static bool one_more_run(struct sim_vm *v)
{
	enum vm_status st = vm_reserve_at(&v->space, BLOCK + 511 * GIB, 1, RW);

	assert_true(st == VM_OK || st == VM_ERR_NO_MEMORY);
	return st == VM_OK;
}

static bool touch(struct sim_vm *v)
{
	enum vm_fault_result r =
		vm_fault(&v->space, BLOCK + 2 * GIB + PAGE_SIZE, VM_PF_WRITE, NULL);

	assert_true(r == VM_FAULT_HANDLED || r == VM_FAULT_NO_MEMORY);
	return r == VM_FAULT_HANDLED;
}

static bool cut(struct sim_vm *v)
{
	enum vm_status st = vm_protect(&v->space, BLOCK + 4 * GIB + PAGE_SIZE, 1,
				       VM_PROT_USER);

	assert_true(st == VM_OK || st == VM_ERR_NO_MEMORY);
	return st == VM_OK;
}

static void vm_compact_out_of_memory_changes_nothing(void **state)
{
	struct sim_vm *v = vm_new(64);

	(void)state;
	/* a new pool: its first frame (without it, a table) */
	assert_int_equal(fail_each(v, BLOCK, 1, one_more_run, true), 1);
	assert_int_equal(stats_of(v).compact_entries, 1);
	assert_status(vm_release(&v->space, BLOCK + 511 * GIB, 1), VM_OK);
	sim_vm_fini(v);
	v = vm_new(64);
	for (unsigned i = 0; i < VM_COMPACT_RUNS_MAX; i++)
		assert_status(vm_reserve_at(&v->space, BLOCK + i * 2 * GIB, 4, RW),
			      VM_OK);
	/* the 256th run: the block's PDPT and the descriptors of its
	 * entries (a frame of them at least) */
	assert_true(fail_each(v, BLOCK, 4, one_more_run, true) >= 2);
	/* a touch: PD, PT, the page, maybe descriptors; a cut: PT */
	assert_true(fail_each(v, BLOCK + 2 * GIB, 4, touch, false) >= 2);
	assert_true(fail_each(v, BLOCK + 4 * GIB, 4, cut, false) >= 1);
	sim_vm_fini(v);
}

/* --- a model ------------------------------------------------------------------ */

#define MODEL_AREAS 48
#define MODEL_STEPS 3000
#define MODEL_MAX_PAGES 1200

/* An area of the reference: its pages' kinds and protections. */
struct marea {
	vaddr_t va;
	size_t n; /* 0: unused slot */
	unsigned char kind[MODEL_MAX_PAGES], prot[MODEL_MAX_PAGES];
};

struct cmodel {
	struct sim_vm *v;
	struct marea a[MODEL_AREAS];
	uint64_t rng;
	uint64_t used, present;
};

static uint64_t rnd(struct cmodel *m, uint64_t n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng % n;
}

/* A place where areas crowd some blocks of every level: a few 512 GiB
 * blocks, a few 1 GiB blocks in them, a few 2 MiB blocks in those. */
static vaddr_t model_place(struct cmodel *m)
{
	return BLOCK + rnd(m, 3) * 512 * GIB + rnd(m, 3) * GIB +
	       rnd(m, 3) * 2 * MIB + rnd(m, 700) * PAGE_SIZE;
}

static bool overlaps(const struct cmodel *m, vaddr_t va, size_t n)
{
	for (int i = 0; i < MODEL_AREAS; i++)
		if (m->a[i].n && va < m->a[i].va + m->a[i].n * PAGE_SIZE &&
		    m->a[i].va < va + n * PAGE_SIZE)
			return true;
	return false;
}

static void model_reserve(struct cmodel *m, struct marea *a)
{
	vaddr_t va = model_place(m);
	size_t n = 1 + rnd(m, rnd(m, 2) ? 16 : MODEL_MAX_PAGES);
	unsigned prot = rnd(m, 2) ? RW : VM_PROT_USER;
	enum vm_status st = vm_reserve_at(&m->v->space, va, n, prot);

	assert_status(st, overlaps(m, va, n) ? VM_ERR_BUSY : VM_OK);
	if (st != VM_OK)
		return;
	a->va = va;
	a->n = n;
	memset(a->kind, VM_STATE_RESERVED, n);
	memset(a->prot, prot, n);
	m->used += n;
}

static void model_touch(struct cmodel *m, struct marea *a)
{
	size_t i = rnd(m, a->n);
	enum vm_fault_result r =
		vm_fault(&m->v->space, a->va + i * PAGE_SIZE, 0, NULL);

	if (a->kind[i] == VM_STATE_GUARD) {
		assert_fault(r, VM_FAULT_GUARD);
		return;
	}
	assert_fault(r, VM_FAULT_HANDLED);
	m->present += a->kind[i] == VM_STATE_RESERVED;
	a->kind[i] = VM_STATE_PRESENT;
}

static void model_change(struct cmodel *m, struct marea *a)
{
	size_t i = rnd(m, a->n), n = 1 + rnd(m, a->n - i);
	bool guard = rnd(m, 3) == 0;
	unsigned prot = rnd(m, 2) ? RW : VM_PROT_USER | VM_PROT_EXEC;

	if (guard) {
		assert_status(vm_guard(&m->v->space, a->va + i * PAGE_SIZE, n),
			      VM_OK);
	} else {
		assert_status(vm_protect(&m->v->space, a->va + i * PAGE_SIZE, n,
					 prot),
			      VM_OK);
	}
	for (size_t k = i; k < i + n; k++) {
		if (guard) {
			m->present -= a->kind[k] == VM_STATE_PRESENT;
			a->kind[k] = VM_STATE_GUARD;
		} else if (a->kind[k] != VM_STATE_GUARD) {
			a->prot[k] = (unsigned char)prot;
		}
	}
}

static void model_release(struct cmodel *m, struct marea *a)
{
	assert_status(vm_release(&m->v->space, a->va, a->n), VM_OK);
	for (size_t k = 0; k < a->n; k++)
		m->present -= a->kind[k] == VM_STATE_PRESENT;
	m->used -= a->n;
	a->n = 0;
}

static void model_compare(struct cmodel *m, const struct marea *a)
{
	for (size_t k = 0; k < a->n; k++) {
		struct vm_state st = vm_test_state(m->v, a->va + k * PAGE_SIZE);

		assert_int_equal(st.kind, a->kind[k]);
		assert_int_equal(st.start, k == 0);
		if (st.kind != VM_STATE_GUARD)
			assert_int_equal(st.prot, a->prot[k]);
	}
}

static void vm_compact_model_of_crowded_blocks(void **state)
{
	struct cmodel *m = calloc(1, sizeof(*m));
	struct vm_stats st;
	size_t most = 0;

	(void)state;
	assert_non_null(m);
	m->v = vm_new(8192);
	m->rng = 0x9e3779b97f4a7c15ull;
	for (int s = 0; s < MODEL_STEPS; s++) {
		struct marea *a = &m->a[rnd(m, MODEL_AREAS)];
		uint64_t what = rnd(m, 10);

		if (a->n == 0)
			model_reserve(m, a);
		else if (what < 4)
			model_touch(m, a);
		else if (what < 6)
			model_change(m, a);
		else if (what < 7)
			model_release(m, a);
		assert_sane_stats(m->v, &st);
		assert_int_equal(st.used_pages, m->used);
		assert_int_equal(st.present_pages, m->present);
		most = st.compact_entries > most ? st.compact_entries : most;
		if (a->n)
			model_compare(m, a);
	}
	for (int i = 0; i < MODEL_AREAS; i++)
		if (m->a[i].n)
			model_release(m, &m->a[i]);
	assert_int_equal(stats_of(m->v).table_pages, 1);
	printf("# at most %zu compact entries at once\n", most);
	assert_true(most > 8);
	sim_vm_fini(m->v);
	free(m);
}

/* Single pages reserved and released at random in one 2 MiB block, more
 * of them than the largest descriptor holds: the descriptor grows
 * through every size, the block expands, and every page reads as
 * a bitmap says, the invariants (the descriptor's longest run, the pool's
 * frames) checked after every step; at the end the pool is empty. */
static void vm_compact_descriptor_sizes_against_a_bitmap(void **state)
{
	static bool held[512];
	struct sim_vm *v = vm_new(64);
	uint64_t rng = 12345;
	size_t most = 0;

	(void)state;
	memset(held, 0, sizeof(held));
	for (int step = 0; step < 3000; step++) {
		unsigned i;
		struct vm_stats st;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		i = (unsigned)(rng >> 33) % 512;
		if (held[i])
			assert_status(vm_release(&v->space, BLOCK + i * PAGE_SIZE, 1),
				      VM_OK);
		else
			assert_status(vm_reserve_at(&v->space,
						    BLOCK + i * PAGE_SIZE, 1, RW),
				      VM_OK);
		held[i] = !held[i];
		st = stats_of(v);
		most = st.compact_entries && st.used_pages > most ? st.used_pages
								   : most;
		assert_kind(v, BLOCK + i * PAGE_SIZE,
			    held[i] ? VM_STATE_RESERVED : VM_STATE_FREE,
			    held[i] ? RW : 0, held[i]);
	}
	for (unsigned i = 0; i < 512; i++)
		if (held[i])
			assert_status(vm_release(&v->space, BLOCK + i * PAGE_SIZE, 1),
				      VM_OK);
	/* a block of 200 to 300 isolated pages has well over 127 runs */
	assert_true(most > 127);
	assert_int_equal(stats_of(v).compact_entries, 0);
	sim_vm_fini(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_compact_partial_blocks_cost_no_tables),
		cmocka_unit_test(vm_compact_runs_grow_the_descriptor_then_expand),
		cmocka_unit_test(vm_compact_touch_expands_only_its_path),
		cmocka_unit_test(vm_compact_blocks_crossing_the_bounds_hold_bound_runs),
		cmocka_unit_test(vm_compact_release_refuses_wrong_address_or_size),
		cmocka_unit_test(vm_compact_protect_and_guard_cut_runs),
		cmocka_unit_test(vm_compact_image_pages_come_from_their_provider),
		cmocka_unit_test(vm_compact_search_finds_the_holes_between_runs),
		cmocka_unit_test(vm_compact_out_of_memory_changes_nothing),
		cmocka_unit_test(vm_compact_model_of_crowded_blocks),
		cmocka_unit_test(vm_compact_descriptor_sizes_against_a_bitmap),
	};

	return HOST_TAP_RUN(tests);
}
