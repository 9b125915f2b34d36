/*
 * test_boot.c - host tests of the portable boot code: the Multiboot2 parser
 * (built from hand-made information structures, well-formed and corrupt;
 * GRUB's and the EFI memory map, the framebuffer) and the printf engine.
 */
#include <string.h>

#include "boot/efi_memory.h"
#include "boot/multiboot2.h"
#include "host_tap.h"
#include "lib/format.h"

#define INFO_BYTES 1024

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

	assert_true(at + 8 + payload_len + 8 <= INFO_BYTES); /* room for the end tag too */
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

/* An EFI memory map tag: descriptors {type, physical start, pages,
 * attributes}, each desc_size bytes apart (more than the 40 they need, as
 * firmware may do). */
static void builder_efi_mmap(struct mb2_builder *b, const uint64_t (*descs)[4], unsigned n,
			     uint32_t desc_size)
{
	uint8_t payload[8 + 48 * 12] = { 0 };
	uint32_t version = 1;

	assert_true(n <= 12 && desc_size <= 48);
	memcpy(payload, &desc_size, 4);
	memcpy(payload + 4, &version, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = payload + 8 + desc_size * i;
		uint32_t type = (uint32_t)descs[i][0];

		memcpy(d, &type, 4);
		memcpy(d + 8, &descs[i][1], 8);
		memcpy(d + 24, &descs[i][2], 8);
		memcpy(d + 32, &descs[i][3], 8);
	}
	builder_tag(b, 17, payload, 8 + desc_size * n);
}

/* Low memory as OVMF leaves it, and one of every other kind. */
static const uint64_t ovmf_like_map[][4] = {
	{ EFI_BOOT_SERVICES_DATA, 0x0, 1, 0xf },
	{ EFI_CONVENTIONAL_MEMORY, 0x1000, 0x9e, 0xf },
	{ EFI_BOOT_SERVICES_CODE, 0x9f000, 1, 0xf },
	{ EFI_LOADER_DATA, 0x100000, 0x100, 0xf },
	{ EFI_RUNTIME_SERVICES_DATA, 0x200000, 0x10, 0xf | EFI_MEMORY_RUNTIME },
	{ EFI_CONVENTIONAL_MEMORY, 0x210000, 0x10, 0xf | EFI_MEMORY_RUNTIME },
	{ EFI_ACPI_RECLAIM_MEMORY, 0x220000, 0x10, 0xf },
	{ EFI_ACPI_MEMORY_NVS, 0x230000, 0x10, 0xf },
	{ EFI_UNUSABLE_MEMORY, 0x240000, 1, 0xf },
	{ 11 /* MMIO */, 0xfec00000, 1, 1 },
	{ 0x70000000 /* OEM */, 0x300000, 1, 0xf },
	{ EFI_RUNTIME_SERVICES_CODE, 0x301000, 1, 0xf | EFI_MEMORY_RUNTIME },
};

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

/* Boot services', loader and conventional memory are usable and merge;
 * runtime services' memory, anything marked runtime, MMIO and unknown
 * types are reserved; the EFI map replaces tag 6 in either order. */
static void boot_mb2_efi_map_wins_and_is_translated(void **state)
{
	static const uint64_t want[][3] = {
		{ 0x0, 0xa0000, MB2_MEMORY_AVAILABLE },
		{ 0x100000, 0x100000, MB2_MEMORY_AVAILABLE },
		{ 0x200000, 0x20000, MB2_MEMORY_RESERVED },
		{ 0x220000, 0x10000, MB2_MEMORY_ACPI_RECLAIMABLE },
		{ 0x230000, 0x10000, MB2_MEMORY_NVS },
		{ 0x240000, 0x1000, MB2_MEMORY_BADRAM },
		{ 0xfec00000, 0x1000, MB2_MEMORY_RESERVED },
		{ 0x300000, 0x2000, MB2_MEMORY_RESERVED },
	};
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	for (int efi_first = 0; efi_first < 2; efi_first++) {
		builder_init(&b);
		if (efi_first)
			builder_efi_mmap(&b, ovmf_like_map, 12, 48);
		builder_mmap(&b, qemu_4g_map, 4);
		if (!efi_first)
			builder_efi_mmap(&b, ovmf_like_map, 12, 48);
		builder_finish(&b);
		assert_null(mb2_parse(b.bytes, 0x10000, &bi));
		assert_true(bi.mmap_from_efi);
		assert_int_equal(bi.efi_descriptor_count, 12);
		assert_int_equal(bi.mmap_count, 8);
		for (unsigned i = 0; i < 8; i++) {
			assert_int_equal(bi.mmap[i].base, want[i][0]);
			assert_int_equal(bi.mmap[i].length, want[i][1]);
			assert_int_equal(bi.mmap[i].type, want[i][2]);
		}
		assert_int_equal(mb2_highest_usable(&bi), 0x200000);
	}
}

static void boot_mb2_rejects_bad_efi_map(void **state)
{
	static const uint64_t huge[][4] = { { EFI_CONVENTIONAL_MEMORY, 0x1000, 1ull << 52, 0 } };
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	builder_init(&b);
	builder_efi_mmap(&b, ovmf_like_map, 2, 36);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "EFI memory descriptor size invalid");
	builder_init(&b);
	builder_efi_mmap(&b, huge, 1, 40);
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi), "memory map entry wraps around");
}

/* Tag 8: an RGB framebuffer with its colour fields, EGA text without. */
static void boot_mb2_reads_the_framebuffer(void **state)
{
	uint8_t rgb[30] = { 0 }, text[24] = { 0 };
	uint64_t addr = 0x80000000, text_addr = 0xb8000;
	uint32_t rgb_geometry[3] = { 800 * 4, 800, 600 }, text_geometry[3] = { 160, 80, 25 };
	struct mb2_builder b;
	struct boot_info bi;

	(void)state;
	memcpy(rgb, &addr, 8);
	memcpy(rgb + 8, rgb_geometry, 12);
	rgb[20] = 32;
	rgb[21] = MB2_FRAMEBUFFER_RGB;
	memcpy(rgb + 24, (uint8_t[]){ 16, 8, 8, 8, 0, 8 }, 6);
	builder_init(&b);
	builder_mmap(&b, qemu_4g_map, 1);
	builder_tag(&b, 8, rgb, sizeof(rgb));
	builder_finish(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_true(bi.has_framebuffer);
	assert_int_equal(bi.framebuffer.addr, 0x80000000);
	assert_int_equal(bi.framebuffer.type, MB2_FRAMEBUFFER_RGB);
	assert_int_equal(bi.framebuffer.layout.pitch, 3200);
	assert_int_equal(bi.framebuffer.layout.width, 800);
	assert_int_equal(bi.framebuffer.layout.height, 600);
	assert_int_equal(bi.framebuffer.layout.bpp, 32);
	assert_int_equal(bi.framebuffer.layout.red_pos, 16);
	assert_int_equal(bi.framebuffer.layout.blue_size, 8);

	memcpy(text, &text_addr, 8);
	memcpy(text + 8, text_geometry, 12);
	text[20] = 16;
	text[21] = MB2_FRAMEBUFFER_EGA_TEXT;
	builder_init(&b);
	builder_mmap(&b, qemu_4g_map, 1);
	builder_tag(&b, 8, text, sizeof(text));
	builder_finish(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_int_equal(bi.framebuffer.type, MB2_FRAMEBUFFER_EGA_TEXT);
	assert_int_equal(bi.framebuffer.layout.width, 80);
	assert_int_equal(bi.framebuffer.layout.red_size, 0);

	builder_init(&b);
	builder_mmap(&b, qemu_4g_map, 1);
	builder_tag(&b, 8, rgb, 24); /* RGB without its colour fields */
	builder_finish(&b);
	assert_string_equal(mb2_parse(b.bytes, 0x10000, &bi),
			    "framebuffer tag too short for its colour fields");
	build_typical(&b);
	assert_null(mb2_parse(b.bytes, 0x10000, &bi));
	assert_false(bi.has_framebuffer);
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
		cmocka_unit_test(boot_mb2_efi_map_wins_and_is_translated),
		cmocka_unit_test(boot_mb2_rejects_bad_efi_map),
		cmocka_unit_test(boot_mb2_reads_the_framebuffer),
		cmocka_unit_test(boot_format_conversions),
		cmocka_unit_test(boot_format_truncates_like_snprintf),
	};

	return HOST_TAP_RUN(tests);
}
