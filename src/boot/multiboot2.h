/*
 * multiboot2.h - the boot information GRUB hands over, validated and copied
 * into a fixed-size struct boot_info the rest of the kernel reads.
 *
 * Strings in boot_info point into the original information structure, so the
 * memory it occupies [info_start, info_end) stays reserved for the kernel's
 * lifetime.  Portable: parsed and tested on the host too.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "boot/acpi.h"
#include "lib/fb_text.h"
#include "mm/addr.h"

#define MB2_BOOTLOADER_MAGIC 0x36D76289u
#define MB2_MAX_MMAP 128
#define MB2_MAX_MODULES 64
#define MB2_INFO_MAX_BYTES (1u << 20)

enum mb2_memory_type {
	MB2_MEMORY_AVAILABLE = 1,
	MB2_MEMORY_RESERVED = 2,
	MB2_MEMORY_ACPI_RECLAIMABLE = 3,
	MB2_MEMORY_NVS = 4,
	MB2_MEMORY_BADRAM = 5,
};

struct mb2_memory_region {
	paddr_t base;
	uint64_t length;
	uint32_t type;
};

enum mb2_framebuffer_type {
	MB2_FRAMEBUFFER_INDEXED = 0,
	MB2_FRAMEBUFFER_RGB = 1,
	MB2_FRAMEBUFFER_EGA_TEXT = 2, /* layout counts characters; 2 bytes each */
};

/* The screen GRUB left behind (tag 8).  Colour positions and sizes are
 * set for MB2_FRAMEBUFFER_RGB only; nothing is checked beyond the tag's
 * bounds: the console decides what it can draw on. */
struct mb2_framebuffer {
	paddr_t addr;
	uint8_t type;
	struct fb_layout layout;
};

struct mb2_module {
	paddr_t start;
	paddr_t end; /* exclusive */
	const char *cmdline;
};

struct boot_info {
	const char *cmdline;
	const char *loader_name;
	struct mb2_memory_region mmap[MB2_MAX_MMAP];
	unsigned mmap_count;
	/* mmap is the EFI memory map of efi_descriptor_count descriptors,
	 * translated (efi_memory.h), not GRUB's map: the boot was UEFI's */
	bool mmap_from_efi;
	unsigned efi_descriptor_count;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned module_count;
	bool has_framebuffer;
	struct mb2_framebuffer framebuffer;
	bool has_elf_sections;
	uint32_t elf_section_count;
	paddr_t info_start, info_end;
	/* copy of the ACPI RSDP (acpi.h); length 0 if the loader gave none */
	uint8_t acpi_rsdp[ACPI_RSDP_MAX_BYTES];
	uint32_t acpi_rsdp_len;
};

/*
 * Validates the information structure at info (physical address info_pa)
 * and fills *out.  Returns NULL on success, else a message saying what is
 * malformed.  Required tags: a memory map (GRUB's or the EFI one); regions
 * that follow each other with the same type come out as one.  Everything
 * else is optional.
 */
const char *mb2_parse(const void *info, paddr_t info_pa, struct boot_info *out);

const char *mb2_memory_type_name(uint32_t type);
/* End of the highest region of type MB2_MEMORY_AVAILABLE (0 if none). */
paddr_t mb2_highest_usable(const struct boot_info *bi);

#endif
