/*
 * frame_cache.h - per-CPU caches of free frames in front of the frame
 * bitmap, so that CPUs allocating and freeing at once (rdos's lockless
 * faults above all) do not all meet on frames_lock.  frames.c is the only
 * user; the design is argued at the top of frame_cache.c and in
 * docs/smp.md.
 *
 * A cached frame is used in the bitmap and handed out to nobody; frames.c
 * counts it as free.  Every call runs with interrupts off (the kernel
 * always does) and on the CPU whose cache it names, which cannot change
 * under it: kernel code is never preempted.
 */
#ifndef KERNEL_FRAME_CACHE_H
#define KERNEL_FRAME_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/addr.h"

/* On unless the command line says `frame_cache=0`. */
void frame_cache_init(void);
bool frame_cache_enabled(void);
/* Kernel lock held.  Turning the caches off empties them into the bitmap;
 * a frame a CPU pushes while the switch flips is still counted and
 * reclaimed like any other. */
void frame_cache_set_enabled(bool on);

/* A frame from this CPU's cache, refilled from the bitmap when empty;
 * false when both are empty. */
bool frame_cache_pop(paddr_t *frame);
/* Keeps a freed frame in this CPU's cache; a full cache gives its oldest
 * frames back to the bitmap first. */
void frame_cache_push(paddr_t frame);
/* Empties every CPU's cache into the bitmap, so that running out of
 * memory means that no frame is free anywhere.  Any CPU, any time. */
void frame_cache_reclaim(void);

/* Takes every cache's lock (frames_lock may be taken after them) and
 * returns how many frames the caches hold; frame_cache_unlock_all()
 * gives the locks back.  For exact counts, not for hot paths. */
uint64_t frame_cache_lock_all(void);
void frame_cache_unlock_all(void);

#endif
