/*
 * program.h - programs: PE32+ images that GRUB loaded as modules (the
 * read-only in-memory file store), and their lazy loading into an address
 * space through image-page entries.
 *
 * Loading reserves every page of the image as an image page carrying the
 * image's selector and the page's number; nothing is read until a page is
 * touched, when the fault handler calls program_provide_page() through the
 * provider registry.
 */
#ifndef KERNEL_PROGRAM_H
#define KERNEL_PROGRAM_H

#include "boot/multiboot2.h"
#include "mm/mm_space.h"
#include "pe/pe.h"

/* A loaded image, shared by a process and the children it forks: their
 * image-page entries all name its selector.  Freed with its last user. */
struct program_image {
	unsigned refs;     /* processes using it; 0: the slot is free */
	unsigned selector; /* provider selector */
	const uint8_t *file;
	size_t file_len;
	vaddr_t load_base;
	uint64_t pages_loaded; /* image pages produced on first touch */
	struct pe_image pe;
};

void program_store_init(const struct boot_info *bi);
/* The module called name, or false. */
bool program_find(const char *name, const uint8_t **file, size_t *len);
/* Reserves name's image in space as image pages, at its preferred base or,
 * with relocate, RELOCATION_DISTANCE above it; 0 or -RDOS_E*.  A refused
 * image is reported on the console with the reason. */
int64_t program_load(struct mm_space *space, const char *name, struct program_image **img,
		     bool relocate, vaddr_t *entry);
/* One more process (a forked child) uses img. */
void program_share(struct program_image *img);
/* The calling process no longer uses img (NULL: nothing loaded). */
void program_unload(struct program_image *img);

#endif
