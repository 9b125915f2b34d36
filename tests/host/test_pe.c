/*
 * test_pe.c - host tests of the PE loader (src/pe): the sample programs
 * built by tests/pe/pe.mk with mingw-w64 and with clang + lld-link parse,
 * and every page pe_fill_page() produces equals the reference eager loader
 * (tests/pe/pe_ref.h) at the preferred base and at other bases; broken
 * images are each refused with their own status.
 *
 * Samples are read from build/pe (or $PE_SAMPLE_DIR) at run time; a missing
 * sample is a failure, not a skip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "mm/vm.h"
#include "pe/pe.h"

#include "../pe/pe_ref.h"

#define PREFERRED_BASE 0x140000000ull
/* Other load bases: higher with carries into high bits, and lower. */
#define HIGH_BASE 0x00005a5a5a5a0000ull
#define LOW_BASE 0x10000ull

#define assert_status(got, want)                                              \
	do {                                                                  \
		enum pe_status got_ = (got), want_ = (want);                  \
		if (got_ != want_)                                            \
			fail_msg("status %d (%s), want %d (%s)", got_,        \
				 pe_status_reason(got_), want_,               \
				 pe_status_reason(want_));                    \
	} while (0)

static void parse_sample(const char *name, uint8_t **file, size_t *len,
			 struct pe_image *img)
{
	*file = ref_read_sample(name, len);
	assert_status(pe_parse(*file, *len, img), PE_OK);
}

/* Every page of img at base equals the reference loader's image. */
static void check_pages_match_reference(const char *name, uint64_t base)
{
	struct pe_image img;
	uint8_t page[REF_PAGE], *file, *ref;
	size_t len;

	parse_sample(name, &file, &len, &img);
	ref = ref_load(file, base);
	for (uint64_t rva = 0; rva < img.size_of_image; rva += REF_PAGE) {
		memset(page, 0xa5, sizeof(page));
		assert_status(pe_fill_page(&img, file, len, rva, base, page), PE_OK);
		if (memcmp(page, ref + rva, REF_PAGE) != 0)
			fail_msg("%s at base %#llx: page %#llx differs", name,
				 (unsigned long long)base, (unsigned long long)rva);
	}
	ref_unload(file, ref);
	free(file);
}

/* --- statuses -------------------------------------------------------------- */

static void pe_status_reasons_distinct(void **state)
{
	(void)state;
	for (int a = 0; a < PE_STATUS_COUNT; a++) {
		const char *ra = pe_status_reason(a);

		assert_non_null(ra);
		assert_string_not_equal(ra, "unknown PE status");
		for (int b = 0; b < a; b++)
			assert_string_not_equal(ra, pe_status_reason(b));
	}
	assert_string_equal(pe_status_reason(PE_STATUS_COUNT), "unknown PE status");
	assert_string_equal(pe_status_reason(-1), "unknown PE status");
	assert_string_equal(pe_status_reason(PE_ERR_IMPORTS),
			    "imports from DLLs are not supported");
}

/* --- the samples ------------------------------------------------------------ */

static void pe_samples_parse(void **state)
{
	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++) {
		const struct ref_sample *s = &ref_samples[i];
		bool fixed = strstr(s->name, "-fixed") != NULL;
		struct pe_image img;
		const struct pe_section *text;
		uint8_t *file;
		size_t len;

		parse_sample(s->name, &file, &len, &img);
		assert_int_equal(img.file_len, len);
		assert_int_equal(img.image_base, PREFERRED_BASE);
		assert_int_equal(img.section_alignment, 4096);
		assert_int_equal(img.file_alignment, 512);
		assert_int_equal(img.subsystem, 1); /* native */
		assert_int_equal(img.relocs_stripped, fixed);
		assert_int_equal(img.reloc_size != 0, s->relocatable);
		assert_int_equal(pe_can_load_at(&img, HIGH_BASE), s->relocatable);
		assert_true(pe_can_load_at(&img, PREFERRED_BASE));
		text = pe_section_at(&img, img.entry_rva);
		assert_non_null(text);
		assert_string_equal(text->name, ".text");
		assert_int_equal(text->prot, PE_PROT_READ | PE_PROT_EXEC);
		for (unsigned k = 1; k < img.nsections; k++)
			assert_true(img.sections[k].rva >=
				    img.sections[k - 1].rva + img.sections[k - 1].virtual_size);
		free(file);
	}
}

static void pe_samples_match_reference_at_preferred_base(void **state)
{
	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++)
		check_pages_match_reference(ref_samples[i].name, PREFERRED_BASE);
}

static void pe_samples_match_reference_relocated(void **state)
{
	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++) {
		if (!ref_samples[i].relocatable)
			continue;
		check_pages_match_reference(ref_samples[i].name, HIGH_BASE);
		check_pages_match_reference(ref_samples[i].name, LOW_BASE);
	}
}

static void pe_unrelocatable_refused_elsewhere(void **state)
{
	uint8_t page[REF_PAGE];

	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++) {
		struct pe_image img;
		uint8_t *file;
		size_t len;

		if (ref_samples[i].relocatable)
			continue;
		parse_sample(ref_samples[i].name, &file, &len, &img);
		assert_status(pe_check_load_base(&img, HIGH_BASE),
			      PE_ERR_RELOCS_STRIPPED);
		assert_status(pe_fill_page(&img, file, len, 0x1000, HIGH_BASE, page),
			      PE_ERR_RELOCS_STRIPPED);
		free(file);
	}
}

/* The RVA of a DIR64 fix-up crossing a page end, or 0. */
static uint64_t find_straddling_fixup(const struct pe_image *img,
				      const uint8_t *file)
{
	for (uint64_t off = 0; off < img->reloc_size;) {
		const uint8_t *block = file + img->reloc_offset + off;
		uint64_t size = ref_get(block, 4, 4);

		for (uint64_t e = 8; e < size; e += 2) {
			uint64_t w = ref_get(block, e, 2);

			if ((w >> 12) == 10 && (w & 0xfff) > REF_PAGE - 8)
				return ref_get(block, 0, 4) + (w & 0xfff);
		}
		off += size;
	}
	return 0;
}

/* Assemble the fix-up from the two pages it spans, filled separately. */
static void check_straddle(const char *name)
{
	struct pe_image img;
	uint8_t *file, *ref, pages[2 * REF_PAGE];
	uint64_t target, page_rva, value, delta = HIGH_BASE - PREFERRED_BASE;
	size_t len;

	parse_sample(name, &file, &len, &img);
	target = find_straddling_fixup(&img, file);
	assert_true(target != 0);
	page_rva = target & ~(uint64_t)(REF_PAGE - 1);
	assert_status(pe_fill_page(&img, file, len, page_rva, HIGH_BASE, pages),
		      PE_OK);
	assert_status(pe_fill_page(&img, file, len, page_rva + REF_PAGE,
				   HIGH_BASE, pages + REF_PAGE), PE_OK);
	value = ref_get(pages, target - page_rva, 8);
	/* The pointer, relocated, still points at values[2] == 12. */
	assert_true(value >= HIGH_BASE && value - HIGH_BASE + 4 <= img.size_of_image);
	ref = ref_load(file, PREFERRED_BASE);
	assert_int_equal(ref_get(ref, target, 8) + delta, value);
	assert_int_equal(ref_get(ref, value - HIGH_BASE, 4), 12);
	ref_unload(file, ref);
	free(file);
}

static void pe_reloc_straddling_page_boundary(void **state)
{
	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++)
		if (ref_samples[i].straddle)
			check_straddle(ref_samples[i].name);
}

static void pe_page_prot_of_samples(void **state)
{
	(void)state;
	for (unsigned i = 0; i < REF_NSAMPLES; i++) {
		struct pe_image img;
		uint8_t *file;
		size_t len;

		parse_sample(ref_samples[i].name, &file, &len, &img);
		assert_int_equal(pe_page_prot(&img, 0), PE_PROT_READ);
		assert_int_equal(pe_page_prot(&img, img.size_of_image), 0);
		for (unsigned k = 0; k < img.nsections; k++) {
			const struct pe_section *s = &img.sections[k];

			for (uint64_t p = 0; p < s->virtual_size; p += REF_PAGE)
				assert_int_equal(pe_page_prot(&img, s->rva + p),
						 pe_section_prot(s->characteristics));
		}
		free(file);
	}
}

static void pe_section_prot_flags(void **state)
{
	(void)state;
	assert_int_equal(pe_section_prot(0), 0);
	assert_int_equal(pe_section_prot(0x60000020), PE_PROT_READ | PE_PROT_EXEC);
	assert_int_equal(pe_section_prot(0xc0000040), PE_PROT_READ | PE_PROT_WRITE);
	assert_int_equal(pe_section_prot(0x40000040), PE_PROT_READ);
	assert_int_equal(pe_section_prot(0xe0000000),
			 PE_PROT_READ | PE_PROT_WRITE | PE_PROT_EXEC);
}

static void pe_bss_pages_are_zero(void **state)
{
	static const char *const names[] = { "bss-gcc", "bss-lld" };
	uint8_t page[REF_PAGE], zero[REF_PAGE] = { 0 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		const struct pe_section *bss = NULL;
		struct pe_image img;
		uint8_t *file;
		size_t len;

		parse_sample(names[i], &file, &len, &img);
		for (unsigned k = 0; k < img.nsections; k++)
			if (img.sections[k].virtual_size >= (8u << 20))
				bss = &img.sections[k];
		assert_non_null(bss);
		assert_int_equal(bss->prot, PE_PROT_READ | PE_PROT_WRITE);
		/* lld puts .bss at the end of .data: start past its raw data. */
		assert_true(bss->raw_size <= REF_PAGE);
		for (uint64_t p = REF_PAGE; p < bss->virtual_size; p += REF_PAGE) {
			memset(page, 0xff, sizeof(page));
			assert_status(pe_fill_page(&img, file, len, bss->rva + p,
						   HIGH_BASE, page), PE_OK);
			assert_memory_equal(page, zero, REF_PAGE);
		}
		free(file);
	}
}

/* The 1 MiB table in .rdata is the LCG of tests/pe/gen-table.sh. */
static void pe_big_table_pages(void **state)
{
	static const char *const names[] = { "big-gcc", "big-lld-fixed" };
	uint8_t page[REF_PAGE];

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		const struct pe_section *rdata = NULL;
		struct pe_image img;
		uint8_t *file;
		size_t len;
		uint32_t x = 1, words = 0;

		parse_sample(names[i], &file, &len, &img);
		for (unsigned k = 0; k < img.nsections; k++)
			if (img.sections[k].virtual_size >= (1u << 20))
				rdata = &img.sections[k];
		assert_non_null(rdata);
		assert_int_equal(rdata->prot, PE_PROT_READ);
		for (uint64_t p = 0; p < rdata->virtual_size; p += REF_PAGE) {
			assert_status(pe_fill_page(&img, file, len, rdata->rva + p,
						   PREFERRED_BASE, page), PE_OK);
			for (unsigned w = 0; w < REF_PAGE / 4; w++) {
				uint32_t want = x * 69069u + 1u;

				if (ref_get(page, 4 * w, 4) == want) {
					x = want;
					words++;
				}
			}
		}
		assert_int_equal(words, 262144);
		free(file);
	}
}

static void pe_fill_page_argument_errors(void **state)
{
	struct pe_image img;
	uint8_t *file, page[REF_PAGE];
	size_t len;

	(void)state;
	parse_sample("reloc-lld", &file, &len, &img);
	assert_status(pe_fill_page(&img, file, len, 0x800, PREFERRED_BASE, page),
		      PE_ERR_PAGE);
	assert_status(pe_fill_page(&img, file, len, img.size_of_image,
				   PREFERRED_BASE, page), PE_ERR_PAGE);
	assert_status(pe_fill_page(&img, file, len - 1, 0, PREFERRED_BASE, page),
		      PE_ERR_FILE_MISMATCH);
	assert_status(pe_fill_page(&img, file, len, 0, PREFERRED_BASE + 0x800, page),
		      PE_ERR_LOAD_BASE);
	assert_status(pe_fill_page(&img, file, len, 0, 0, page), PE_ERR_LOAD_BASE);
	assert_status(pe_fill_page(&img, file, len, 0,
				   VM_USER_HI - img.size_of_image + REF_PAGE, page),
		      PE_ERR_LOAD_BASE);
	assert_status(pe_fill_page(&img, file, len, 0,
				   0xffff800000000000ull, page), PE_ERR_LOAD_BASE);
	/* The highest base that still fits, and the lowest. */
	assert_true(pe_can_load_at(&img, VM_USER_HI - img.size_of_image));
	assert_true(pe_can_load_at(&img, VM_USER_LO));
	free(file);
}

/* --- truncated files ---------------------------------------------------------- */

/* What parsing the first len bytes of a valid file must say. */
static enum pe_status truncation_status(const uint8_t *file, size_t len,
					size_t full)
{
	struct ref_layout l;
	uint64_t raw_end = 0;

	ref_layout(file, &l);
	for (unsigned i = 0; i < l.nsections; i++) {
		uint64_t raw = ref_get(file, ref_sec(&l, i, REF_SEC_RAW_SIZE), 4);
		uint64_t at = ref_get(file, ref_sec(&l, i, REF_SEC_RAW_OFFSET), 4);

		if (raw != 0 && at + raw > raw_end)
			raw_end = at + raw;
	}
	assert_true(raw_end <= full);
	if (len < 64)
		return PE_ERR_DOS_HEADER;
	if (len < l.coff)
		return PE_ERR_LFANEW;
	if (len < l.opt)
		return PE_ERR_COFF_HEADER;
	if (len < l.table)
		return PE_ERR_OPT_HEADER_TRUNCATED;
	if (len < l.table + (uint64_t)l.nsections * REF_SEC_SIZE)
		return PE_ERR_SECTION_TABLE;
	if (len < l.size_of_headers)
		return PE_ERR_HEADERS_SIZE;
	if (len < raw_end)
		return PE_ERR_SECTION_RAW;
	return PE_OK;
}

static void pe_truncated_at_every_length(void **state)
{
	static const char *const names[] = { "tiny-gcc", "tiny-lld", "reloc-lld",
					     "reloc-gcc-fixed", "bss-lld" };

	(void)state;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t full;
		uint8_t *file = ref_read_sample(names[i], &full);

		for (size_t len = 0; len <= full; len++) {
			uint8_t *cut = malloc(len ? len : 1);
			struct pe_image img;

			memcpy(cut, file, len);
			assert_status(pe_parse(cut, len, &img),
				      truncation_status(file, len, full));
			free(cut);
		}
		free(file);
	}
}

/* --- malformed images ------------------------------------------------------- */

/* A copy of a sample to break, with its header layout. */
struct victim {
	uint8_t *file;
	size_t len;
	struct ref_layout l;
	struct pe_image img; /* as parsed before breaking */
};

static void victim_init(struct victim *v, const char *name)
{
	parse_sample(name, &v->file, &v->len, &v->img);
	ref_layout(v->file, &v->l);
}

static enum pe_status victim_parse(struct victim *v)
{
	struct pe_image img;

	return pe_parse(v->file, v->len, &img);
}

static void victim_put(struct victim *v, uint64_t off, unsigned n, uint64_t val)
{
	assert_true(off + n <= v->len);
	ref_put(v->file, off, n, val);
}

/* Break one field of a fresh copy of name and expect want. */
static void expect_field(const char *name, uint64_t (*where)(const struct ref_layout *),
			 unsigned n, uint64_t val, enum pe_status want)
{
	struct victim v;

	victim_init(&v, name);
	victim_put(&v, where(&v.l), n, val);
	assert_status(victim_parse(&v), want);
	free(v.file);
}

static uint64_t at_mz(const struct ref_layout *l) { (void)l; return 0; }
static uint64_t at_lfanew(const struct ref_layout *l) { (void)l; return 0x3c; }
static uint64_t at_signature(const struct ref_layout *l) { return l->lfanew + 2; }
static uint64_t at_machine(const struct ref_layout *l) { return l->coff + REF_COFF_MACHINE; }
static uint64_t at_nsections(const struct ref_layout *l) { return l->coff + REF_COFF_NSECTIONS; }
static uint64_t at_opt_size(const struct ref_layout *l) { return l->coff + REF_COFF_OPT_SIZE; }
static uint64_t at_file_chars(const struct ref_layout *l) { return l->coff + REF_COFF_CHARACTERISTICS; }
static uint64_t at_magic(const struct ref_layout *l) { return l->opt + REF_OPT_MAGIC; }
static uint64_t at_entry(const struct ref_layout *l) { return l->opt + REF_OPT_ENTRY; }
static uint64_t at_image_base(const struct ref_layout *l) { return l->opt + REF_OPT_IMAGE_BASE; }
static uint64_t at_section_alignment(const struct ref_layout *l) { return l->opt + REF_OPT_SECTION_ALIGNMENT; }
static uint64_t at_file_alignment(const struct ref_layout *l) { return l->opt + REF_OPT_FILE_ALIGNMENT; }
static uint64_t at_size_of_image(const struct ref_layout *l) { return l->opt + REF_OPT_SIZE_OF_IMAGE; }
static uint64_t at_size_of_headers(const struct ref_layout *l) { return l->opt + REF_OPT_SIZE_OF_HEADERS; }
static uint64_t at_ndirs(const struct ref_layout *l) { return l->opt + REF_OPT_NDIRS; }
static uint64_t at_import_size(const struct ref_layout *l) { return l->opt + REF_OPT_DIR(REF_DIR_IMPORT) + 4; }
static uint64_t at_delay_size(const struct ref_layout *l) { return l->opt + REF_OPT_DIR(REF_DIR_DELAY_IMPORT) + 4; }
static uint64_t at_tls_size(const struct ref_layout *l) { return l->opt + REF_OPT_DIR(REF_DIR_TLS) + 4; }
static uint64_t at_reloc_rva(const struct ref_layout *l) { return l->opt + REF_OPT_DIR(REF_DIR_BASERELOC); }
static uint64_t at_reloc_size(const struct ref_layout *l) { return l->opt + REF_OPT_DIR(REF_DIR_BASERELOC) + 4; }
static uint64_t at_sec0_rva(const struct ref_layout *l) { return ref_sec(l, 0, REF_SEC_RVA); }
static uint64_t at_sec0_vsize(const struct ref_layout *l) { return ref_sec(l, 0, REF_SEC_VIRTUAL_SIZE); }
static uint64_t at_sec0_raw_size(const struct ref_layout *l) { return ref_sec(l, 0, REF_SEC_RAW_SIZE); }
static uint64_t at_sec0_raw_offset(const struct ref_layout *l) { return ref_sec(l, 0, REF_SEC_RAW_OFFSET); }
static uint64_t at_sec0_chars(const struct ref_layout *l) { return ref_sec(l, 0, REF_SEC_CHARACTERISTICS); }
static uint64_t at_last_vsize(const struct ref_layout *l) { return ref_sec(l, l->nsections - 1, REF_SEC_VIRTUAL_SIZE); }

static void pe_bad_dos_and_pe_headers(void **state)
{
	(void)state;
	expect_field("tiny-lld", at_mz, 2, 0x4d5a, PE_ERR_DOS_MAGIC);
	expect_field("tiny-lld", at_lfanew, 4, 0x20, PE_ERR_LFANEW);
	expect_field("tiny-lld", at_lfanew, 4, 0x7a, PE_ERR_LFANEW);
	expect_field("tiny-lld", at_lfanew, 4, 0xfffffffc, PE_ERR_LFANEW);
	expect_field("tiny-lld", at_lfanew, 4, 0x40, PE_ERR_PE_SIGNATURE);
	expect_field("tiny-lld", at_signature, 1, 'X', PE_ERR_PE_SIGNATURE);
	expect_field("tiny-gcc", at_machine, 2, 0x14c, PE_ERR_MACHINE);
	expect_field("tiny-gcc", at_machine, 2, 0xaa64, PE_ERR_MACHINE);
	expect_field("tiny-gcc", at_file_chars, 2, 0x0020, PE_ERR_NOT_EXECUTABLE);
	expect_field("tiny-gcc", at_file_chars, 2, 0x2022, PE_ERR_DLL);
	expect_field("tiny-gcc", at_nsections, 2, 0, PE_ERR_NO_SECTIONS);
	expect_field("tiny-gcc", at_nsections, 2, 17, PE_ERR_TOO_MANY_SECTIONS);
}

static void pe_bad_optional_header(void **state)
{
	(void)state;
	expect_field("tiny-lld", at_opt_size, 2, 0, PE_ERR_OPT_HEADER_SIZE);
	expect_field("tiny-lld", at_opt_size, 2, 111, PE_ERR_OPT_HEADER_SIZE);
	expect_field("tiny-lld", at_opt_size, 2, 112 + 8 * 15, PE_ERR_OPT_HEADER_SIZE);
	expect_field("tiny-lld", at_opt_size, 2, 0xf000, PE_ERR_OPT_HEADER_TRUNCATED);
	expect_field("tiny-lld", at_magic, 2, 0x10b, PE_ERR_PE32);
	expect_field("tiny-lld", at_magic, 2, 0x107, PE_ERR_OPT_MAGIC);
	expect_field("tiny-lld", at_ndirs, 4, 17, PE_ERR_DIR_COUNT);
	expect_field("tiny-lld", at_ndirs, 4, 0xffffffff, PE_ERR_DIR_COUNT);
	expect_field("tiny-lld", at_section_alignment, 4, 2048, PE_ERR_SECTION_ALIGNMENT);
	expect_field("tiny-lld", at_section_alignment, 4, 0x3000, PE_ERR_SECTION_ALIGNMENT);
	expect_field("tiny-lld", at_section_alignment, 4, 0, PE_ERR_SECTION_ALIGNMENT);
	expect_field("tiny-lld", at_file_alignment, 4, 256, PE_ERR_FILE_ALIGNMENT);
	expect_field("tiny-lld", at_file_alignment, 4, 0x300, PE_ERR_FILE_ALIGNMENT);
	expect_field("tiny-lld", at_file_alignment, 4, 0x20000, PE_ERR_FILE_ALIGNMENT);
	expect_field("tiny-lld", at_file_alignment, 4, 0x2000, PE_ERR_FILE_ALIGNMENT);
	expect_field("tiny-lld", at_size_of_image, 4, 0, PE_ERR_IMAGE_SIZE);
	expect_field("tiny-lld", at_size_of_image, 4, 0x3001, PE_ERR_IMAGE_SIZE);
	expect_field("tiny-lld", at_size_of_image, 4, 0x80000000, PE_ERR_IMAGE_TOO_BIG);
	expect_field("tiny-lld", at_size_of_image, 4, 0xfffff000, PE_ERR_IMAGE_TOO_BIG);
	expect_field("tiny-lld", at_image_base, 8, 0x140000800, PE_ERR_IMAGE_BASE);
	expect_field("tiny-lld", at_image_base, 8, 0, PE_ERR_IMAGE_BASE);
	expect_field("tiny-lld", at_image_base, 8, 0xffff800000000000, PE_ERR_IMAGE_BASE);
	expect_field("tiny-lld", at_image_base, 8, VM_USER_HI, PE_ERR_IMAGE_BASE);
	expect_field("tiny-lld", at_image_base, 8, VM_USER_HI - 0x1000, PE_ERR_IMAGE_END);
}

static void pe_bad_section_table(void **state)
{
	struct victim v;

	(void)state;
	/* The optional header fits in the file, the section table does not. */
	victim_init(&v, "tiny-lld");
	victim_put(&v, at_opt_size(&v.l), 2, v.len - v.l.opt - 10);
	assert_status(victim_parse(&v), PE_ERR_SECTION_TABLE);
	free(v.file);

	expect_field("tiny-lld", at_size_of_headers, 4, 0x100, PE_ERR_HEADERS_SIZE);
	expect_field("tiny-lld", at_size_of_headers, 4, 0x100000, PE_ERR_HEADERS_SIZE);
	/* Headers running into the first section (file is long enough). */
	expect_field("big-lld", at_size_of_headers, 4, 0x1200, PE_ERR_HEADERS_SIZE);
	expect_field("tiny-lld", at_sec0_rva, 4, 0x1800, PE_ERR_SECTION_RVA);
	expect_field("tiny-lld", at_sec0_rva, 4, 0, PE_ERR_HEADERS_SIZE);
	expect_field("tiny-lld", at_last_vsize, 4, 0xfffff000, PE_ERR_SECTION_OVERFLOW);
	expect_field("tiny-lld", at_last_vsize, 4, 0x1001, PE_ERR_SECTION_OUTSIDE);
	/* .text growing into .data, and onto the same page as .data. */
	expect_field("tiny-lld", at_sec0_vsize, 4, 0x1001, PE_ERR_SECTION_ORDER);
	expect_field("tiny-lld", at_sec0_rva, 4, 0x2000, PE_ERR_SECTION_ORDER);
	/* .text and .rdata swapped: each in the image, not in order. */
	victim_init(&v, "reloc-lld");
	victim_put(&v, ref_sec(&v.l, 0, REF_SEC_RVA), 4, 0x2000);
	victim_put(&v, ref_sec(&v.l, 1, REF_SEC_RVA), 4, 0x1000);
	assert_status(victim_parse(&v), PE_ERR_SECTION_ORDER);
	free(v.file);
	expect_field("tiny-lld", at_sec0_raw_size, 4, 0x10000, PE_ERR_SECTION_RAW);
	expect_field("tiny-lld", at_sec0_raw_offset, 4, 0xfffffe00, PE_ERR_SECTION_RAW);
}

static void pe_bad_entry_point(void **state)
{
	struct victim v;

	(void)state;
	expect_field("tiny-lld", at_entry, 4, 0, PE_ERR_ENTRY_OUTSIDE);
	expect_field("tiny-lld", at_entry, 4, 0x10000, PE_ERR_ENTRY_OUTSIDE);
	/* In .text's page but past its VirtualSize. */
	expect_field("tiny-lld", at_entry, 4, 0x1ff0, PE_ERR_ENTRY_OUTSIDE);
	expect_field("tiny-lld", at_entry, 4, 0x2000, PE_ERR_ENTRY_NOT_EXEC);
	expect_field("tiny-lld", at_sec0_chars, 4, 0x40000020, PE_ERR_ENTRY_NOT_EXEC);

	/* An old linker's VirtualSize 0 means SizeOfRawData. */
	victim_init(&v, "tiny-lld");
	victim_put(&v, at_sec0_vsize(&v.l), 4, 0);
	assert_status(pe_parse(v.file, v.len, &v.img), PE_OK);
	assert_int_equal(v.img.sections[0].virtual_size, v.img.sections[0].raw_size);
	free(v.file);
}

static void pe_imports_refused(void **state)
{
	struct victim v;

	(void)state;
	/* mingw's import table is only the all-zero terminator: accepted
	 * (pe_samples_parse); a real descriptor in it is not. */
	victim_init(&v, "tiny-gcc");
	{
		uint64_t rva = ref_get(v.file, v.l.opt + REF_OPT_DIR(REF_DIR_IMPORT), 4);
		const struct pe_section *s = pe_section_at(&v.img, rva);

		assert_non_null(s);
		victim_put(&v, s->raw_offset + (rva - s->rva) + 12, 4, 0x6000);
	}
	assert_status(victim_parse(&v), PE_ERR_IMPORTS);
	free(v.file);

	/* lld has no import table: point one at non-zero bytes (.text). */
	victim_init(&v, "tiny-lld");
	victim_put(&v, v.l.opt + REF_OPT_DIR(REF_DIR_IMPORT), 4, 0x1000);
	victim_put(&v, at_import_size(&v.l), 4, 40);
	assert_status(victim_parse(&v), PE_ERR_IMPORTS);
	/* ... at a table too short for one descriptor, or outside the image */
	victim_put(&v, at_import_size(&v.l), 4, 8);
	assert_status(victim_parse(&v), PE_ERR_IMPORT_DIR);
	victim_put(&v, v.l.opt + REF_OPT_DIR(REF_DIR_IMPORT), 4, 0x2ff0);
	victim_put(&v, at_import_size(&v.l), 4, 20);
	assert_status(victim_parse(&v), PE_ERR_IMPORT_DIR);
	free(v.file);

	expect_field("tiny-lld", at_delay_size, 4, 64, PE_ERR_DELAY_IMPORTS);
	expect_field("tiny-lld", at_tls_size, 4, 40, PE_ERR_TLS);
}

/* A fresh reloc-lld whose relocation table starts at *table. */
static uint8_t *reloc_victim(struct victim *v)
{
	victim_init(v, "reloc-lld");
	return v->file + v->img.reloc_offset;
}

static void pe_bad_relocation_directory(void **state)
{
	struct victim v;

	(void)state;
	expect_field("reloc-lld", at_reloc_rva, 4, 0x10, PE_ERR_RELOC_DIR);
	expect_field("reloc-lld", at_reloc_rva, 4, 0x100000, PE_ERR_RELOC_DIR);
	expect_field("reloc-lld", at_reloc_size, 4, 0x1000, PE_ERR_RELOC_DIR);

	/* Directory one block shorter than its blocks claim. */
	reloc_victim(&v);
	victim_put(&v, at_reloc_size(&v.l), 4, v.img.reloc_size - 4);
	assert_status(victim_parse(&v), PE_ERR_RELOC_BLOCK);
	free(v.file);
}

static void expect_block(uint64_t off, unsigned n, uint64_t val, enum pe_status want)
{
	struct victim v;
	uint8_t *table = reloc_victim(&v);

	ref_put(table, off, n, val);
	assert_status(victim_parse(&v), want);
	free(v.file);
}

static void pe_bad_relocation_blocks(void **state)
{
	(void)state;
	/* reloc-lld: block 0 {0x2000, 12: DIR64 +0, DIR64 +8}, block 1
	 * {0x3000, 16: four DIR64}, block 2 {0x4000, 12: DIR64 +0xffc, pad}. */
	expect_block(4, 4, 0, PE_ERR_RELOC_BLOCK);
	expect_block(4, 4, 6, PE_ERR_RELOC_BLOCK);
	expect_block(4, 4, 10, PE_ERR_RELOC_BLOCK);
	expect_block(4, 4, 0x10000, PE_ERR_RELOC_BLOCK);
	expect_block(0, 4, 0x2001, PE_ERR_RELOC_BLOCK);
	expect_block(8, 2, 0x3000, PE_ERR_RELOC_TYPE); /* HIGHLOW */
	expect_block(8, 2, 0x1000, PE_ERR_RELOC_TYPE); /* HIGH */
	expect_block(0, 4, 0x7000, PE_ERR_RELOC_TARGET);   /* SizeOfImage */
	expect_block(0, 4, 0x100000, PE_ERR_RELOC_TARGET);
	expect_block(28, 4, 0x6000, PE_ERR_RELOC_TARGET);  /* 0x6ffc + 8 */
	expect_block(8, 2, 0xa008, PE_ERR_RELOC_ORDER);  /* same as the next */
	expect_block(10, 2, 0xa004, PE_ERR_RELOC_ORDER); /* overlaps the first */
	expect_block(10, 2, 0xa000, PE_ERR_RELOC_ORDER); /* duplicate */
	expect_block(0, 4, 0x3000, PE_ERR_RELOC_ORDER);  /* pages out of order */
	/* Padding entries may carry any offset. */
	expect_block(10, 2, 0x0123, PE_OK);
}

/* A gap page (no section) reads as zero with no access; sizes grow by one
 * page so the image ends with it. */
static void pe_gap_page_is_unmapped(void **state)
{
	struct victim v;
	uint8_t page[REF_PAGE], zero[REF_PAGE] = { 0 };
	uint64_t gap;

	(void)state;
	victim_init(&v, "tiny-lld");
	gap = v.img.size_of_image;
	victim_put(&v, at_size_of_image(&v.l), 4, gap + REF_PAGE);
	assert_status(pe_parse(v.file, v.len, &v.img), PE_OK);
	assert_null(pe_section_at(&v.img, gap));
	assert_int_equal(pe_page_prot(&v.img, gap), 0);
	memset(page, 0xff, sizeof(page));
	assert_status(pe_fill_page(&v.img, v.file, v.len, gap, PREFERRED_BASE, page),
		      PE_OK);
	assert_memory_equal(page, zero, REF_PAGE);
	free(v.file);
}

/* Raw data ending inside a page that VirtualSize continues past: copy the
 * head, zero the tail, and the following pages are all zero. */
static void pe_section_raw_data_shorter_than_virtual(void **state)
{
	struct victim v;
	uint8_t page[REF_PAGE];
	const struct pe_section *data;

	(void)state;
	victim_init(&v, "tiny-lld");
	victim_put(&v, at_size_of_image(&v.l), 4, v.img.size_of_image + 2 * REF_PAGE);
	victim_put(&v, at_last_vsize(&v.l), 4, 0x2800);
	assert_status(pe_parse(v.file, v.len, &v.img), PE_OK);
	data = &v.img.sections[v.img.nsections - 1];
	assert_int_equal(data->raw_size, 0x200);
	for (uint64_t p = 0; p < 3 * REF_PAGE; p += REF_PAGE) {
		assert_status(pe_fill_page(&v.img, v.file, v.len, data->rva + p,
					   PREFERRED_BASE, page), PE_OK);
		for (uint64_t b = 0; b < REF_PAGE; b++) {
			uint8_t want = p + b < data->raw_size ?
					       v.file[data->raw_offset + p + b] : 0;

			if (page[b] != want)
				fail_msg("byte %#llx of .data", (unsigned long long)(p + b));
		}
	}
	free(v.file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pe_status_reasons_distinct),
		cmocka_unit_test(pe_samples_parse),
		cmocka_unit_test(pe_samples_match_reference_at_preferred_base),
		cmocka_unit_test(pe_samples_match_reference_relocated),
		cmocka_unit_test(pe_unrelocatable_refused_elsewhere),
		cmocka_unit_test(pe_reloc_straddling_page_boundary),
		cmocka_unit_test(pe_page_prot_of_samples),
		cmocka_unit_test(pe_section_prot_flags),
		cmocka_unit_test(pe_bss_pages_are_zero),
		cmocka_unit_test(pe_big_table_pages),
		cmocka_unit_test(pe_fill_page_argument_errors),
		cmocka_unit_test(pe_truncated_at_every_length),
		cmocka_unit_test(pe_bad_dos_and_pe_headers),
		cmocka_unit_test(pe_bad_optional_header),
		cmocka_unit_test(pe_bad_section_table),
		cmocka_unit_test(pe_bad_entry_point),
		cmocka_unit_test(pe_imports_refused),
		cmocka_unit_test(pe_bad_relocation_directory),
		cmocka_unit_test(pe_bad_relocation_blocks),
		cmocka_unit_test(pe_gap_page_is_unmapped),
		cmocka_unit_test(pe_section_raw_data_shorter_than_virtual),
	};

	return HOST_TAP_RUN(tests);
}
