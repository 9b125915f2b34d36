/*
 * test_pe_fuzz.c - seeded mutation fuzzing of the PE loader under ASan and
 * UBSan: the sample images (tests/pe/pe.mk) with random byte changes,
 * header fields set to edge values, relocation-table damage and
 * truncations are fed to pe_parse(); every image it accepts is loaded page
 * by page with pe_fill_page() and must equal the reference eager loader
 * (tests/pe/pe_ref.h), at its preferred base and, if it can move, at
 * another.  So the fuzzer checks both "never reads out of bounds" and
 * "what is accepted loads correctly".
 *
 * Fixed seed: a failure reproduces.  PE_FUZZ_SEED and PE_FUZZ_ITERATIONS
 * override the defaults for longer runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "pe/pe.h"

#include "../pe/pe_ref.h"

#define DEFAULT_SEED 0x5045f022u
#define DEFAULT_ITERATIONS 200000u
#define OTHER_BASE 0x00005a5a5a5a0000ull
#define MAX_UNDO 16
#define FULL_CHECK_PAGES 512u

struct sample {
	uint8_t *file;
	size_t len;
	struct ref_layout l;
	uint64_t reloc_offset, reloc_size; /* 0 if none */
};

/* Bytes changed in place, to be put back after the iteration. */
struct undo {
	uint64_t off[MAX_UNDO * 8];
	uint8_t old[MAX_UNDO * 8];
	unsigned n;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

static uint64_t env_or(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v != NULL ? strtoull(v, NULL, 0) : dflt;
}

static void poke(struct sample *s, struct undo *u, uint64_t off, unsigned n,
		 uint64_t val)
{
	for (unsigned i = 0; i < n && off + i < s->len; i++, val >>= 8) {
		if (u->n < sizeof(u->off) / sizeof(u->off[0])) {
			u->off[u->n] = off + i;
			u->old[u->n++] = s->file[off + i];
			s->file[off + i] = (uint8_t)val;
		}
	}
}

static void undo_all(struct sample *s, struct undo *u)
{
	while (u->n > 0) {
		u->n--;
		s->file[u->off[u->n]] = u->old[u->n];
	}
}

/* An edge value for a field holding orig. */
static uint64_t edge_value(uint64_t orig)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 8, 0x40, 0x200, 0x1000, 0x2000, 0x10000, 0x7fffffff,
		0x80000000, 0xfffff000, 0xffffffff, 0x7ffffffff000,
		0x800000000000, 0xffffffffffffffff,
	};

	switch (rng_below(4)) {
	case 0:
		return fixed[rng_below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return orig + (rng_below(2) ? 1 : -1) * (rng_below(2) ? 1 : 0x1000);
	case 2:
		return orig ^ (1ull << rng_below(64));
	default:
		return rng();
	}
}

/* A header field of s: its file offset and width. */
static void pick_field(const struct sample *s, uint64_t *off, unsigned *n)
{
	static const struct { unsigned base, off, n; } fields[] = {
		/* base: 0 file, 1 COFF, 2 optional header, 3 a section header */
		{ 0, 0x3c, 4 }, { 1, 0, 2 }, { 1, 2, 2 }, { 1, 16, 2 }, { 1, 18, 2 },
		{ 2, 0, 2 }, { 2, 16, 4 }, { 2, 24, 8 }, { 2, 32, 4 }, { 2, 36, 4 },
		{ 2, 56, 4 }, { 2, 60, 4 }, { 2, 108, 4 },
		{ 2, 112 + 8, 4 }, { 2, 112 + 12, 4 },   /* import */
		{ 2, 112 + 40, 4 }, { 2, 112 + 44, 4 },  /* base relocations */
		{ 2, 112 + 76, 4 }, { 2, 112 + 108, 4 }, /* TLS, delay import */
		{ 3, 8, 4 }, { 3, 12, 4 }, { 3, 16, 4 }, { 3, 20, 4 }, { 3, 36, 4 },
	};
	unsigned f = (unsigned)rng_below(sizeof(fields) / sizeof(fields[0]));
	uint64_t base[] = { 0, s->l.coff, s->l.opt,
			    ref_sec(&s->l, (unsigned)rng_below(s->l.nsections), 0) };

	*off = base[fields[f].base] + fields[f].off;
	*n = fields[f].n;
}

static void mutate(struct sample *s, struct undo *u)
{
	unsigned count = 1 + (unsigned)rng_below(3);

	for (unsigned i = 0; i < count; i++) {
		uint64_t off;
		unsigned n;

		switch (rng_below(s->reloc_size ? 4 : 3)) {
		case 0: /* a random byte anywhere */
			poke(s, u, rng_below(s->len), 1, rng());
			break;
		case 1: /* a random byte in the headers */
			poke(s, u, rng_below(s->l.size_of_headers), 1, rng());
			break;
		case 2:
			pick_field(s, &off, &n);
			poke(s, u, off, n, edge_value(ref_get(s->file, off, n)));
			break;
		default: /* a relocation entry or block header */
			off = s->reloc_offset + 2 * rng_below(s->reloc_size / 2);
			poke(s, u, off, 2, rng_below(2) ? rng() :
					   ref_get(s->file, off, 2) ^ (1u << rng_below(16)));
			break;
		}
	}
}

struct stats {
	unsigned long accepted, relocated, pages;
	unsigned long by_status[PE_STATUS_COUNT];
};

static bool page_has_fixup(const struct pe_image *img, const uint8_t *file,
			   uint64_t rva)
{
	for (uint64_t off = 0; off < img->reloc_size;) {
		uint64_t page = ref_get(file, img->reloc_offset + off, 4);

		if (rva == page || rva == page + REF_PAGE)
			return true;
		off += ref_get(file, img->reloc_offset + off + 4, 4);
	}
	return false;
}

static bool page_has_edge(const struct pe_image *img, uint64_t rva)
{
	if (rva < img->size_of_headers)
		return true;
	for (unsigned i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];
		uint64_t in_file = s->raw_size < s->virtual_size ? s->raw_size :
								  s->virtual_size;

		if (rva + REF_PAGE > s->rva && rva < s->rva + in_file)
			return true;
		if (rva == s->rva || rva + REF_PAGE == REF_PAGE +
		    ((s->rva + s->virtual_size - 1) & ~(uint64_t)(REF_PAGE - 1)))
			return true;
	}
	return false;
}

/*
 * Which pages to load.  All of them, unless a mutation made the image huge
 * (SizeOfImage up to 1 GiB of gaps): then the pages that hold file bytes,
 * section edges or fix-ups, and about 64 others at random.
 */
static bool page_selected(const struct pe_image *img, const uint8_t *file,
			  uint64_t rva)
{
	uint64_t npages = img->size_of_image / REF_PAGE;

	return npages <= FULL_CHECK_PAGES || page_has_edge(img, rva) ||
	       page_has_fixup(img, file, rva) || rng_below(npages / 64) == 0;
}

/* Load the selected pages at base and compare with the reference loader. */
static void check_load(const struct pe_image *img, const uint8_t *file,
		       size_t len, uint64_t base, struct stats *st)
{
	uint8_t page[REF_PAGE];
	uint8_t *ref = ref_load(file, base);

	for (uint64_t rva = 0; rva < img->size_of_image; rva += REF_PAGE) {
		enum pe_status got;

		if (!page_selected(img, file, rva))
			continue;
		got = pe_fill_page(img, file, len, rva, base, page);

		if (got != PE_OK)
			fail_msg("fill page %#llx: %s", (unsigned long long)rva,
				 pe_status_reason(got));
		if (memcmp(page, ref + rva, REF_PAGE) != 0)
			fail_msg("page %#llx at base %#llx differs from the reference (seed %#llx)",
				 (unsigned long long)rva, (unsigned long long)base,
				 (unsigned long long)env_or("PE_FUZZ_SEED", DEFAULT_SEED));
		(void)pe_page_prot(img, rva);
		st->pages++;
	}
	ref_unload(file, ref);
}

static void fuzz_one(const uint8_t *file, size_t len, struct stats *st)
{
	struct pe_image img;
	enum pe_status got = pe_parse(file, len, &img);

	st->by_status[got]++;
	if (got != PE_OK)
		return;
	st->accepted++;
	check_load(&img, file, len, img.image_base, st);
	if (pe_can_load_at(&img, OTHER_BASE)) {
		st->relocated++;
		check_load(&img, file, len, OTHER_BASE, st);
	}
}

/* The first len bytes in a buffer of exactly that size, for ASan. */
static void fuzz_truncated(const struct sample *s, struct stats *st)
{
	size_t len = rng_below(s->len);
	uint8_t *cut = malloc(len ? len : 1);

	memcpy(cut, s->file, len);
	fuzz_one(cut, len, st);
	free(cut);
}

/*
 * Small samples are picked far more often: a mutated 8 MiB-.bss or 1 MiB
 * image costs hundreds of page loads when it is accepted.
 */
static struct sample *pick_sample(struct sample *samples)
{
	for (;;) {
		struct sample *s = &samples[rng_below(REF_NSAMPLES)];

		if (s->l.size_of_image <= 64 * REF_PAGE || rng_below(64) == 0)
			return s;
	}
}

static void load_samples(struct sample *samples)
{
	for (unsigned i = 0; i < REF_NSAMPLES; i++) {
		struct sample *s = &samples[i];
		struct pe_image img;

		s->file = ref_read_sample(ref_samples[i].name, &s->len);
		if (pe_parse(s->file, s->len, &img) != PE_OK)
			fail_msg("sample %s does not parse", ref_samples[i].name);
		ref_layout(s->file, &s->l);
		s->reloc_offset = img.reloc_offset;
		s->reloc_size = img.reloc_size;
	}
}

static void pe_fuzz_mutated_samples(void **state)
{
	struct sample samples[REF_NSAMPLES];
	struct stats st = { 0 };
	struct undo u = { .n = 0 };
	uint64_t iterations = env_or("PE_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
	unsigned distinct = 0;

	(void)state;
	rng_state = env_or("PE_FUZZ_SEED", DEFAULT_SEED) | 1;
	load_samples(samples);
	for (uint64_t i = 0; i < iterations; i++) {
		struct sample *s = pick_sample(samples);

		mutate(s, &u);
		if (rng_below(8) == 0)
			fuzz_truncated(s, &st);
		else
			fuzz_one(s->file, s->len, &st);
		undo_all(s, &u);
	}
	for (unsigned i = 0; i < REF_NSAMPLES; i++)
		free(samples[i].file);

	for (unsigned k = 1; k < PE_STATUS_COUNT; k++)
		distinct += st.by_status[k] != 0;
	printf("# %llu mutated images: %lu accepted (%lu also relocated), %lu pages compared, %u distinct refusals\n",
	       (unsigned long long)iterations, st.accepted, st.relocated, st.pages,
	       distinct);
	/* The fuzzer must reach both sides: loads, and refusals of most kinds. */
	if (iterations >= 10000) {
		assert_true(st.accepted > iterations / 20);
		assert_true(st.relocated > iterations / 100);
		assert_true(distinct >= 30);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pe_fuzz_mutated_samples),
	};

	return HOST_TAP_RUN(tests);
}
