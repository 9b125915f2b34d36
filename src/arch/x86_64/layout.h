/*
 * layout.h - the kernel's virtual address-space map, and why each boundary
 * is where it is.  Shared by C and (through boot.asm's own copy of the two
 * constants it needs) the boot path.
 *
 *  0x0000000000000000  +---------------------------+
 *                      | page 0: never mapped, so  |  a NULL dereference
 *  0x0000000000001000  |  NULL faults              |  always faults
 *                      | user space (per process)  |
 *  0x00007FFFFFFFF000  +---------------------------+  one page below the
 *                      | (non-canonical hole)      |  canonical hole, so no
 *  0xFFFF800000000000  +---------------------------+  user access straddles it
 *                      | direct map of all RAM     |  PML4 slots 256..(RAM/512G)
 *  0xFFFFC00000000000  +---------------------------+
 *                      | kernel reservations: heap |  PML4 slot 384, managed
 *                      | and vmalloc, demand paged |  by the rdos-style VM
 *  0xFFFFC08000000000  +---------------------------+
 *                      | (unused)                  |
 *  0xFFFFFFFF80000000  +---------------------------+
 *                      | kernel image (-2 GiB, for |  -mcmodel=kernel needs
 *                      |  -mcmodel=kernel)         |  the top 2 GiB
 *  0xFFFFFFFFFFFFFFFF  +---------------------------+
 *
 * The boot code maps the first 4 GiB of RAM at DIRECT_MAP_BASE and the first
 * GiB at KERNEL_VMA; the rest of the direct map is built by paging_init().
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#include "mm/addr.h"

#define USER_SPACE_START 0x0000000000001000ull
#define USER_SPACE_END 0x00007FFFFFFFF000ull
#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define KERNEL_SPACE_START 0xFFFFC00000000000ull
#define KERNEL_SPACE_END 0xFFFFC08000000000ull
#define KERNEL_VMA 0xFFFFFFFF80000000ull

/* The boot page tables map this much RAM in the direct map. */
#define BOOT_DIRECT_MAP_BYTES (4ull << 30)

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + pa);
}

static inline paddr_t kernel_image_virt_to_phys(const void *p)
{
	return (paddr_t)(uintptr_t)p - KERNEL_VMA;
}

#endif
