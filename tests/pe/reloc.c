/*
 * reloc.c - absolute pointers in .data and .rdata, so the image carries
 * DIR64 base relocations, one of them straddling a page boundary.
 *
 * straddle is page-aligned and packed, which puts its pointer at page
 * offset 4092: the relocation's 8 bytes cover the last 4 bytes of one page
 * and the first 4 of the next.  The loader must patch both halves from one
 * computed value.
 */
#include "sample.h"

static int32_t values[4] = { 10, 11, 12, 13 };

/*
 * volatile makes the compiler load the pointers from the tables instead of
 * computing the addresses RIP-relative, so the tables (and their
 * relocations) stay in the image.
 */

/* Writable pointer table: relocations in .data. */
static int32_t *volatile table[4] = { &values[0], &values[1], &values[2],
				      &values[3] };

/* Read-only pointer table: relocations in .rdata. */
static int32_t *const volatile ro_table[2] = { &values[3], &values[0] };

struct straddle {
	uint8_t pad[4092];
	int32_t *ptr;
} __attribute__((packed, aligned(4096)));

static volatile struct straddle straddle = { { 1 }, &values[2] };

static int32_t check(void)
{
	for (int32_t i = 0; i < 4; i++)
		if (*table[i] != 10 + i)
			return 1 + i;
	if (*ro_table[0] != 13 || *ro_table[1] != 10)
		return 5;
	if (*straddle.ptr != 12)
		return 6;
	return 0;
}

void _start(void)
{
	sample_exit(check());
}
