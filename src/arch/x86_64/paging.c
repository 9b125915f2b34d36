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

extern uint64_t boot_pml4[512];

paddr_t paging_kernel_pml4(void)
{
	return kernel_image_virt_to_phys(boot_pml4);
}

void paging_drop_identity_map(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3()); /* flush every non-global translation */
}
