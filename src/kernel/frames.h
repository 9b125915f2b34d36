/*
 * frames.h - the kernel's physical frames: the one struct pmm built from the
 * Multiboot2 memory map, behind a lock, with a cache of free frames per CPU
 * in front of it (frame_cache.h).  Safe on every CPU at once, with or
 * without the kernel lock.
 *
 * frame_free() and frame_free_run() treat a bad free (double free, a frame
 * that was never usable, outside RAM) as a kernel bug and panic naming the
 * frame and the caller; the _try variants return the status instead.  A
 * frame freed already is a double free wherever it waits, bitmap or cache.
 *
 * Out of memory: PMM_ERR_NOMEM only when no frame is free anywhere but
 * on other CPUs' shootdown lists (every CPU's cache is emptied and this
 * CPU's list paid first; tlb.h: at most a batch per CPU waits there).
 */
#ifndef KERNEL_FRAMES_H
#define KERNEL_FRAMES_H

#include "boot/multiboot2.h"
#include "mm/pmm.h"

/* Builds the allocator: usable RAM minus the first MiB, the kernel image,
 * the boot information, the modules and the allocator's own metadata. */
void frames_init(const struct boot_info *bi);

/* A page below 1 MiB, for real-mode code (the other CPUs' start-up): one
 * the memory map says is usable, holding neither the boot information nor
 * a module, never page 0; each is given once and kept for good.  0 if
 * low memory has no such page left.  After frames_init. */
paddr_t frames_alloc_low_page(void);

enum pmm_status frame_alloc(paddr_t *frame);
enum pmm_status frame_alloc_run(uint64_t count, uint64_t align, paddr_t *first);
void frame_free(paddr_t frame);
void frame_free_run(paddr_t first, uint64_t count);
enum pmm_status frame_try_free(paddr_t frame);

/* Cached frames count as free. */
struct pmm_counters frame_counters(void);
uint64_t frames_free_count(void);
/* NULL or the first broken invariant; exact only while no other CPU
 * allocates or frees (tests call it at such moments). */
const char *frames_check(void);

/* Where the allocator's metadata lives, for tests. */
void frames_metadata_range(paddr_t *start, paddr_t *end);

#endif
