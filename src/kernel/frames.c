/*
 * frames.c - brings up the physical memory manager from the boot memory map
 * and serialises access to it.
 *
 * Carve-outs, decided here and nowhere else: the first MiB (BIOS data and,
 * later, the real-mode trampoline for other CPUs), the kernel image, the
 * Multiboot2 information (boot_info's strings point into it), every module,
 * and the bitmap itself.  GRUB reports all of these as usable RAM.
 *
 * Lock: frames_lock protects kernel_pmm (bitmap, summaries, cursor, counters).
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/frames.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/symbols.h"
#include "kernel/tlb.h"
#include "lib/panic.h"

#define LOW_MEMORY_END 0x100000ull
#define MAX_CARVEOUTS (4 + MB2_MAX_MODULES)

extern const char __kernel_phys_start[], __kernel_phys_end[];

static struct pmm kernel_pmm;
static struct spinlock frames_lock = SPINLOCK_INIT("kernel_pmm");
static paddr_t metadata_start, metadata_end;

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

static void collect_carveouts(const struct boot_info *bi, struct carveouts *c)
{
	carveout_add(c, 0, LOW_MEMORY_END);
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

static paddr_t alloc_page_table_frame(void)
{
	paddr_t frame;

	if (pmm_alloc_contig(&kernel_pmm, 1, 1, &frame) != PMM_OK)
		panic("frames_init: out of memory for the kernel's page tables");
	return frame;
}

static void print_summary(void)
{
	struct pmm_counters c = kernel_pmm.counters;

	kprintf("pmm: %lu MiB usable in %lu frames, bitmap %lu bytes + summaries %lu bytes"
		" at %lx, %lu frames free after boot (%lu MiB)\n",
		c.usable >> 8, c.usable, kernel_pmm.words[0] * 8,
		metadata_end - metadata_start - kernel_pmm.words[0] * 8, metadata_start,
		c.free, c.free >> 8);
}

void frames_init(const struct boot_info *bi)
{
	struct carveouts c = { 0 };
	paddr_t limit = mb2_highest_usable(bi);
	size_t bytes = pmm_metadata_bytes(limit);

	collect_carveouts(bi, &c);
	metadata_start = find_metadata_home(bi, &c, bytes);
	metadata_end = metadata_start + bytes;
	carveout_add(&c, metadata_start, metadata_end);
	pmm_init(&kernel_pmm, phys_to_virt(metadata_start), limit);
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
	print_summary();
}

static enum pmm_status alloc_one(paddr_t *frame)
{
	enum pmm_status s;

	spin_lock(&frames_lock);
	s = pmm_alloc(&kernel_pmm, frame);
	spin_unlock(&frames_lock);
	return s;
}

enum pmm_status frame_alloc(paddr_t *frame)
{
	enum pmm_status s;

	tlb_shootdown_pending(); /* tlb.h: no frame is reused while still reachable */
	s = alloc_one(frame);
	if (s == PMM_ERR_NOMEM && tlb_frames_waiting()) {
		tlb_settle(); /* this CPU's waiting frames, before giving up */
		s = alloc_one(frame);
	}
	return s;
}

enum pmm_status frame_alloc_run(uint64_t count, uint64_t align, paddr_t *first)
{
	enum pmm_status s;

	tlb_shootdown_pending();
	spin_lock(&frames_lock);
	s = pmm_alloc_contig(&kernel_pmm, count, align, first);
	spin_unlock(&frames_lock);
	return s;
}

enum pmm_status frame_try_free(paddr_t frame)
{
	enum pmm_status s;

	spin_lock(&frames_lock);
	s = pmm_free(&kernel_pmm, frame);
	spin_unlock(&frames_lock);
	return s;
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

	spin_lock(&frames_lock);
	s = pmm_free_contig(&kernel_pmm, first, count);
	spin_unlock(&frames_lock);
	if (s != PMM_OK)
		bad_free_panic(s, first, count, __builtin_return_address(0));
}

struct pmm_counters frame_counters(void)
{
	struct pmm_counters c;

	/* Frames freed by a CPU may wait for its next shootdown
	 * (tlb_free_frame): free, not yet back in the bitmap. */
	tlb_settle();
	spin_lock(&frames_lock);
	c = pmm_counters(&kernel_pmm);
	spin_unlock(&frames_lock);
	c.free += tlb_frames_waiting();
	return c;
}

uint64_t frames_free_count(void)
{
	return frame_counters().free;
}

const char *frames_check(void)
{
	const char *err;

	spin_lock(&frames_lock);
	err = pmm_check_consistency(&kernel_pmm);
	spin_unlock(&frames_lock);
	return err;
}

void frames_metadata_range(paddr_t *start, paddr_t *end)
{
	*start = metadata_start;
	*end = metadata_end;
}
