/*
 * bench_pe.c - loading a PE program lazily against eagerly, on the host
 * build of src/pe (CSV rows, bench_common.h).  For each image given (the
 * benchmark images of tests/pe/pe.mk, bench_image.c with a table of
 * 64 KiB to 16 MiB):
 *   eager          before the first instruction, every page of the image
 *                  produced (pe_fill_page on the headers' and every
 *                  section's pages): what an eager loader copies
 *   lazy           only the pages the first instruction needs: the
 *                  headers page and the entry's page
 *   lazy, one function   the pages a run of the image touches (its entry
 *                  calls one_function, which reads big_table's first
 *                  word): the above, one_function's page and the table's
 *                  first page, found in the image's COFF symbol table
 * Each time is the median of BENCH_REPS loads (the three kinds alternate)
 * and includes pe_parse, which every loader does first.  The file is in
 * memory, as a GRUB module is; the image is loaded at its preferred base,
 * so no relocation is applied; the pages go to memory written beforehand.
 * So this is the cost of producing the pages only: no address space, no
 * frames, no fault.  In-kernel figures are pending.  Every lazily produced
 * page must equal the eager one, else the benchmark panics.
 *
 * Rows, workload pe_load/NAME (NAME: the file name without .exe):
 *   design image  image_bytes (SizeOfImage), file_bytes, image_pages (the
 *                 pages a loader maps: headers and sections)
 *   design eager, lazy   first_instruction_pages, first_instruction_ns
 *   design lazy   one_function_pages, one_function_ns
 *
 * Usage: bench_pe IMAGE.exe...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "lib/panic.h"
#include "mm/addr.h"
#include "pe/pe.h"

#define MAX_LAZY_PAGES 4
/* COFF: the header follows the 4-byte signature at e_lfanew */
#define DOS_LFANEW 0x3c
#define COFF_SYMBOL_TABLE 8
#define COFF_NSYMBOLS 12
#define COFF_SYMBOL_SIZE 18
#define SYM_VALUE 8
#define SYM_SECTION 12
#define SYM_NAUX 17

struct program {
	const char *name;
	uint8_t *file;
	size_t len;
	struct pe_image img;
};

/* Pages to produce: a list of RVAs, or every page of the image. */
struct load {
	const char *design, *what; /* CSV design and metric prefix */
	bool all;
	size_t n;
	uint64_t rva[MAX_LAZY_PAGES];
};

static void read_file(struct program *p, const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET))
		panic("bench_pe: cannot read %s", path);
	p->len = (size_t)len;
	p->file = malloc(p->len);
	if (!p->file || fread(p->file, 1, p->len, f) != p->len)
		panic("bench_pe: cannot read %s", path);
	fclose(f);
}

/* A symbol's name: its 8 bytes, or from an offset into the string table
 * to the end of the file; either way NUL-terminated if shorter. */
static struct pe_bytes symbol_name(struct pe_bytes f, uint64_t sym,
				   uint64_t strings)
{
	struct pe_bytes name = { 0 };
	uint64_t at = strings + pe_bytes_u32(f, sym + 4);

	if (pe_bytes_u32(f, sym) != 0)
		pe_bytes_sub(f, sym, 8, &name);
	else if (at <= f.len)
		pe_bytes_sub(f, at, f.len - at, &name);
	return name;
}

static bool name_is(struct pe_bytes name, const char *want)
{
	size_t n = strlen(want);

	return n <= name.len && !memcmp(name.p, want, n) &&
	       (n == name.len || name.p[n] == 0);
}

/* The RVA of the symbol called want, from the COFF symbol table. */
static uint64_t symbol_rva(const struct program *p, const char *want)
{
	struct pe_bytes f = { p->file, p->len };
	uint64_t coff = pe_bytes_u32(f, DOS_LFANEW) + 4;
	uint64_t table = pe_bytes_u32(f, coff + COFF_SYMBOL_TABLE);
	uint64_t count = pe_bytes_u32(f, coff + COFF_NSYMBOLS);
	uint64_t strings = table + count * COFF_SYMBOL_SIZE;

	if (table == 0 || strings > p->len)
		panic("bench_pe: %s has no symbol table", p->name);
	for (uint64_t i = 0; i < count;
	     i += 1 + f.p[table + i * COFF_SYMBOL_SIZE + SYM_NAUX]) {
		uint64_t sym = table + i * COFF_SYMBOL_SIZE;
		unsigned sec = pe_bytes_u16(f, sym + SYM_SECTION);

		if (sec >= 1 && sec <= p->img.nsections &&
		    name_is(symbol_name(f, sym, strings), want))
			return p->img.sections[sec - 1].rva +
			       pe_bytes_u32(f, sym + SYM_VALUE);
	}
	panic("bench_pe: no symbol %s in %s", want, p->name);
}

static void load_add(struct load *l, uint64_t rva)
{
	rva = PAGE_ROUND_DOWN(rva);
	for (size_t i = 0; i < l->n; i++)
		if (l->rva[i] == rva)
			return;
	ASSERT(l->n < MAX_LAZY_PAGES);
	l->rva[l->n++] = rva;
}

static void fill(const struct program *p, const struct pe_image *img,
		 uint64_t rva, uint8_t *image)
{
	if (pe_fill_page(img, p->file, p->len, rva, img->image_base,
			 image + rva) != PE_OK)
		panic("bench_pe: %s: page %#lx", p->name, (unsigned long)rva);
}

/* Parse, then produce the load's pages into image (the image's size);
 * returns how many pages. */
static size_t load_run(const struct program *p, const struct load *l,
		       uint8_t *image)
{
	struct pe_image img;
	size_t pages = 0;

	if (pe_parse(p->file, p->len, &img) != PE_OK)
		panic("bench_pe: %s: parse", p->name);
	if (!l->all) {
		for (size_t i = 0; i < l->n; i++)
			fill(p, &img, l->rva[i], image);
		return l->n;
	}
	for (uint64_t rva = 0; rva < img.size_of_image; rva += PAGE_SIZE)
		if (pe_page_prot(&img, rva) != 0) {
			fill(p, &img, rva, image);
			pages++;
		}
	return pages;
}

/* The lazily produced pages must be the eager loader's. */
static void same_pages(const struct program *p, const struct load *l,
		       const uint8_t *lazy, const uint8_t *eager)
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(lazy + l->rva[i], eager + l->rva[i], PAGE_SIZE))
			panic("bench_pe: %s: page %#lx differs", p->name,
			      (unsigned long)l->rva[i]);
}

enum { EAGER, FIRST, ONE, NLOADS };

/* The three loads of p: eager, lazy to the first instruction, lazy for a
 * run of one function. */
static void plan(const struct program *p, struct load loads[NLOADS])
{
	loads[EAGER] = (struct load){ .design = "eager",
				      .what = "first_instruction",
				      .all = true };
	loads[FIRST] = (struct load){ .design = "lazy",
				      .what = "first_instruction" };
	load_add(&loads[FIRST], 0);
	load_add(&loads[FIRST], p->img.entry_rva);
	loads[ONE] = loads[FIRST];
	loads[ONE].what = "one_function";
	load_add(&loads[ONE], symbol_rva(p, "one_function"));
	load_add(&loads[ONE], symbol_rva(p, "big_table"));
}

static void measure(const struct program *p, const char *workload)
{
	struct load loads[NLOADS];
	size_t size = p->img.size_of_image, pages[NLOADS];
	uint8_t *image[NLOADS];
	double ns[NLOADS][BENCH_REPS];
	char metric[64];

	plan(p, loads);
	for (int k = 0; k < NLOADS; k++) {
		image[k] = aligned_alloc(PAGE_SIZE, size);
		if (!image[k])
			panic("bench_pe: no memory for %zu bytes", size);
		memset(image[k], 0, size); /* no host page fault when timed */
	}
	for (int rep = 0; rep < BENCH_REPS; rep++)
		for (int k = 0; k < NLOADS; k++) {
			double mark = bench_now_ns();

			pages[k] = load_run(p, &loads[k], image[k]);
			ns[k][rep] = bench_lap(&mark);
		}
	for (int k = 0; k < NLOADS; k++) {
		if (k != EAGER)
			same_pages(p, &loads[k], image[k], image[EAGER]);
		snprintf(metric, sizeof(metric), "%s_pages", loads[k].what);
		bench_row(workload, loads[k].design, metric, (double)pages[k],
			  "pages");
		snprintf(metric, sizeof(metric), "%s_ns", loads[k].what);
		bench_row(workload, loads[k].design, metric,
			  bench_median(ns[k], BENCH_REPS), "ns");
	}
	bench_row(workload, "image", "image_pages", (double)pages[EAGER],
		  "pages");
	for (int k = 0; k < NLOADS; k++)
		free(image[k]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s IMAGE.exe...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct program p = { .name = argv[i] };
		const char *base = strrchr(argv[i], '/');
		char w[96];

		read_file(&p, argv[i]);
		if (pe_parse(p.file, p.len, &p.img) != PE_OK)
			panic("bench_pe: %s is not a program", p.name);
		snprintf(w, sizeof(w), "pe_load/%.*s",
			 (int)strcspn(base ? base + 1 : argv[i], "."),
			 base ? base + 1 : argv[i]);
		bench_row(w, "image", "image_bytes", p.img.size_of_image,
			  "bytes");
		bench_row(w, "image", "file_bytes", (double)p.len, "bytes");
		measure(&p, w);
		free(p.file);
	}
	return 0;
}
