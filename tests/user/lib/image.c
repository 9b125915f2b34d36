/*
 * image.c - the section table of image.h, read from the program's own
 * headers in memory.
 */
#include "image.h"

#include "lib/string.h"

/* PE header offsets: only the fields needed to find the sections. */
#define PE_LFANEW_OFFSET 0x3c        /* DOS header: offset of "PE\0\0" */
#define PE_COFF_HEADER_SIZE 24       /* signature + COFF file header */
#define PE_COFF_NSECTIONS_OFFSET 6   /* from the signature */
#define PE_COFF_OPTSIZE_OFFSET 20
#define PE_SECTION_HEADER_SIZE 40
#define PE_SECTION_VSIZE_OFFSET 8
#define PE_SECTION_VADDR_OFFSET 12
#define PE_SECTION_FLAGS_OFFSET 36

/* Defined by the linker: the first byte of this program's image. */
extern const uint8_t __ImageBase[];

static uint32_t image_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t image_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

const uint8_t *image_base(void)
{
	return __ImageBase;
}

unsigned image_sections(struct image_section *out, unsigned max)
{
	const uint8_t *pe = __ImageBase + image_u32(__ImageBase + PE_LFANEW_OFFSET);
	unsigned n = image_u16(pe + PE_COFF_NSECTIONS_OFFSET);
	const uint8_t *sec = pe + PE_COFF_HEADER_SIZE + image_u16(pe + PE_COFF_OPTSIZE_OFFSET);

	for (unsigned i = 0; i < n && i < max; i++, sec += PE_SECTION_HEADER_SIZE) {
		memcpy(out[i].name, sec, IMAGE_SECTION_NAME_MAX);
		out[i].name[IMAGE_SECTION_NAME_MAX] = '\0';
		out[i].vaddr = image_u32(sec + PE_SECTION_VADDR_OFFSET);
		out[i].vsize = image_u32(sec + PE_SECTION_VSIZE_OFFSET);
		out[i].flags = image_u32(sec + PE_SECTION_FLAGS_OFFSET);
	}
	return n;
}
