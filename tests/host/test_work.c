/*
 * test_work.c - the work counts of both designs (mm/mm_work.h), on cases
 * small enough to count by hand: what the benchmarks report as work must
 * be what the code did.
 *
 * Each test makes a space whose environment counts into a struct
 * mm_work, clears the counts, does one thing and compares.  The exact
 * figures are derived in the comments from the code (vm_reserve.c,
 * vm_table.c, card1_tree.c); a change in how an operation walks the
 * tables must show here.
 */
#include <string.h>

#include "host_tap.h"
#include "test_card1.h"
#include "vm_test.h"

#define RW (VM_PROT_WRITE | VM_PROT_USER)

struct counted {
	struct card1_sim sim; /* frames, node pool and the space */
	struct mm_work work;
};

static struct counted c;

/* A space of design d over the whole user range, counting into c.work;
 * the counts start at 0 after the space is made. */
static struct mm_space *space_new(enum mm_design d)
{
	struct mm_env env;

	memset(&c, 0, sizeof(c));
	sim_phys_init(&c.sim.phys, 4096);
	c.sim.pool = (struct card1_pool){ .fail_after = -1 };
	env = (struct mm_env){
		.vm = sim_phys_vm_env(&c.sim.phys),
		.nodes = { card1_pool_alloc, card1_pool_free, &c.sim.pool },
	};
	env.vm.work = &c.work;
	if (mm_space_init_user(&c.sim.space, d, &env, VM_USER_LO, VM_USER_HI,
			       NULL) != VM_OK)
		panic("test_work: no frame for the PML4");
	assert_ptr_equal(mm_space_work(&c.sim.space), &c.work);
	assert_int_equal(c.work.frames_alloc, 1); /* the PML4 */
	c.work = (struct mm_work){ 0 };
	return &c.sim.space;
}

/*
 * One page where the allocator puts it, in an empty space: the search
 * reads PML4 entry 0 (free: 512 GiB of room) and stops; the page is
 * VM_USER_LO.  The marking reads the same slot and makes it a compact
 * entry (one entry written): its descriptor, in the pool's first frame,
 * holds page 0, below lo, as its bound run and the new page as a run.
 * The PML4 keeps no summary, so nothing more is read.
 *   read:    1 + 1 = 2
 *   written: 1
 *   tables:  1 + 1 = 2 (the PML4, by the search and by the marking)
 *   frames:  1 (the descriptor pool's)
 */
static void vm_work_reserve_one_page_in_an_empty_space(void **state)
{
	struct mm_space *s = space_new(MM_DESIGN_RDOS);
	vaddr_t va;

	(void)state;
	assert_status(mm_reserve(s, 1, RW, &va), VM_OK);
	assert_int_equal(c.work.entries_read, 2);
	assert_int_equal(c.work.entries_written, 1);
	assert_int_equal(c.work.tables_visited, 2);
	assert_int_equal(c.work.frames_alloc, 1);
	assert_int_equal(c.work.frames_freed, 0);
	assert_int_equal(c.work.nodes_visited, 0);
	card1_sim_fini(&c.sim);
}

/* The same reservation in the classic design: a hole search in an empty
 * tree and an insert at the root look at no node and no entry. */
static void card1_work_reserve_one_page_in_an_empty_space(void **state)
{
	struct mm_space *s = space_new(MM_DESIGN_CARD1);
	vaddr_t va;

	(void)state;
	assert_status(mm_reserve(s, 1, RW, &va), VM_OK);
	assert_true(c.work.entries_read == 0 && c.work.entries_written == 0);
	assert_true(c.work.nodes_visited == 0 && c.work.frames_alloc == 0);
	card1_sim_fini(&c.sim);
}

/*
 * A search that fails reads every entry the walk cannot skip: after one
 * page at the bottom, a reservation larger than the rest of the space
 * walks PML4 entries 0..255 (entry 0 a table, so down its first path),
 * then the wrapped pass; the tree answers from its root's summary, one
 * look at the root per pass.
 */
static void vm_work_failed_search_walks_while_the_tree_reads_its_root(
	void **state)
{
	const size_t too_big = PAGES(VM_USER_HI - VM_USER_LO);
	vaddr_t va;

	(void)state;
	for (int d = MM_DESIGN_RDOS; d <= MM_DESIGN_CARD1; d++) {
		struct mm_space *s = space_new((enum mm_design)d);

		assert_status(mm_reserve(s, 1, RW, &va), VM_OK);
		c.work = (struct mm_work){ 0 };
		assert_status(mm_reserve(s, too_big, RW, &va),
			      VM_ERR_NO_SPACE);
		if (d == MM_DESIGN_RDOS)
			assert_true(c.work.entries_read >= 256);
		else
			assert_true(c.work.entries_read == 0 &&
				    c.work.nodes_visited == 2);
		card1_sim_fini(&c.sim);
	}
}

/*
 * A lookup in a tree of 2^k - 1 VMAs visits at most one root-to-leaf path:
 * an AA tree of n nodes is below 2 log2(n + 1) = 2k high.  Checked for
 * the fault on every VMA (the tree lookup is the only tree work of a
 * demand-zero fault) and for a query of the page after each.
 */
static void card1_work_lookup_visits_at_most_2k_nodes(void **state)
{
	const unsigned k = 8, n = (1u << k) - 1;
	struct mm_space *s = space_new(MM_DESIGN_CARD1);
	struct vm_state st;
	vaddr_t va[(1u << 8) - 1];
	uint64_t most = 0;

	(void)state;
	for (unsigned i = 0; i < n; i++) /* a page between areas stays free */
		assert_status(mm_reserve_at(s, VM_USER_LO + 2 * i * PAGE_SIZE,
					    1, RW),
			      VM_OK);
	for (unsigned i = 0; i < n; i++)
		va[i] = VM_USER_LO + 2 * i * PAGE_SIZE;
	for (unsigned i = 0; i < n; i++) {
		c.work.nodes_visited = 0;
		assert_fault(mm_fault(s, va[i], VM_PF_WRITE | VM_PF_USER, NULL),
			     VM_FAULT_HANDLED);
		assert_true(c.work.nodes_visited >= 1 &&
			    c.work.nodes_visited <= 2 * k);
		most = c.work.nodes_visited > most ? c.work.nodes_visited
						   : most;
		c.work.nodes_visited = 0;
		assert_status(mm_query(s, va[i] + PAGE_SIZE, &st), VM_OK);
		assert_int_equal(st.kind, VM_STATE_FREE);
		assert_true(c.work.nodes_visited <= 2 * k);
	}
	assert_true(most >= k); /* a balanced tree of 2^k - 1 is k high */
	for (unsigned i = 0; i < n; i++)
		assert_status(mm_release(s, va[i], 1), VM_OK);
	card1_sim_fini(&c.sim);
}

/* The frames the space's calls took and returned, as counted, equal
 * what simulated memory saw (the PML4, taken before the counts were
 * cleared, aside). */
static void assert_frames_match(void)
{
	assert_int_equal(c.work.frames_alloc, c.sim.phys.allocs - 1);
	assert_int_equal(c.work.frames_freed, c.sim.phys.frees);
}

/* Every frame the environment hands out or takes back is counted, by
 * both designs: reserve, faults, guard (frees a page), release, destroy. */
static void vm_work_counts_every_frame_of_the_environment(void **state)
{
	(void)state;
	for (int d = MM_DESIGN_RDOS; d <= MM_DESIGN_CARD1; d++) {
		struct mm_space *s = space_new((enum mm_design)d);
		vaddr_t va;

		assert_status(mm_reserve(s, 3000, RW, &va), VM_OK);
		for (size_t p = 0; p < 3000; p += 7)
			assert_fault(mm_fault(s, va + p * PAGE_SIZE,
					      VM_PF_WRITE | VM_PF_USER, NULL),
				     VM_FAULT_HANDLED);
		assert_status(mm_guard(s, va + 7 * PAGE_SIZE, 1), VM_OK);
		assert_frames_match();
		assert_true(c.work.frames_freed == 1); /* the guarded page */
		assert_status(mm_release(s, va, 3000), VM_OK);
		assert_frames_match();
		mm_space_destroy(s);
		assert_frames_match();
		assert_int_equal(c.sim.phys.in_use, 0);
		assert_int_equal(c.sim.pool.live, 0);
		sim_phys_fini(&c.sim.phys);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_work_reserve_one_page_in_an_empty_space),
		cmocka_unit_test(card1_work_reserve_one_page_in_an_empty_space),
		cmocka_unit_test(
			vm_work_failed_search_walks_while_the_tree_reads_its_root),
		cmocka_unit_test(card1_work_lookup_visits_at_most_2k_nodes),
		cmocka_unit_test(vm_work_counts_every_frame_of_the_environment),
	};

	return HOST_TAP_RUN(tests);
}
