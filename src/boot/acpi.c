/*
 * acpi.c - from the RSDP to the list of local APICs (see acpi.h).
 *
 * Layouts (ACPI 6.x, chapter 5): RSDP 20 bytes (1.0) or 36 (2.0+, adds the
 * XSDT address); every system description table starts with a 36-byte
 * header {signature, length, ..., checksum over length bytes}; the MADT's
 * body is the local APIC address, flags, then {type, length} records.
 */
#include "boot/acpi.h"
#include "lib/string.h"

#define RSDP_V1_BYTES 20
#define RSDP_RSDT_OFFSET 16
#define RSDP_XSDT_OFFSET 24
#define SDT_HEADER_BYTES 36
#define MADT_RECORDS_OFFSET 44
#define MADT_LAPIC_OFFSET 36

enum madt_record {
	MADT_LOCAL_APIC = 0,
	MADT_LAPIC_ADDRESS_OVERRIDE = 5,
	MADT_LOCAL_X2APIC = 9,
};

#define LAPIC_ENABLED 1u
#define LAPIC_ONLINE_CAPABLE 2u

struct table_reader {
	acpi_map_fn map;
	void *ctx;
};

static uint32_t read32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t read64(const uint8_t *p)
{
	return read32(p) | (uint64_t)read32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* The whole table at pa if its header, length and checksum are sound. */
static const uint8_t *table_at(const struct table_reader *r, paddr_t pa)
{
	const uint8_t *header = r->map(r->ctx, pa, SDT_HEADER_BYTES);
	const uint8_t *table;
	uint32_t len;

	if (!header)
		return NULL;
	len = read32(header + 4);
	if (len < SDT_HEADER_BYTES)
		return NULL;
	table = r->map(r->ctx, pa, len);
	return table && checksum_ok(table, len) ? table : NULL;
}

/* Finds the table with signature sig among the root table's entries of
 * entry_bytes each (4: RSDT, 8: XSDT). */
static const uint8_t *root_find(const struct table_reader *r, const uint8_t *root,
				size_t entry_bytes, const char *sig)
{
	uint32_t len = read32(root + 4);

	for (uint32_t off = SDT_HEADER_BYTES; off + entry_bytes <= len; off += entry_bytes) {
		paddr_t pa = entry_bytes == 8 ? read64(root + off) : read32(root + off);
		const uint8_t *t = table_at(r, pa);

		if (t && memcmp(t, sig, 4) == 0)
			return t;
	}
	return NULL;
}

static void add_cpu(struct acpi_cpus *out, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)))
		return;
	if (out->count == ACPI_MAX_CPUS) {
		out->ignored++;
		return;
	}
	out->apic_ids[out->count++] = apic_id;
}

static const char *madt_parse(const uint8_t *madt, struct acpi_cpus *out)
{
	uint32_t len = read32(madt + 4);

	if (len < MADT_RECORDS_OFFSET)
		return "MADT too short";
	out->lapic_base = read32(madt + MADT_LAPIC_OFFSET);
	for (uint32_t off = MADT_RECORDS_OFFSET; off < len;) {
		const uint8_t *rec = madt + off;
		uint8_t rec_len;

		if (off + 2 > len || (rec_len = rec[1]) < 2 || off + rec_len > len)
			return "MADT record runs past the table";
		if (rec[0] == MADT_LOCAL_APIC && rec_len >= 8)
			add_cpu(out, rec[3], read32(rec + 4));
		else if (rec[0] == MADT_LOCAL_X2APIC && rec_len >= 16)
			add_cpu(out, read32(rec + 4), read32(rec + 8));
		else if (rec[0] == MADT_LAPIC_ADDRESS_OVERRIDE && rec_len >= 12)
			out->lapic_base = read64(rec + 4);
		off += rec_len;
	}
	return out->count ? NULL : "MADT lists no usable processor";
}

const char *acpi_find_cpus(const uint8_t *rsdp, size_t len, acpi_map_fn map, void *ctx,
			   struct acpi_cpus *out)
{
	struct table_reader r = { map, ctx };
	const uint8_t *root, *madt;
	bool xsdt;

	*out = (struct acpi_cpus){ 0 };
	if (len < RSDP_V1_BYTES || memcmp(rsdp, "RSD PTR ", 8) != 0)
		return "no RSDP";
	if (!checksum_ok(rsdp, RSDP_V1_BYTES))
		return "RSDP checksum";
	xsdt = rsdp[15] >= 2 && len >= ACPI_RSDP_MAX_BYTES && read64(rsdp + RSDP_XSDT_OFFSET);
	root = table_at(&r, xsdt ? read64(rsdp + RSDP_XSDT_OFFSET) : read32(rsdp + RSDP_RSDT_OFFSET));
	if (!root || memcmp(root, xsdt ? "XSDT" : "RSDT", 4) != 0)
		return xsdt ? "bad XSDT" : "bad RSDT";
	madt = root_find(&r, root, xsdt ? 8 : 4, "APIC");
	if (!madt)
		return "no MADT";
	return madt_parse(madt, out);
}
