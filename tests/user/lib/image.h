/*
 * image.h - the running program's own PE image: its section table as the
 * linker laid it out at __ImageBase (src/user/user.ld), for tests that
 * look at how the kernel mapped the image.
 */
#ifndef TESTS_USER_IMAGE_H
#define TESTS_USER_IMAGE_H

#include <stdint.h>

#define IMAGE_SCN_MEM_DISCARDABLE 0x02000000u
#define IMAGE_SCN_MEM_WRITE 0x80000000u
#define IMAGE_SECTION_NAME_MAX 8

struct image_section {
	char name[IMAGE_SECTION_NAME_MAX + 1]; /* NUL-terminated */
	uint32_t vaddr;                        /* RVA: offset from image_base() */
	uint32_t vsize;                        /* VirtualSize, bytes in memory */
	uint32_t flags;                        /* IMAGE_SCN_* */
};

/* The first byte of the image (its DOS header). */
const uint8_t *image_base(void);

/* Stores up to max sections in file order; returns how many the image
 * has (which may be more than max). */
unsigned image_sections(struct image_section *out, unsigned max);

#endif
