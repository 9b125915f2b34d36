/*
 * pe_reloc.c - PE base relocations: checked once by pe_parse(), applied
 * page by page by pe_fill_page().
 *
 * The table is a list of blocks, each {PageRVA, BlockSize} followed by
 * 16-bit entries (type in the top 4 bits, offset in the page below).  On
 * x86-64 only DIR64 (add the load delta to 8 bytes) and ABSOLUTE (padding)
 * occur; anything else is refused, as are unsorted or overlapping targets:
 * overlapping fix-ups give a result that depends on the order they are
 * applied in, which a loader producing one page at a time cannot honour.
 * With sorted, disjoint targets each fix-up reads pristine file bytes, so
 * the page on either side of a straddling one computes the same 8 bytes.
 */
#include "pe/pe.h"

#include "mm/addr.h"

#define BLOCK_HEADER_SIZE 8u
#define BLOCK_PAGE_RVA 0u
#define BLOCK_SIZE 4u
#define ENTRY_SIZE 2u
#define ENTRY_TYPE_SHIFT 12u
#define ENTRY_OFFSET_MASK 0x0FFFu
#define REL_BASED_ABSOLUTE 0u
#define REL_BASED_DIR64 10u
#define DIR64_SIZE 8u

/* Called with the image RVA of each DIR64 target. */
typedef enum pe_status (*reloc_visit_fn)(void *ctx, uint64_t target);

static enum pe_status check_block_header(struct pe_bytes table, uint64_t off,
					 uint32_t *page, uint32_t *size)
{
	if (table.len - off < BLOCK_HEADER_SIZE)
		return PE_ERR_RELOC_BLOCK;
	*page = pe_bytes_u32(table, off + BLOCK_PAGE_RVA);
	*size = pe_bytes_u32(table, off + BLOCK_SIZE);
	if (*page % PAGE_SIZE != 0 || *size < BLOCK_HEADER_SIZE ||
	    *size % 4 != 0 || *size > table.len - off)
		return PE_ERR_RELOC_BLOCK;
	return PE_OK;
}

static enum pe_status visit_block(struct pe_bytes block, uint32_t page,
				  reloc_visit_fn visit, void *ctx)
{
	for (uint64_t off = BLOCK_HEADER_SIZE; off < block.len; off += ENTRY_SIZE) {
		uint16_t entry = pe_bytes_u16(block, off);
		unsigned type = entry >> ENTRY_TYPE_SHIFT;
		enum pe_status st;

		if (type == REL_BASED_ABSOLUTE)
			continue;
		if (type != REL_BASED_DIR64)
			return PE_ERR_RELOC_TYPE;
		st = visit(ctx, (uint64_t)page + (entry & ENTRY_OFFSET_MASK));
		if (st != PE_OK)
			return st;
	}
	return PE_OK;
}

/*
 * Check every block header of img's table and call visit for each DIR64
 * target in the blocks whose page RVA lies in [first_page, last_page].
 */
static enum pe_status reloc_walk(const struct pe_image *img,
				 struct pe_bytes file, uint64_t first_page,
				 uint64_t last_page, reloc_visit_fn visit,
				 void *ctx)
{
	struct pe_bytes table, block;
	uint32_t page, size;

	if (!pe_bytes_sub(file, img->reloc_offset, img->reloc_size, &table))
		return PE_ERR_RELOC_DIR;
	for (uint64_t off = 0; off < table.len; off += size) {
		enum pe_status st = check_block_header(table, off, &page, &size);

		if (st != PE_OK)
			return st;
		if (page < first_page || page > last_page)
			continue;
		pe_bytes_sub(table, off, size, &block);
		st = visit_block(block, page, visit, ctx);
		if (st != PE_OK)
			return st;
	}
	return PE_OK;
}

struct check_state {
	uint64_t size_of_image;
	uint64_t next; /* lowest RVA the next target may start at */
};

static enum pe_status check_target(void *ctx, uint64_t target)
{
	struct check_state *c = ctx;

	if (target + DIR64_SIZE > c->size_of_image)
		return PE_ERR_RELOC_TARGET;
	if (target < c->next)
		return PE_ERR_RELOC_ORDER;
	c->next = target + DIR64_SIZE;
	return PE_OK;
}

enum pe_status pe_relocs_check(const struct pe_image *img,
			       struct pe_bytes file)
{
	struct check_state c = { .size_of_image = img->size_of_image };

	if (img->reloc_size == 0)
		return PE_OK;
	return reloc_walk(img, file, 0, UINT64_MAX, check_target, &c);
}

struct apply_state {
	const struct pe_image *img;
	struct pe_bytes file;
	uint64_t page_rva;
	uint64_t delta;
	uint8_t *dest;
};

/* Relocate the 8 bytes at target and store those that fall in the page. */
static enum pe_status apply_dir64(void *ctx, uint64_t target)
{
	struct apply_state *a = ctx;
	uint8_t raw[DIR64_SIZE];
	uint64_t value;

	if (target + DIR64_SIZE <= a->page_rva ||
	    target >= a->page_rva + PAGE_SIZE)
		return PE_OK;
	pe_read_image(a->img, a->file, target, raw, sizeof(raw));
	value = pe_bytes_u64((struct pe_bytes){ .p = raw, .len = sizeof(raw) },
			     0) + a->delta;
	for (uint64_t at = target; at < target + DIR64_SIZE; at++, value >>= 8)
		if (at >= a->page_rva && at < a->page_rva + PAGE_SIZE)
			a->dest[at - a->page_rva] = (uint8_t)value;
	return PE_OK;
}

enum pe_status pe_relocs_apply(const struct pe_image *img,
			       struct pe_bytes file, uint64_t page_rva,
			       uint64_t delta, uint8_t *dest)
{
	struct apply_state a = {
		.img = img, .file = file, .page_rva = page_rva,
		.delta = delta, .dest = dest,
	};
	/* A block's targets start in its page, so only this page's block and
	 * the previous page's (a fix-up straddling into this page) matter. */
	uint64_t first = page_rva >= PAGE_SIZE ? page_rva - PAGE_SIZE : 0;

	if (img->reloc_size == 0)
		return PE_OK;
	return reloc_walk(img, file, first, page_rva, apply_dir64, &a);
}
