/*
 * frames.h - the kernel's physical frames: the one struct pmm built from the
 * Multiboot2 memory map, behind a lock.
 *
 * frame_free() and frame_free_run() treat a bad free (double free, a frame
 * that was never usable, outside RAM) as a kernel bug and panic naming the
 * frame and the caller; the _try variants return the status instead.
 */
#ifndef KERNEL_FRAMES_H
#define KERNEL_FRAMES_H

#include "boot/multiboot2.h"
#include "mm/pmm.h"

/* Builds the allocator: usable RAM minus the first MiB, the kernel image,
 * the boot information, the modules and the allocator's own metadata. */
void frames_init(const struct boot_info *bi);

enum pmm_status frame_alloc(paddr_t *frame);
enum pmm_status frame_alloc_run(uint64_t count, uint64_t align, paddr_t *first);
void frame_free(paddr_t frame);
void frame_free_run(paddr_t first, uint64_t count);
enum pmm_status frame_try_free(paddr_t frame);

struct pmm_counters frame_counters(void);
uint64_t frames_free_count(void);
const char *frames_check(void);

/* Where the allocator's metadata lives, for tests. */
void frames_metadata_range(paddr_t *start, paddr_t *end);

#endif
