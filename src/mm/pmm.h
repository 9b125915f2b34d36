/*
 * pmm.h - physical memory manager: one bit per 4 KiB frame, with summaries.
 *
 * Frames are named by their physical address (paddr_t) everywhere in the API.
 * A frame is in exactly one of four states:
 *
 *   not usable  outside every usable range added with pmm_add_usable(), or at
 *               or above the limit given to pmm_init();
 *   reserved    inside a usable range and inside a carve-out added with
 *               pmm_reserve_range() (kernel image, boot info, the metadata);
 *   free        usable, not reserved, not allocated;
 *   used        handed out by pmm_alloc() or pmm_alloc_contig().
 *
 * Invariant: counters.usable == counters.reserved + counters.free +
 * counters.used, all counted in frames.
 *
 * Locking: the core is NOT thread-safe.  The kernel wrapper
 * (src/kernel/frames.c) owns a single spinlock, frames_lock, and holds it
 * around every call that takes a struct pmm, reads included:
 * pmm_check_consistency() must not see a half-updated summary.
 *
 * Errors: out of memory is PMM_ERR_NOMEM, never a panic.  A bad free returns
 * a distinct status and changes nothing; the kernel wrapper turns it into a
 * panic naming the frame and the caller.  ASSERT is used only for broken
 * contracts of the init-time calls (see each function).
 *
 * The design is explained in docs/physical-memory.md.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "mm/addr.h"

/*
 * 64-ary levels: level 0 has one bit per frame, level k+1 one bit per word of
 * level k, the top level is a single word.  Seven levels name 2^42 frames
 * (2^54 bytes), more than the 52-bit x86-64 physical address space.
 */
#define PMM_MAX_LEVELS 7
/* x86-64 physical addresses have at most 52 bits; higher limits are clipped. */
#define PMM_MAX_LIMIT ((paddr_t)1 << 52)
/* Merged ranges per set; firmware maps have a few dozen entries at most. */
#define PMM_MAX_RANGES 128

enum pmm_status {
	PMM_OK = 0,
	PMM_ERR_NOMEM,           /* no free frame / no fitting run */
	PMM_ERR_DOUBLE_FREE,     /* freeing a frame that is already free */
	PMM_ERR_NOT_USABLE,      /* hole in the memory map or reserved carve-out */
	PMM_ERR_OUT_OF_RANGE,    /* at or above the limit given to pmm_init() */
	PMM_ERR_MISALIGNED,      /* address not on a 4 KiB boundary */
	PMM_ERR_BAD_ARGUMENT,    /* zero count or alignment not a power of two */
	PMM_ERR_TOO_MANY_RANGES, /* more than PMM_MAX_RANGES disjoint ranges */
};

/* Frame counts; see the invariant at the top of this file. */
struct pmm_counters {
	uint64_t usable;
	uint64_t reserved;
	uint64_t free;
	uint64_t used;
};

/* Half-open range of frame numbers [first, end). */
struct pmm_range {
	uint64_t first;
	uint64_t end;
};

/* Sorted by first; no two ranges overlap or touch (they are merged). */
struct pmm_range_set {
	unsigned count;
	struct pmm_range range[PMM_MAX_RANGES];
};

/*
 * Allocator state.  The fields are private to pmm.c; the struct is public
 * only so the kernel can place it statically.
 *
 * Invariants:
 *   level[0] bit f is 1  <=>  frame f is free;
 *   level[k+1] bit w is 1  <=>  level[k][w] != 0;
 *   bits naming frames >= nframes (or words >= words[k]) are 0;
 *   level[nlevels - 1] is a single word.
 */
struct pmm {
	uint64_t *level[PMM_MAX_LEVELS];
	uint64_t words[PMM_MAX_LEVELS];
	unsigned nlevels;
	uint64_t nframes;
	uint64_t cursor; /* next-fit: single-frame search starts here */
	struct pmm_counters counters;
	struct pmm_range_set usable;
	struct pmm_range_set reserved;
};

/*
 * Bytes of metadata (bitmap plus summaries) for frames below `limit`
 * (clipped to PMM_MAX_LIMIT); 8-byte aligned storage of this size is passed
 * to pmm_init().
 */
size_t pmm_metadata_bytes(paddr_t limit);

/*
 * Start with every frame below `limit` not usable.  `metadata` holds
 * pmm_metadata_bytes(limit) bytes, is 8-byte aligned, and belongs to the
 * allocator until the kernel stops; the caller reserves it as a carve-out if
 * it lies in RAM.  Frames at or above `limit` are never managed.
 */
void pmm_init(struct pmm *p, void *metadata, paddr_t limit);

/*
 * Init-time: make [start, end) usable, rounded inward to whole frames and
 * clipped to the limit.  Carve-outs stay reserved whatever the call order.
 * Asserts that nothing has been allocated yet.  Returns PMM_OK or
 * PMM_ERR_TOO_MANY_RANGES (state unchanged).
 */
enum pmm_status pmm_add_usable(struct pmm *p, paddr_t start, paddr_t end);

/*
 * Init-time: carve [start, end) out, rounded outward to whole frames and
 * clipped to the limit.  Policy (first MiB, kernel image, modules, the
 * metadata) is the caller's.  Asserts that nothing has been allocated yet.
 * Returns PMM_OK or PMM_ERR_TOO_MANY_RANGES (state unchanged).
 */
enum pmm_status pmm_reserve_range(struct pmm *p, paddr_t start, paddr_t end);

/*
 * Allocate one frame (next-fit from the cursor, wrapping once) and store its
 * address in *frame.  The contents are not zeroed.  PMM_OK or PMM_ERR_NOMEM.
 * Cost: O(levels), never a linear scan.
 */
enum pmm_status pmm_alloc(struct pmm *p, paddr_t *frame);

/*
 * Free one frame obtained from pmm_alloc() (or one frame of a run).
 * PMM_OK, or MISALIGNED / OUT_OF_RANGE / NOT_USABLE / DOUBLE_FREE with
 * nothing changed.
 */
enum pmm_status pmm_free(struct pmm *p, paddr_t frame);

/*
 * Allocate `count` physically contiguous frames starting on a multiple of
 * `align` frames (a power of two; 512 = 2 MiB).  First fit from the lowest
 * address; full regions are skipped through the summaries.  The cursor is
 * not moved.  PMM_OK, PMM_ERR_NOMEM, or PMM_ERR_BAD_ARGUMENT.
 */
enum pmm_status pmm_alloc_contig(struct pmm *p, uint64_t count,
				 uint64_t align, paddr_t *first);

/*
 * Free `count` frames starting at `first`; any sub-run of an allocation may
 * be freed.  Either every frame is freed or, on any error, none is: the whole
 * run is validated first, in this order: BAD_ARGUMENT (zero count),
 * MISALIGNED, OUT_OF_RANGE (any frame at or above the limit), NOT_USABLE (any
 * frame in a hole or carve-out), DOUBLE_FREE (any frame already free).
 */
enum pmm_status pmm_free_contig(struct pmm *p, paddr_t first, uint64_t count);

/*
 * What pmm_free_contig(p, first, count) would return, with nothing changed.
 * PMM_OK means every frame of the run is used (the kernel's per-CPU frame
 * caches hold used frames, so a free of one of those is told apart here).
 */
enum pmm_status pmm_free_check(const struct pmm *p, paddr_t first, uint64_t count);

struct pmm_counters pmm_counters(const struct pmm *p);

/* "PMM_OK", "PMM_ERR_NOMEM", ...; "PMM_ERR_?" for a value out of the enum. */
const char *pmm_status_name(enum pmm_status status);

/*
 * Debug check of every invariant (summaries against the bitmap, padding
 * bits, range sets, counters against a full count).  Returns NULL when
 * consistent, otherwise a message naming the first broken invariant.  Cost:
 * O(metadata); for tests, not for hot paths.
 */
const char *pmm_check_consistency(const struct pmm *p);

#endif
