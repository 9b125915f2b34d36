/*
 * pe.h - PE32+ (x86-64) program images: validation and lazy, page-by-page
 * loading.  Portable and freestanding: no allocation, no hardware, so the
 * same files build into the kernel and into the host tests.
 *
 * The kernel keeps a program file (a GRUB module) in memory, calls
 * pe_parse() once, and reserves the image's pages as image entries whose
 * provider calls pe_fill_page() on first touch.  Everything pe_fill_page()
 * relies on is checked by pe_parse(), so a page fault never meets a
 * malformed image; it still reads the file only through bounds-checked
 * windows (struct pe_bytes), so a wrong file cannot make it read out of
 * bounds.  Design and the list of checks: docs/pe-loading.md.
 *
 * Layout of a loaded image (addresses relative to the load base, "RVAs"):
 *
 *   0                    headers: the first SizeOfHeaders bytes of the file,
 *                        read-only
 *   section[0].rva       section 0: VirtualSize bytes, the first
 *     ...                min(SizeOfRawData, VirtualSize) from the file, the
 *                        rest zero; pages up to the next page boundary too
 *   (gaps)               pages of no section: never mapped
 *   section[n-1].rva     last section
 *   size_of_image        end
 *
 * Every section starts on a page boundary (SectionAlignment >= 4096), so
 * each page belongs to at most one section and has one protection.
 */
#ifndef PE_PE_H
#define PE_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PE_MAX_SECTIONS 16
/* Larger images are refused: a program image is mapped as one piece of the
 * user address space, and nothing we load comes close to this. */
#define PE_MAX_IMAGE_SIZE ((uint64_t)1 << 30)

/* Page protection of a loaded page (pe_page_prot); 0: leave unmapped. */
#define PE_PROT_READ 1u
#define PE_PROT_WRITE 2u
#define PE_PROT_EXEC 4u

/* Section characteristics (IMAGE_SCN_MEM_*) that decide the protection. */
#define PE_SCN_MEM_EXECUTE 0x20000000u
#define PE_SCN_MEM_READ 0x40000000u
#define PE_SCN_MEM_WRITE 0x80000000u

/* Every way pe_* can refuse; pe_status_reason() says it in words. */
enum pe_status {
	PE_OK = 0,
	/* DOS and COFF headers */
	PE_ERR_DOS_HEADER,
	PE_ERR_DOS_MAGIC,
	PE_ERR_LFANEW,
	PE_ERR_PE_SIGNATURE,
	PE_ERR_COFF_HEADER,
	PE_ERR_MACHINE,
	PE_ERR_NOT_EXECUTABLE,
	PE_ERR_DLL,
	PE_ERR_NO_SECTIONS,
	PE_ERR_TOO_MANY_SECTIONS,
	/* optional header */
	PE_ERR_OPT_HEADER_SIZE,
	PE_ERR_OPT_HEADER_TRUNCATED,
	PE_ERR_PE32,
	PE_ERR_OPT_MAGIC,
	PE_ERR_DIR_COUNT,
	PE_ERR_SECTION_ALIGNMENT,
	PE_ERR_FILE_ALIGNMENT,
	PE_ERR_IMAGE_SIZE,
	PE_ERR_IMAGE_TOO_BIG,
	PE_ERR_IMAGE_BASE,
	PE_ERR_IMAGE_END,
	/* section table */
	PE_ERR_SECTION_TABLE,
	PE_ERR_HEADERS_SIZE,
	PE_ERR_SECTION_RVA,
	PE_ERR_SECTION_OVERFLOW,
	PE_ERR_SECTION_OUTSIDE,
	PE_ERR_SECTION_ORDER,
	PE_ERR_SECTION_RAW,
	PE_ERR_ENTRY_OUTSIDE,
	PE_ERR_ENTRY_NOT_EXEC,
	/* data directories */
	PE_ERR_IMPORT_DIR,
	PE_ERR_IMPORTS,
	PE_ERR_DELAY_IMPORTS,
	PE_ERR_TLS,
	PE_ERR_RELOC_DIR,
	PE_ERR_RELOC_BLOCK,
	PE_ERR_RELOC_TYPE,
	PE_ERR_RELOC_TARGET,
	PE_ERR_RELOC_ORDER,
	/* loading */
	PE_ERR_FILE_MISMATCH,
	PE_ERR_PAGE,
	PE_ERR_LOAD_BASE,
	PE_ERR_RELOCS_STRIPPED,
	PE_STATUS_COUNT
};

/* A precise one-line reason for st (never NULL). */
const char *pe_status_reason(enum pe_status st);

struct pe_section {
	char name[9];             /* the 8-byte name, NUL-terminated */
	uint32_t rva;             /* multiple of section_alignment */
	uint32_t virtual_size;    /* bytes in memory; SizeOfRawData if the
				     file says 0 (old linkers) */
	uint32_t raw_offset;      /* file offset of the raw data */
	uint32_t raw_size;        /* bytes in the file; inside the file */
	uint32_t characteristics; /* IMAGE_SCN_* as in the file */
	unsigned prot;            /* PE_PROT_* from characteristics */
};

/*
 * What pe_parse() found.  Invariants after PE_OK: sections sorted by rva,
 * non-overlapping, page-aligned, inside [round_up(size_of_headers),
 * size_of_image); entry_rva inside an executable section; the image fits in
 * user space at image_base; the relocation table (if any) is well formed,
 * holds only DIR64 and ABSOLUTE entries whose targets are inside the image,
 * in ascending order and non-overlapping.
 */
struct pe_image {
	size_t file_len;            /* length of the parsed file */
	uint64_t image_base;        /* preferred load address */
	uint32_t size_of_image;     /* multiple of section_alignment */
	uint32_t size_of_headers;
	uint32_t entry_rva;
	uint32_t section_alignment; /* power of two >= 4096 */
	uint32_t file_alignment;    /* power of two, 512..65536 */
	uint16_t subsystem;         /* IMAGE_SUBSYSTEM_* (1: native) */
	uint16_t dll_characteristics;
	uint64_t stack_reserve, stack_commit;
	bool relocs_stripped;       /* IMAGE_FILE_RELOCS_STRIPPED */
	uint32_t reloc_rva, reloc_size; /* base relocation directory */
	uint32_t reloc_offset;      /* its file offset (valid if reloc_size) */
	unsigned nsections;
	struct pe_section sections[PE_MAX_SECTIONS];
};

/*
 * Validate the file [file, file + file_len) as a PE32+ x86-64 program that
 * imports nothing, and describe it in *out.  Never reads outside the file.
 * Returns PE_OK or the first problem found (*out is then unspecified).
 */
enum pe_status pe_parse(const void *file, size_t file_len,
			struct pe_image *out);

/*
 * Can img be loaded with its first byte at base?  PE_OK; PE_ERR_LOAD_BASE
 * if base is not page-aligned or the image would leave user space;
 * PE_ERR_RELOCS_STRIPPED if base is not the preferred base and the image
 * cannot move: relocations stripped, or no relocation table at all (a
 * table that was forgotten looks just like one that was never needed, and
 * moving such an image would corrupt it silently).
 */
enum pe_status pe_check_load_base(const struct pe_image *img, uint64_t base);
bool pe_can_load_at(const struct pe_image *img, uint64_t base);

/*
 * Fill dest (PAGE_SIZE bytes) with the page at page_rva of img loaded at
 * load_base: the headers or section bytes from the file, zero elsewhere,
 * with every base relocation that touches the page applied (also the part
 * of one that straddles the page boundary).  file and file_len must be
 * those given to pe_parse().  On an error dest is unspecified.
 */
enum pe_status pe_fill_page(const struct pe_image *img, const void *file,
			    size_t file_len, uint64_t page_rva,
			    uint64_t load_base, void *dest);

/* PE_PROT_* for a section's characteristics. */
unsigned pe_section_prot(uint32_t characteristics);

/*
 * Protection of the page at page_rva: its section's, PE_PROT_READ for the
 * headers' pages, 0 for pages of no section and outside the image.
 */
unsigned pe_page_prot(const struct pe_image *img, uint64_t page_rva);

/* The section whose pages contain rva, or NULL (headers, gaps, outside). */
const struct pe_section *pe_section_at(const struct pe_image *img,
				       uint64_t rva);

/* --- building blocks of the above, shared by the files of src/pe ---------- */

/*
 * A window on file bytes.  Every read of a file in src/pe goes through one:
 * a read past the window's end yields 0, so a bug can give a wrong value
 * but never an out-of-bounds access.  Callers check sizes up front to turn
 * short data into a precise error instead.
 */
struct pe_bytes {
	const uint8_t *p;
	size_t len;
};

/* The window [off, off + len) of b in *out, or false if it is not inside. */
static inline bool pe_bytes_sub(struct pe_bytes b, uint64_t off, uint64_t len,
				struct pe_bytes *out)
{
	if (off > b.len || len > b.len - off)
		return false;
	out->p = b.p + off;
	out->len = (size_t)len;
	return true;
}

/* Little-endian n-byte value at off (n <= 8), 0 if not inside b. */
static inline uint64_t pe_bytes_le(struct pe_bytes b, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	if (off > b.len || n > b.len - off)
		return 0;
	while (n--)
		v = (v << 8) | b.p[off + n];
	return v;
}

static inline uint16_t pe_bytes_u16(struct pe_bytes b, uint64_t off)
{
	return (uint16_t)pe_bytes_le(b, off, 2);
}

static inline uint32_t pe_bytes_u32(struct pe_bytes b, uint64_t off)
{
	return (uint32_t)pe_bytes_le(b, off, 4);
}

static inline uint64_t pe_bytes_u64(struct pe_bytes b, uint64_t off)
{
	return pe_bytes_le(b, off, 8);
}

/*
 * Copy the bytes [rva, rva + len) of img as loaded, before relocation, to
 * dest: header and section bytes from the file, zero everywhere else.
 */
void pe_read_image(const struct pe_image *img, struct pe_bytes file,
		   uint64_t rva, void *dest, size_t len);

/* Check the base relocation table of img (called by pe_parse). */
enum pe_status pe_relocs_check(const struct pe_image *img,
			       struct pe_bytes file);

/*
 * Apply to dest, the unrelocated page at page_rva, every relocation that
 * touches it for a load delta (load base - preferred base) of delta.
 */
enum pe_status pe_relocs_apply(const struct pe_image *img,
			       struct pe_bytes file, uint64_t page_rva,
			       uint64_t delta, uint8_t *dest);

#endif
