/*
 * multiboot2.c - validating parser of the Multiboot2 boot information.
 *
 * The structure is untrusted input as far as this parser goes: every tag
 * size, entry size and string is checked against the bounds it claims
 * before anything is read, so a corrupt structure produces a message, never
 * a wild read.  Layout: an 8-byte header (total_size, reserved) followed by
 * 8-byte aligned tags {type, size, payload}, ending with a type-0 tag.
 *
 * Two tags can describe memory: GRUB's memory map (tag 6, types it already
 * translated, read before it left the firmware) and, under UEFI, the EFI
 * memory map (tag 17) as ExitBootServices() returned it.  The EFI map wins
 * whatever the order of the tags: it is the later one and the kernel
 * applies the specification's rule to it itself (efi_memory.h).
 */
#include "boot/efi_memory.h"
#include "boot/multiboot2.h"
#include "lib/string.h"

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER_NAME 2
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_FRAMEBUFFER 8
#define TAG_ELF_SECTIONS 9
#define TAG_ACPI_OLD_RSDP 14
#define TAG_ACPI_NEW_RSDP 15
#define TAG_EFI_MMAP 17
#define TAG_HEADER_BYTES 8
#define MMAP_HEADER_BYTES 16 /* tag header + entry_size + entry_version */
#define MMAP_ENTRY_MIN_BYTES 24
#define MODULE_HEADER_BYTES 16 /* tag header + mod_start + mod_end */
#define ELF_HEADER_BYTES 20 /* tag header + num + entsize + shndx */
#define FRAMEBUFFER_HEADER_BYTES 32 /* tag header + address, pitch, size, bpp, type */
#define FRAMEBUFFER_RGB_BYTES 38 /* + position and size of red, green, blue */
#define EFI_MMAP_HEADER_BYTES 16 /* tag header + descr_size + descr_vers */
#define EFI_DESCRIPTOR_MIN_BYTES 40 /* type, pad, physical, virtual, pages, attribute */

struct tag_view {
	uint32_t type;
	uint32_t size;
	const uint8_t *bytes; /* start of the tag, header included */
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

/* A string field must end with a NUL inside its tag. */
static const char *tag_string(const struct tag_view *t, uint32_t offset)
{
	for (uint32_t i = offset; i < t->size; i++)
		if (t->bytes[i] == '\0')
			return (const char *)(t->bytes + offset);
	return NULL;
}

/* Appends a region; one that continues the previous region with the same
 * type extends it instead (the EFI map lists RAM in many small pieces). */
static const char *mmap_add(struct boot_info *out, paddr_t base, uint64_t length,
			    uint32_t type)
{
	struct mb2_memory_region *last = out->mmap_count ? &out->mmap[out->mmap_count - 1] : NULL;

	if (base + length < base)
		return "memory map entry wraps around";
	if (last && last->type == type && last->base + last->length == base) {
		last->length += length;
		return NULL;
	}
	if (out->mmap_count == MB2_MAX_MMAP)
		return "memory map has too many entries";
	out->mmap[out->mmap_count++] = (struct mb2_memory_region){ base, length, type };
	return NULL;
}

static const char *parse_mmap(const struct tag_view *t, struct boot_info *out)
{
	uint32_t entry_size;

	if (t->size < MMAP_HEADER_BYTES)
		return "memory map tag too short";
	entry_size = read32(t->bytes + 8);
	if (entry_size < MMAP_ENTRY_MIN_BYTES || entry_size % 8 != 0)
		return "memory map entry size invalid";
	if (out->mmap_from_efi)
		return NULL; /* the EFI map came first and wins */
	for (uint32_t off = MMAP_HEADER_BYTES; off + entry_size <= t->size; off += entry_size) {
		const char *err = mmap_add(out, read64(t->bytes + off), read64(t->bytes + off + 8),
					   read32(t->bytes + off + 16));
		if (err)
			return err;
	}
	return NULL;
}

/* Replaces whatever tag 6 gave with the EFI memory map, translated. */
static const char *parse_efi_mmap(const struct tag_view *t, struct boot_info *out)
{
	uint32_t desc_size;

	if (t->size < EFI_MMAP_HEADER_BYTES)
		return "EFI memory map tag too short";
	desc_size = read32(t->bytes + 8);
	if (desc_size < EFI_DESCRIPTOR_MIN_BYTES || desc_size % 8 != 0)
		return "EFI memory descriptor size invalid";
	out->mmap_count = 0;
	out->mmap_from_efi = true;
	out->efi_descriptor_count = 0;
	for (uint32_t off = EFI_MMAP_HEADER_BYTES; off + desc_size <= t->size; off += desc_size) {
		const uint8_t *d = t->bytes + off;
		uint64_t pages = read64(d + 24);
		const char *err;

		if (pages > UINT64_MAX / EFI_PAGE_SIZE)
			return "memory map entry wraps around";
		err = mmap_add(out, read64(d + 8), pages * EFI_PAGE_SIZE,
			       efi_memory_mb2_type(read32(d), read64(d + 32)));
		if (err)
			return err;
		out->efi_descriptor_count++;
	}
	return NULL;
}

static const char *parse_module(const struct tag_view *t, struct boot_info *out)
{
	struct mb2_module *m;

	if (t->size < MODULE_HEADER_BYTES + 1)
		return "module tag too short";
	if (out->module_count == MB2_MAX_MODULES)
		return "too many modules";
	m = &out->modules[out->module_count++];
	m->start = read32(t->bytes + 8);
	m->end = read32(t->bytes + 12);
	m->cmdline = tag_string(t, MODULE_HEADER_BYTES);
	if (!m->cmdline)
		return "module string not terminated";
	if (m->end < m->start)
		return "module ends before it starts";
	return NULL;
}

static const char *parse_framebuffer(const struct tag_view *t, struct boot_info *out)
{
	struct mb2_framebuffer *fb = &out->framebuffer;
	const uint8_t *b = t->bytes;

	if (t->size < FRAMEBUFFER_HEADER_BYTES)
		return "framebuffer tag too short";
	*fb = (struct mb2_framebuffer){
		.addr = read64(b + 8),
		.type = b[29],
		.layout = { .pitch = read32(b + 16), .width = read32(b + 20),
			    .height = read32(b + 24), .bpp = b[28] },
	};
	if (fb->type == MB2_FRAMEBUFFER_RGB) {
		if (t->size < FRAMEBUFFER_RGB_BYTES)
			return "framebuffer tag too short for its colour fields";
		fb->layout.red_pos = b[32];
		fb->layout.red_size = b[33];
		fb->layout.green_pos = b[34];
		fb->layout.green_size = b[35];
		fb->layout.blue_pos = b[36];
		fb->layout.blue_size = b[37];
	}
	out->has_framebuffer = true;
	return NULL;
}

/* Keeps the RSDP copy; ACPI 2.0's (tag 15) wins over 1.0's (tag 14). */
static const char *parse_rsdp(const struct tag_view *t, struct boot_info *out)
{
	uint32_t len = t->size - TAG_HEADER_BYTES;

	if (t->type == TAG_ACPI_OLD_RSDP && out->acpi_rsdp_len > 0)
		return NULL;
	if (len > ACPI_RSDP_MAX_BYTES)
		len = ACPI_RSDP_MAX_BYTES;
	memcpy(out->acpi_rsdp, t->bytes + TAG_HEADER_BYTES, len);
	out->acpi_rsdp_len = len;
	return NULL;
}

static const char *parse_tag(const struct tag_view *t, struct boot_info *out)
{
	switch (t->type) {
	case TAG_CMDLINE:
		out->cmdline = tag_string(t, TAG_HEADER_BYTES);
		return out->cmdline ? NULL : "command line not terminated";
	case TAG_LOADER_NAME:
		out->loader_name = tag_string(t, TAG_HEADER_BYTES);
		return out->loader_name ? NULL : "boot loader name not terminated";
	case TAG_MODULE:
		return parse_module(t, out);
	case TAG_MMAP:
		return parse_mmap(t, out);
	case TAG_EFI_MMAP:
		return parse_efi_mmap(t, out);
	case TAG_FRAMEBUFFER:
		return parse_framebuffer(t, out);
	case TAG_ELF_SECTIONS:
		if (t->size < ELF_HEADER_BYTES)
			return "ELF sections tag too short";
		out->has_elf_sections = true;
		out->elf_section_count = read32(t->bytes + 8);
		return NULL;
	case TAG_ACPI_OLD_RSDP:
	case TAG_ACPI_NEW_RSDP:
		return parse_rsdp(t, out);
	default: /* tags we do not use are skipped, as the spec requires */
		return NULL;
	}
}

const char *mb2_parse(const void *info, paddr_t info_pa, struct boot_info *out)
{
	const uint8_t *base = info;
	uint32_t total, off = TAG_HEADER_BYTES;

	*out = (struct boot_info){ .cmdline = "", .loader_name = "(unknown)" };
	if ((info_pa & 7) != 0)
		return "boot information not 8-byte aligned";
	total = read32(base);
	if (total < 2 * TAG_HEADER_BYTES || total > MB2_INFO_MAX_BYTES)
		return "boot information size out of range";
	out->info_start = info_pa;
	out->info_end = info_pa + total;
	for (;;) {
		struct tag_view t;
		const char *err;

		if (off + TAG_HEADER_BYTES > total)
			return "tags run past the end without an end tag";
		t = (struct tag_view){ read32(base + off), read32(base + off + 4), base + off };
		if (t.size < TAG_HEADER_BYTES || t.size > total - off)
			return "tag size out of bounds";
		if (t.type == TAG_END)
			break;
		err = parse_tag(&t, out);
		if (err)
			return err;
		off += (t.size + 7) & ~7u;
	}
	return out->mmap_count ? NULL : "no memory map";
}

const char *mb2_memory_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEMORY_AVAILABLE:
		return "usable";
	case MB2_MEMORY_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case MB2_MEMORY_NVS:
		return "ACPI NVS";
	case MB2_MEMORY_BADRAM:
		return "bad RAM";
	default:
		return "reserved";
	}
}

paddr_t mb2_highest_usable(const struct boot_info *bi)
{
	paddr_t top = 0;

	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];

		if (r->type == MB2_MEMORY_AVAILABLE && r->base + r->length > top)
			top = r->base + r->length;
	}
	return top;
}
