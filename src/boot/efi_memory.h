/*
 * efi_memory.h - what the kernel may do with each kind of UEFI memory once
 * the boot loader has called ExitBootServices(), expressed as the
 * Multiboot2 memory type the rest of the kernel reads.
 *
 * The rule is the UEFI specification's ("Memory Type Usage after
 * ExitBootServices()", UEFI 2.10 table 7-6): loader, boot-services and
 * conventional memory are free for the operating system; runtime-services
 * code and data, ACPI NVS, memory-mapped I/O, PAL code and reserved memory
 * must be left alone; ACPI reclaimable memory is free once the tables are
 * read.  A descriptor with the EFI_MEMORY_RUNTIME attribute is kept
 * whatever its type, since the firmware's runtime services may use it.
 * The kernel never calls runtime services, yet keeps their memory: the
 * firmware may rely on it (a reset or a capsule after we halt).
 * Portable: tested on the host.
 */
#ifndef BOOT_EFI_MEMORY_H
#define BOOT_EFI_MEMORY_H

#include <stdint.h>

#define EFI_PAGE_SIZE 4096u
#define EFI_MEMORY_RUNTIME (1ull << 63)

enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	/* 11..15: MMIO, MMIO port space, PAL code, persistent, unaccepted */
};

/* The Multiboot2 type (enum mb2_memory_type) for an EFI descriptor of
 * this type and attributes after ExitBootServices(). */
uint32_t efi_memory_mb2_type(uint32_t efi_type, uint64_t attributes);

#endif
