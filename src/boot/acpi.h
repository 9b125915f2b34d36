/*
 * acpi.h - the processors of the machine, read from the ACPI MADT.
 *
 * The boot loader hands over a copy of the RSDP (Multiboot2 tags 14 and
 * 15); from it the parser follows the XSDT (or, for ACPI 1.0, the RSDT) to
 * the MADT and lists every enabled or online-capable local APIC.  The
 * tables are untrusted input: lengths and checksums are checked before a
 * byte is used, so a corrupt table gives a message, never a wild read.
 * Portable: the caller says how physical memory is reached.
 */
#ifndef BOOT_ACPI_H
#define BOOT_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/addr.h"

#define ACPI_MAX_CPUS 64
#define ACPI_RSDP_MAX_BYTES 36 /* ACPI 2.0 RSDP; 1.0's is 20 */

struct acpi_cpus {
	uint32_t apic_ids[ACPI_MAX_CPUS]; /* in MADT order: the boot CPU is usually first */
	unsigned count;
	unsigned ignored; /* processors beyond ACPI_MAX_CPUS */
	paddr_t lapic_base; /* physical address of the local APIC registers */
};

/* Returns a pointer to len bytes of physical memory at pa, or NULL if that
 * memory cannot be reached (the parser then reports a bad table). */
typedef const void *(*acpi_map_fn)(void *ctx, paddr_t pa, size_t len);

/*
 * Fills *out from the RSDP copy rsdp[0..len).  Returns NULL on success,
 * else what is wrong ("no MADT", "RSDT checksum", ...).
 */
const char *acpi_find_cpus(const uint8_t *rsdp, size_t len, acpi_map_fn map, void *ctx,
			   struct acpi_cpus *out);

#endif
