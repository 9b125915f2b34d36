/*
 * test_smp_acpi.c - host tests of the MADT reader (src/boot/acpi.c): the
 * list of processors the kernel starts, from hand-built ACPI tables in a
 * simulated physical memory, sound and corrupt.
 */
#include <string.h>

#include "boot/acpi.h"
#include "host_tap.h"

#define PHYS_BYTES 4096
#define RSDT_AT 0x100
#define XSDT_AT 0x200
#define MADT_AT 0x400
#define OTHER_AT 0x300

struct fake_phys {
	uint8_t bytes[PHYS_BYTES];
	uint8_t rsdp[ACPI_RSDP_MAX_BYTES];
	size_t madt_len;
};

static const void *fake_map(void *ctx, paddr_t pa, size_t len)
{
	struct fake_phys *m = ctx;

	return pa + len <= PHYS_BYTES ? m->bytes + pa : NULL;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static uint8_t *table_header(struct fake_phys *m, paddr_t at, const char *sig, uint32_t len)
{
	uint8_t *t = m->bytes + at;

	memcpy(t, sig, 4);
	put32(t + 4, len);
	return t;
}

static void seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	fix_checksum(t, len, 9);
}

/* An empty MADT; madt_record appends records and keeps it sealed. */
static void madt_begin(struct fake_phys *m)
{
	uint8_t *t = table_header(m, MADT_AT, "APIC", 44);

	put32(t + 36, 0xFEE00000);
	m->madt_len = 44;
	seal(t);
}

static void madt_record(struct fake_phys *m, const uint8_t *rec, uint8_t len)
{
	uint8_t *t = m->bytes + MADT_AT;

	memcpy(t + m->madt_len, rec, len);
	m->madt_len += len;
	put32(t + 4, (uint32_t)m->madt_len);
	seal(t);
}

static void madt_lapic(struct fake_phys *m, uint8_t apic_id, uint32_t flags)
{
	uint8_t rec[8] = { 0, 8, apic_id, apic_id };

	put32(rec + 4, flags);
	madt_record(m, rec, sizeof(rec));
}

/* RSDP 1.0 -> RSDT -> {a table that is not the MADT, the MADT}. */
static void build_rsdt(struct fake_phys *m)
{
	uint8_t *rsdt = table_header(m, RSDT_AT, "RSDT", 36 + 8);

	table_header(m, OTHER_AT, "FACP", 36);
	seal(m->bytes + OTHER_AT);
	put32(rsdt + 36, OTHER_AT);
	put32(rsdt + 40, MADT_AT);
	seal(rsdt);
	memcpy(m->rsdp, "RSD PTR ", 8);
	m->rsdp[15] = 0;
	put32(m->rsdp + 16, RSDT_AT);
	fix_checksum(m->rsdp, 20, 8);
}

static void build_xsdt(struct fake_phys *m)
{
	uint8_t *xsdt = table_header(m, XSDT_AT, "XSDT", 36 + 8);

	put64(xsdt + 36, MADT_AT);
	seal(xsdt);
	m->rsdp[15] = 2;
	put64(m->rsdp + 24, XSDT_AT);
	fix_checksum(m->rsdp, 20, 8);
}

static struct fake_phys *machine_with_cpus(unsigned n)
{
	static struct fake_phys m;

	memset(&m, 0, sizeof(m));
	madt_begin(&m);
	for (unsigned i = 0; i < n; i++)
		madt_lapic(&m, (uint8_t)(i * 2), 1);
	build_rsdt(&m);
	return &m;
}

static const char *parse(struct fake_phys *m, struct acpi_cpus *out)
{
	return acpi_find_cpus(m->rsdp, sizeof(m->rsdp), fake_map, m, out);
}

static void smp_madt_lists_every_enabled_cpu(void **state)
{
	struct fake_phys *m = machine_with_cpus(4);
	struct acpi_cpus cpus;

	(void)state;
	madt_lapic(m, 40, 0);  /* disabled, not online-capable: skipped */
	madt_lapic(m, 42, 2);  /* online-capable: listed */
	assert_null(parse(m, &cpus));
	assert_int_equal(cpus.count, 5);
	assert_int_equal(cpus.apic_ids[0], 0);
	assert_int_equal(cpus.apic_ids[3], 6);
	assert_int_equal(cpus.apic_ids[4], 42);
	assert_int_equal(cpus.lapic_base, 0xFEE00000);
}

static void smp_madt_reads_x2apic_and_address_override(void **state)
{
	struct fake_phys *m = machine_with_cpus(1);
	uint8_t x2apic[16] = { 9, 16 }, override[12] = { 5, 12 };
	struct acpi_cpus cpus;

	(void)state;
	put32(x2apic + 4, 300);
	put32(x2apic + 8, 1);
	madt_record(m, x2apic, sizeof(x2apic));
	put64(override + 4, 0xFED00000);
	madt_record(m, override, sizeof(override));
	assert_null(parse(m, &cpus));
	assert_int_equal(cpus.count, 2);
	assert_int_equal(cpus.apic_ids[1], 300);
	assert_int_equal(cpus.lapic_base, 0xFED00000);
}

static void smp_madt_prefers_the_xsdt(void **state)
{
	struct fake_phys *m = machine_with_cpus(2);
	struct acpi_cpus cpus;

	(void)state;
	build_xsdt(m);
	memset(m->bytes + RSDT_AT, 0, 4); /* a broken RSDT must not matter now */
	assert_null(parse(m, &cpus));
	assert_int_equal(cpus.count, 2);
}

static void smp_madt_refuses_bad_checksums(void **state)
{
	struct fake_phys *m = machine_with_cpus(2);
	struct acpi_cpus cpus;

	(void)state;
	m->rsdp[9] ^= 1;
	assert_string_equal(parse(m, &cpus), "RSDP checksum");
	m = machine_with_cpus(2);
	m->bytes[MADT_AT + 40] ^= 1; /* MADT no longer sums to 0: skipped */
	assert_string_equal(parse(m, &cpus), "no MADT");
	m = machine_with_cpus(2);
	m->bytes[RSDT_AT + 20] ^= 1;
	assert_string_equal(parse(m, &cpus), "bad RSDT");
}

static void smp_madt_refuses_records_past_the_end(void **state)
{
	struct fake_phys *m = machine_with_cpus(1);
	uint8_t runaway[2] = { 0, 40 };
	struct acpi_cpus cpus;

	(void)state;
	madt_record(m, runaway, sizeof(runaway));
	assert_string_equal(parse(m, &cpus), "MADT record runs past the table");
	m = machine_with_cpus(1);
	put32(m->bytes + RSDT_AT + 40, PHYS_BYTES + 4096); /* unreachable table */
	seal(m->bytes + RSDT_AT);
	assert_string_equal(parse(m, &cpus), "no MADT");
}

static void smp_madt_counts_cpus_beyond_the_limit(void **state)
{
	struct fake_phys *m = machine_with_cpus(ACPI_MAX_CPUS + 3);
	struct acpi_cpus cpus;

	(void)state;
	assert_null(parse(m, &cpus));
	assert_int_equal(cpus.count, ACPI_MAX_CPUS);
	assert_int_equal(cpus.ignored, 3);
}

static void smp_madt_without_processors_is_an_error(void **state)
{
	struct fake_phys *m = machine_with_cpus(0);
	struct acpi_cpus cpus;

	(void)state;
	assert_string_equal(parse(m, &cpus), "MADT lists no usable processor");
	memcpy(m->rsdp, "RSD PTX ", 8);
	assert_string_equal(parse(m, &cpus), "no RSDP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smp_madt_lists_every_enabled_cpu),
		cmocka_unit_test(smp_madt_reads_x2apic_and_address_override),
		cmocka_unit_test(smp_madt_prefers_the_xsdt),
		cmocka_unit_test(smp_madt_refuses_bad_checksums),
		cmocka_unit_test(smp_madt_refuses_records_past_the_end),
		cmocka_unit_test(smp_madt_counts_cpus_beyond_the_limit),
		cmocka_unit_test(smp_madt_without_processors_is_an_error),
	};

	return HOST_TAP_RUN(tests);
}
