/*
 * paging.c - adjustments to the boot page tables (see asm/boot.asm for
 * their layout).
 *
 * Invariant after paging_drop_identity_map(): the lower half of the kernel
 * PML4 is empty, so every address space can copy the upper half and own
 * its lower half.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "lib/panic.h"
#include "lib/string.h"

extern uint64_t boot_pml4[512];
extern uint64_t boot_pd[4 * 512];
extern const char __kernel_phys_end[];

paddr_t paging_kernel_pml4(void)
{
	return kernel_image_virt_to_phys(boot_pml4);
}

void paging_drop_identity_map(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3()); /* flush every non-global translation */
}

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define GIB (1ull << 30)
#define LARGE_PAGE (2ull << 20)
#define DIRECT_MAP_PML4_SLOT 256

static uint64_t *new_table(paddr_t (*alloc_table)(void), uint64_t *entry)
{
	paddr_t frame = alloc_table();
	uint64_t *table;

	if (frame + PAGE_SIZE > BOOT_DIRECT_MAP_BYTES)
		panic("paging: page-table frame %lx outside the boot direct map", frame);
	table = phys_to_virt(frame);
	memset(table, 0, PAGE_SIZE);
	*entry = frame | PTE_PRESENT | PTE_WRITABLE;
	return table;
}

static bool gib_has_usable_ram(const struct boot_info *bi, paddr_t gib_start)
{
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];

		if (r->type == MB2_MEMORY_AVAILABLE && r->base < gib_start + GIB &&
		    gib_start < r->base + r->length)
			return true;
	}
	return false;
}

/* The NX bit where boot.asm could turn it on (EFER.NXE), else 0: without
 * NX, bit 63 of an entry is reserved and would make every access fault. */
static uint64_t nx_bit(void)
{
	return (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
}

/* Maps one GiB of the direct map with 2 MiB pages, data only (NX). */
static void map_direct_gib(paddr_t gib_start, paddr_t (*alloc_table)(void))
{
	uint64_t *pml4e = &boot_pml4[DIRECT_MAP_PML4_SLOT + gib_start / (512 * GIB)];
	uint64_t *pdpt, *pd;

	pdpt = (*pml4e & PTE_PRESENT) ? phys_to_virt(*pml4e & PTE_ADDR_MASK)
				      : new_table(alloc_table, pml4e);
	pd = new_table(alloc_table, &pdpt[(gib_start / GIB) % 512]);
	for (unsigned i = 0; i < 512; i++)
		pd[i] = (gib_start + i * LARGE_PAGE) | PTE_PRESENT | PTE_WRITABLE |
			PTE_LARGE | nx_bit();
}

void paging_identity_map_first_2m(paddr_t pdpt_pa, paddr_t pd_pa)
{
	uint64_t *pdpt = phys_to_virt(pdpt_pa), *pd = phys_to_virt(pd_pa);

	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	pd[0] = PTE_PRESENT | PTE_WRITABLE | PTE_LARGE; /* executable: code runs here */
	pdpt[0] = pd_pa | PTE_PRESENT | PTE_WRITABLE;
	boot_pml4[0] = pdpt_pa | PTE_PRESENT | PTE_WRITABLE;
	write_cr3(read_cr3());
}

void paging_map_uncached(paddr_t pa)
{
	if (pa >= BOOT_DIRECT_MAP_BYTES)
		panic("paging: device registers at %lx are outside the boot direct map", pa);
	/* PCD|PWT select PAT entry 3, uncached, in the power-on PAT. */
	boot_pd[pa / LARGE_PAGE] |= PTE_PCD | PTE_PWT;
	invlpg((uint64_t)(uintptr_t)phys_to_virt(pa & ~(LARGE_PAGE - 1)));
}

void paging_extend_direct_map(const struct boot_info *bi, paddr_t (*alloc_table)(void))
{
	paddr_t top = mb2_highest_usable(bi);

	for (paddr_t gib = BOOT_DIRECT_MAP_BYTES; gib < top; gib += GIB)
		if (gib_has_usable_ram(bi, gib))
			map_direct_gib(gib, alloc_table);
	write_cr3(read_cr3());
}

extern const char __text_start[], __rodata_start[], __data_start[];
extern uint64_t boot_pdpt_high[512];

#define PT_ENTRIES 512
#define KERNEL_PDPT_SLOT 510

/* Flags for the kernel image page at va: r-x text, r-- read-only data,
 * rw- data and bss.  Nothing is both writable and executable. */
static uint64_t image_page_flags(uint64_t va)
{
	if (va < (uint64_t)(uintptr_t)__rodata_start)
		return PTE_PRESENT;
	if (va < (uint64_t)(uintptr_t)__data_start)
		return PTE_PRESENT | nx_bit();
	return PTE_PRESENT | PTE_WRITABLE | nx_bit();
}

void paging_protect_kernel_image(paddr_t (*alloc_table)(void))
{
	uint64_t start = (uint64_t)(uintptr_t)__text_start;
	uint64_t end = KERNEL_VMA + PAGE_ROUND_UP((uint64_t)(uintptr_t)__kernel_phys_end);
	uint64_t pd_entry, *pd = new_table(alloc_table, &pd_entry);

	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pde = &pd[(va >> 21) & (PT_ENTRIES - 1)];
		uint64_t *pt = (*pde & PTE_PRESENT) ? phys_to_virt(*pde & PTE_ADDR_MASK)
						    : new_table(alloc_table, pde);

		pt[(va >> PAGE_SHIFT) & (PT_ENTRIES - 1)] = (va - KERNEL_VMA) | image_page_flags(va);
	}
	/* One store switches the running kernel to the new tables. */
	boot_pdpt_high[KERNEL_PDPT_SLOT] = pd_entry;
	/* The direct map is data only: nothing runs from it. */
	for (unsigned i = 0; i < 4 * PT_ENTRIES; i++)
		boot_pd[i] |= nx_bit();
	write_cr3(read_cr3());
}
