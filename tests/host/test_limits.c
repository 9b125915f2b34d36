/*
 * test_limits.c - usage counters and per-space limits, in both designs.
 *
 * Every test runs on an rdos space and on a Card 1 space (through
 * mm_space).  After every step the space's own check runs, which compares
 * the usage counters with what its walk counts, and frames in use must be
 * tables + present pages, live nodes the VMAs (card1_sim_check); the tests
 * then name the counts they expect.  A refusal by a limit must leave the
 * space exactly as it was: counts, frames, nodes, the next-fit cursor and
 * the refused page's state.  Fork's inheritance is in test_fork.c.
 */
#include "host_tap.h"
#include "test_card1.h"
#include "vm_test.h"

#define SEL_STAMP 61 /* provider: fills every page */
#define RW (VM_PROT_WRITE | VM_PROT_USER)
#define LO (GIB - 16 * PAGE_SIZE) /* a range that crosses a 1 GiB entry */
#define NPAGES PAGES(8 * MIB)

static int provide(void *ctx, uint64_t page, void *dest)
{
	(void)ctx, (void)page;
	__builtin_memset(dest, 0x5A, PAGE_SIZE);
	return 0;
}

static void sim_start(struct card1_sim *v, enum mm_design d)
{
	card1_sim_init(v, d, LO, LO + NPAGES * PAGE_SIZE, 1024);
}

/* The space is sane and uses exactly reserved and present pages. */
static void expect_usage(struct card1_sim *v, uint64_t reserved,
			 uint64_t present)
{
	struct vm_usage u = mm_usage(&v->space);

	assert_card1_sane(v);
	assert_int_equal(u.reserved, reserved);
	assert_int_equal(u.present, present);
}

static enum vm_state_kind kind_at(struct card1_sim *v, vaddr_t va)
{
	struct vm_state st;

	assert_status(mm_query(&v->space, va, &st), VM_OK);
	return st.kind;
}

static void touch(struct card1_sim *v, vaddr_t va, enum vm_fault_result want)
{
	assert_fault(mm_fault(&v->space, va, VM_PF_USER | VM_PF_WRITE, NULL),
		     want);
}

static void set_limits(struct card1_sim *v, uint64_t reserved,
		       uint64_t present)
{
	mm_set_limits(&v->space, (struct vm_limits){ reserved, present });
}

/* What a refused call must leave as it was. */
struct snapshot {
	struct vm_usage usage;
	size_t frames, nodes;
	vaddr_t cursor;
};

static struct snapshot snap(struct card1_sim *v)
{
	const struct vm_space *pt = v->space.design == MM_DESIGN_CARD1
					    ? &v->space.card1.pt
					    : &v->space.rdos;

	return (struct snapshot){ mm_usage(&v->space), v->phys.in_use,
				  v->pool.live, pt->cursor };
}

static void expect_unchanged(struct card1_sim *v, const struct snapshot *s)
{
	struct snapshot now = snap(v);

	assert_card1_sane(v);
	assert_int_equal(now.usage.reserved, s->usage.reserved);
	assert_int_equal(now.usage.present, s->usage.present);
	assert_int_equal(now.frames, s->frames);
	assert_int_equal(now.nodes, s->nodes);
	assert_int_equal(now.cursor, s->cursor);
}

/* --- counters ------------------------------------------------------------ */

static void vm_usage_follows_every_operation_in(enum mm_design d)
{
	struct card1_sim v;
	vaddr_t a, b, img, big = GIB + 2 * MIB;

	sim_start(&v, d);
	expect_usage(&v, 0, 0);
	assert_status(mm_reserve(&v.space, 10, RW, &a), VM_OK);
	expect_usage(&v, 10, 0);
	assert_status(mm_reserve_at(&v.space, big, PAGES(4 * MIB), RW), VM_OK);
	expect_usage(&v, 10 + PAGES(4 * MIB), 0); /* rdos: two 2 MiB entries */
	assert_status(mm_reserve_image(&v.space, 3, RW, SEL_STAMP, 7, &img),
		      VM_OK);
	assert_status(mm_reserve_image_at(&v.space, big - 4 * PAGE_SIZE, 2, RW,
					  SEL_STAMP, 0),
		      VM_OK);
	b = big - 4 * PAGE_SIZE;
	expect_usage(&v, 15 + PAGES(4 * MIB), 0);
	touch(&v, a, VM_FAULT_HANDLED);
	touch(&v, a + PAGE_SIZE, VM_FAULT_HANDLED);
	touch(&v, big + MIB, VM_FAULT_HANDLED); /* rdos: splits the entry */
	touch(&v, img, VM_FAULT_HANDLED);
	touch(&v, b + PAGE_SIZE, VM_FAULT_HANDLED);
	expect_usage(&v, 15 + PAGES(4 * MIB), 5);
	touch(&v, a, VM_FAULT_HANDLED); /* present already: no new page */
	assert_status(mm_protect(&v.space, a, 10, VM_PROT_USER), VM_OK);
	expect_usage(&v, 15 + PAGES(4 * MIB), 5);
	assert_status(mm_guard(&v.space, a + PAGE_SIZE, 2), VM_OK);
	expect_usage(&v, 15 + PAGES(4 * MIB), 4); /* guards stay reserved */
	assert_status(mm_release(&v.space, big, PAGES(4 * MIB)), VM_OK);
	expect_usage(&v, 15, 3);
	assert_status(mm_release(&v.space, a, 10), VM_OK);
	expect_usage(&v, 5, 2);
	/* destroy: nothing used, every frame and node back */
	mm_space_destroy(&v.space);
	assert_int_equal(mm_usage(&v.space).reserved, 0);
	assert_int_equal(mm_usage(&v.space).present, 0);
	assert_int_equal(v.phys.in_use, 0);
	assert_int_equal(v.pool.live, 0);
	sim_phys_fini(&v.phys);
}
BOTH_DESIGNS(vm_usage_follows_every_operation)

/* The check catches a counter that drifts from the pages. */
static void vm_check_finds_a_wrong_usage_count_in(enum mm_design d)
{
	struct card1_sim v;
	struct vm_space *pt = d == MM_DESIGN_CARD1 ? &v.space.card1.pt
						   : &v.space.rdos;
	struct mm_stats st;
	vaddr_t va;

	sim_start(&v, d);
	assert_status(mm_reserve(&v.space, 4, RW, &va), VM_OK);
	touch(&v, va, VM_FAULT_HANDLED);
	pt->usage.reserved++;
	assert_string_equal(mm_check_invariants(&v.space, &st),
			    "usage: reserved pages differ from the non-free pages");
	pt->usage.reserved--;
	pt->usage.present--;
	assert_string_equal(mm_check_invariants(&v.space, &st),
			    "usage: present pages differ from the present leaves");
	pt->usage.present++;
	expect_usage(&v, 4, 1);
	card1_sim_fini(&v);
}
BOTH_DESIGNS(vm_check_finds_a_wrong_usage_count)

/* --- limits -------------------------------------------------------------- */

static void vm_reserve_over_the_limit_is_refused_in(enum mm_design d)
{
	struct card1_sim v;
	struct snapshot s;
	vaddr_t a, b;

	sim_start(&v, d);
	assert_int_equal(mm_limits(&v.space).max_reserved, VM_LIMIT_NONE);
	set_limits(&v, 100, VM_LIMIT_NONE);
	assert_status(mm_reserve(&v.space, 60, RW, &a), VM_OK);
	s = snap(&v);
	assert_status(mm_reserve(&v.space, 41, RW, &b), VM_ERR_LIMIT);
	assert_status(mm_reserve_at(&v.space, a + 60 * PAGE_SIZE, 41, RW),
		      VM_ERR_LIMIT);
	assert_status(mm_reserve_image(&v.space, 41, RW, SEL_STAMP, 0, &b),
		      VM_ERR_LIMIT);
	assert_status(mm_reserve_image_at(&v.space, a + 60 * PAGE_SIZE, 41, RW,
					  SEL_STAMP, 0),
		      VM_ERR_LIMIT);
	expect_unchanged(&v, &s);
	/* the state of the range a refusal aimed at is still free */
	assert_int_equal(kind_at(&v, a + 60 * PAGE_SIZE),
			 VM_STATE_FREE);
	/* argument and place errors come first, as the ABI orders them */
	assert_status(mm_reserve_at(&v.space, a, 41, RW), VM_ERR_BUSY);
	assert_status(mm_reserve(&v.space, NPAGES + 1, RW, &b),
		      VM_ERR_NO_SPACE);
	/* up to the limit exactly, then not one page more */
	assert_status(mm_reserve(&v.space, 40, RW, &b), VM_OK);
	assert_int_equal(b, a + 60 * PAGE_SIZE); /* the cursor had not moved */
	assert_status(mm_reserve(&v.space, 1, RW, &b), VM_ERR_LIMIT);
	expect_usage(&v, 100, 0);
	assert_status(mm_release(&v.space, a, 60), VM_OK);
	assert_status(mm_reserve(&v.space, 60, RW, &b), VM_OK);
	expect_usage(&v, 100, 0);
	card1_sim_fini(&v);
}
BOTH_DESIGNS(vm_reserve_over_the_limit_is_refused)

static void vm_fault_over_the_present_limit_is_refused_in(enum mm_design d)
{
	struct card1_sim v;
	struct snapshot s;
	vaddr_t va, img;

	sim_start(&v, d);
	set_limits(&v, VM_LIMIT_NONE, 3);
	assert_status(mm_reserve(&v.space, PAGES(4 * MIB), RW, &va), VM_OK);
	assert_status(mm_reserve_image(&v.space, 2, RW, SEL_STAMP, 0, &img),
		      VM_OK);
	for (int i = 0; i < 3; i++)
		touch(&v, va + i * PAGE_SIZE, VM_FAULT_HANDLED);
	s = snap(&v);
	/* far into the reservation: the rdos core must not split for it */
	touch(&v, va + 3 * MIB, VM_FAULT_LIMIT);
	touch(&v, img, VM_FAULT_LIMIT);
	expect_unchanged(&v, &s);
	assert_int_equal(kind_at(&v, va + 3 * MIB),
			 VM_STATE_RESERVED);
	assert_int_equal(kind_at(&v, img), VM_STATE_IMAGE);
	/* what is present stays usable */
	touch(&v, va + PAGE_SIZE, VM_FAULT_HANDLED);
	/* a guard gives a page back, and the next fault gets it */
	assert_status(mm_guard(&v.space, va, 1), VM_OK);
	touch(&v, img, VM_FAULT_HANDLED);
	expect_usage(&v, PAGES(4 * MIB) + 2, 3);
	card1_sim_fini(&v);
}
BOTH_DESIGNS(vm_fault_over_the_present_limit_is_refused)

/* A limit lowered below the usage takes nothing away. */
static void vm_limit_below_usage_keeps_what_is_held_in(enum mm_design d)
{
	struct card1_sim v;
	vaddr_t va, b;

	sim_start(&v, d);
	assert_status(mm_reserve(&v.space, 8, RW, &va), VM_OK);
	for (int i = 0; i < 4; i++)
		touch(&v, va + i * PAGE_SIZE, VM_FAULT_HANDLED);
	set_limits(&v, 2, 1);
	expect_usage(&v, 8, 4);
	for (int i = 0; i < 4; i++)
		touch(&v, va + i * PAGE_SIZE, VM_FAULT_HANDLED);
	touch(&v, va + 4 * PAGE_SIZE, VM_FAULT_LIMIT);
	assert_status(mm_reserve(&v.space, 1, RW, &b), VM_ERR_LIMIT);
	assert_status(mm_protect(&v.space, va, 8, VM_PROT_USER), VM_OK);
	assert_status(mm_release(&v.space, va, 8), VM_OK);
	expect_usage(&v, 0, 0);
	assert_status(mm_reserve(&v.space, 2, RW, &b), VM_OK);
	touch(&v, b, VM_FAULT_HANDLED);
	touch(&v, b + PAGE_SIZE, VM_FAULT_LIMIT);
	expect_usage(&v, 2, 1);
	card1_sim_fini(&v);
}
BOTH_DESIGNS(vm_limit_below_usage_keeps_what_is_held)

/* Out of frames under a limit: the count taken for the page goes back. */
static void vm_fault_out_of_memory_gives_the_count_back_in(enum mm_design d)
{
	struct card1_sim v;
	struct snapshot s;
	vaddr_t va;

	sim_start(&v, d);
	set_limits(&v, VM_LIMIT_NONE, 1);
	assert_status(mm_reserve(&v.space, PAGES(4 * MIB), RW, &va), VM_OK);
	s = snap(&v);
	/* rdos: the split's table, then the frame; card1: the frame, then
	 * three tables of the path (made and freed again) */
	for (long n = 0; n < (d == MM_DESIGN_CARD1 ? 4 : 2); n++) {
		card1_sim_fail_after(&v, n, -1);
		touch(&v, va + 2 * MIB, VM_FAULT_NO_MEMORY);
		card1_sim_fail_after(&v, -1, -1);
		assert_int_equal(mm_usage(&v.space).present, 0);
		assert_card1_sane(&v);
		if (d == MM_DESIGN_CARD1)
			expect_unchanged(&v, &s);
	}
	touch(&v, va + 2 * MIB, VM_FAULT_HANDLED);
	expect_usage(&v, PAGES(4 * MIB), 1);
	card1_sim_fini(&v);
}
BOTH_DESIGNS(vm_fault_out_of_memory_gives_the_count_back)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_usage_follows_every_operation),
		cmocka_unit_test(vm_check_finds_a_wrong_usage_count),
		cmocka_unit_test(vm_reserve_over_the_limit_is_refused),
		cmocka_unit_test(vm_fault_over_the_present_limit_is_refused),
		cmocka_unit_test(vm_limit_below_usage_keeps_what_is_held),
		cmocka_unit_test(vm_fault_out_of_memory_gives_the_count_back),
	};

	/* once for all tests: a failed test does not unregister */
	if (vm_provider_register(SEL_STAMP, provide, NULL) != VM_OK)
		return 1;
	return HOST_TAP_RUN(tests);
}
