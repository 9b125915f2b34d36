/*
 * naive_bitmap.h - the baseline for bench_pmm: a plain frame bitmap with a
 * first-fit linear scan, one 64-bit word at a time, from frame 0.
 *
 * Only the benchmark uses it; it is what a simple kernel writes first, and
 * what src/mm/pmm.c must beat.  Bit set = free.  No summaries, no hint.
 */
#ifndef BENCH_NAIVE_BITMAP_H
#define BENCH_NAIVE_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

struct naive_bitmap {
	uint64_t *words;
	uint64_t nframes;
};

/* Every frame in [0, nframes) free; `words` holds (nframes + 63) / 64 words. */
void naive_bitmap_init(struct naive_bitmap *b, uint64_t *words, uint64_t nframes);

/* Lowest free frame, or false when none is left. */
bool naive_bitmap_alloc(struct naive_bitmap *b, uint64_t *frame);

void naive_bitmap_free(struct naive_bitmap *b, uint64_t frame);

#endif
