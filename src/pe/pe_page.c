/*
 * pe_page.c - one page of a PE image as loaded: its contents (the provider
 * behind image page entries) and its protection.
 *
 * A page's contents are computed from the file alone, never from other
 * loaded pages, so pages can be produced in any order, dropped and produced
 * again.  Relocations that straddle a page boundary are handled by
 * pe_relocs_apply(), which reads the unrelocated bytes of both pages with
 * pe_read_image().
 */
#include "pe/pe.h"

#include "lib/string.h"
#include "mm/addr.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Copy into dest (the image bytes [rva, rva + len), already zeroed) the
 * part that overlaps a piece of the image backed by the file: len_in_file
 * bytes at part_rva, read from file offset raw_offset.  The three cases of
 * a lazily loaded page (HelenOS backend_elf) fall out of the intersection:
 * the range lies wholly in the file-backed part (copy all of it), wholly
 * past it (no overlap: stays zero, like .bss), or straddles its end (copy
 * the head, the zero tail stays).
 */
static void copy_part(struct pe_bytes file, uint64_t part_rva,
		      uint64_t len_in_file, uint64_t raw_offset, uint64_t rva,
		      uint8_t *dest, size_t len)
{
	uint64_t lo = max_u64(rva, part_rva);
	uint64_t hi = min_u64(rva + len, part_rva + len_in_file);
	struct pe_bytes src;

	if (lo >= hi)
		return;
	/* Always inside after pe_parse(); a different file stays in bounds. */
	if (!pe_bytes_sub(file, raw_offset + (lo - part_rva), hi - lo, &src))
		return;
	memcpy(dest + (lo - rva), src.p, src.len);
}

void pe_read_image(const struct pe_image *img, struct pe_bytes file,
		   uint64_t rva, void *dest, size_t len)
{
	memset(dest, 0, len);
	copy_part(file, 0, img->size_of_headers, 0, rva, dest, len);
	for (unsigned i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];

		/* Raw data is rounded up to FileAlignment and may run past
		 * VirtualSize: what lies beyond it is not part of the image. */
		copy_part(file, s->rva, min_u64(s->raw_size, s->virtual_size),
			  s->raw_offset, rva, dest, len);
	}
}

enum pe_status pe_fill_page(const struct pe_image *img, const void *file,
			    size_t file_len, uint64_t page_rva,
			    uint64_t load_base, void *dest)
{
	struct pe_bytes f = { .p = file, .len = file_len };
	enum pe_status st;

	if (file_len != img->file_len)
		return PE_ERR_FILE_MISMATCH;
	if (page_rva % PAGE_SIZE != 0 || page_rva >= img->size_of_image)
		return PE_ERR_PAGE;
	st = pe_check_load_base(img, load_base);
	if (st != PE_OK)
		return st;
	pe_read_image(img, f, page_rva, dest, PAGE_SIZE);
	if (load_base == img->image_base)
		return PE_OK;
	return pe_relocs_apply(img, f, page_rva, load_base - img->image_base,
			       dest);
}

unsigned pe_section_prot(uint32_t characteristics)
{
	return ((characteristics & PE_SCN_MEM_READ) ? PE_PROT_READ : 0) |
	       ((characteristics & PE_SCN_MEM_WRITE) ? PE_PROT_WRITE : 0) |
	       ((characteristics & PE_SCN_MEM_EXECUTE) ? PE_PROT_EXEC : 0);
}

/* A section owns its pages up to the page boundary after VirtualSize. */
const struct pe_section *pe_section_at(const struct pe_image *img,
				       uint64_t rva)
{
	for (unsigned i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];

		if (rva >= s->rva &&
		    rva - s->rva < PAGE_ROUND_UP((uint64_t)s->virtual_size))
			return s;
	}
	return NULL;
}

unsigned pe_page_prot(const struct pe_image *img, uint64_t page_rva)
{
	const struct pe_section *s;

	if (page_rva >= img->size_of_image)
		return 0;
	if (page_rva < PAGE_ROUND_UP((uint64_t)img->size_of_headers))
		return PE_PROT_READ;
	s = pe_section_at(img, page_rva);
	return s != NULL ? s->prot : 0;
}
