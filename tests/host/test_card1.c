/*
 * test_card1.c - unit tests of the classic design (card1.h): the AA range
 * tree (inserts and deletes in every order, gap summaries, first-fit hole
 * search at or after the cursor with wrap), reserve_at collisions, cuts by
 * protect and guard, exact release, the fault ladder on every kind, out of
 * memory for nodes and page tables, destroy, and the invariant checker
 * itself (it must notice a corrupted tree).
 *
 * Every step that changes a space is followed by assert_card1_sane():
 * tree and table invariants recomputed, frames in use == page tables +
 * present pages, live nodes == VMAs.  Comparison with the rdos core:
 * test_card1_model.c.
 */
#include <string.h>

#include "host_tap.h"
#include "mm/card1_internal.h"
#include "test_card1.h"
#include "vm_test.h"

#define BASE ((vaddr_t)64 * GIB) /* fixed-address reservations go here */
#define SEL 40                   /* provider: page p filled with byte p */
#define SEL_FAILS 41             /* provider that always fails */
#define RW (VM_PROT_WRITE | VM_PROT_USER)

static struct card1_sim sim;

static struct card1_space *space_new(vaddr_t lo, vaddr_t hi)
{
	card1_sim_init(&sim, MM_DESIGN_CARD1, lo, hi, 1024);
	return &sim.space.card1;
}

static struct card1_space *space_full(void)
{
	return space_new(VM_USER_LO, VM_USER_HI);
}

static int fill_page_number(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, (int)(page & 0xFF), PAGE_SIZE);
	return 0;
}

static int fill_fails(void *ctx, uint64_t page, void *dest)
{
	(void)ctx, (void)page, (void)dest;
	return 1;
}

static int providers_up(void)
{
	return vm_provider_register(SEL, fill_page_number, NULL) != VM_OK ||
	       vm_provider_register(SEL_FAILS, fill_fails, NULL) != VM_OK;
}

static struct vm_state state_of(struct card1_space *s, vaddr_t va)
{
	struct vm_state st;

	assert_status(card1_query(s, va, &st), VM_OK);
	return st;
}

static void assert_page(struct card1_space *s, vaddr_t va,
			enum vm_state_kind kind, unsigned prot, bool start)
{
	struct vm_state st = state_of(s, va);

	assert_int_equal(st.kind, kind);
	assert_int_equal(st.prot, prot);
	assert_int_equal(st.start, start);
}

static struct mm_stats stats_now(void)
{
	struct mm_stats st;

	assert_card1_sane_stats(&sim, &st);
	return st;
}

static vaddr_t page_at(size_t i)
{
	return BASE + (vaddr_t)i * PAGE_SIZE;
}

/* --- the tree ----------------------------------------------------------- */

/* n one-page VMAs, slot i at page 3i (holes of two pages), inserted in
 * the order of perm, every step checked. */
static void insert_in_order(struct card1_space *s, const size_t *perm,
			    size_t n)
{
	for (size_t k = 0; k < n; k++) {
		assert_status(card1_reserve_at(s, page_at(3 * perm[k]), 1, RW),
			      VM_OK);
		assert_int_equal(stats_now().vma_nodes, k + 1);
	}
}

static void shuffle(size_t *a, size_t n, uint64_t seed)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(card1_rng_next(&seed) % i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* Ascending inserts take splits, descending ones skews, random both;
 * deletes in another random order take every rebalance case. */
static void card1_tree_inserts_and_deletes_in_every_order(void **state)
{
	enum { N = 300 };
	size_t perm[N];

	(void)state;
	for (int order = 0; order < 3; order++) {
		struct card1_space *s = space_full();
		struct card1_stats cs;

		for (size_t i = 0; i < N; i++)
			perm[i] = order == 1 ? N - 1 - i : i;
		if (order == 2)
			shuffle(perm, N, 7);
		insert_in_order(s, perm, N);
		assert_null(card1_check_invariants(s, &cs));
		/* AA: height <= 2 log2(n + 1), and 2 log2(301) < 17 */
		assert_true(cs.tree_height <= 16);
		shuffle(perm, N, 99 + (uint64_t)order);
		for (size_t k = 0; k < N; k++) {
			assert_status(card1_release(s, page_at(3 * perm[k]), 1),
				      VM_OK);
			assert_int_equal(stats_now().vma_nodes, N - 1 - k);
		}
		assert_null(s->root);
		card1_sim_fini(&sim);
	}
}

/* max_gap is the largest hole between two VMAs below a node. */
static void card1_tree_gap_summary_follows_holes(void **state)
{
	struct card1_space *s = space_full();

	(void)state;
	assert_status(card1_reserve_at(s, page_at(0), 1, RW), VM_OK);
	assert_int_equal(s->root->max_gap, 0);
	assert_status(card1_reserve_at(s, page_at(5), 2, RW), VM_OK);
	assert_status(card1_reserve_at(s, page_at(10), 1, RW), VM_OK);
	assert_int_equal(s->root->max_gap, 4 * PAGE_SIZE);
	assert_status(card1_reserve_at(s, page_at(30), 1, RW), VM_OK);
	assert_int_equal(s->root->max_gap, 19 * PAGE_SIZE);
	assert_int_equal(s->root->sub_lo, page_at(0));
	assert_int_equal(s->root->sub_hi, page_at(31));
	assert_status(card1_release(s, page_at(10), 1), VM_OK);
	assert_int_equal(s->root->max_gap, 23 * PAGE_SIZE);
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

/* Holes of 1, 2 and 4 pages between one-page VMAs from BASE on. */
static void make_holes(struct card1_space *s)
{
	static const size_t at[] = { 0, 2, 5, 10 };

	for (size_t i = 0; i < 4; i++)
		assert_status(card1_reserve_at(s, page_at(at[i]), 1, RW),
			      VM_OK);
}

static void card1_first_fit_at_or_after_cursor(void **state)
{
	struct card1_space *s = space_new(BASE, page_at(20));
	vaddr_t va;

	(void)state;
	make_holes(s);
	s->pt.cursor = page_at(1);
	assert_status(card1_reserve(s, 3, RW, &va), VM_OK);
	assert_int_equal(va, page_at(6)); /* 1- and 2-page holes skipped */
	assert_int_equal(s->pt.cursor, page_at(9));
	/* the hole [11, 20) straddles nothing: next fit goes on from 9 */
	assert_status(card1_reserve(s, 1, RW, &va), VM_OK);
	assert_int_equal(va, page_at(9));
	/* a hole that the cursor cuts counts from the cursor on */
	s->pt.cursor = page_at(15);
	assert_status(card1_reserve(s, 5, RW, &va), VM_OK);
	assert_int_equal(va, page_at(15));
	assert_int_equal(s->pt.cursor, BASE); /* ended at hi: back to lo */
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

static void card1_first_fit_wraps_once(void **state)
{
	struct card1_space *s = space_new(BASE, page_at(20));
	vaddr_t va;

	(void)state;
	make_holes(s);
	assert_status(card1_reserve_at(s, page_at(11), 9, RW), VM_OK);
	s->pt.cursor = page_at(12);
	/* nothing after the cursor: the first fit from lo */
	assert_status(card1_reserve(s, 2, RW, &va), VM_OK);
	assert_int_equal(va, page_at(3));
	assert_status(card1_reserve(s, 5, RW, &va), VM_ERR_NO_SPACE);
	assert_status(card1_reserve(s, 21, RW, &va), VM_ERR_NO_SPACE);
	assert_status(card1_reserve(s, 4, RW, &va), VM_OK);
	assert_int_equal(va, page_at(6));
	assert_status(card1_reserve(s, 1, RW, &va), VM_OK);
	assert_int_equal(va, page_at(1));
	assert_status(card1_reserve(s, 1, RW, &va), VM_ERR_NO_SPACE);
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

/* The lowest free run of len pages at or after from, or SIZE_MAX. */
static size_t scan_first_fit(const bool *used, size_t npages, size_t from,
			     size_t len)
{
	size_t run = 0;

	for (size_t i = from; i < npages; i++) {
		run = used[i] ? 0 : run + 1;
		if (run == len)
			return i + 1 - len;
	}
	return SIZE_MAX;
}

/* 2000 random VMAs; every search agrees with a page-by-page scan. */
static void card1_first_fit_matches_a_linear_scan(void **state)
{
	enum { NPAGES = 6000 };
	struct card1_space *s = space_new(BASE, page_at(NPAGES));
	static bool used[NPAGES];
	uint64_t x = 12345;

	(void)state;
	memset(used, 0, sizeof(used));
	for (int k = 0; k < 2000; k++) {
		size_t i = card1_rng_next(&x) % NPAGES;
		size_t n = 1 + card1_rng_next(&x) % 3;

		if (card1_reserve_at(s, page_at(i), n, RW) == VM_OK)
			memset(&used[i], 1, n);
	}
	assert_card1_sane(&sim);
	for (size_t from = 0; from < NPAGES; from += 37)
		for (size_t len = 1; len <= 12; len++) {
			size_t want = scan_first_fit(used, NPAGES, from, len);
			vaddr_t got;

			assert_int_equal(card1_tree_first_fit(s, page_at(from),
							      page_at(NPAGES),
							      len * PAGE_SIZE,
							      &got),
					 want != SIZE_MAX);
			if (want != SIZE_MAX)
				assert_int_equal(got, page_at(want));
		}
	card1_sim_fini(&sim);
}

/* --- reservations ------------------------------------------------------- */

static void card1_reserve_at_collisions_are_busy(void **state)
{
	struct card1_space *s = space_full();

	(void)state;
	assert_status(card1_reserve_at(s, page_at(10), 10, RW), VM_OK);
	assert_status(card1_reserve_at(s, page_at(5), 6, RW), VM_ERR_BUSY);
	assert_status(card1_reserve_at(s, page_at(19), 3, RW), VM_ERR_BUSY);
	assert_status(card1_reserve_at(s, page_at(12), 2, RW), VM_ERR_BUSY);
	assert_status(card1_reserve_at(s, page_at(0), 40, RW), VM_ERR_BUSY);
	assert_status(card1_reserve_at(s, page_at(0), 10, RW), VM_OK);
	assert_status(card1_reserve_at(s, page_at(20), 1, RW), VM_OK);
	/* arguments */
	assert_status(card1_reserve_at(s, page_at(30) + 1, 1, RW),
		      VM_ERR_INVALID);
	assert_status(card1_reserve_at(s, page_at(30), 0, RW), VM_ERR_INVALID);
	assert_status(card1_reserve_at(s, page_at(30), 1, 0x100 | RW),
		      VM_ERR_INVALID);
	assert_status(card1_reserve_at(s, VM_USER_HI - PAGE_SIZE, 2, RW),
		      VM_ERR_INVALID);
	assert_status(card1_reserve_image_at(s, page_at(30), 1, RW, 77, 0),
		      VM_ERR_INVALID); /* no provider 77 */
	assert_status(card1_reserve_image_at(s, page_at(30), 2, RW, SEL,
					     PTE_OFFSET_MAX),
		      VM_ERR_INVALID);
	assert_int_equal(stats_now().vma_nodes, 3);
	assert_page(s, page_at(10), VM_STATE_RESERVED, RW, true);
	assert_page(s, page_at(11), VM_STATE_RESERVED, RW, false);
	assert_page(s, page_at(21), VM_STATE_FREE, 0, false);
	card1_sim_fini(&sim);
}

/* protect and guard cut a VMA into up to three; START stays in front. */
static void card1_protect_and_guard_cut_vmas(void **state)
{
	struct card1_space *s = space_full();

	(void)state;
	assert_status(card1_reserve_at(s, page_at(0), 10, RW), VM_OK);
	assert_status(card1_protect(s, page_at(3), 3, VM_PROT_USER), VM_OK);
	assert_int_equal(stats_now().vma_nodes, 3);
	assert_status(card1_protect(s, page_at(3), 3, VM_PROT_ALL), VM_OK);
	assert_int_equal(stats_now().vma_nodes, 3); /* no new cut */
	assert_status(card1_guard(s, page_at(0), 1), VM_OK);
	assert_status(card1_guard(s, page_at(9), 1), VM_OK);
	assert_int_equal(stats_now().vma_nodes, 5);
	assert_page(s, page_at(0), VM_STATE_GUARD, 0, true);
	assert_page(s, page_at(1), VM_STATE_RESERVED, RW, false);
	assert_page(s, page_at(3), VM_STATE_RESERVED, VM_PROT_ALL, false);
	assert_page(s, page_at(6), VM_STATE_RESERVED, RW, false);
	assert_page(s, page_at(9), VM_STATE_GUARD, 0, false);
	/* guards stay guards under protect */
	assert_status(card1_protect(s, page_at(0), 10, VM_PROT_READ), VM_OK);
	assert_page(s, page_at(0), VM_STATE_GUARD, 0, true);
	assert_page(s, page_at(5), VM_STATE_RESERVED, VM_PROT_READ, false);
	/* outside one reservation */
	assert_status(card1_reserve_at(s, page_at(10), 2, RW), VM_OK);
	assert_status(card1_protect(s, page_at(9), 2, RW), VM_ERR_NOT_RESERVED);
	assert_status(card1_guard(s, page_at(11), 2), VM_ERR_NOT_RESERVED);
	assert_status(card1_protect(s, page_at(1), 1, 8), VM_ERR_INVALID);
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

/* An image VMA cut in three keeps each page's provider page. */
static void card1_image_cut_keeps_provider_pages(void **state)
{
	struct card1_space *s = space_full();
	struct vm_state st;

	(void)state;
	assert_status(card1_reserve_image_at(s, page_at(0), 8, VM_PROT_READ,
					     SEL, 100),
		      VM_OK);
	assert_status(card1_protect(s, page_at(2), 3, VM_PROT_WRITE), VM_OK);
	st = state_of(s, page_at(6));
	assert_int_equal(st.kind, VM_STATE_IMAGE);
	assert_int_equal(st.page, 106);
	assert_int_equal(st.selector, SEL);
	assert_fault(card1_fault(s, page_at(3), VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	st = state_of(s, page_at(3));
	assert_int_equal(st.kind, VM_STATE_PRESENT);
	assert_int_equal(st.prot, VM_PROT_WRITE);
	assert_int_equal(
		*(unsigned char *)sim_phys_to_virt(&sim.phys, st.frame), 103);
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

static void card1_release_is_exact_or_refused(void **state)
{
	struct card1_space *s = space_full();

	(void)state;
	assert_status(card1_reserve_at(s, page_at(0), 10, RW), VM_OK);
	assert_status(card1_reserve_at(s, page_at(10), 4, RW), VM_OK);
	assert_status(card1_guard(s, page_at(4), 2), VM_OK);
	assert_status(card1_release(s, page_at(1), 9), VM_ERR_NOT_START);
	assert_status(card1_release(s, page_at(4), 2), VM_ERR_NOT_START);
	assert_status(card1_release(s, page_at(20), 1), VM_ERR_NOT_START);
	assert_status(card1_release(s, page_at(0), 9), VM_ERR_WRONG_SIZE);
	assert_status(card1_release(s, page_at(0), 5), VM_ERR_WRONG_SIZE);
	assert_status(card1_release(s, page_at(0), 11), VM_ERR_WRONG_SIZE);
	assert_status(card1_release(s, page_at(0), 14), VM_ERR_WRONG_SIZE);
	assert_status(card1_release(s, page_at(10), 5), VM_ERR_WRONG_SIZE);
	assert_status(card1_release(s, page_at(0) + 1, 10), VM_ERR_INVALID);
	assert_int_equal(stats_now().vma_nodes, 4);
	assert_status(card1_release(s, page_at(0), 10), VM_OK);
	assert_int_equal(stats_now().vma_nodes, 1);
	assert_page(s, page_at(5), VM_STATE_FREE, 0, false);
	assert_page(s, page_at(10), VM_STATE_RESERVED, RW, true);
	assert_status(card1_release(s, page_at(10), 4), VM_OK);
	assert_null(s->root);
	card1_sim_fini(&sim);
}

/* --- faults ------------------------------------------------------------- */

static void card1_fault_fills_anonymous_and_image_pages(void **state)
{
	struct card1_space *s = space_full();
	struct vm_state before, st;
	const unsigned char *p;

	(void)state;
	assert_status(card1_reserve_at(s, page_at(0), 2, RW), VM_OK);
	assert_status(card1_reserve_image_at(s, page_at(2), 2, VM_PROT_USER,
					     SEL, 7),
		      VM_OK);
	assert_int_equal(stats_now().vm.table_pages, 1); /* PML4 only */
	assert_fault(card1_fault(s, page_at(0) + 5, VM_PF_WRITE | VM_PF_USER,
				 &before),
		     VM_FAULT_HANDLED);
	assert_int_equal(before.kind, VM_STATE_RESERVED);
	assert_true(before.start);
	st = state_of(s, page_at(0));
	assert_int_equal(st.kind, VM_STATE_PRESENT);
	assert_int_equal(st.prot, RW);
	assert_true(st.start && (st.entry & PTE_START));
	p = sim_phys_to_virt(&sim.phys, st.frame);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(stats_now().vm.table_pages, 4); /* + PDPT, PD, PT */
	assert_fault(card1_fault(s, page_at(3), VM_PF_USER, &before),
		     VM_FAULT_HANDLED);
	assert_int_equal(before.kind, VM_STATE_IMAGE);
	assert_int_equal(before.page, 8);
	st = state_of(s, page_at(3));
	assert_false(st.start);
	assert_int_equal(*(unsigned char *)sim_phys_to_virt(&sim.phys,
							    st.frame),
			 8);
	assert_int_equal(stats_now().vm.present_pages, 2);
	card1_sim_fini(&sim);
}

static void card1_fault_refusals_each_have_a_code(void **state)
{
	struct card1_space *s = space_new(BASE, page_at(100));
	unsigned long inv;

	(void)state;
	assert_status(card1_reserve_at(s, page_at(0), 4, VM_PROT_READ), VM_OK);
	assert_status(card1_reserve_image_at(s, page_at(4), 1, RW, SEL_FAILS,
					     0),
		      VM_OK);
	assert_status(card1_guard(s, page_at(3), 1), VM_OK);
	assert_fault(card1_fault(s, page_at(200), 0, NULL), VM_FAULT_OUTSIDE);
	assert_fault(card1_fault(s, page_at(50), 0, NULL), VM_FAULT_FREE);
	assert_fault(card1_fault(s, page_at(3), 0, NULL), VM_FAULT_GUARD);
	assert_fault(card1_fault(s, page_at(0), VM_PF_WRITE, NULL),
		     VM_FAULT_PROTECTION);
	assert_fault(card1_fault(s, page_at(0), VM_PF_USER, NULL),
		     VM_FAULT_PROTECTION);
	assert_fault(card1_fault(s, page_at(0), VM_PF_INSTR, NULL),
		     VM_FAULT_PROTECTION);
	assert_fault(card1_fault(s, page_at(4), VM_PF_WRITE, NULL),
		     VM_FAULT_PROVIDER);
	assert_int_equal(stats_now().vm.table_pages, 1); /* nothing left */
	/* present: the leaf decides; a repeat is a stale TLB entry */
	assert_fault(card1_fault(s, page_at(1), 0, NULL), VM_FAULT_HANDLED);
	assert_fault(card1_fault(s, page_at(1), VM_PF_WRITE | VM_PF_PRESENT,
				 NULL),
		     VM_FAULT_PROTECTION);
	inv = sim.phys.invalidations;
	assert_fault(card1_fault(s, page_at(1), VM_PF_PRESENT, NULL),
		     VM_FAULT_HANDLED);
	assert_int_equal(sim.phys.invalidations, inv + 1);
	assert_card1_sane(&sim);
	card1_sim_fini(&sim);
}

/* Protect rewrites present leaves; guard and release free their frames
 * and every table that became empty. */
static void card1_present_pages_follow_protect_and_release(void **state)
{
	struct card1_space *s = space_full();
	const vaddr_t va = GIB - 2 * PAGE_SIZE; /* across 1 GiB and 2 MiB */

	(void)state;
	assert_status(card1_reserve_at(s, va, 4, RW), VM_OK);
	for (int i = 0; i < 4; i++)
		assert_fault(card1_fault(s, va + (vaddr_t)i * PAGE_SIZE,
					 VM_PF_WRITE, NULL),
			     VM_FAULT_HANDLED);
	assert_int_equal(stats_now().vm.table_pages, 1 + 1 + 2 + 2);
	assert_status(card1_protect(s, va, 4, VM_PROT_USER), VM_OK);
	assert_page(s, va + PAGE_SIZE, VM_STATE_PRESENT, VM_PROT_USER, false);
	assert_fault(card1_fault(s, va, VM_PF_WRITE | VM_PF_PRESENT, NULL),
		     VM_FAULT_PROTECTION);
	assert_status(card1_guard(s, va + 2 * PAGE_SIZE, 2), VM_OK);
	assert_int_equal(stats_now().vm.present_pages, 2);
	assert_int_equal(stats_now().vm.table_pages, 1 + 1 + 1 + 1);
	assert_status(card1_release(s, va, 4), VM_OK);
	assert_int_equal(stats_now().vm.table_pages, 1);
	assert_int_equal(sim.phys.in_use, 1);
	card1_sim_fini(&sim);
}

/* A state's level promises that its whole aligned block is alike, as
 * in the rdos core: walks such as the kernel's vmmap skip the block. */
static void card1_query_levels_cover_uniform_blocks(void **state)
{
	struct card1_space *s = space_full();
	struct vm_state st;

	(void)state;
	assert_int_equal(state_of(s, VM_USER_LO).level, 3);
	assert_status(card1_reserve_at(s, GIB, PAGES(2 * GIB), RW), VM_OK);
	assert_status(card1_reserve_image_at(s, 4 * GIB, 1024, RW, SEL, 0),
		      VM_OK);
	assert_int_equal(state_of(s, VM_USER_LO).level, 2);
	st = state_of(s, GIB);
	assert_true(st.level == 2 && st.start);
	st = state_of(s, 2 * GIB + 5 * PAGE_SIZE);
	assert_true(st.level == 2 && !st.start);
	assert_int_equal(state_of(s, 4 * GIB + 2 * MIB).level, 0);
	assert_int_equal(state_of(s, 4 * GIB + 6 * MIB).level, 1);
	assert_fault(card1_fault(s, GIB + 4 * MIB, 0, NULL), VM_FAULT_HANDLED);
	assert_int_equal(state_of(s, GIB + 6 * MIB).level, 1);
	assert_int_equal(state_of(s, GIB + 4 * MIB + PAGE_SIZE).level, 0);
	assert_int_equal(state_of(s, GIB + 4 * MIB).level, 0);
	card1_sim_fini(&sim);
}

/* --- out of memory ------------------------------------------------------ */

static void card1_oom_for_nodes_changes_nothing(void **state)
{
	struct card1_space *s = space_new(BASE, page_at(100));
	vaddr_t va;

	(void)state;
	assert_status(card1_reserve(s, 10, RW, &va), VM_OK);
	card1_sim_fail_after(&sim, -1, 0);
	assert_status(card1_reserve(s, 5, RW, &va), VM_ERR_NO_MEMORY);
	assert_status(card1_reserve_at(s, page_at(50), 5, RW),
		      VM_ERR_NO_MEMORY);
	/* a cut in the middle needs two nodes: fail at either */
	for (long n = 0; n < 2; n++) {
		card1_sim_fail_after(&sim, -1, n);
		assert_status(card1_protect(s, page_at(3), 2, VM_PROT_READ),
			      VM_ERR_NO_MEMORY);
		assert_int_equal(stats_now().vma_nodes, 1);
		assert_page(s, page_at(3), VM_STATE_RESERVED, RW, false);
	}
	card1_sim_fail_after(&sim, -1, -1);
	assert_int_equal(s->pt.cursor, page_at(10)); /* untouched */
	assert_status(card1_guard(s, page_at(3), 2), VM_OK);
	assert_int_equal(stats_now().vma_nodes, 3);
	assert_status(card1_reserve(s, 5, RW, &va), VM_OK);
	assert_int_equal(va, page_at(10));
	card1_sim_fini(&sim);
}

/* A fault needs up to three tables and a frame: fail at each. */
static void card1_oom_for_page_tables_changes_nothing(void **state)
{
	struct card1_space *s = space_full();
	const vaddr_t va = 3 * GIB + 5 * PAGE_SIZE;

	(void)state;
	assert_status(card1_reserve_at(s, va, 1, RW), VM_OK);
	for (long n = 0; n < 4; n++) {
		card1_sim_fail_after(&sim, n, -1);
		assert_fault(card1_fault(s, va, VM_PF_WRITE, NULL),
			     VM_FAULT_NO_MEMORY);
		card1_sim_fail_after(&sim, -1, -1);
		assert_page(s, va, VM_STATE_RESERVED, RW, true);
		assert_int_equal(stats_now().vm.table_pages, 1);
		assert_int_equal(sim.phys.in_use, 1);
	}
	assert_fault(card1_fault(s, va, VM_PF_WRITE, NULL), VM_FAULT_HANDLED);
	assert_int_equal(stats_now().vm.table_pages, 4);
	card1_sim_fini(&sim);
}

/* --- whole space -------------------------------------------------------- */

static void card1_destroy_frees_everything(void **state)
{
	struct card1_space *s = space_full();
	vaddr_t va;

	(void)state;
	for (int i = 0; i < 200; i++) {
		assert_status(card1_reserve(s, 1 + (size_t)i % 7, RW, &va),
			      VM_OK);
		assert_fault(card1_fault(s, va, VM_PF_WRITE, NULL),
			     VM_FAULT_HANDLED);
		if (i % 3 == 0)
			assert_status(card1_guard(s, va, 1), VM_OK);
	}
	assert_status(card1_reserve_at(s, 100 * GIB, PAGES(TIB), RW), VM_OK);
	assert_fault(card1_fault(s, 600 * GIB, 0, NULL), VM_FAULT_HANDLED);
	/* each guard at the front of a longer VMA cut it in two */
	assert_int_equal(stats_now().vma_nodes, 201 + 57);
	card1_sim_fini(&sim); /* panics if a frame or node is left */
}

/* A terabyte is one node and no table until touched. */
static void card1_terabyte_costs_one_node(void **state)
{
	struct card1_space *s = space_full();
	struct mm_stats st;
	vaddr_t va;

	(void)state;
	assert_status(card1_reserve(s, PAGES(TIB), RW, &va), VM_OK);
	st = stats_now();
	assert_int_equal(st.vma_nodes, 1);
	assert_int_equal(st.vma_bytes, sizeof(struct card1_vma));
	assert_int_equal(st.vm.table_pages, 1);
	assert_int_equal(st.vm.used_pages, PAGES(TIB));
	assert_status(card1_release(s, va, PAGES(TIB)), VM_OK);
	card1_sim_fini(&sim);
}

/* The checker is the tests' judge: it must notice corruption. */
static void card1_check_finds_a_corrupted_tree(void **state)
{
	struct card1_space *s = space_full();
	struct card1_vma *r;

	(void)state;
	for (size_t i = 0; i < 7; i++)
		assert_status(card1_reserve_at(s, page_at(3 * i), 1, RW),
			      VM_OK);
	r = s->root;
	assert_null(card1_check_invariants(s, NULL));
	r->max_gap += PAGE_SIZE;
	assert_string_equal(card1_check_invariants(s, NULL),
			    "subtree summary does not match its VMAs");
	r->max_gap -= PAGE_SIZE;
	r->level++;
	assert_string_equal(card1_check_invariants(s, NULL),
			    "AA: left child not one level down");
	r->level--;
	r->flags = 0;
	assert_string_equal(card1_check_invariants(s, NULL),
			    "VMA after a hole without START");
	r->flags = CARD1_VMA_START;
	r->end += 4 * PAGE_SIZE;
	assert_string_equal(card1_check_invariants(s, NULL),
			    "VMAs out of order or overlapping");
	r->end -= 4 * PAGE_SIZE;
	assert_null(card1_check_invariants(s, NULL));
	card1_sim_fini(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(card1_tree_inserts_and_deletes_in_every_order),
		cmocka_unit_test(card1_tree_gap_summary_follows_holes),
		cmocka_unit_test(card1_first_fit_at_or_after_cursor),
		cmocka_unit_test(card1_first_fit_wraps_once),
		cmocka_unit_test(card1_first_fit_matches_a_linear_scan),
		cmocka_unit_test(card1_reserve_at_collisions_are_busy),
		cmocka_unit_test(card1_protect_and_guard_cut_vmas),
		cmocka_unit_test(card1_image_cut_keeps_provider_pages),
		cmocka_unit_test(card1_release_is_exact_or_refused),
		cmocka_unit_test(card1_fault_fills_anonymous_and_image_pages),
		cmocka_unit_test(card1_fault_refusals_each_have_a_code),
		cmocka_unit_test(card1_present_pages_follow_protect_and_release),
		cmocka_unit_test(card1_query_levels_cover_uniform_blocks),
		cmocka_unit_test(card1_oom_for_nodes_changes_nothing),
		cmocka_unit_test(card1_oom_for_page_tables_changes_nothing),
		cmocka_unit_test(card1_destroy_frees_everything),
		cmocka_unit_test(card1_terabyte_costs_one_node),
		cmocka_unit_test(card1_check_finds_a_corrupted_tree),
	};

	if (providers_up())
		return 1;
	return HOST_TAP_RUN(tests);
}
