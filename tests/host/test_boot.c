/*
 * test_boot.c - host tests of the portable boot code: the Multiboot2 parser
 * (built from hand-made information structures, well-formed and corrupt)
 * and the printf engine.
 */
#include <string.h>

#include "boot/multiboot2.h"
#include "host_tap.h"
#include "lib/format.h"

#define INFO_BYTES 512

/* Builds a Multiboot2 information structure tag by tag. */
struct mb2_builder {
	uint8_t bytes[INFO_BYTES] __attribute__((aligned(8)));
	uint32_t size;
};

static void put32(struct mb2_builder *b, uint32_t off, uint32_t v)
{
	memcpy(b->bytes + off, &v, 4);
}

static void builder_init(struct mb2_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->size = 8;
}

static uint32_t builder_tag(struct mb2_builder *b, uint32_t type, const void *payload,
			    uint32_t payload_len)
{
	uint32_t at = b->size;

	put32(b, at, type);
	put32(b, at + 4, 8 + payload_len);
	if (payload_len)
		memcpy(b->bytes + at + 8, payload, payload_len);
	b->size = (at + 8 + payload_len + 7) & ~7u;
	return at;
}

static void builder_finish(struct mb2_builder *b)
{
	builder_tag(b, 0, NULL, 0);
	put32(b, 0, b->size);
}

static void builder_mmap(struct mb2_builder *b, const uint64_t (*regions)[3], unsigned n)
{
	uint8_t payload[8 + 24 * 8] = { 0 };
	uint32_t entry_size = 24;

	memcpy(payload, &entry_size, 4);
	for (unsigned i = 0; i < n; i++) {
		uint32_t type = (uint32_t)regions[i][2];

		memcpy(payload + 8 + 24 * i, &regions[i][0], 8);
		memcpy(payload + 8 + 24 * i + 8, &regions[i][1], 8);
		memcpy(payload + 8 + 24 * i + 16, &type, 4);
	}
	builder_tag(b, 6, payload, 8 + 24 * n);
}

static const uint64_t qemu_4g_map[][3] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x100000, 0xbfee0000, 1 },
	{ 0xfffc0000, 0x40000, 2 },
	{ 0x100000000, 0x40000000, 1 },
};

static void build_typical(struct mb2_builder *b)
{
	uint8_t module[8 + 5];
	uint32_t start = 0x200000, end = 0x201000;

	builder_init(b);
	builder_tag(b, 1, "ktest", 6);
	builder_tag(b, 2, "GRUB 2.06", 10);
	memcpy(module, &start, 4);
	memcpy(module + 4, &end, 4);
	memcpy(module + 8, "init", 5);
	builder_tag(b, 3, module, sizeof(module));
	builder_mmap(b, qemu_4g_map, 4);
	builder_finish(b);
}

static void boot_mb2_parses_typical_info(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	build_typical(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_string_equal(bi.cmdline, "ktest");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_int_equal(bi.module_count, 1);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x201000);
	assert_string_equal(bi.modules[0].cmdline, "init");
	assert_int_equal(bi.mmap_count, 4);
	assert_int_equal(bi.mmap[3].base, 0x100000000ull);
	assert_int_equal(mb2_highest_usable(&bi), 0x140000000ull);
	assert_int_equal(bi.info_end - bi.info_start, b.size);
}

/* Tag 15 (ACPI 2.0 RSDP) wins over tag 14 in either order; an RSDP
 * longer than ACPI 2.0's is cut to it. */
static void boot_mb2_keeps_the_newest_acpi_rsdp(void **state)
{
	uint8_t old_rsdp[20] = "RSD PTR old", new_rsdp[40] = "RSD PTR new";
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	builder_init(&b);
	builder_mmap(&b, qemu_4g_map, 4);
	builder_tag(&b, 14, old_rsdp, sizeof(old_rsdp));
	builder_tag(&b, 15, new_rsdp, sizeof(new_rsdp));
	builder_tag(&b, 14, old_rsdp, sizeof(old_rsdp));
	builder_finish(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_int_equal(bi.acpi_rsdp_len, ACPI_RSDP_MAX_BYTES);
	assert_memory_equal(bi.acpi_rsdp, "RSD PTR new", 11);
	build_typical(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_int_equal(bi.acpi_rsdp_len, 0);
}

static void boot_mb2_rejects_missing_end_tag(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	build_typical(&b);
	put32(&b, 0, b.size - 8); /* cut the end tag off */
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi),
			    "tags run past the end without an end tag");
}

static void boot_mb2_rejects_oversized_tag(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	build_typical(&b);
	put32(&b, 12, 4096); /* the command-line tag claims 4 KiB */
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "tag size out of bounds");
}

static void boot_mb2_rejects_unterminated_string(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	builder_init(&b);
	builder_tag(&b, 1, "abcdefgh", 8); /* no NUL inside the tag */
	builder_mmap(&b, qemu_4g_map, 1);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "command line not terminated");
}

static void boot_mb2_rejects_bad_mmap_entry_size(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;
	uint32_t mmap_at;

	(void)state;
	builder_init(&b);
	builder_mmap(&b, qemu_4g_map, 2);
	mmap_at = 8;
	put32(&b, mmap_at + 8, 20);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "memory map entry size invalid");
}

static void boot_mb2_requires_memory_map_and_alignment(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	builder_init(&b);
	builder_tag(&b, 1, "x", 2);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "no memory map");
	assert_string_equal(mb2_parse(b.bytes, 0x10004, &bi),
			    "boot information not 8-byte aligned");
	put32(&b, 0, 8);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi),
			    "boot information size out of range");
}

static void boot_mb2_rejects_module_ending_before_start(void **state)
{
	struct mb2_builder b;
	struct boot_info bi;
	uint8_t module[9] = { 0 };
	uint32_t start = 0x3000, end = 0x2000;

	(void)state;
	builder_init(&b);
	memcpy(module, &start, 4);
	memcpy(module + 4, &end, 4);
	builder_tag(&b, 3, module, sizeof(module));
	builder_mmap(&b, qemu_4g_map, 1);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "module ends before it starts");
}

static void boot_format_conversions(void **state)
{
	char buf[128];

	(void)state;
	format_buf(buf, sizeof(buf), "%d %i %u %x %X %s %c %%", -42, 7, 3000000000u,
		   0xbeef, 0xbeef, "str", 'z');
	assert_string_equal(buf, "-42 7 3000000000 beef BEEF str z %");
	format_buf(buf, sizeof(buf), "[%5d|%-5d|%05x|%016lx]", 42, 42, 0x2a, 0xffffffff80000000ul);
	assert_string_equal(buf, "[   42|42   |0002a|ffffffff80000000]");
	format_buf(buf, sizeof(buf), "%#lx|%#06x", 0xabcul, 0x2a);
	assert_string_equal(buf, "0xabc|0x002a");
	format_buf(buf, sizeof(buf), "%p %s %lld %zu", (void *)0x1000, (char *)NULL,
		   -9223372036854775807ll - 1, (size_t)12);
	assert_string_equal(buf, "0x0000000000001000 (null) -9223372036854775808 12");
}

static void boot_format_truncates_like_snprintf(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(format_buf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(format_buf(buf, 0, "abc"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_mb2_parses_typical_info),
		cmocka_unit_test(boot_mb2_keeps_the_newest_acpi_rsdp),
		cmocka_unit_test(boot_mb2_rejects_missing_end_tag),
		cmocka_unit_test(boot_mb2_rejects_oversized_tag),
		cmocka_unit_test(boot_mb2_rejects_unterminated_string),
		cmocka_unit_test(boot_mb2_rejects_bad_mmap_entry_size),
		cmocka_unit_test(boot_mb2_requires_memory_map_and_alignment),
		cmocka_unit_test(boot_mb2_rejects_module_ending_before_start),
		cmocka_unit_test(boot_format_conversions),
		cmocka_unit_test(boot_format_truncates_like_snprintf),
	};

	return HOST_TAP_RUN(tests);
}
