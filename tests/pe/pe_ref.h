/*
 * pe_ref.h - the host tests' reference PE loader and sample-file helpers
 * (tests/host/test_pe.c, tests/host/test_pe_fuzz.c).  Host only: plain libc.
 *
 * The reference is the textbook eager loader, written independently of
 * src/pe: allocate SizeOfImage bytes, copy the headers and each section's
 * raw data, then apply every base relocation to the whole image in table
 * order.  It trusts the image, so it may only be given files that
 * pe_parse() accepted; src/pe must then produce the same bytes page by page.
 * Also here: the list of sample images and how to read one.
 */
#ifndef TESTS_PE_REF_H
#define TESTS_PE_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host_tap.h"

#define REF_PAGE 4096u

/* Where the headers are in a file, from the raw fields. */
struct ref_layout {
	uint64_t lfanew, coff, opt, table;
	unsigned nsections;
	uint64_t image_base;
	uint32_t size_of_image, size_of_headers, ndirs;
};

/* Field offsets (PE/COFF specification). */
#define REF_COFF_MACHINE 0u
#define REF_COFF_NSECTIONS 2u
#define REF_COFF_OPT_SIZE 16u
#define REF_COFF_CHARACTERISTICS 18u
#define REF_OPT_MAGIC 0u
#define REF_OPT_ENTRY 16u
#define REF_OPT_IMAGE_BASE 24u
#define REF_OPT_SECTION_ALIGNMENT 32u
#define REF_OPT_FILE_ALIGNMENT 36u
#define REF_OPT_SIZE_OF_IMAGE 56u
#define REF_OPT_SIZE_OF_HEADERS 60u
#define REF_OPT_NDIRS 108u
#define REF_OPT_DIR(i) (112u + 8u * (i))
#define REF_DIR_IMPORT 1u
#define REF_DIR_BASERELOC 5u
#define REF_DIR_TLS 9u
#define REF_DIR_DELAY_IMPORT 13u
#define REF_SEC_SIZE 40u
#define REF_SEC_VIRTUAL_SIZE 8u
#define REF_SEC_RVA 12u
#define REF_SEC_RAW_SIZE 16u
#define REF_SEC_RAW_OFFSET 20u
#define REF_SEC_CHARACTERISTICS 36u

static inline uint64_t ref_get(const uint8_t *p, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[off + n];
	return v;
}

static inline void ref_put(uint8_t *p, uint64_t off, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[off + i] = (uint8_t)v;
}

/* Precondition: the file is long enough for the headers it names. */
static inline void ref_layout(const uint8_t *file, struct ref_layout *l)
{
	l->lfanew = ref_get(file, 0x3c, 4);
	l->coff = l->lfanew + 4;
	l->opt = l->coff + 20;
	l->table = l->opt + ref_get(file, l->coff + REF_COFF_OPT_SIZE, 2);
	l->nsections = (unsigned)ref_get(file, l->coff + REF_COFF_NSECTIONS, 2);
	l->image_base = ref_get(file, l->opt + REF_OPT_IMAGE_BASE, 8);
	l->size_of_image = (uint32_t)ref_get(file, l->opt + REF_OPT_SIZE_OF_IMAGE, 4);
	l->size_of_headers = (uint32_t)ref_get(file, l->opt + REF_OPT_SIZE_OF_HEADERS, 4);
	l->ndirs = (uint32_t)ref_get(file, l->opt + REF_OPT_NDIRS, 4);
}

/* File offset of section i's header field at field_off. */
static inline uint64_t ref_sec(const struct ref_layout *l, unsigned i,
			       unsigned field_off)
{
	return l->table + (uint64_t)i * REF_SEC_SIZE + field_off;
}

static inline void ref_relocate(uint8_t *mem, const struct ref_layout *l,
				const uint8_t *file, uint64_t delta)
{
	uint64_t rva, size, off = 0;
	uint8_t *table;

	if (l->ndirs <= REF_DIR_BASERELOC)
		return;
	rva = ref_get(file, l->opt + REF_OPT_DIR(REF_DIR_BASERELOC), 4);
	size = ref_get(file, l->opt + REF_OPT_DIR(REF_DIR_BASERELOC) + 4, 4);
	/* Read the table from a copy: a fix-up may land inside the table. */
	table = malloc(size ? size : 1);
	memcpy(table, mem + rva, size);
	while (off < size) {
		uint64_t page = ref_get(table, off, 4);
		uint64_t block = ref_get(table, off + 4, 4);

		for (uint64_t e = off + 8; e < off + block; e += 2) {
			uint64_t w = ref_get(table, e, 2);
			uint64_t at = page + (w & 0xfff);

			if ((w >> 12) == 10)
				ref_put(mem, at, 8, ref_get(mem, at, 8) + delta);
		}
		off += block;
	}
	free(table);
}

/*
 * A fuzzed image may claim up to 1 GiB, mostly never touched: large images
 * get anonymous memory, whose untouched pages cost nothing; small ones come
 * from calloc, which is faster than a mapping per image.
 */
#define REF_MMAP_MIN ((size_t)16 << 20)

static inline uint8_t *ref_alloc(size_t size)
{
	void *mem;

	if (size < REF_MMAP_MIN)
		return calloc(size, 1);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return mem == MAP_FAILED ? NULL : mem;
}

/* The whole image of file loaded at load_base, SizeOfImage bytes; release
 * it with ref_unload(). */
static inline uint8_t *ref_load(const uint8_t *file, uint64_t load_base)
{
	struct ref_layout l;
	uint8_t *mem;

	ref_layout(file, &l);
	mem = ref_alloc(l.size_of_image);
	if (mem == NULL)
		abort();
	memcpy(mem, file, l.size_of_headers);
	for (unsigned i = 0; i < l.nsections; i++) {
		uint64_t vsize = ref_get(file, ref_sec(&l, i, REF_SEC_VIRTUAL_SIZE), 4);
		uint64_t rva = ref_get(file, ref_sec(&l, i, REF_SEC_RVA), 4);
		uint64_t raw = ref_get(file, ref_sec(&l, i, REF_SEC_RAW_SIZE), 4);
		uint64_t at = ref_get(file, ref_sec(&l, i, REF_SEC_RAW_OFFSET), 4);

		if (vsize == 0)
			vsize = raw;
		memcpy(mem + rva, file + at, raw < vsize ? raw : vsize);
	}
	if (load_base != l.image_base)
		ref_relocate(mem, &l, file, load_base - l.image_base);
	return mem;
}

static inline void ref_unload(const uint8_t *file, uint8_t *mem)
{
	struct ref_layout l;

	ref_layout(file, &l);
	if (l.size_of_image < REF_MMAP_MIN)
		free(mem);
	else
		munmap(mem, l.size_of_image);
}

/* Directory holding the sample images (built by tests/pe/pe.mk). */
static inline const char *ref_sample_dir(void)
{
	const char *dir = getenv("PE_SAMPLE_DIR");

	return dir != NULL ? dir : "build/pe";
}

/*
 * Read sample NAME (e.g. "tiny-gcc") into a malloc'd buffer of exactly its
 * length, so that ASan catches any read past the end.  A missing sample
 * fails the test: the Makefile builds them before the host tests.
 */
static inline uint8_t *ref_read_sample(const char *name, size_t *len)
{
	char path[512];
	uint8_t *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s.exe", ref_sample_dir(), name);
	f = fopen(path, "rb");
	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	if (f != NULL)
		fclose(f);
	if (buf == NULL)
		fail_msg("cannot read sample %s: build it with `make pe-samples`",
			 path);
	return buf;
}

/* The images tests/pe/pe.mk builds, and what each must show. */
struct ref_sample {
	const char *name;
	bool relocatable; /* has a relocation table and may move */
	bool straddle;    /* has a DIR64 fix-up across a page boundary */
};

static const struct ref_sample ref_samples[] = {
	{ "tiny-gcc", false, false },  { "tiny-gcc-fixed", false, false },
	{ "tiny-lld", false, false },  { "tiny-lld-fixed", false, false },
	{ "reloc-gcc", true, true },   { "reloc-gcc-fixed", false, false },
	{ "reloc-lld", true, true },   { "reloc-lld-fixed", false, false },
	{ "bss-gcc", true, false },    { "bss-gcc-fixed", false, false },
	{ "bss-lld", true, false },    { "bss-lld-fixed", false, false },
	{ "big-gcc", true, false },    { "big-gcc-fixed", false, false },
	{ "big-lld", true, false },    { "big-lld-fixed", false, false },
};
#define REF_NSAMPLES (sizeof(ref_samples) / sizeof(ref_samples[0]))

#endif
