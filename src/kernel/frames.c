/*
 * frames.c - brings up the physical memory manager from the boot memory map
 * and serialises access to it.
 *
 * Carve-outs, decided here and nowhere else: the first MiB (firmware data,
 * and the real-mode pages of frames_alloc_low_page), the kernel image, the
 * Multiboot2 information (boot_info's strings point into it), every module,
 * and the allocator's own metadata.  GRUB reports all of these as usable RAM.
 *
 * Low pages (below 1 MiB) are given out one at a time by
 * frames_alloc_low_page, from what the memory map says is usable there and
 * no other carve-out covers: under UEFI the firmware keeps much of low
 * memory, and GRUB may put modules there.  low_given[f] is set once page f
 * is given; they are never taken back.
 *
 * Single frames go through this CPU's frame cache (frame_cache.c) unless
 * the caches are off; runs always go to the bitmap.  A frame is thus free
 * (in the bitmap), cached (used in the bitmap, in one CPU's cache), or
 * handed out (to a frame_alloc or frame_alloc_run caller).
 *
 * Double frees: the handed-out bitmap `owned` has one bit per frame, set
 * while the frame is handed out.  A free clears it with an atomic
 * fetch-and, so a second free of the same frame, sequential or on another
 * CPU at the same moment, finds it clear, whether the frame went back to
 * the bitmap or sits in some cache: the bitmap alone cannot tell a cached
 * frame from a handed-out one.  Only then is frames_lock taken, to name
 * the error (pmm_free_check; "used" there means cached, so a double free).
 * Bits of different frames share words that CPUs change at once, hence
 * atomics, not a lock.
 *
 * Locks: frames_lock protects kernel_pmm (bitmap, summaries, cursor,
 * counters); each cache has its own, taken before frames_lock.
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/frame_cache.h"
#include "kernel/frames.h"
#include "kernel/frames_internal.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/symbols.h"
#include "kernel/tlb.h"
#include "lib/panic.h"
#include "lib/string.h"

#define LOW_MEMORY_END 0x100000ull
#define MAX_CARVEOUTS (4 + MB2_MAX_MODULES)

extern const char __kernel_phys_start[], __kernel_phys_end[];

static struct pmm kernel_pmm;
static struct spinlock frames_lock = SPINLOCK_INIT("kernel_pmm");
static paddr_t metadata_start, metadata_end;
static uint64_t *owned;       /* bit f: frame f is handed out; atomic */
static uint64_t owned_frames; /* frames the bits name */
static const struct boot_info *frames_boot_info; /* what frames_init was given */
static bool low_given[LOW_MEMORY_END >> PAGE_SHIFT]; /* under frames_lock */

struct carveouts {
	unsigned count;
	struct { paddr_t start, end; } range[MAX_CARVEOUTS];
};

static void carveout_add(struct carveouts *c, paddr_t start, paddr_t end)
{
	ASSERT(c->count < MAX_CARVEOUTS);
	c->range[c->count].start = PAGE_ROUND_DOWN(start);
	c->range[c->count].end = PAGE_ROUND_UP(end);
	c->count++;
}

/* What must survive the boot, wherever it is: not low memory as a whole. */
static void collect_carveouts(const struct boot_info *bi, struct carveouts *c)
{
	carveout_add(c, (paddr_t)(uintptr_t)__kernel_phys_start,
		     (paddr_t)(uintptr_t)__kernel_phys_end);
	carveout_add(c, bi->info_start, bi->info_end);
	for (unsigned i = 0; i < bi->module_count; i++)
		carveout_add(c, bi->modules[i].start, bi->modules[i].end);
}

/* Moves candidate past every carve-out overlapping [candidate, +bytes). */
static paddr_t skip_carveouts(const struct carveouts *c, paddr_t candidate, size_t bytes)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (unsigned i = 0; i < c->count; i++) {
			if (candidate < c->range[i].end && c->range[i].start < candidate + bytes) {
				candidate = c->range[i].end;
				moved = true;
			}
		}
	}
	return candidate;
}

/* The bitmap must sit in usable RAM that the boot page tables map. */
static paddr_t find_metadata_home(const struct boot_info *bi, const struct carveouts *c,
				  size_t bytes)
{
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];
		paddr_t end = r->base + r->length, at;

		if (r->type != MB2_MEMORY_AVAILABLE)
			continue;
		at = skip_carveouts(c, PAGE_ROUND_UP(r->base), bytes);
		if (at + bytes <= end && at + bytes <= BOOT_DIRECT_MAP_BYTES)
			return at;
	}
	panic("frames_init: no room for %zu bytes of frame bitmap below 4 GiB", bytes);
}

/* Bytes of the handed-out bitmap for frames below limit. */
static size_t owned_bytes(paddr_t limit)
{
	return ((limit >> PAGE_SHIFT) + 63) / 64 * 8;
}

/* Sets (or clears) frame f's handed-out bit; returns whether it was set. */
static bool owned_set(uint64_t f, bool on)
{
	uint64_t bit = 1ull << (f % 64), was;

	if (on)
		was = __atomic_fetch_or(&owned[f / 64], bit, __ATOMIC_RELAXED);
	else
		was = __atomic_fetch_and(&owned[f / 64], ~bit, __ATOMIC_RELAXED);
	return was & bit;
}

/* Marks [first, +count frames) handed out; a bit already set means a frame
 * was given to two owners: a broken cache or bitmap. */
static void owned_claim(paddr_t first, uint64_t count)
{
	for (uint64_t f = first >> PAGE_SHIFT; f < (first >> PAGE_SHIFT) + count; f++)
		if (owned_set(f, true))
			panic("frame_alloc: frame %lx handed out while still in use", f << PAGE_SHIFT);
}

/* Clears the handed-out bits of [first, +count frames); false, with every
 * bit as it was, if the run is not all handed out (or not frames at all). */
static bool owned_release(paddr_t first, uint64_t count)
{
	uint64_t f0 = first >> PAGE_SHIFT;

	if (count == 0 || (first & PAGE_MASK) || f0 >= owned_frames || count > owned_frames - f0)
		return false;
	for (uint64_t f = f0; f < f0 + count; f++)
		if (!owned_set(f, false)) {
			while (f-- > f0)
				owned_set(f, true);
			return false;
		}
	return true;
}

static uint64_t owned_count(void)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < (owned_frames + 63) / 64; w++)
		for (uint64_t bits = __atomic_load_n(&owned[w], __ATOMIC_RELAXED); bits;
		     bits &= bits - 1) /* no libgcc for __builtin_popcount */
			n++;
	return n;
}

static paddr_t alloc_page_table_frame(void)
{
	paddr_t frame;

	if (pmm_alloc_contig(&kernel_pmm, 1, 1, &frame) != PMM_OK)
		panic("frames_init: out of memory for the kernel's page tables");
	owned_claim(frame, 1);
	return frame;
}

static void print_summary(size_t pmm_bytes)
{
	struct pmm_counters c = kernel_pmm.counters;

	kprintf("pmm: %lu MiB usable in %lu frames, bitmap %lu bytes + summaries %lu bytes"
		" + handed-out bits %lu bytes at %lx, %lu frames free after boot (%lu MiB),"
		" frame caches %s\n",
		c.usable >> 8, c.usable, kernel_pmm.words[0] * 8,
		pmm_bytes - kernel_pmm.words[0] * 8, metadata_end - metadata_start - pmm_bytes,
		metadata_start, c.free, c.free >> 8, frame_cache_enabled() ? "on" : "off");
}

void frames_init(const struct boot_info *bi)
{
	struct carveouts c = { 0 };
	paddr_t limit = mb2_highest_usable(bi);
	size_t pmm_bytes = pmm_metadata_bytes(limit), bytes = pmm_bytes + owned_bytes(limit);

	frames_boot_info = bi;
	collect_carveouts(bi, &c);
	carveout_add(&c, 0, LOW_MEMORY_END);
	metadata_start = find_metadata_home(bi, &c, bytes);
	metadata_end = metadata_start + bytes;
	carveout_add(&c, metadata_start, metadata_end);
	pmm_init(&kernel_pmm, phys_to_virt(metadata_start), limit);
	owned = phys_to_virt(metadata_start + pmm_bytes); /* 8-byte aligned: pmm_bytes is */
	owned_frames = limit >> PAGE_SHIFT;
	memset(owned, 0, owned_bytes(limit));
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];

		if (r->type == MB2_MEMORY_AVAILABLE &&
		    pmm_add_usable(&kernel_pmm, r->base, r->base + r->length) != PMM_OK)
			panic("frames_init: memory map too fragmented");
	}
	for (unsigned i = 0; i < c.count; i++)
		if (pmm_reserve_range(&kernel_pmm, c.range[i].start, c.range[i].end) != PMM_OK)
			panic("frames_init: too many carve-outs");
	paging_extend_direct_map(bi, alloc_page_table_frame);
	paging_protect_kernel_image(alloc_page_table_frame);
	frame_cache_init();
	print_summary(pmm_bytes);
}

/* Whether [pa, pa + PAGE_SIZE) lies in one usable region of the map. */
static bool usable_page(const struct boot_info *bi, paddr_t pa)
{
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];

		if (r->type == MB2_MEMORY_AVAILABLE && r->base <= pa &&
		    pa + PAGE_SIZE <= r->base + r->length)
			return true;
	}
	return false;
}

paddr_t frames_alloc_low_page(void)
{
	struct carveouts c = { 0 };
	paddr_t found = 0;

	collect_carveouts(frames_boot_info, &c);
	spin_lock(&frames_lock);
	for (paddr_t pa = PAGE_SIZE; pa < LOW_MEMORY_END && !found; pa += PAGE_SIZE)
		if (!low_given[pa >> PAGE_SHIFT] && usable_page(frames_boot_info, pa) &&
		    skip_carveouts(&c, pa, PAGE_SIZE) == pa) {
			low_given[pa >> PAGE_SHIFT] = true;
			found = pa;
		}
	spin_unlock(&frames_lock);
	return found;
}

unsigned frames_bitmap_take(paddr_t *out, unsigned n)
{
	unsigned got = 0;

	spin_lock(&frames_lock);
	while (got < n && pmm_alloc(&kernel_pmm, &out[got]) == PMM_OK)
		got++;
	spin_unlock(&frames_lock);
	return got;
}

void frames_bitmap_give(const paddr_t *in, unsigned n)
{
	spin_lock(&frames_lock);
	for (unsigned i = 0; i < n; i++) {
		enum pmm_status s = pmm_free(&kernel_pmm, in[i]);

		if (s != PMM_OK)
			panic("frames_bitmap_give: %s for cached frame %lx", pmm_status_name(s), in[i]);
	}
	spin_unlock(&frames_lock);
}

/* One frame from this CPU's cache or the bitmap; when both are empty,
 * every cache is emptied into the bitmap and the bitmap tried again, so
 * that out of memory means no frame is free anywhere.  Any CPU may do that:
 * no cached frame awaits a shootdown (tlb_free_frame keeps those back). */
static bool take_one(paddr_t *frame)
{
	if (frame_cache_enabled() ? frame_cache_pop(frame) : frames_bitmap_take(frame, 1) == 1)
		return true;
	frame_cache_reclaim();
	return frames_bitmap_take(frame, 1) == 1;
}

enum pmm_status frame_alloc(paddr_t *frame)
{
	if (!take_one(frame)) {
		if (!tlb_frames_waiting())
			return PMM_ERR_NOMEM;
		tlb_settle(); /* this CPU's frames that wait for a shootdown */
		if (!take_one(frame))
			return PMM_ERR_NOMEM;
	}
	owned_claim(*frame, 1);
	return PMM_OK;
}

static enum pmm_status bitmap_alloc_run(uint64_t count, uint64_t align, paddr_t *first)
{
	enum pmm_status s;

	spin_lock(&frames_lock);
	s = pmm_alloc_contig(&kernel_pmm, count, align, first);
	spin_unlock(&frames_lock);
	return s;
}

/* Runs come from the bitmap only; cached frames may break up a run that
 * would otherwise fit, so they are reclaimed before failing. */
enum pmm_status frame_alloc_run(uint64_t count, uint64_t align, paddr_t *first)
{
	enum pmm_status s = bitmap_alloc_run(count, align, first);

	if (s == PMM_ERR_NOMEM) {
		frame_cache_reclaim();
		s = bitmap_alloc_run(count, align, first);
	}
	if (s == PMM_OK)
		owned_claim(*first, count);
	return s;
}

/* Why [first, +count frames), not all handed out, cannot be freed. */
static enum pmm_status bad_free_status(paddr_t first, uint64_t count)
{
	enum pmm_status s;

	spin_lock(&frames_lock);
	s = pmm_free_check(&kernel_pmm, first, count);
	spin_unlock(&frames_lock);
	return s == PMM_OK ? PMM_ERR_DOUBLE_FREE : s; /* used, not handed out: cached */
}

enum pmm_status frame_try_free(paddr_t frame)
{
	if (!owned_release(frame, 1))
		return bad_free_status(frame, 1);
	if (frame_cache_enabled())
		frame_cache_push(frame);
	else
		frames_bitmap_give(&frame, 1);
	return PMM_OK;
}

static void bad_free_panic(enum pmm_status s, paddr_t frame, uint64_t count, void *caller)
{
	uint64_t offset = 0;
	const char *name = symbol_lookup((uint64_t)(uintptr_t)caller, &offset);

	panic("frame_free: %s freeing frame %lx (%lu frames) from %s+0x%lx",
	      pmm_status_name(s), frame, count, name ? name : "?", offset);
}

void frame_free(paddr_t frame)
{
	enum pmm_status s = frame_try_free(frame);

	if (s != PMM_OK)
		bad_free_panic(s, frame, 1, __builtin_return_address(0));
}

void frame_free_run(paddr_t first, uint64_t count)
{
	enum pmm_status s;

	if (!owned_release(first, count))
		bad_free_panic(bad_free_status(first, count), first, count,
			       __builtin_return_address(0));
	spin_lock(&frames_lock);
	s = pmm_free_contig(&kernel_pmm, first, count);
	spin_unlock(&frames_lock);
	if (s != PMM_OK)
		panic("frame_free_run: handed-out run %lx (%lu frames) refused: %s", first, count,
		      pmm_status_name(s));
}

/* Cached frames count as free: a cache is only a faster place to keep
 * them.  So do frames that wait for a CPU's next shootdown
 * (tlb_free_frame): this CPU's are paid first (before the caches are
 * locked, since paying frees into this CPU's cache). */
struct pmm_counters frame_counters(void)
{
	uint64_t cached, waiting;
	struct pmm_counters c;

	tlb_settle();
	cached = frame_cache_lock_all();
	spin_lock(&frames_lock);
	c = pmm_counters(&kernel_pmm);
	spin_unlock(&frames_lock);
	frame_cache_unlock_all();
	waiting = tlb_frames_waiting();
	c.free += cached + waiting;
	c.used -= cached + waiting;
	return c;
}

uint64_t frames_free_count(void)
{
	return frame_counters().free;
}

const char *frames_check(void)
{
	uint64_t cached = frame_cache_lock_all();
	const char *err;

	spin_lock(&frames_lock);
	err = pmm_check_consistency(&kernel_pmm);
	if (!err && pmm_counters(&kernel_pmm).used != owned_count() + cached)
		err = "frames_check: frames used in the bitmap != handed out + cached";
	spin_unlock(&frames_lock);
	frame_cache_unlock_all();
	return err;
}

void frames_metadata_range(paddr_t *start, paddr_t *end)
{
	*start = metadata_start;
	*end = metadata_end;
}
