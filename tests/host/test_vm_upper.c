/*
 * test_vm_upper.c - upper-level reservations, out-of-memory, placement and
 * kernel spaces.
 *
 * Upper level: a terabyte costs a handful of tables, a touch splits only
 * its own path, protect splits only the two ends, release frees it all.
 * Out of memory: at every possible allocation of reserve, fault and
 * protect, the call fails cleanly, nothing changes and nothing leaks.
 * Placement: next fit, wrap-around, exhaustion, a search that never
 * allocates.  Kernel spaces: shared PML4 entries, never marked or freed.
 */
#include <string.h>

#include "host_tap.h"
#include "mm/vm_internal.h"
#include "test_fork.h"
#include "vm_test.h"

static struct sim_vm *vm_new(vaddr_t lo, vaddr_t hi, unsigned flags)
{
	static struct sim_vm v;

	sim_vm_init(&v, lo, hi, 2048, flags);
	return &v;
}

static struct sim_vm *vm_full(void)
{
	return vm_new(VM_USER_LO, VM_USER_HI, 0);
}

/* A whole user space whose partial blocks get tables, not compact
 * entries: for the tests that count or poke tables (test_vm_compact.c
 * has the compact entries' own). */
static struct sim_vm *vm_full_tables(void)
{
	return vm_new(VM_USER_LO, VM_USER_HI, VM_SPACE_NO_COMPACT);
}

static void assert_page(struct sim_vm *v, vaddr_t va, enum vm_state_kind kind,
			int level, bool start)
{
	struct vm_state st = vm_test_state(v, va);

	assert_int_equal(st.kind, kind);
	assert_int_equal(st.level, level);
	assert_int_equal(st.start, start);
}

/* --- upper-level reservations ------------------------------------------------ */

/* RDOS weakness 7: 1 TiB would cost 2 GiB of page tables there. */
static void vm_upper_terabyte_costs_a_handful_of_tables(void **state)
{
	struct sim_vm *v = vm_full();
	const size_t n = PAGES(TIB);
	const vaddr_t mid = 600 * GIB + 5 * MIB + 3 * PAGE_SIZE;
	struct vm_stats st;
	vaddr_t va;

	(void)state;
	assert_status(vm_reserve(&v->space, n, VM_PROT_WRITE, &va), VM_OK);
	assert_int_equal(va, VM_USER_LO);
	assert_sane_stats(v, &st);
	/* the PML4 alone; a compact entry at each end (the one at the
	 * start, whose block crosses lo, holds the page below lo as its
	 * bound run), both in the pool's frame */
	assert_int_equal(st.table_pages, 1);
	assert_int_equal(st.compact_entries, 2);
	assert_int_equal(st.descriptor_pages, 1);
	assert_int_equal(st.used_pages, n);
	assert_page(v, va, VM_STATE_RESERVED, 0, true);
	assert_page(v, mid, VM_STATE_RESERVED, 3, false);
	assert_page(v, 512 * GIB, VM_STATE_RESERVED, 3, false);

	assert_fault(vm_fault(&v->space, mid, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 1 + 3); /* only mid's path */
	assert_page(v, mid, VM_STATE_PRESENT, 0, false);
	assert_page(v, mid + PAGE_SIZE, VM_STATE_RESERVED, 0, false);
	assert_page(v, mid + 2 * MIB, VM_STATE_RESERVED, 1, false);
	assert_page(v, mid + GIB, VM_STATE_RESERVED, 2, false);
	assert_page(v, 512 * GIB, VM_STATE_RESERVED, 2, false);

	assert_status(vm_release(&v->space, va, n - 1), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(&v->space, va, n + 1), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(&v->space, 512 * GIB, 1), VM_ERR_NOT_START);
	assert_status(vm_release(&v->space, va, n), VM_OK);
	assert_int_equal(v->phys.in_use, 1 + 1); /* PML4, the pool's spare frame */
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_upper_aligned_terabyte_is_two_entries(void **state)
{
	struct sim_vm *v = vm_full();
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, 512 * GIB, PAGES(TIB), 0),
		      VM_OK);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 1);
	assert_page(v, 512 * GIB, VM_STATE_RESERVED, 3, true);
	assert_page(v, 1024 * GIB, VM_STATE_RESERVED, 3, false);
	assert_page(v, 1536 * GIB, VM_STATE_FREE, 3, false);
	/* a reservation right behind it starts its own entry */
	assert_status(vm_reserve_at(&v->space, 1536 * GIB, 1, 0), VM_OK);
	assert_status(vm_release(&v->space, 512 * GIB, PAGES(TIB)), VM_OK);
	assert_page(v, 1536 * GIB, VM_STATE_RESERVED, 0, true);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_upper_protect_and_guard_split_only_the_ends(void **state)
{
	struct sim_vm *v = vm_full();
	const vaddr_t lo = 3 * GIB + 3 * PAGE_SIZE, hi = lo + 5 * PAGE_SIZE;
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, GIB, PAGES(4 * GIB), 0), VM_OK);
	assert_status(vm_protect(&v->space, lo, PAGES(hi - lo), VM_PROT_WRITE),
		      VM_OK);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 1 + 1 + 2); /* PML4, PDPT; PD, PT */
	assert_int_equal(vm_test_state(v, lo - PAGE_SIZE).prot, 0);
	assert_int_equal(vm_test_state(v, lo).prot, VM_PROT_WRITE);
	assert_int_equal(vm_test_state(v, hi - PAGE_SIZE).prot, VM_PROT_WRITE);
	assert_int_equal(vm_test_state(v, hi).prot, 0);
	assert_page(v, GIB, VM_STATE_RESERVED, 2, true);
	/* whole entries change in place: no new table */
	assert_status(vm_guard(&v->space, 4 * GIB, PAGES(GIB)), VM_OK);
	assert_status(vm_protect(&v->space, 3 * GIB + 2 * MIB, PAGES(2 * MIB),
				 VM_PROT_EXEC),
		      VM_OK);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 4);
	assert_page(v, 4 * GIB + 7 * MIB, VM_STATE_GUARD, 2, false);
	assert_int_equal(vm_test_state(v, 3 * GIB + 3 * MIB).prot,
			 VM_PROT_EXEC);
	assert_status(vm_release(&v->space, GIB, PAGES(4 * GIB)), VM_OK);
	assert_int_equal(v->phys.in_use, 1 + 1); /* PML4, the pool's spare */
	sim_vm_fini(v);
}

/* The RDOS-like flags: a leaf entry per page, as in RDOS. */
static void vm_upper_disabled_costs_a_table_per_2m(void **state)
{
	struct sim_vm *v = vm_new(VM_USER_LO, 4 * GIB, VM_SPACE_RDOS_LIKE);
	struct vm_stats st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, GIB, PAGES(GIB), 0), VM_OK);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 1 + 1 + 1 + 512);
	assert_page(v, GIB + 7 * MIB, VM_STATE_RESERVED, 0, false);
	assert_status(vm_release(&v->space, GIB, PAGES(GIB)), VM_OK);
	sim_vm_fini(v);
}

/* --- out of memory ------------------------------------------------------------ */

/* Entries of pages [va, va + n) as seen by vm_query. */
static void snapshot(struct sim_vm *v, vaddr_t va, size_t n, pte_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = vm_test_state(v, va + i * PAGE_SIZE).entry;
}

/* RDOS weakness 3: out of memory at any step is an error, and undone. */
static void vm_oom_during_reserve_undoes_and_leaks_nothing(void **state)
{
	struct sim_vm *v = vm_full_tables();
	const vaddr_t va = 512 * GIB - 3 * PAGE_SIZE;
	const size_t n = PAGES(2 * GIB) + 8;
	long k;

	(void)state;
	assert_status(vm_reserve_at(&v->space, va - PAGE_SIZE, 1, 0), VM_OK);
	for (k = 0;; k++) {
		size_t frames = v->phys.in_use;
		enum vm_status st;

		sim_phys_fail_after(&v->phys, k);
		st = vm_reserve_at(&v->space, va, n, VM_PROT_WRITE);
		sim_phys_fail_after(&v->phys, -1);
		assert_sane(v);
		if (st == VM_OK)
			break;
		assert_status(st, VM_ERR_NO_MEMORY);
		assert_int_equal(v->phys.in_use, frames);
		assert_page(v, va, VM_STATE_FREE, 0, false);
		assert_page(v, 513 * GIB, VM_STATE_FREE, 3, false);
	}
	assert_int_equal(k, 3); /* PDPT, PD, PT at the end; the start's PT
				   exists */
	assert_status(vm_release(&v->space, va, n), VM_OK);
	assert_status(vm_release(&v->space, va - PAGE_SIZE, 1), VM_OK);
	sim_vm_fini(v);
}

static void vm_oom_during_fault_changes_nothing(void **state)
{
	struct sim_vm *v = vm_full();
	const vaddr_t page = GIB + 77 * PAGE_SIZE;
	pte_t before[3], after[3];
	long k;

	(void)state;
	assert_status(vm_reserve_at(&v->space, GIB, PAGES(GIB), 0), VM_OK);
	snapshot(v, page - PAGE_SIZE, 3, before);
	for (k = 0;; k++) {
		enum vm_fault_result r;

		sim_phys_fail_after(&v->phys, k);
		r = vm_fault(&v->space, page, 0, NULL);
		sim_phys_fail_after(&v->phys, -1);
		assert_sane(v);
		if (r == VM_FAULT_HANDLED)
			break;
		assert_fault(r, VM_FAULT_NO_MEMORY);
		/* a split that succeeded describes the same pages */
		snapshot(v, page - PAGE_SIZE, 3, after);
		assert_memory_equal(before, after, sizeof(before));
	}
	/* the first GiB's compact entry (its block crosses lo) expands:
	 * k=0: no PDPT; k=1: PDPT made (and kept), no PD; k=2: PD, no PT;
	 * k=3: PT and frame */
	assert_int_equal(k, 3);
	assert_page(v, page, VM_STATE_PRESENT, 0, false);
	assert_status(vm_release(&v->space, GIB, PAGES(GIB)), VM_OK);
	sim_vm_fini(v);
}

static void vm_oom_during_protect_changes_nothing(void **state)
{
	struct sim_vm *v = vm_full();
	pte_t before[4], after[4];

	(void)state;
	assert_status(vm_reserve_at(&v->space, GIB, PAGES(GIB), 0), VM_OK);
	snapshot(v, GIB + 9 * MIB, 4, before);
	/* the PDPT (the first GiB's compact entry expands), the PD, the PT
	 * fail in turn: a split that succeeded is kept, so after the first
	 * attempt each may take one frame more */
	for (long k = 0; k < 3; k++) {
		sim_phys_fail_after(&v->phys, k ? 1 : 0);
		assert_status(vm_protect(&v->space, GIB + 9 * MIB + PAGE_SIZE, 2,
					 VM_PROT_WRITE),
			      VM_ERR_NO_MEMORY);
		sim_phys_fail_after(&v->phys, -1);
		snapshot(v, GIB + 9 * MIB, 4, after);
		assert_memory_equal(before, after, sizeof(before));
		assert_sane(v);
		if (k == 0) /* nothing split yet: a page of a compact entry */
			assert_page(v, GIB, VM_STATE_RESERVED, 0, true);
	}
	assert_status(vm_protect(&v->space, GIB + 9 * MIB + PAGE_SIZE, 2,
				 VM_PROT_WRITE),
		      VM_OK);
	assert_int_equal(vm_test_state(v, GIB + 9 * MIB + PAGE_SIZE).prot,
			 VM_PROT_WRITE);
	assert_sane(v);
	sim_vm_fini(v);
}

/* --- placement --------------------------------------------------------------- */

static void vm_search_never_allocates(void **state)
{
	struct sim_vm *v = vm_new(VM_USER_LO, VM_USER_LO + 64 * PAGE_SIZE, 0);
	vaddr_t va;

	(void)state;
	assert_status(vm_reserve(&v->space, 8, 0, &va), VM_OK);
	sim_phys_fail_after(&v->phys, 0);
	/* the table exists: the search and the marking need no frame */
	assert_status(vm_reserve(&v->space, 8, 0, &va), VM_OK);
	assert_int_equal(va, VM_USER_LO + 8 * PAGE_SIZE);
	assert_status(vm_reserve(&v->space, 100, 0, &va), VM_ERR_NO_SPACE);
	sim_phys_fail_after(&v->phys, -1);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_cursor_is_next_fit_and_wraps(void **state)
{
	const vaddr_t lo = 2 * MIB - 4 * PAGE_SIZE; /* crosses a PDE boundary */
	struct sim_vm *v = vm_new(lo, lo + 16 * PAGE_SIZE, 0);
	vaddr_t a, b, c;

	(void)state;
	assert_status(vm_reserve(&v->space, 6, 0, &a), VM_OK);
	assert_status(vm_reserve(&v->space, 6, 0, &b), VM_OK);
	assert_int_equal(a, lo);
	assert_int_equal(b, lo + 6 * PAGE_SIZE);
	assert_status(vm_release(&v->space, a, 6), VM_OK);
	/* 4 pages left after the cursor: the 5 come from the wrap */
	assert_status(vm_reserve(&v->space, 5, 0, &c), VM_OK);
	assert_int_equal(c, lo);
	assert_int_equal(v->space.cursor, lo + 5 * PAGE_SIZE);
	/* next fit: the free page at lo + 5 comes before the tail */
	assert_status(vm_reserve(&v->space, 1, 0, &a), VM_OK);
	assert_int_equal(a, lo + 5 * PAGE_SIZE);
	assert_status(vm_reserve(&v->space, 4, 0, &a), VM_OK);
	assert_int_equal(a, lo + 12 * PAGE_SIZE);
	assert_int_equal(v->space.cursor, lo); /* reached hi: back to lo */
	assert_sane(v);
	sim_vm_fini(v);
}

/* A free run around the cursor is found whole after the wrap. */
static void vm_cursor_inside_a_free_run(void **state)
{
	struct sim_vm *v = vm_new(VM_USER_LO, VM_USER_LO + 16 * PAGE_SIZE, 0);
	vaddr_t a;

	(void)state;
	assert_status(vm_reserve(&v->space, 8, 0, &a), VM_OK);
	assert_status(vm_release(&v->space, a, 8), VM_OK);
	assert_int_equal(v->space.cursor, VM_USER_LO + 8 * PAGE_SIZE);
	assert_status(vm_reserve(&v->space, 16, 0, &a), VM_OK);
	assert_int_equal(a, VM_USER_LO);
	sim_vm_fini(v);
}

/* RDOS weakness 3: exhaustion is an error code, not a trap. */
static void vm_exhaustion_is_an_error(void **state)
{
	struct sim_vm *v = vm_new(VM_USER_LO, VM_USER_LO + 1000 * PAGE_SIZE, 0);
	vaddr_t va;
	int n = 0;

	(void)state;
	while (vm_reserve(&v->space, 7, VM_PROT_WRITE, &va) == VM_OK)
		n++;
	assert_int_equal(n, 1000 / 7);
	assert_status(vm_reserve(&v->space, 7, 0, &va), VM_ERR_NO_SPACE);
	assert_status(vm_reserve(&v->space, 1001, 0, &va), VM_ERR_NO_SPACE);
	assert_status(vm_reserve(&v->space, 0, 0, &va), VM_ERR_INVALID);
	assert_status(vm_reserve(&v->space, 1000 % 7, 0, &va), VM_OK);
	assert_status(vm_reserve(&v->space, 1, 0, &va), VM_ERR_NO_SPACE);
	assert_sane(v);
	sim_vm_fini(v);
}

/* --- bound markers ------------------------------------------------------------- */

#define BOUND_LO (GIB - 16 * PAGE_SIZE)
#define BOUND_HI (GIB + 64 * MIB)

/*
 * A space [1 GiB - 64 KiB, 1 GiB + 64 MiB): the first touch makes the
 * tables that cross lo (the reservation alone makes the PML4 entry
 * compact, with bound runs), and each holds the bound marker in every entry
 * wholly below it (the page table of [1 GiB - 2 MiB, 1 GiB): 496 entries;
 * the PD of [0, 1 GiB): 511; the PDPT: entry 0, and 2-511 above hi).  The
 * checker names a missing marker; the release frees the tables, markers
 * and all.
 */
static void vm_bounds_mark_the_tables_that_cross_the_range(void **state)
{
	struct sim_vm *v = vm_new(BOUND_LO, BOUND_HI, 0);
	struct vm_stats st;
	pte_t *pt;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BOUND_LO, 1, 0), VM_OK);
	/* the block is compact until touched (its bound runs hold what the
	 * markers will): the touch makes the tables */
	assert_fault(vm_fault(&v->space, BOUND_LO, 0, NULL), VM_FAULT_HANDLED);
	pt = vm_leaf_slot(&v->space, BOUND_LO) - 496;
	for (unsigned i = 0; i < VM_ENTRIES; i++)
		assert_true(pte_is_outside(pt[i]) == (i < 496));
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 4);
	pt[3] = 0;
	assert_string_equal(vm_check_invariants(&v->space, &st),
			    "entry outside the range is not the bound marker");
	assert_int_equal(st.bad_va, GIB - 2 * MIB + 3 * PAGE_SIZE);
	pt[3] = pte_make_outside();
	assert_status(vm_release(&v->space, BOUND_LO, 1), VM_OK);
	assert_sane_stats(v, &st);
	assert_int_equal(st.table_pages, 1);
	sim_vm_fini(v);
}

/* One page reserved in every 8 of [lo, hi): no run of 8 pages is free. */
static void reserve_every_eighth(struct sim_vm *v)
{
	for (vaddr_t va = BOUND_LO; va < BOUND_HI; va += 8 * PAGE_SIZE)
		assert_status(vm_reserve_at(&v->space, va, 1, 0), VM_OK);
}

/*
 * A search that cannot succeed in a space inside one PML4 entry is
 * answered by that entry: with the markers its summary describes the
 * space's own free runs (7 pages at most), so a search for 8 reads it
 * alone.  Without them (VM_SPACE_NO_BOUNDS) it counts the free gigabytes
 * around the space, and the search goes down to the page tables, which
 * say it no sooner.  The answer is the same.
 */
static void vm_bounds_answer_a_failing_search_from_the_top(void **state)
{
	static const unsigned flags[] = { 0, VM_SPACE_NO_BOUNDS };
	uint64_t reads[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct sim_vm *v = vm_new(BOUND_LO, BOUND_HI, flags[i]);
		struct mm_work work = { 0 };
		vaddr_t va;

		reserve_every_eighth(v);
		assert_sane(v);
		v->space.env.work = &work;
		assert_status(vm_reserve(&v->space, 8, 0, &va),
			      VM_ERR_NO_SPACE);
		reads[i] = work.entries_read;
		v->space.env.work = NULL;
		assert_status(vm_reserve(&v->space, 7, 0, &va), VM_OK);
		assert_int_equal(va, BOUND_LO + PAGE_SIZE);
		assert_sane(v);
		sim_vm_fini(v);
	}
	assert_int_equal(reads[0], 1);
	assert_true(reads[1] > 32); /* every page table's pointer */
}

/* --- kernel spaces -------------------------------------------------------------- */

static void vm_kernel_space_never_marks_or_frees_shared_entries(void **state)
{
	struct sim_phys phys;
	struct vm_env env;
	struct vm_space k, u;
	paddr_t kpml4;
	pte_t *kt;
	struct vm_stats st;
	const unsigned slot = vm_index(VM_KERNEL_LO, VM_TOP_LEVEL);

	(void)state;
	sim_phys_init(&phys, 256);
	env = sim_phys_vm_env(&phys);
	assert_int_equal(sim_phys_alloc(&phys, &kpml4), 0);
	kt = sim_phys_to_virt(&phys, kpml4);
	memset(kt, 0, PAGE_SIZE);
	assert_status(vm_space_init_kernel(&k, &env, kpml4, VM_KERNEL_LO,
					   VM_KERNEL_HI),
		      VM_OK);
	assert_true(pte_is_present(kt[slot]));
	assert_status(vm_reserve(&k, PAGES(512 * GIB), VM_PROT_USER, NULL),
		      VM_ERR_INVALID);
	assert_status(vm_reserve(&k, PAGES(512 * GIB), VM_PROT_WRITE, NULL),
		      VM_OK);
	assert_null(vm_check_invariants(&k, &st));
	assert_int_equal(st.table_pages, 1); /* PDPT: 512 entries of 1 GiB */
	assert_int_equal(pte_summary(kt[slot]), 0); /* pinned: none kept */

	assert_status(vm_space_init_user(&u, &env, VM_USER_LO, VM_USER_HI, &k,
					 0),
		      VM_OK);
	assert_int_equal(vm_table(&u, u.pml4)[slot], kt[slot]);
	assert_fault(vm_fault(&k, VM_KERNEL_LO + 5 * GIB, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	assert_status(vm_release(&k, VM_KERNEL_LO, PAGES(512 * GIB)), VM_OK);
	assert_null(vm_check_invariants(&k, &st));
	assert_int_equal(st.table_pages, 1); /* the shared PDPT stays */
	vm_space_destroy(&u);
	vm_space_destroy(&k);
	assert_int_equal(phys.in_use, 2); /* kernel PML4 and shared PDPT */
	sim_phys_fini(&phys);
}

/* --- the checker itself ------------------------------------------------------------ */

static void vm_check_finds_a_stale_summary_and_a_missing_start(void **state)
{
	struct sim_vm *v = vm_full_tables();
	struct vm_stats st;
	pte_t *pde, *pte;

	(void)state;
	/* a full PT: 511 + 1 pages, not one 2 MiB entry */
	assert_status(vm_reserve_at(&v->space, GIB + PAGE_SIZE, 511, 0), VM_OK);
	assert_status(vm_reserve_at(&v->space, GIB, 1, 0), VM_OK);
	pte = vm_leaf_slot(&v->space, GIB + PAGE_SIZE);
	pde = vm_table(&v->space, pte_addr(vm_table(&v->space, pte_addr(
		vm_table(&v->space, v->space.pml4)[0]))[1]));
	assert_int_equal(pte_summary(*pde), 0); /* FULL */
	*pde = pte_with_summary(*pde, vm_summary_of(1, 0));
	assert_string_equal(vm_check_invariants(&v->space, &st),
			    "free-space summary does not match the table");
	assert_int_equal(st.bad_va, GIB);
	*pde = pte_with_summary(*pde, 0);
	assert_status(vm_release(&v->space, GIB, 1), VM_OK);
	*pte &= ~PTE_START;
	assert_string_equal(vm_check_invariants(&v->space, &st),
			    "reserved pages after a free page without START");
	assert_int_equal(st.bad_va, GIB + PAGE_SIZE);
	*pte |= PTE_START;
	assert_sane(v);
	sim_vm_fini(v);
}

/* Each corruption of an entry is named by the checker. */
static void vm_check_finds_bad_entries(void **state)
{
	static const struct {
		pte_t set;
		const char *why;
	} bad[] = {
		{ PTE_A, "non-present entry with A/D/PS/G or high bits set" },
		{ PTE_PS, "non-present entry with A/D/PS/G or high bits set" },
		{ (pte_t)3 << PTE_NP_KIND_SHIFT,
		  "non-present entry of invalid kind" },
		{ (pte_t)1 << PTE_NP_SEL_SHIFT,
		  "offset or selector outside an image entry" },
	};
	struct sim_vm *v = vm_full_tables();
	struct vm_stats st;
	pte_t *pte, saved;

	(void)state;
	assert_status(vm_reserve_at(&v->space, GIB, 2, 0), VM_OK);
	pte = vm_leaf_slot(&v->space, GIB + PAGE_SIZE);
	saved = *pte;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*pte = saved | bad[i].set;
		assert_string_equal(vm_check_invariants(&v->space, &st),
				    bad[i].why);
		assert_int_equal(st.bad_va, GIB + PAGE_SIZE);
	}
	*pte = pte_make_pending(PTE_KIND_GUARD, VM_PROT_WRITE, false);
	assert_string_equal(vm_check_invariants(&v->space, &st),
			    "guard entry with a protection");
	*pte = PTE_A; /* free, but for a bit the CPU may set */
	assert_string_equal(vm_check_invariants(&v->space, &st),
			    "free entry is not 0");
	*pte = saved;
	assert_sane(v);
	sim_vm_fini(v);
}

/*
 * The copy-on-write rung on a leaf marked as fork marks it: with no other
 * mapping counted the frame becomes writable in place; with one more it
 * is copied and the count dropped.  A read changes nothing.
 */
static void vm_fault_on_copy_on_write_page(void **state)
{
	const unsigned write = VM_PF_USER | VM_PF_WRITE | VM_PF_PRESENT;
	struct sim_vm *v = vm_full();
	struct share_source mem;
	struct vm_share share;
	paddr_t frame;
	pte_t *pte;

	(void)state;
	share_setup(&share, &mem);
	v->space.share = &share;
	assert_status(vm_reserve_at(&v->space, GIB, 1,
				    VM_PROT_WRITE | VM_PROT_USER),
		      VM_OK);
	assert_fault(vm_fault(&v->space, GIB, VM_PF_USER, NULL),
		     VM_FAULT_HANDLED);
	pte = vm_leaf_slot(&v->space, GIB);
	frame = pte_addr(*pte);
	*pte = pte_make_counted(*pte);
	assert_fault(vm_fault(&v->space, GIB, VM_PF_USER | VM_PF_PRESENT, NULL),
		     VM_FAULT_HANDLED);
	assert_true(vm_test_state(v, GIB).cow);
	assert_fault(vm_fault(&v->space, GIB, write, NULL), VM_FAULT_HANDLED);
	assert_int_equal(*pte & (PTE_RW | PTE_COW | PTE_COUNTED), PTE_RW);
	assert_int_equal(pte_addr(*pte), frame);

	*pte = pte_make_counted(*pte);
	assert_status(vm_share_ref(&share, frame), VM_OK); /* a second mapping */
	assert_fault(vm_fault(&v->space, GIB, write, NULL), VM_FAULT_HANDLED);
	assert_int_equal(*pte & (PTE_RW | PTE_COW | PTE_COUNTED), PTE_RW);
	assert_int_not_equal(pte_addr(*pte), frame);
	assert_true(vm_share_unref(&share, frame)); /* the other mapping goes */
	sim_phys_free(&v->phys, frame);
	assert_int_equal(vm_share_stats(&share).cow_copies, 1);
	assert_int_equal(vm_share_stats(&share).cow_in_place, 1);
	assert_int_equal(mem.bytes_out, 0);
	assert_sane(v);
	sim_vm_fini(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_upper_terabyte_costs_a_handful_of_tables),
		cmocka_unit_test(vm_upper_aligned_terabyte_is_two_entries),
		cmocka_unit_test(vm_upper_protect_and_guard_split_only_the_ends),
		cmocka_unit_test(vm_upper_disabled_costs_a_table_per_2m),
		cmocka_unit_test(vm_oom_during_reserve_undoes_and_leaks_nothing),
		cmocka_unit_test(vm_oom_during_fault_changes_nothing),
		cmocka_unit_test(vm_oom_during_protect_changes_nothing),
		cmocka_unit_test(vm_search_never_allocates),
		cmocka_unit_test(vm_cursor_is_next_fit_and_wraps),
		cmocka_unit_test(vm_cursor_inside_a_free_run),
		cmocka_unit_test(vm_exhaustion_is_an_error),
		cmocka_unit_test(vm_bounds_mark_the_tables_that_cross_the_range),
		cmocka_unit_test(vm_bounds_answer_a_failing_search_from_the_top),
		cmocka_unit_test(vm_kernel_space_never_marks_or_frees_shared_entries),
		cmocka_unit_test(vm_check_finds_a_stale_summary_and_a_missing_start),
		cmocka_unit_test(vm_check_finds_bad_entries),
		cmocka_unit_test(vm_fault_on_copy_on_write_page),
	};

	return HOST_TAP_RUN(tests);
}
