/*
 * naive_bitmap.c - first-fit linear-scan frame bitmap, the benchmark
 * baseline (see naive_bitmap.h).  Cost of an allocation: the number of full
 * words below the lowest free frame.
 */
#include "naive_bitmap.h"

void naive_bitmap_init(struct naive_bitmap *b, uint64_t *words, uint64_t nframes)
{
	uint64_t nwords = (nframes + 63) / 64;

	b->words = words;
	b->nframes = nframes;
	for (uint64_t i = 0; i < nwords; i++)
		words[i] = ~0ull;
	if (nframes % 64)
		words[nwords - 1] = (1ull << (nframes % 64)) - 1;
}

bool naive_bitmap_alloc(struct naive_bitmap *b, uint64_t *frame)
{
	uint64_t nwords = (b->nframes + 63) / 64;

	for (uint64_t i = 0; i < nwords; i++) {
		if (b->words[i]) {
			unsigned bit = __builtin_ctzll(b->words[i]);

			b->words[i] &= ~(1ull << bit);
			*frame = i * 64 + bit;
			return true;
		}
	}
	return false;
}

void naive_bitmap_free(struct naive_bitmap *b, uint64_t frame)
{
	b->words[frame / 64] |= 1ull << (frame % 64);
}
