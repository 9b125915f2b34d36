/*
 * test_vm.c - unit tests of the entry encoding and of every page-state
 * transition of docs/pte-encoding.md: reserve, fault (zero fill, image
 * fill, every refusal), guard, protect, release from each state, and the
 * refusals that protect neighbours (wrong address or size, busy range).
 *
 * Every test that changes a space ends with assert_sane(): invariants
 * recomputed and frames in use == page tables + owned present pages.
 * Upper-level entries, out-of-memory and kernel spaces: test_vm_upper.c.
 */
#include <stdio.h>
#include <string.h>

#include "host_tap.h"
#include "vm_test.h"

#define BASE ((vaddr_t)64 * GIB) /* all tests' reservations start here */

static struct sim_vm *vm_new(void)
{
	static struct sim_vm v;

	sim_vm_init(&v, VM_USER_LO, VM_USER_HI, 1024, 0);
	return &v;
}

static const unsigned char *page_bytes(struct sim_vm *v, vaddr_t va)
{
	struct vm_state st = vm_test_state(v, va);

	assert_int_equal(st.kind, VM_STATE_PRESENT);
	return sim_phys_to_virt(&v->phys, st.frame);
}

/* --- encoding ---------------------------------------------------------- */

static void vm_pte_free_is_zero(void **state)
{
	(void)state;
	assert_true(pte_is_free(0));
	assert_false(pte_is_present(0));
	assert_false(pte_is_pending(0));
	/* every other state sets bit 0 or bit 1 */
	assert_false(pte_is_free(pte_make_pending(PTE_KIND_RESERVED, 0, false)));
	assert_false(pte_is_free(pte_make_leaf(0x5000, 0, false)));
}

static void vm_pte_pending_round_trip(void **state)
{
	static const enum pte_kind kinds[] = { PTE_KIND_RESERVED,
					       PTE_KIND_GUARD };

	(void)state;
	for (unsigned k = 0; k < 2; k++)
		for (unsigned prot = 0; prot <= VM_PROT_ALL; prot++)
			for (int start = 0; start < 2; start++) {
				pte_t e = pte_make_pending(kinds[k], prot,
							   start);

				assert_true(pte_is_pending(e));
				assert_int_equal(pte_kind(e), kinds[k]);
				assert_int_equal(pte_prot(e), prot);
				assert_int_equal(pte_is_start(e), start);
				assert_int_equal(e & PTE_NP_ZERO_MASK, 0);
				assert_int_equal(e & PTE_P, 0);
			}
}

static void vm_pte_image_round_trip(void **state)
{
	static const uint64_t offsets[] = { 0, 1, 0x12345, PTE_OFFSET_MAX };

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		for (unsigned sel = 1; sel <= PTE_SEL_MAX; sel += 127) {
			pte_t e = pte_make_image(VM_PROT_EXEC | VM_PROT_USER,
						 i & 1, sel, offsets[i]);

			assert_true(pte_is_pending(e));
			assert_int_equal(pte_kind(e), PTE_KIND_IMAGE);
			assert_int_equal(pte_image_selector(e), sel);
			assert_int_equal(pte_image_offset(e), offsets[i]);
			assert_int_equal(pte_prot(e),
					 VM_PROT_EXEC | VM_PROT_USER);
			assert_int_equal(pte_is_start(e), i & 1);
			assert_int_equal(e & PTE_NP_ZERO_MASK, 0);
		}
}

static void vm_pte_leaf_round_trip(void **state)
{
	(void)state;
	for (unsigned prot = 0; prot <= VM_PROT_ALL; prot++) {
		pte_t e = pte_make_leaf(0x000FFFFFFFFFF000, prot, prot & 1);

		assert_true(pte_is_present(e));
		assert_int_equal(pte_addr(e), 0x000FFFFFFFFFF000);
		assert_int_equal(pte_prot(e), prot);
		assert_int_equal(pte_is_start(e), prot & 1);
		assert_int_equal(!!(e & PTE_NX), !(prot & VM_PROT_EXEC));
		assert_int_equal(!!(e & PTE_NOEXEC), !(prot & VM_PROT_EXEC));
		assert_int_equal(e & (PTE_PS | PTE_A | PTE_D | PTE_G), 0);
	}
}

/* A CPU without NX: bit 63 is never set (it is reserved there), and the
 * protection reads back the same all the same. */
static void vm_pte_leaf_without_nx_keeps_its_protection(void **state)
{
	(void)state;
	pte_hw_nx = 0;
	for (unsigned prot = 0; prot <= VM_PROT_ALL; prot++) {
		pte_t e = pte_make_leaf(0x1000, prot, false);

		assert_int_equal(e & PTE_NX, 0);
		assert_int_equal(pte_prot(e), prot);
		assert_int_equal(pte_prot(pte_with_prot(e, prot ^ VM_PROT_EXEC)),
				 prot ^ VM_PROT_EXEC);
	}
	pte_hw_nx = PTE_NX;
}

static void vm_pte_with_prot_keeps_the_rest(void **state)
{
	pte_t img = pte_make_image(VM_PROT_WRITE, true, 7, 99);
	pte_t leaf = pte_make_leaf(0x1234000, VM_PROT_ALL, true) | PTE_SHARED;
	pte_t ro;

	(void)state;
	img = pte_with_prot(img, VM_PROT_EXEC);
	assert_int_equal(pte_prot(img), VM_PROT_EXEC);
	assert_int_equal(pte_image_offset(img), 99);
	assert_int_equal(pte_image_selector(img), 7);
	assert_true(pte_is_start(img));
	ro = pte_with_prot(leaf, VM_PROT_READ);
	assert_int_equal(pte_prot(ro), VM_PROT_READ);
	assert_int_equal(pte_addr(ro), 0x1234000);
	assert_int_equal(ro & (PTE_START | PTE_SHARED), PTE_START | PTE_SHARED);
}

/* A COW leaf is logically writable with RW clear, whatever protect does. */
static void vm_pte_cow_stays_read_only_in_hardware(void **state)
{
	pte_t cow = pte_make_leaf(0x2000, VM_PROT_USER, false) | PTE_COW;

	(void)state;
	assert_int_equal(pte_prot(cow), VM_PROT_WRITE | VM_PROT_USER);
	cow = pte_with_prot(cow, VM_PROT_WRITE | VM_PROT_EXEC);
	assert_int_equal(cow & (PTE_RW | PTE_COW), PTE_COW);
	assert_int_equal(pte_prot(cow), VM_PROT_WRITE | VM_PROT_EXEC);
	cow = pte_with_prot(cow, VM_PROT_READ);
	assert_int_equal(cow & (PTE_RW | PTE_COW), 0);
}

/* --- reserve and fault ------------------------------------------------------ */

static void vm_reserve_writes_reserved_entries_with_start(void **state)
{
	struct sim_vm *v = vm_new();
	vaddr_t va;
	struct vm_state st;

	(void)state;
	assert_status(vm_reserve(&v->space, 3, VM_PROT_WRITE | VM_PROT_USER,
				 &va),
		      VM_OK);
	assert_int_equal(va, VM_USER_LO);
	for (int i = 0; i < 3; i++) {
		st = vm_test_state(v, va + i * PAGE_SIZE);
		assert_int_equal(st.kind, VM_STATE_RESERVED);
		assert_int_equal(st.prot, VM_PROT_WRITE | VM_PROT_USER);
		assert_int_equal(st.start, i == 0);
	}
	assert_int_equal(vm_test_state(v, va + 3 * PAGE_SIZE).kind,
			 VM_STATE_FREE);
	assert_int_equal(v->space.cursor, va + 3 * PAGE_SIZE);
	assert_sane(v);
	sim_vm_fini(v);
}

/* Fault fills a zeroed frame, keeping protection (RDOS loses read-only). */
static void vm_fault_fills_zeroed_frame_and_keeps_protection(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_state before, st;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BASE, 2, VM_PROT_USER), VM_OK);
	assert_fault(vm_fault(&v->space, BASE + 0x123, VM_PF_USER, &before),
		     VM_FAULT_HANDLED);
	assert_int_equal(before.kind, VM_STATE_RESERVED);
	st = vm_test_state(v, BASE);
	assert_int_equal(st.kind, VM_STATE_PRESENT);
	assert_int_equal(st.prot, VM_PROT_USER);
	assert_true(st.start);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(page_bytes(v, BASE)[i], 0);
	assert_fault(vm_fault(&v->space, BASE, VM_PF_USER | VM_PF_WRITE |
						       VM_PF_PRESENT, NULL),
		     VM_FAULT_PROTECTION);
	assert_fault(vm_fault(&v->space, BASE + PAGE_SIZE,
			      VM_PF_USER | VM_PF_WRITE, NULL),
		     VM_FAULT_PROTECTION);
	assert_int_equal(vm_test_state(v, BASE + PAGE_SIZE).kind,
			 VM_STATE_RESERVED);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_fault_refusals_each_have_a_code(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_space *s = &v->space;

	(void)state;
	assert_status(vm_reserve_at(s, BASE, 4, VM_PROT_WRITE), VM_OK);
	assert_status(vm_guard(s, BASE + 3 * PAGE_SIZE, 1), VM_OK);
	assert_fault(vm_fault(s, 0, 0, NULL), VM_FAULT_OUTSIDE);
	assert_fault(vm_fault(s, VM_USER_HI, 0, NULL), VM_FAULT_OUTSIDE);
	assert_fault(vm_fault(s, BASE - PAGE_SIZE, 0, NULL), VM_FAULT_FREE);
	assert_fault(vm_fault(s, BASE + 3 * PAGE_SIZE, 0, NULL),
		     VM_FAULT_GUARD);
	assert_fault(vm_fault(s, BASE, VM_PF_USER, NULL), VM_FAULT_PROTECTION);
	assert_fault(vm_fault(s, BASE, VM_PF_INSTR, NULL), VM_FAULT_PROTECTION);
	assert_fault(vm_fault(s, BASE, VM_PF_WRITE, NULL), VM_FAULT_HANDLED);
	/* present and allowed: a stale TLB entry, flushed and retried */
	v->phys.invalidations = 0;
	assert_fault(vm_fault(s, BASE, VM_PF_WRITE | VM_PF_PRESENT, NULL),
		     VM_FAULT_HANDLED);
	assert_int_equal(v->phys.invalidations, 1);
	assert_sane(v);
	sim_vm_fini(v);
}

/* Provider for image tests: page n is filled with byte n + 1. */
static int fill_with_page_number(void *ctx, uint64_t page, void *dest)
{
	int *calls = ctx;

	++*calls;
	memset(dest, (int)(page + 1), PAGE_SIZE);
	return 0;
}

static int fail_always(void *ctx, uint64_t page, void *dest)
{
	(void)ctx, (void)page, (void)dest;
	return -1;
}

static void vm_image_page_is_filled_by_its_provider(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_state st;
	int calls = 0;

	(void)state;
	assert_status(vm_provider_register(3, fill_with_page_number, &calls),
		      VM_OK);
	assert_status(vm_reserve_image_at(&v->space, BASE, 4, VM_PROT_EXEC, 3,
					  10),
		      VM_OK);
	st = vm_test_state(v, BASE + 2 * PAGE_SIZE);
	assert_int_equal(st.kind, VM_STATE_IMAGE);
	assert_int_equal(st.selector, 3);
	assert_int_equal(st.page, 12);
	assert_fault(vm_fault(&v->space, BASE + 2 * PAGE_SIZE, VM_PF_INSTR,
			      NULL),
		     VM_FAULT_HANDLED);
	assert_int_equal(calls, 1);
	assert_int_equal(page_bytes(v, BASE + 2 * PAGE_SIZE)[100], 13);
	assert_int_equal(vm_test_state(v, BASE + 2 * PAGE_SIZE).prot,
			 VM_PROT_EXEC);
	assert_fault(vm_fault(&v->space, BASE, VM_PF_WRITE, NULL),
		     VM_FAULT_PROTECTION);
	assert_int_equal(calls, 1);
	assert_sane(v);
	vm_provider_unregister(3);
	sim_vm_fini(v);
}

static void vm_image_provider_failure_is_reported_and_leaks_nothing(void **state)
{
	struct sim_vm *v = vm_new();
	vaddr_t va;

	(void)state;
	assert_status(vm_reserve_image(&v->space, 2, 0, 9, 0, &va),
		      VM_ERR_INVALID); /* selector not registered */
	assert_status(vm_provider_register(0, fail_always, NULL),
		      VM_ERR_INVALID);
	assert_status(vm_provider_register(9, fail_always, NULL), VM_OK);
	assert_status(vm_reserve_image(&v->space, 2, 0, 9, PTE_OFFSET_MAX, &va),
		      VM_ERR_INVALID); /* page PTE_OFFSET_MAX + 1 */
	assert_status(vm_reserve_image(&v->space, 2, 0, 9, 0, &va), VM_OK);
	assert_fault(vm_fault(&v->space, va, 0, NULL), VM_FAULT_PROVIDER);
	assert_int_equal(vm_test_state(v, va).kind, VM_STATE_IMAGE);
	vm_provider_unregister(9);
	assert_fault(vm_fault(&v->space, va, 0, NULL), VM_FAULT_PROVIDER);
	assert_sane(v);
	assert_status(vm_release(&v->space, va, 2), VM_OK);
	sim_vm_fini(v);
}

/*
 * Two CPUs fault one page: the provider of the first fault runs the second
 * fault to completion before the first installs its frame, which is what
 * the loser of the compare-and-swap sees.  The loser must free its frame.
 */
static struct sim_vm *race_vm;

static int fault_again_inside(void *ctx, uint64_t page, void *dest)
{
	int *depth = ctx;

	memset(dest, 0x77, PAGE_SIZE);
	if (++*depth == 1)
		assert_fault(vm_fault(&race_vm->space, BASE, 0, NULL),
			     VM_FAULT_HANDLED);
	(void)page;
	return 0;
}

static void vm_fault_race_loser_frees_its_frame(void **state)
{
	int depth = 0;
	paddr_t winner;

	(void)state;
	race_vm = vm_new();
	assert_status(vm_provider_register(5, fault_again_inside, &depth),
		      VM_OK);
	assert_status(vm_reserve_image_at(&race_vm->space, BASE, 1, 0, 5, 0),
		      VM_OK);
	assert_fault(vm_fault(&race_vm->space, BASE, 0, NULL),
		     VM_FAULT_HANDLED);
	assert_int_equal(depth, 2);
	winner = vm_test_state(race_vm, BASE).frame;
	assert_int_equal(page_bytes(race_vm, BASE)[0], 0x77);
	assert_true(winner != 0);
	assert_sane(race_vm);
	vm_provider_unregister(5);
	sim_vm_fini(race_vm);
}

/* --- guard and protect ------------------------------------------------------ */

static void vm_guard_from_reserved_and_present(void **state)
{
	struct sim_vm *v = vm_new();
	size_t frames;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BASE, 4, VM_PROT_WRITE), VM_OK);
	assert_fault(vm_fault(&v->space, BASE + PAGE_SIZE, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	frames = v->phys.in_use;
	assert_status(vm_guard(&v->space, BASE, 2), VM_OK);
	assert_int_equal(v->phys.in_use, frames - 1);
	assert_int_equal(v->phys.last_invalidated, BASE + PAGE_SIZE);
	assert_int_equal(vm_test_state(v, BASE).kind, VM_STATE_GUARD);
	assert_true(vm_test_state(v, BASE).start);
	assert_int_equal(vm_test_state(v, BASE + PAGE_SIZE).kind,
			 VM_STATE_GUARD);
	assert_int_equal(vm_test_state(v, BASE + 2 * PAGE_SIZE).kind,
			 VM_STATE_RESERVED);
	/* protect leaves guards alone */
	assert_status(vm_protect(&v->space, BASE, 4, VM_PROT_EXEC), VM_OK);
	assert_int_equal(vm_test_state(v, BASE).kind, VM_STATE_GUARD);
	assert_int_equal(vm_test_state(v, BASE + 3 * PAGE_SIZE).prot,
			 VM_PROT_EXEC);
	assert_sane(v);
	assert_status(vm_release(&v->space, BASE, 4), VM_OK);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_protect_changes_reserved_image_and_present_pages(void **state)
{
	struct sim_vm *v = vm_new();
	int calls = 0;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BASE, 3, VM_PROT_WRITE), VM_OK);
	assert_fault(vm_fault(&v->space, BASE, VM_PF_WRITE, NULL),
		     VM_FAULT_HANDLED);
	v->phys.invalidations = 0;
	assert_status(vm_protect(&v->space, BASE, 3, VM_PROT_READ), VM_OK);
	assert_int_equal(v->phys.invalidations, 1); /* only the present page */
	assert_fault(vm_fault(&v->space, BASE, VM_PF_WRITE | VM_PF_PRESENT,
			      NULL),
		     VM_FAULT_PROTECTION);
	assert_fault(vm_fault(&v->space, BASE + 2 * PAGE_SIZE, VM_PF_WRITE,
			      NULL),
		     VM_FAULT_PROTECTION);
	assert_true(vm_test_state(v, BASE).start);
	/* a page in the middle of a reservation */
	assert_status(vm_protect(&v->space, BASE + PAGE_SIZE, 1,
				 VM_PROT_WRITE | VM_PROT_EXEC),
		      VM_OK);
	assert_int_equal(vm_test_state(v, BASE + PAGE_SIZE).prot,
			 VM_PROT_WRITE | VM_PROT_EXEC);
	assert_status(vm_provider_register(4, fill_with_page_number, &calls),
		      VM_OK);
	assert_status(vm_reserve_image_at(&v->space, BASE + 3 * PAGE_SIZE, 1,
					  0, 4, 0),
		      VM_OK);
	assert_status(vm_protect(&v->space, BASE + 3 * PAGE_SIZE, 1,
				 VM_PROT_WRITE),
		      VM_OK);
	assert_int_equal(vm_test_state(v, BASE + 3 * PAGE_SIZE).kind,
			 VM_STATE_IMAGE);
	assert_int_equal(vm_test_state(v, BASE + 3 * PAGE_SIZE).prot,
			 VM_PROT_WRITE);
	vm_provider_unregister(4);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_protect_refuses_free_pages_and_other_reservations(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_space *s = &v->space;

	(void)state;
	assert_status(vm_reserve_at(s, BASE, 2, 0), VM_OK);
	assert_status(vm_reserve_at(s, BASE + 2 * PAGE_SIZE, 2, 0), VM_OK);
	assert_status(vm_protect(s, BASE + PAGE_SIZE, 2, VM_PROT_WRITE),
		      VM_ERR_NOT_RESERVED);
	assert_status(vm_protect(s, BASE + 2 * PAGE_SIZE, 3, VM_PROT_WRITE),
		      VM_ERR_NOT_RESERVED);
	assert_status(vm_guard(s, BASE - PAGE_SIZE, 2), VM_ERR_NOT_RESERVED);
	assert_status(vm_protect(s, BASE, 1, 8), VM_ERR_INVALID);
	assert_status(vm_protect(s, BASE + 1, 1, 0), VM_ERR_INVALID);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vm_test_state(v, BASE + i * PAGE_SIZE).prot, 0);
	assert_sane(v);
	sim_vm_fini(v);
}

/* --- release ---------------------------------------------------------------- */

/* One reservation holding every state a page of it can be in. */
static void vm_release_from_each_state(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_space *s = &v->space;

	(void)state;
	assert_status(vm_reserve_at(s, BASE, 6, VM_PROT_WRITE), VM_OK);
	assert_fault(vm_fault(s, BASE, VM_PF_WRITE, NULL), VM_FAULT_HANDLED);
	assert_fault(vm_fault(s, BASE + 5 * PAGE_SIZE, 0, NULL),
		     VM_FAULT_HANDLED);
	assert_status(vm_guard(s, BASE + 2 * PAGE_SIZE, 1), VM_OK);
	assert_status(vm_protect(s, BASE + 3 * PAGE_SIZE, 1, VM_PROT_EXEC),
		      VM_OK);
	assert_sane(v);
	v->phys.invalidations = 0;
	assert_status(vm_release(s, BASE, 6), VM_OK);
	/* two present pages, plus the PT, PD and PDPT that became empty */
	assert_int_equal(v->phys.invalidations, 2 + 3);
	for (int i = 0; i < 7; i++)
		assert_int_equal(vm_test_state(v, BASE + i * PAGE_SIZE).kind,
				 VM_STATE_FREE);
	/* the PML4, and the descriptor pool's frame, kept as its spare */
	assert_int_equal(v->phys.in_use, 1 + v->space.compact.held);
	assert_sane(v);
	sim_vm_fini(v);
}

/* RDOS weakness 2: a wrong size or address must not free a neighbour. */
static void vm_release_wrong_address_or_size_is_refused(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_space *s = &v->space;
	size_t frames;

	(void)state;
	assert_status(vm_reserve_at(s, BASE, 3, 0), VM_OK);
	assert_status(vm_reserve_at(s, BASE + 3 * PAGE_SIZE, 2, 0), VM_OK);
	assert_status(vm_reserve_at(s, BASE + 6 * PAGE_SIZE, 1, 0), VM_OK);
	assert_fault(vm_fault(s, BASE + 4 * PAGE_SIZE, 0, NULL),
		     VM_FAULT_HANDLED);
	frames = v->phys.in_use;
	assert_status(vm_release(s, BASE + PAGE_SIZE, 2), VM_ERR_NOT_START);
	assert_status(vm_release(s, BASE - PAGE_SIZE, 1), VM_ERR_NOT_START);
	assert_status(vm_release(s, BASE, 5), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(s, BASE, 2), VM_ERR_WRONG_SIZE);
	assert_status(vm_release(s, BASE + 3 * PAGE_SIZE, 1),
		      VM_ERR_WRONG_SIZE);
	assert_status(vm_release(s, BASE + 3 * PAGE_SIZE, 3),
		      VM_ERR_WRONG_SIZE); /* runs into the free page */
	assert_status(vm_release(s, BASE + 1, 1), VM_ERR_INVALID);
	assert_status(vm_release(s, BASE, 0), VM_ERR_INVALID);
	assert_status(vm_release(s, VM_USER_HI - PAGE_SIZE, 2), VM_ERR_INVALID);
	assert_int_equal(v->phys.in_use, frames);
	for (int i = 0; i < 5; i++)
		assert_int_not_equal(vm_test_state(v, BASE + i * PAGE_SIZE).kind,
				     VM_STATE_FREE);
	assert_status(vm_release(s, BASE + 3 * PAGE_SIZE, 2), VM_OK);
	assert_status(vm_release(s, BASE, 3), VM_OK);
	assert_status(vm_release(s, BASE + 6 * PAGE_SIZE, 1), VM_OK);
	assert_sane(v);
	sim_vm_fini(v);
}

static void vm_reserve_at_over_non_free_changes_nothing(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_space *s = &v->space;
	struct vm_state before[8];
	size_t frames;

	(void)state;
	assert_status(vm_reserve_at(s, BASE + 4 * PAGE_SIZE, 1, 0), VM_OK);
	for (int i = 0; i < 8; i++)
		before[i] = vm_test_state(v, BASE + i * PAGE_SIZE);
	frames = v->phys.in_use;
	assert_status(vm_reserve_at(s, BASE, 8, VM_PROT_WRITE), VM_ERR_BUSY);
	assert_status(vm_reserve_at(s, BASE + 4 * PAGE_SIZE, 1, 0),
		      VM_ERR_BUSY);
	assert_status(vm_reserve_at(s, BASE, 4, VM_PROT_ALL & ~VM_PROT_USER),
		      VM_OK);
	assert_status(vm_release(s, BASE, 4), VM_OK);
	assert_status(vm_reserve_at(s, VM_USER_HI - PAGE_SIZE, 2, 0),
		      VM_ERR_INVALID);
	assert_status(vm_reserve_at(s, BASE, 1, 16), VM_ERR_INVALID);
	assert_int_equal(v->phys.in_use, frames);
	for (int i = 0; i < 8; i++) {
		struct vm_state now = vm_test_state(v, BASE + i * PAGE_SIZE);

		assert_int_equal(now.entry, before[i].entry);
	}
	assert_sane(v);
	sim_vm_fini(v);
}

/* --- reporting -------------------------------------------------------------- */

static void vm_state_format_names_every_state(void **state)
{
	struct sim_vm *v = vm_new();
	struct vm_state st;
	char line[80], expect[80];
	char tiny[6];
	size_t n;

	(void)state;
	assert_status(vm_reserve_at(&v->space, BASE, 2,
				    VM_PROT_WRITE | VM_PROT_USER),
		      VM_OK);
	st = vm_test_state(v, BASE);
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "reserved rw- user start");
	/* a free page of the compact entry that holds the two (its block
	 * crosses lo): a page's own state, no level */
	st = vm_test_state(v, BASE - PAGE_SIZE);
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "free");
	st = (struct vm_state){ .kind = VM_STATE_FREE, .level = 2 };
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "free [1G]");
	assert_status(vm_guard(&v->space, BASE + PAGE_SIZE, 1), VM_OK);
	st = vm_test_state(v, BASE + PAGE_SIZE);
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "guard");
	assert_fault(vm_fault(&v->space, BASE, VM_PF_USER, NULL),
		     VM_FAULT_HANDLED);
	st = vm_test_state(v, BASE);
	n = vm_state_format(&st, line, sizeof(line));
	snprintf(expect, sizeof(expect), "present rw- user start frame=%#lx",
		 (unsigned long)st.frame);
	assert_string_equal(line, expect);
	assert_int_equal(n, strlen(line));
	n = vm_state_format(&st, tiny, sizeof(tiny));
	assert_string_equal(tiny, "prese");
	assert_int_equal(n, strlen(line));
	st = (struct vm_state){ .kind = VM_STATE_IMAGE, .prot = VM_PROT_EXEC,
				.selector = 12, .page = 0x2a, .level = 0 };
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "image r-x kernel sel=12 page=0x2a");
	st = (struct vm_state){ .kind = VM_STATE_RESERVED, .level = 2 };
	vm_state_format(&st, line, sizeof(line));
	assert_string_equal(line, "reserved r-- kernel [1G]");
	assert_status(vm_release(&v->space, BASE, 2), VM_OK);
	sim_vm_fini(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_pte_free_is_zero),
		cmocka_unit_test(vm_pte_pending_round_trip),
		cmocka_unit_test(vm_pte_image_round_trip),
		cmocka_unit_test(vm_pte_leaf_round_trip),
		cmocka_unit_test(vm_pte_leaf_without_nx_keeps_its_protection),
		cmocka_unit_test(vm_pte_with_prot_keeps_the_rest),
		cmocka_unit_test(vm_pte_cow_stays_read_only_in_hardware),
		cmocka_unit_test(vm_reserve_writes_reserved_entries_with_start),
		cmocka_unit_test(vm_fault_fills_zeroed_frame_and_keeps_protection),
		cmocka_unit_test(vm_fault_refusals_each_have_a_code),
		cmocka_unit_test(vm_image_page_is_filled_by_its_provider),
		cmocka_unit_test(vm_image_provider_failure_is_reported_and_leaks_nothing),
		cmocka_unit_test(vm_fault_race_loser_frees_its_frame),
		cmocka_unit_test(vm_guard_from_reserved_and_present),
		cmocka_unit_test(vm_protect_changes_reserved_image_and_present_pages),
		cmocka_unit_test(vm_protect_refuses_free_pages_and_other_reservations),
		cmocka_unit_test(vm_release_from_each_state),
		cmocka_unit_test(vm_release_wrong_address_or_size_is_refused),
		cmocka_unit_test(vm_reserve_at_over_non_free_changes_nothing),
		cmocka_unit_test(vm_state_format_names_every_state),
	};

	return HOST_TAP_RUN(tests);
}
