/*
 * frames_internal.h - what frames.c offers the per-CPU frame caches
 * (frame_cache.c): whole batches to and from the bitmap, each under one
 * hold of frames_lock.
 */
#ifndef KERNEL_FRAMES_INTERNAL_H
#define KERNEL_FRAMES_INTERNAL_H

#include "mm/addr.h"

/* Allocates up to n frames into out; returns how many (0: bitmap empty). */
unsigned frames_bitmap_take(paddr_t *out, unsigned n);
/* Frees n frames that are used in the bitmap; a refusal is a broken cache
 * and panics. */
void frames_bitmap_give(const paddr_t *in, unsigned n);

#endif
