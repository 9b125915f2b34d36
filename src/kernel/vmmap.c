/*
 * vmmap.c - page-state runs and counts of a user address space.
 *
 * The walk asks mm_query for one address at a time (either design), and skips the whole
 * range an upper-level entry covers (2 MiB, 1 GiB or 512 GiB), so mapping
 * an empty 128 TiB address space takes a few hundred queries.
 */
#include "arch/x86_64/layout.h"
#include "kernel/vmmap.h"
#include "lib/panic.h"

#define LEVEL_BITS 9

static uint32_t run_kind(const struct vm_state *st)
{
	switch (st->kind) {
	case VM_STATE_RESERVED:
		return RDOS_PAGE_RESERVED;
	case VM_STATE_IMAGE:
		return RDOS_PAGE_IMAGE;
	case VM_STATE_GUARD:
		return RDOS_PAGE_GUARD;
	case VM_STATE_PRESENT:
		return st->cow ? RDOS_PAGE_COW : RDOS_PAGE_PRESENT;
	default:
		return RDOS_PAGE_FREE;
	}
}

static uint32_t run_prot(const struct vm_state *st)
{
	return (st->prot & VM_PROT_WRITE ? RDOS_PROT_WRITE : 0) |
	       (st->prot & VM_PROT_EXEC ? RDOS_PROT_EXEC : 0);
}

/* The end of the range the entry found for va covers. */
static vaddr_t covered_end(vaddr_t va, int level)
{
	uint64_t span = PAGE_SIZE << (LEVEL_BITS * level);

	return (va & ~(span - 1)) + span;
}

uint64_t vmmap_runs(const struct mm_space *s, vaddr_t from, struct rdos_vmrun *runs,
		    uint64_t max)
{
	uint64_t n = 0;
	vaddr_t va = PAGE_ROUND_DOWN(from) < USER_SPACE_START ? USER_SPACE_START
							      : PAGE_ROUND_DOWN(from);

	while (va < USER_SPACE_END && va >= USER_SPACE_START) {
		struct vm_state st;
		vaddr_t end;
		uint32_t kind, prot;

		if (mm_query(s, va, &st) != VM_OK)
			break;
		end = covered_end(va, st.level);
		if (end > USER_SPACE_END)
			end = USER_SPACE_END;
		kind = run_kind(&st);
		prot = kind == RDOS_PAGE_FREE || kind == RDOS_PAGE_GUARD ? 0 : run_prot(&st);
		if (n > 0 && runs[n - 1].kind == kind && runs[n - 1].prot == prot &&
		    runs[n - 1].start + runs[n - 1].npages * PAGE_SIZE == va) {
			runs[n - 1].npages += (end - va) / PAGE_SIZE;
		} else {
			if (n == max)
				break;
			runs[n++] = (struct rdos_vmrun){ va, (end - va) / PAGE_SIZE, kind, prot };
		}
		va = end;
	}
	return n;
}

/* The counts come from the design's invariant check, which walks
 * everything: a broken invariant it finds is a kernel bug, not a figure. */
void vmmap_stats(const struct mm_space *s, struct rdos_memstat *st)
{
	struct mm_stats ms = { 0 };
	const char *broken = mm_check_invariants(s, &ms);

	if (broken)
		panic("vmmap_stats: address space invariant broken at %lx: %s", ms.vm.bad_va,
		      broken);
	st->reserved_pages = ms.vm.used_pages;
	st->present_pages = ms.vm.present_pages;
	st->page_table_pages = ms.vm.table_pages;
	st->metadata_bytes = ms.vma_bytes + ms.vm.descriptor_pages * PAGE_SIZE;
}
