/*
 * pe.c - validation of PE32+ x86-64 program images (pe_parse) and the
 * choice of a load base.
 *
 * pe_parse() walks the file front to back, DOS header, COFF header,
 * optional header, section table, data directories, and stops at the first
 * problem with a status of its own.  Each check is there because a later
 * step relies on it: pe_fill_page() runs inside a page fault and must never
 * meet something it cannot load (docs/pe-loading.md lists each check and
 * its reason).  Every file read goes through a struct pe_bytes window.
 */
#include "pe/pe.h"

#include "mm/addr.h"
#include "mm/vm.h"

/* DOS header: only the magic and the offset of the PE header matter. */
#define DOS_HEADER_SIZE 64u
#define DOS_MAGIC 0x5A4Du /* "MZ" */
#define DOS_LFANEW 0x3Cu

#define PE_SIGNATURE 0x00004550u /* "PE\0\0" */
#define PE_SIGNATURE_SIZE 4u

/* COFF file header, right after the signature. */
#define COFF_HEADER_SIZE 20u
#define COFF_MACHINE 0u
#define COFF_NSECTIONS 2u
#define COFF_OPT_SIZE 16u
#define COFF_CHARACTERISTICS 18u
#define MACHINE_AMD64 0x8664u
#define FILE_RELOCS_STRIPPED 0x0001u
#define FILE_EXECUTABLE_IMAGE 0x0002u
#define FILE_DLL 0x2000u

/* PE32+ optional header, right after the COFF header. */
#define OPT_MAGIC 0u
#define OPT_ENTRY 16u
#define OPT_IMAGE_BASE 24u
#define OPT_SECTION_ALIGNMENT 32u
#define OPT_FILE_ALIGNMENT 36u
#define OPT_SIZE_OF_IMAGE 56u
#define OPT_SIZE_OF_HEADERS 60u
#define OPT_SUBSYSTEM 68u
#define OPT_DLL_CHARACTERISTICS 70u
#define OPT_STACK_RESERVE 72u
#define OPT_STACK_COMMIT 80u
#define OPT_NDIRS 108u
#define OPT_DIRS 112u /* fixed part ends, data directories begin */
#define OPT_MAGIC_PE32 0x10Bu
#define OPT_MAGIC_PE32_PLUS 0x20Bu
#define MAX_DIRS 16u
#define DIR_SIZE 8u

/* Data directory indices. */
#define DIR_IMPORT 1u
#define DIR_BASERELOC 5u
#define DIR_TLS 9u
#define DIR_DELAY_IMPORT 13u
#define IMPORT_DESCRIPTOR_SIZE 20u

/* Section header. */
#define SECTION_HEADER_SIZE 40u
#define SEC_NAME 0u
#define SEC_NAME_LEN 8u
#define SEC_VIRTUAL_SIZE 8u
#define SEC_RVA 12u
#define SEC_RAW_SIZE 16u
#define SEC_RAW_OFFSET 20u
#define SEC_CHARACTERISTICS 36u

#define MIN_FILE_ALIGNMENT 512u
#define MAX_FILE_ALIGNMENT 65536u
#define RVA_LIMIT ((uint64_t)UINT32_MAX + 1) /* RVAs are 32-bit */

/* The reasons below quote the user-space bounds. */
_Static_assert(VM_USER_LO == 0x1000 && VM_USER_HI == 0x00007FFFFFFFF000,
	       "update the ImageBase reasons to the new user-space bounds");

static const char *const reasons[PE_STATUS_COUNT] = {
	[PE_OK] = "valid PE32+ image",
	[PE_ERR_DOS_HEADER] = "file shorter than the 64-byte DOS header",
	[PE_ERR_DOS_MAGIC] = "no 'MZ' signature at offset 0",
	[PE_ERR_LFANEW] = "e_lfanew (offset 0x3c) inside the DOS header, not 4-byte aligned, or past the end of the file",
	[PE_ERR_PE_SIGNATURE] = "no 'PE\\0\\0' signature at e_lfanew",
	[PE_ERR_COFF_HEADER] = "COFF file header past the end of the file",
	[PE_ERR_MACHINE] = "machine is not AMD64 (0x8664)",
	[PE_ERR_NOT_EXECUTABLE] = "IMAGE_FILE_EXECUTABLE_IMAGE not set: not a linked image",
	[PE_ERR_DLL] = "image is a DLL, not a program",
	[PE_ERR_NO_SECTIONS] = "image has no sections",
	[PE_ERR_TOO_MANY_SECTIONS] = "more than 16 sections",
	[PE_ERR_OPT_HEADER_SIZE] = "SizeOfOptionalHeader too small for a PE32+ optional header and its data directories",
	[PE_ERR_OPT_HEADER_TRUNCATED] = "optional header past the end of the file",
	[PE_ERR_PE32] = "PE32 (32-bit) image: only PE32+ (x86-64) is supported",
	[PE_ERR_OPT_MAGIC] = "optional header magic is not 0x20b (PE32+)",
	[PE_ERR_DIR_COUNT] = "NumberOfRvaAndSizes above 16",
	[PE_ERR_SECTION_ALIGNMENT] = "SectionAlignment not a power of two of at least 4096: sections must be page-aligned to be mapped page by page",
	[PE_ERR_FILE_ALIGNMENT] = "FileAlignment not a power of two in 512..65536 or above SectionAlignment",
	[PE_ERR_IMAGE_SIZE] = "SizeOfImage zero or not a multiple of SectionAlignment",
	[PE_ERR_IMAGE_TOO_BIG] = "SizeOfImage above 1 GiB",
	[PE_ERR_IMAGE_BASE] = "ImageBase not page-aligned or outside user space [0x1000, 0x7ffffffff000)",
	[PE_ERR_IMAGE_END] = "ImageBase + SizeOfImage past the end of user space (0x7ffffffff000)",
	[PE_ERR_SECTION_TABLE] = "section table past the end of the file",
	[PE_ERR_HEADERS_SIZE] = "SizeOfHeaders smaller than the headers, past the end of the file, or overlapping the first section",
	[PE_ERR_SECTION_RVA] = "section RVA not a multiple of SectionAlignment",
	[PE_ERR_SECTION_OVERFLOW] = "section RVA + VirtualSize overflows 32 bits",
	[PE_ERR_SECTION_OUTSIDE] = "section extends past SizeOfImage",
	[PE_ERR_SECTION_ORDER] = "sections not in ascending RVA order, or overlapping",
	[PE_ERR_SECTION_RAW] = "section raw data (PointerToRawData + SizeOfRawData) past the end of the file",
	[PE_ERR_ENTRY_OUTSIDE] = "entry point not inside any section",
	[PE_ERR_ENTRY_NOT_EXEC] = "entry point in a section that is not executable",
	[PE_ERR_IMPORT_DIR] = "import directory shorter than one descriptor or outside the image",
	[PE_ERR_IMPORTS] = "imports from DLLs are not supported",
	[PE_ERR_DELAY_IMPORTS] = "delay-load imports from DLLs are not supported",
	[PE_ERR_TLS] = "thread-local storage (TLS directory) is not supported",
	[PE_ERR_RELOC_DIR] = "base relocation directory not inside one section's raw data",
	[PE_ERR_RELOC_BLOCK] = "base relocation block malformed: page RVA not 4 KiB-aligned, size below 8 or not a multiple of 4, or past the directory",
	[PE_ERR_RELOC_TYPE] = "base relocation of a type other than DIR64 or ABSOLUTE",
	[PE_ERR_RELOC_TARGET] = "base relocation target outside the image",
	[PE_ERR_RELOC_ORDER] = "base relocations not in ascending order, or overlapping",
	[PE_ERR_FILE_MISMATCH] = "file length differs from the file that was parsed",
	[PE_ERR_PAGE] = "page RVA not page-aligned or outside the image",
	[PE_ERR_LOAD_BASE] = "load base not page-aligned, or the image would not fit in user space there",
	[PE_ERR_RELOCS_STRIPPED] = "image has no relocations and must load at its preferred base",
};

const char *pe_status_reason(enum pe_status st)
{
	if ((unsigned)st >= PE_STATUS_COUNT || reasons[st] == NULL)
		return "unknown PE status";
	return reasons[st];
}

/* Where pe_parse() is in the file, and what it has found so far. */
struct parser {
	struct pe_bytes file;
	struct pe_image *img;
	uint64_t coff;          /* file offset of the COFF header */
	struct pe_bytes opt;    /* the optional header, SizeOfOptionalHeader */
	uint64_t section_table; /* file offset of the section table */
	uint32_t ndirs;
};

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static bool base_in_user_space(uint64_t base)
{
	return base % PAGE_SIZE == 0 && base >= VM_USER_LO && base < VM_USER_HI;
}

/* Precondition: base_in_user_space(base), so the subtraction is safe. */
static bool end_in_user_space(uint64_t base, uint64_t size)
{
	return size <= VM_USER_HI - base;
}

static enum pe_status parse_dos(struct parser *p)
{
	uint32_t lfanew;

	if (p->file.len < DOS_HEADER_SIZE)
		return PE_ERR_DOS_HEADER;
	if (pe_bytes_u16(p->file, 0) != DOS_MAGIC)
		return PE_ERR_DOS_MAGIC;
	lfanew = pe_bytes_u32(p->file, DOS_LFANEW);
	if (lfanew < DOS_HEADER_SIZE || lfanew % 4 != 0 ||
	    (uint64_t)lfanew + PE_SIGNATURE_SIZE > p->file.len)
		return PE_ERR_LFANEW;
	if (pe_bytes_u32(p->file, lfanew) != PE_SIGNATURE)
		return PE_ERR_PE_SIGNATURE;
	p->coff = (uint64_t)lfanew + PE_SIGNATURE_SIZE;
	return PE_OK;
}

static enum pe_status parse_coff(struct parser *p)
{
	struct pe_bytes coff;
	uint16_t nsections, characteristics, opt_size;

	if (!pe_bytes_sub(p->file, p->coff, COFF_HEADER_SIZE, &coff))
		return PE_ERR_COFF_HEADER;
	if (pe_bytes_u16(coff, COFF_MACHINE) != MACHINE_AMD64)
		return PE_ERR_MACHINE;
	characteristics = pe_bytes_u16(coff, COFF_CHARACTERISTICS);
	if (!(characteristics & FILE_EXECUTABLE_IMAGE))
		return PE_ERR_NOT_EXECUTABLE;
	if (characteristics & FILE_DLL)
		return PE_ERR_DLL;
	nsections = pe_bytes_u16(coff, COFF_NSECTIONS);
	if (nsections == 0)
		return PE_ERR_NO_SECTIONS;
	if (nsections > PE_MAX_SECTIONS)
		return PE_ERR_TOO_MANY_SECTIONS;
	p->img->nsections = nsections;
	p->img->relocs_stripped = characteristics & FILE_RELOCS_STRIPPED;

	/* Checked against the data directories in parse_optional_header. */
	opt_size = pe_bytes_u16(coff, COFF_OPT_SIZE);
	if (opt_size < OPT_DIRS)
		return PE_ERR_OPT_HEADER_SIZE;
	if (!pe_bytes_sub(p->file, p->coff + COFF_HEADER_SIZE, opt_size, &p->opt))
		return PE_ERR_OPT_HEADER_TRUNCATED;
	p->section_table = p->coff + COFF_HEADER_SIZE + opt_size;
	return PE_OK;
}

static enum pe_status check_alignments(const struct pe_image *img)
{
	if (!is_pow2(img->section_alignment) ||
	    img->section_alignment < PAGE_SIZE)
		return PE_ERR_SECTION_ALIGNMENT;
	if (!is_pow2(img->file_alignment) ||
	    img->file_alignment < MIN_FILE_ALIGNMENT ||
	    img->file_alignment > MAX_FILE_ALIGNMENT ||
	    img->file_alignment > img->section_alignment)
		return PE_ERR_FILE_ALIGNMENT;
	return PE_OK;
}

static enum pe_status check_placement(const struct pe_image *img)
{
	if (img->size_of_image == 0 ||
	    img->size_of_image % img->section_alignment != 0)
		return PE_ERR_IMAGE_SIZE;
	if (img->size_of_image > PE_MAX_IMAGE_SIZE)
		return PE_ERR_IMAGE_TOO_BIG;
	if (!base_in_user_space(img->image_base))
		return PE_ERR_IMAGE_BASE;
	if (!end_in_user_space(img->image_base, img->size_of_image))
		return PE_ERR_IMAGE_END;
	return PE_OK;
}

static enum pe_status parse_optional_header(struct parser *p)
{
	struct pe_image *img = p->img;
	uint16_t magic = pe_bytes_u16(p->opt, OPT_MAGIC);
	enum pe_status st;

	if (magic == OPT_MAGIC_PE32)
		return PE_ERR_PE32;
	if (magic != OPT_MAGIC_PE32_PLUS)
		return PE_ERR_OPT_MAGIC;
	p->ndirs = pe_bytes_u32(p->opt, OPT_NDIRS);
	if (p->ndirs > MAX_DIRS)
		return PE_ERR_DIR_COUNT;
	if (OPT_DIRS + (uint64_t)p->ndirs * DIR_SIZE > p->opt.len)
		return PE_ERR_OPT_HEADER_SIZE;

	img->entry_rva = pe_bytes_u32(p->opt, OPT_ENTRY);
	img->image_base = pe_bytes_u64(p->opt, OPT_IMAGE_BASE);
	img->section_alignment = pe_bytes_u32(p->opt, OPT_SECTION_ALIGNMENT);
	img->file_alignment = pe_bytes_u32(p->opt, OPT_FILE_ALIGNMENT);
	img->size_of_image = pe_bytes_u32(p->opt, OPT_SIZE_OF_IMAGE);
	img->size_of_headers = pe_bytes_u32(p->opt, OPT_SIZE_OF_HEADERS);
	img->subsystem = pe_bytes_u16(p->opt, OPT_SUBSYSTEM);
	img->dll_characteristics = pe_bytes_u16(p->opt, OPT_DLL_CHARACTERISTICS);
	img->stack_reserve = pe_bytes_u64(p->opt, OPT_STACK_RESERVE);
	img->stack_commit = pe_bytes_u64(p->opt, OPT_STACK_COMMIT);

	st = check_alignments(img);
	if (st == PE_OK)
		st = check_placement(img);
	return st;
}

/* Decode the section header in hdr into *s. */
static void read_section(struct pe_bytes hdr, struct pe_section *s)
{
	for (unsigned i = 0; i < SEC_NAME_LEN; i++)
		s->name[i] = (char)pe_bytes_le(hdr, SEC_NAME + i, 1);
	s->name[SEC_NAME_LEN] = '\0';
	s->virtual_size = pe_bytes_u32(hdr, SEC_VIRTUAL_SIZE);
	s->rva = pe_bytes_u32(hdr, SEC_RVA);
	s->raw_size = pe_bytes_u32(hdr, SEC_RAW_SIZE);
	s->raw_offset = pe_bytes_u32(hdr, SEC_RAW_OFFSET);
	s->characteristics = pe_bytes_u32(hdr, SEC_CHARACTERISTICS);
	s->prot = pe_section_prot(s->characteristics);
	/* Old linkers left VirtualSize 0; loaders then use SizeOfRawData. */
	if (s->virtual_size == 0)
		s->virtual_size = s->raw_size;
}

/* Checks one section; prev_end is where the previous one (or the headers)
 * ended, so that sorted and non-overlapping is one comparison. */
static enum pe_status check_section(const struct pe_image *img,
				    const struct pe_section *s,
				    uint64_t prev_end, bool first)
{
	uint64_t end = (uint64_t)s->rva + s->virtual_size;

	if (s->rva % img->section_alignment != 0)
		return PE_ERR_SECTION_RVA;
	if (end >= RVA_LIMIT)
		return PE_ERR_SECTION_OVERFLOW;
	if (end > img->size_of_image)
		return PE_ERR_SECTION_OUTSIDE;
	if (s->rva < prev_end)
		return first ? PE_ERR_HEADERS_SIZE : PE_ERR_SECTION_ORDER;
	if (s->raw_size != 0 &&
	    (uint64_t)s->raw_offset + s->raw_size > img->file_len)
		return PE_ERR_SECTION_RAW;
	return PE_OK;
}

static enum pe_status parse_sections(struct parser *p)
{
	struct pe_image *img = p->img;
	struct pe_bytes table, hdr;
	uint64_t table_len = (uint64_t)img->nsections * SECTION_HEADER_SIZE;
	uint64_t prev_end = img->size_of_headers;

	if (!pe_bytes_sub(p->file, p->section_table, table_len, &table))
		return PE_ERR_SECTION_TABLE;
	/* The headers page(s) are mapped: they must hold the section table. */
	if (img->size_of_headers < p->section_table + table_len ||
	    img->size_of_headers > p->file.len)
		return PE_ERR_HEADERS_SIZE;

	for (unsigned i = 0; i < img->nsections; i++) {
		struct pe_section *s = &img->sections[i];
		enum pe_status st;

		pe_bytes_sub(table, (uint64_t)i * SECTION_HEADER_SIZE,
			     SECTION_HEADER_SIZE, &hdr);
		read_section(hdr, s);
		st = check_section(img, s, prev_end, i == 0);
		if (st != PE_OK)
			return st;
		prev_end = (uint64_t)s->rva + s->virtual_size;
	}
	return PE_OK;
}

static enum pe_status check_entry(const struct pe_image *img)
{
	const struct pe_section *s = pe_section_at(img, img->entry_rva);

	if (s == NULL || img->entry_rva - s->rva >= s->virtual_size)
		return PE_ERR_ENTRY_OUTSIDE;
	if (!(s->prot & PE_PROT_EXEC))
		return PE_ERR_ENTRY_NOT_EXEC;
	return PE_OK;
}

/* Data directory i as (rva, size); absent directories are (0, 0). */
static void read_dir(const struct parser *p, unsigned i, uint32_t *rva,
		     uint32_t *size)
{
	bool present = i < p->ndirs;

	*rva = present ? pe_bytes_u32(p->opt, OPT_DIRS + i * DIR_SIZE) : 0;
	*size = present ? pe_bytes_u32(p->opt, OPT_DIRS + i * DIR_SIZE + 4) : 0;
}

/*
 * An import table is a list of descriptors ended by an all-zero one.
 * mingw-w64 emits a table holding only the terminator even with -nostdlib,
 * so "imports something" means the first descriptor, read as the loaded
 * image would show it, is not all zero.
 */
static enum pe_status check_imports(const struct parser *p)
{
	uint8_t first[IMPORT_DESCRIPTOR_SIZE];
	uint32_t rva, size;

	read_dir(p, DIR_IMPORT, &rva, &size);
	if (size == 0)
		return PE_OK;
	if (size < IMPORT_DESCRIPTOR_SIZE ||
	    (uint64_t)rva + IMPORT_DESCRIPTOR_SIZE > p->img->size_of_image)
		return PE_ERR_IMPORT_DIR;
	pe_read_image(p->img, p->file, rva, first, sizeof(first));
	for (unsigned i = 0; i < sizeof(first); i++)
		if (first[i] != 0)
			return PE_ERR_IMPORTS;
	return PE_OK;
}

/* The relocation table is read straight from the file, so it must lie in
 * the raw data of one section (it is .reloc for both mingw and lld). */
static enum pe_status locate_relocs(const struct parser *p)
{
	struct pe_image *img = p->img;
	const struct pe_section *s;
	uint64_t end;

	read_dir(p, DIR_BASERELOC, &img->reloc_rva, &img->reloc_size);
	if (img->reloc_size == 0)
		return PE_OK;
	s = pe_section_at(img, img->reloc_rva);
	end = (uint64_t)img->reloc_rva + img->reloc_size;
	if (s == NULL || end > (uint64_t)s->rva + s->raw_size ||
	    end > (uint64_t)s->rva + s->virtual_size)
		return PE_ERR_RELOC_DIR;
	img->reloc_offset = s->raw_offset + (img->reloc_rva - s->rva);
	return pe_relocs_check(img, p->file);
}

static enum pe_status check_directories(const struct parser *p)
{
	uint32_t rva, size;
	enum pe_status st = check_imports(p);

	if (st != PE_OK)
		return st;
	read_dir(p, DIR_DELAY_IMPORT, &rva, &size);
	if (size != 0)
		return PE_ERR_DELAY_IMPORTS;
	/* Nobody would run TLS callbacks or set up the TLS block. */
	read_dir(p, DIR_TLS, &rva, &size);
	if (size != 0)
		return PE_ERR_TLS;
	return locate_relocs(p);
}

enum pe_status pe_parse(const void *file, size_t file_len,
			struct pe_image *out)
{
	struct parser p = {
		.file = { .p = file, .len = file_len },
		.img = out,
	};
	enum pe_status st;

	*out = (struct pe_image){ .file_len = file_len };
	st = parse_dos(&p);
	if (st == PE_OK)
		st = parse_coff(&p);
	if (st == PE_OK)
		st = parse_optional_header(&p);
	if (st == PE_OK)
		st = parse_sections(&p);
	if (st == PE_OK)
		st = check_entry(out);
	if (st == PE_OK)
		st = check_directories(&p);
	return st;
}

enum pe_status pe_check_load_base(const struct pe_image *img, uint64_t base)
{
	if (!base_in_user_space(base) ||
	    !end_in_user_space(base, img->size_of_image))
		return PE_ERR_LOAD_BASE;
	if (base != img->image_base &&
	    (img->relocs_stripped || img->reloc_size == 0))
		return PE_ERR_RELOCS_STRIPPED;
	return PE_OK;
}

bool pe_can_load_at(const struct pe_image *img, uint64_t base)
{
	return pe_check_load_base(img, base) == PE_OK;
}
