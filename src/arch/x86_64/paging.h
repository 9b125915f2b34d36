/*
 * paging.h - the kernel's own page tables: what boot.asm built, and the
 * changes kmain() makes to them once it runs in the higher half.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include "boot/multiboot2.h"
#include "mm/addr.h"

/* Physical address of the kernel's PML4 (the boot PML4, kept for good). */
paddr_t paging_kernel_pml4(void);
/* Removes the identity map of low memory that only the boot path needed, so
 * that user space starts empty and a stray low pointer faults. */
void paging_drop_identity_map(void);
/* Maps the first 2 MiB of physical memory at address 0 again, executable,
 * through the two page-table frames given (below 4 GiB): the application
 * processors' start-up code runs there while it turns paging on.  Undone
 * by paging_drop_identity_map(). */
void paging_identity_map_first_2m(paddr_t pdpt_pa, paddr_t pd_pa);
/* Makes the direct map's 2 MiB page holding device registers at pa
 * uncached (pa below 4 GiB). */
void paging_map_uncached(paddr_t pa);

/* Maps all usable RAM above the boot page tables' 4 GiB into the direct map
 * with 2 MiB pages.  alloc_table returns a frame below 4 GiB for each new
 * page-table page. */
void paging_extend_direct_map(const struct boot_info *bi, paddr_t (*alloc_table)(void));

/* Replaces the boot's 2 MiB mapping of the kernel image with 4 KiB pages:
 * text r-x, read-only data r--, data and bss rw- (W^X), nothing else of
 * the first GiB at KERNEL_VMA; and makes the boot direct map NX. */
void paging_protect_kernel_image(paddr_t (*alloc_table)(void));

#endif
