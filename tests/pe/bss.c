/*
 * bss.c - an 8 MiB zero-filled array: a section whose VirtualSize is far
 * beyond its SizeOfRawData (0), i.e. 2048 pages the loader must produce as
 * zero pages without reading the file.  A pointer to its last page adds
 * a base relocation whose target lies in .data and whose value points
 * into the zero-filled part.
 */
#include "sample.h"

#define BSS_BYTES (8u << 20)
#define PAGE 4096u

static volatile uint8_t zeroes[BSS_BYTES];
static volatile uint8_t *volatile last_page = &zeroes[BSS_BYTES - PAGE];

static int32_t check(void)
{
	for (uint32_t i = 0; i < BSS_BYTES; i += PAGE) {
		if (zeroes[i] != 0)
			return 1;
		zeroes[i] = 1; /* writable, too */
	}
	return *last_page == 1 ? 0 : 2;
}

void _start(void)
{
	sample_exit(check());
}
