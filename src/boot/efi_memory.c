/*
 * efi_memory.c - UEFI memory types after ExitBootServices() as Multiboot2
 * types (efi_memory.h states the rule and why).
 *
 * Every type not named here, the ones the specification may add among
 * them, is reserved: memory the kernel does not understand is never
 * handed out.
 */
#include "boot/efi_memory.h"
#include "boot/multiboot2.h"

uint32_t efi_memory_mb2_type(uint32_t efi_type, uint64_t attributes)
{
	if (attributes & EFI_MEMORY_RUNTIME)
		return MB2_MEMORY_RESERVED;
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB2_MEMORY_AVAILABLE;
	case EFI_UNUSABLE_MEMORY:
		return MB2_MEMORY_BADRAM;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MB2_MEMORY_ACPI_RECLAIMABLE;
	case EFI_ACPI_MEMORY_NVS:
		return MB2_MEMORY_NVS;
	default: /* reserved, runtime services, MMIO, PAL code, persistent, unaccepted */
		return MB2_MEMORY_RESERVED;
	}
}
