/*
 * vm_tests.c - in-kernel tests of the rdos-style virtual memory on the real
 * MMU: real page faults, real TLB, real frames.  User-half spaces use the
 * default design, so these run for both designs (see tests/harness).  The runner checks after each
 * test that the free frame count is back where it was.
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/probe.h"
#include "kernel/address_space.h"
#include "kernel/frames.h"
#include "kernel/kmalloc.h"
#include "kernel/ktest.h"
#include "kernel/page_fault.h"
#include "kernel/vmmap.h"

#define GIB_PAGES (1ull << 18)
#define TIB_PAGES (1ull << 28)
#define TEST_SELECTOR 200

/* A fresh user-half space of the default design (the test ISO runs once
 * per design), made current so that its addresses can be touched. */
static bool test_space_enter(struct mm_space *s)
{
	if (address_space_create(s, address_space_default_design()) != VM_OK)
		return false;
	address_space_activate(s);
	return true;
}

static void test_space_leave(struct mm_space *s)
{
	address_space_activate(NULL);
	mm_space_destroy(s);
}

/* Free frames with the heap's spare slabs returned: Card 1's VMA nodes
 * come from kmalloc, and a cached slab is not a leak. */
static uint64_t settled_free_frames(void)
{
	kmalloc_trim();
	return frames_free_count();
}

static volatile uint64_t *page_ptr(vaddr_t base, uint64_t page)
{
	return (volatile uint64_t *)(uintptr_t)(base + page * PAGE_SIZE);
}

KTEST(vm_demand_paging_gives_frames_only_to_touched_pages)
{
	uint64_t before = frames_free_count(), after_reserve;
	const uint64_t touched[] = { 0, GIB_PAGES / 2 + 3, GIB_PAGES - 1 };
	struct vm_state st;
	vaddr_t va;

	KT_ASSERT(kernel_reserve(GIB_PAGES, VM_PROT_WRITE, &va) == VM_OK);
	after_reserve = frames_free_count();
	/* Upper-level entries carry the middle; an unaligned start and end
	 * each cost at most a page directory and a page table. */
	KT_EXPECT(before - after_reserve <= 4);
	for (unsigned i = 0; i < 3; i++)
		*page_ptr(va, touched[i]) = 0x1234 + i;
	for (unsigned i = 0; i < 3; i++)
		KT_EXPECT_EQ(*page_ptr(va, touched[i]), 0x1234 + i);
	/* 3 data frames plus the tables along 3 paths, nothing for the rest */
	KT_EXPECT(after_reserve - frames_free_count() >= 3);
	KT_EXPECT(after_reserve - frames_free_count() <= 3 + 6);
	KT_EXPECT(vm_query(kernel_space(), va + PAGE_SIZE, &st) == VM_OK);
	KT_EXPECT_EQ(st.kind, VM_STATE_RESERVED);
	KT_EXPECT(kernel_release(va, GIB_PAGES) == VM_OK);
	KT_EXPECT_EQ(frames_free_count(), before);
}

KTEST(vm_terabyte_reservation_costs_a_few_table_pages)
{
	uint64_t before = settled_free_frames();
	struct mm_space s;
	vaddr_t va;

	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve(&s, TIB_PAGES, VM_PROT_WRITE, &va) == VM_OK);
	KT_EXPECT(before - frames_free_count() <= 8);
	*page_ptr(va, TIB_PAGES / 2) = 42;
	KT_EXPECT_EQ(*page_ptr(va, TIB_PAGES / 2), 42);
	KT_EXPECT(before - frames_free_count() <= 8 + 3 + 1);
	KT_EXPECT(mm_release(&s, va, TIB_PAGES) == VM_OK);
	test_space_leave(&s);
	KT_EXPECT_EQ(settled_free_frames(), before);
}

/*
 * Small areas in three empty 512 GiB blocks and in one 2 MiB block: compact
 * entries (mm/vm_compact.c), no page table until a page is touched; the
 * touch expands only its own block's path, through the real MMU, and the
 * page reads back; release gives every frame back.
 */
KTEST(vm_small_areas_in_empty_blocks_take_no_page_table)
{
	static const vaddr_t blocks[] = { 0x30000000000ull, 0x40000000000ull,
					  0x50000000000ull };
	uint64_t before = settled_free_frames(), reserved;
	struct mm_stats st;
	struct mm_space s;
	bool rdos;

	KT_ASSERT(test_space_enter(&s));
	for (unsigned i = 0; i < 3; i++)
		for (unsigned k = 0; k < 4; k++)
			KT_ASSERT(mm_reserve_at(&s, blocks[i] + k * 8 * PAGE_SIZE, 3,
						VM_PROT_WRITE) == VM_OK);
	/* Card 1 (its suite's run) keeps them in VMAs: no compact entry */
	rdos = s.design == MM_DESIGN_RDOS;
	KT_EXPECT(mm_check_invariants(&s, &st) == NULL);
	KT_EXPECT_EQ(st.vm.compact_entries, rdos ? 3 : 0);
	KT_EXPECT_EQ(st.vm.table_pages, 1); /* the PML4 */
	reserved = before - frames_free_count();
	KT_EXPECT(!rdos || reserved <= 1 + st.vm.descriptor_pages);
	*page_ptr(blocks[1] + 8 * PAGE_SIZE, 2) = 77;
	KT_EXPECT_EQ(*page_ptr(blocks[1] + 8 * PAGE_SIZE, 2), 77);
	KT_EXPECT(mm_check_invariants(&s, &st) == NULL);
	KT_EXPECT_EQ(st.vm.table_pages, 1 + 3); /* PDPT, PD, PT on one path */
	KT_EXPECT_EQ(st.vm.compact_entries, rdos ? 2 : 0);
	for (unsigned i = 0; i < 3; i++)
		for (unsigned k = 0; k < 4; k++)
			KT_EXPECT(mm_release(&s, blocks[i] + k * 8 * PAGE_SIZE, 3) == VM_OK);
	test_space_leave(&s);
	KT_EXPECT_EQ(settled_free_frames(), before);
}

/* A stale TLB entry would let the probe read the old frame after release. */
KTEST(vm_release_invalidates_the_tlb)
{
	struct mm_space s;
	vaddr_t va;

	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve(&s, 1, VM_PROT_WRITE, &va) == VM_OK);
	*page_ptr(va, 0) = 0xABABABABABABABABull;
	KT_EXPECT_EQ(probe_read_u8(page_ptr(va, 0)), 0xAB);
	KT_EXPECT(mm_release(&s, va, 1) == VM_OK);
	KT_EXPECT_EQ(probe_read_u8(page_ptr(va, 0)), -1);
	KT_EXPECT_EQ(page_fault_last().result, VM_FAULT_FREE);
	KT_EXPECT(mm_reserve_at(&s, va, 1, VM_PROT_WRITE) == VM_OK);
	KT_EXPECT_EQ(*page_ptr(va, 0), 0); /* a fresh zeroed frame */
	KT_EXPECT(mm_release(&s, va, 1) == VM_OK);
	test_space_leave(&s);
}

KTEST(vm_guard_page_always_faults)
{
	struct mm_space s;
	vaddr_t va;

	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve(&s, 3, VM_PROT_WRITE, &va) == VM_OK);
	KT_ASSERT(mm_guard(&s, va + PAGE_SIZE, 1) == VM_OK);
	KT_EXPECT_EQ(probe_write_u8(page_ptr(va, 0), 1), 0);
	KT_EXPECT_EQ(probe_write_u8(page_ptr(va, 2), 1), 0);
	KT_EXPECT_EQ(probe_write_u8(page_ptr(va, 1), 1), -1);
	KT_EXPECT_EQ(page_fault_last().result, VM_FAULT_GUARD);
	KT_EXPECT_EQ(probe_read_u8(page_ptr(va, 1)), -1);
	KT_EXPECT(mm_release(&s, va, 3) == VM_OK);
	test_space_leave(&s);
}

/* RDOS forgets "read-only" on first touch; we must not. */
KTEST(vm_read_only_reservation_stays_read_only_after_touch)
{
	struct mm_space s;
	vaddr_t va;

	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve(&s, 1, VM_PROT_READ, &va) == VM_OK);
	KT_EXPECT_EQ(probe_read_u8(page_ptr(va, 0)), 0);
	KT_EXPECT_EQ(probe_write_u8(page_ptr(va, 0), 1), -1);
	KT_EXPECT_EQ(page_fault_last().result, VM_FAULT_PROTECTION);
	KT_EXPECT(mm_release(&s, va, 1) == VM_OK);
	test_space_leave(&s);
}

static int fill_with_page_number(void *ctx, uint64_t page, void *dest)
{
	uint64_t *words = dest;

	(void)ctx;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		words[i] = page * 1000 + i;
	return 0;
}

KTEST(vm_image_pages_come_from_their_provider_on_first_touch)
{
	struct mm_space s;
	struct vm_state st;
	vaddr_t va;

	KT_ASSERT(vm_provider_register(TEST_SELECTOR, fill_with_page_number, NULL) == VM_OK);
	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve_image(&s, 8, VM_PROT_READ, TEST_SELECTOR, 100, &va) == VM_OK);
	KT_EXPECT_EQ(page_ptr(va, 2)[5], 102 * 1000 + 5);
	KT_EXPECT(mm_query(&s, va + 3 * PAGE_SIZE, &st) == VM_OK);
	KT_EXPECT_EQ(st.kind, VM_STATE_IMAGE);
	KT_EXPECT(mm_query(&s, va + 2 * PAGE_SIZE, &st) == VM_OK);
	KT_EXPECT_EQ(st.kind, VM_STATE_PRESENT);
	KT_EXPECT(mm_release(&s, va, 8) == VM_OK);
	test_space_leave(&s);
	vm_provider_unregister(TEST_SELECTOR);
}

#define STORM_SLOTS 512
#define STORM_OPS 20000

static uint64_t storm_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static bool storm_intact(const uint8_t *p, size_t size, uint8_t fill)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* Random kmalloc/kfree with a fill byte per object, checked before free. */
KTEST(heap_kmalloc_random_storm_returns_everything)
{
	static uint8_t *slot[STORM_SLOTS];
	static size_t size[STORM_SLOTS];
	uint64_t rng = 0x9e3779b97f4a7c15ull, corrupt = 0;

	for (unsigned op = 0; op < STORM_OPS; op++) {
		unsigned i = storm_rand(&rng) % STORM_SLOTS;

		if (slot[i]) {
			corrupt += !storm_intact(slot[i], size[i], (uint8_t)i);
			kfree(slot[i]);
			slot[i] = NULL;
			continue;
		}
		size[i] = storm_rand(&rng) % 8 == 0 ? storm_rand(&rng) % 20000 + 1
						    : storm_rand(&rng) % 512 + 1;
		slot[i] = kmalloc(size[i]);
		KT_ASSERT(slot[i] != NULL);
		for (size_t b = 0; b < size[i]; b++)
			slot[i][b] = (uint8_t)i;
	}
	for (unsigned i = 0; i < STORM_SLOTS; i++) {
		if (slot[i])
			corrupt += !storm_intact(slot[i], size[i], (uint8_t)i);
		kfree(slot[i]);
		slot[i] = NULL;
	}
	kmalloc_trim();
	KT_EXPECT_EQ(corrupt, 0);
	KT_EXPECT_EQ(kmalloc_stats().objects_in_use, 0);
}

/* Harness self-test: MEMSTAT's counts come from the invariant check, so a
 * space whose reserved count is one page off must panic, naming the
 * broken invariant, not report the count. */
KTEST_MANUAL(vm_deliberate_broken_space_memstat)
{
	struct mm_space s;
	struct rdos_memstat st;
	struct vm_space *counted;
	vaddr_t va;

	KT_ASSERT(test_space_enter(&s));
	KT_ASSERT(mm_reserve(&s, 4, VM_PROT_WRITE, &va) == VM_OK);
	counted = s.design == MM_DESIGN_CARD1 ? &s.card1.pt : &s.rdos;
	counted->usage.reserved++;
	vmmap_stats(&s, &st);
	test_space_leave(&s); /* not reached */
}
