/*
 * pmm_tests.c - in-kernel tests of the physical memory manager on the real
 * memory map of whatever machine (and -m size) the kernel booted on.
 */
#include "arch/x86_64/layout.h"
#include "kernel/boot_info.h"
#include "kernel/frame_cache.h"
#include "kernel/frames.h"
#include "kernel/kernel_lock.h"
#include "kernel/kmalloc.h"
#include "kernel/ktest.h"
#include "kernel/parallel.h"
#include "kernel/percpu.h"
#include "kernel/tlb.h"

extern const char __kernel_phys_start[], __kernel_phys_end[];

#define FRAME_TAG 0x5eed000000000000ull

static bool overlaps(paddr_t frame, paddr_t start, paddr_t end)
{
	return frame + PAGE_SIZE > start && frame < end;
}

/* A frame the allocator must never hand out. */
static bool frame_is_carved_out(paddr_t frame)
{
	const struct boot_info *bi = boot_info();
	paddr_t meta_start, meta_end;

	frames_metadata_range(&meta_start, &meta_end);
	if (frame < 0x100000 || overlaps(frame, meta_start, meta_end) ||
	    overlaps(frame, (paddr_t)(uintptr_t)__kernel_phys_start,
		     (paddr_t)(uintptr_t)__kernel_phys_end) ||
	    overlaps(frame, bi->info_start, bi->info_end))
		return true;
	for (unsigned i = 0; i < bi->module_count; i++)
		if (overlaps(frame, bi->modules[i].start, bi->modules[i].end))
			return true;
	return false;
}

/*
 * Allocates every free frame, chaining them through their own first word
 * (word 0: next frame, word 1: a tag naming the frame itself); returns how
 * many, the chain's head in *head, and how many overlap a carve-out.
 */
static uint64_t alloc_all_chained(paddr_t *head, uint64_t *carved)
{
	uint64_t count = 0;
	paddr_t frame;

	*head = 0;
	*carved = 0;
	while (frame_alloc(&frame) == PMM_OK) {
		uint64_t *words = phys_to_virt(frame);

		words[0] = *head;
		words[1] = FRAME_TAG | frame;
		*head = frame;
		count++;
		*carved += frame_is_carved_out(frame);
	}
	return count;
}

/* Frees the chain; returns how many frames carried another frame's tag. */
static uint64_t free_chain(paddr_t head)
{
	uint64_t bad_tags = 0;

	while (head) {
		uint64_t *words = phys_to_virt(head);
		paddr_t next = words[0];

		bad_tags += words[1] != (FRAME_TAG | head);
		frame_free(head);
		head = next;
	}
	return bad_tags;
}

/*
 * Every free frame, wherever it is kept (bitmap or any CPU's cache), is
 * handed out exactly once: a frame handed out twice would carry another
 * frame's tag, and a frame overlapping the kernel would have crashed or
 * corrupted it.
 */
KTEST(pmm_every_usable_frame_allocated_exactly_once)
{
	uint64_t free_before = frames_free_count(), count, carved;
	paddr_t head;

	count = alloc_all_chained(&head, &carved);
	KT_EXPECT_EQ(count, free_before);
	KT_EXPECT_EQ(frames_free_count(), 0);
	KT_EXPECT_EQ(carved, 0);
	KT_EXPECT_EQ(free_chain(head), 0);
	KT_EXPECT_EQ(frames_free_count(), free_before);
	KT_EXPECT(frames_check() == NULL);
}

KTEST(pmm_contiguous_run_is_aligned_and_writable)
{
	paddr_t first;
	uint64_t *words;

	KT_ASSERT(frame_alloc_run(512, 512, &first) == PMM_OK);
	KT_EXPECT_EQ(first % (2ull << 20), 0);
	words = phys_to_virt(first);
	for (unsigned i = 0; i < 512; i++)
		words[i * (PAGE_SIZE / 8)] = i;
	for (unsigned i = 0; i < 512; i++)
		KT_EXPECT_EQ(words[i * (PAGE_SIZE / 8)], i);
	frame_free_run(first, 512);
}

/* The second free finds the frame in this CPU's cache when the caches are
 * on, in the bitmap when they are off: a double free either way. */
static void expect_bad_frees_refused(void)
{
	paddr_t frame;
	const struct boot_info *bi = boot_info();

	KT_ASSERT(frame_alloc(&frame) == PMM_OK);
	KT_EXPECT_EQ(frame_try_free(frame), PMM_OK);
	KT_EXPECT_EQ(frame_try_free(frame), PMM_ERR_DOUBLE_FREE);
	KT_EXPECT_EQ(frame_try_free((paddr_t)(uintptr_t)__kernel_phys_start), PMM_ERR_NOT_USABLE);
	KT_EXPECT_EQ(frame_try_free(mb2_highest_usable(bi) + (1ull << 30)), PMM_ERR_OUT_OF_RANGE);
	KT_EXPECT_EQ(frame_try_free(frame + 1), PMM_ERR_MISALIGNED);
}

KTEST(pmm_bad_frees_are_refused)
{
	bool was = frame_cache_enabled();

	frame_cache_set_enabled(true);
	expect_bad_frees_refused();
	frame_cache_set_enabled(false);
	expect_bad_frees_refused();
	frame_cache_set_enabled(was);
}

KTEST(pmm_counters_add_up_after_boot)
{
	struct pmm_counters c = frame_counters();

	KT_EXPECT_EQ(c.usable, c.reserved + c.free + c.used);
	KT_EXPECT(c.free > 0);
	KT_EXPECT(frames_check() == NULL);
}

#define SMP_ROUNDS 1500
#define SMP_MAX_HELD 96 /* more than a cache holds: refills and drains */
#define SMP_RECLAIM_EVERY 16
#define OWNER_TAG 0x0e4e000000000000ull

struct smp_frames_run {
	uint64_t handed[MAX_CPUS];   /* frames each thread was given */
	uint64_t bad[MAX_CPUS];      /* frames that lost their owner's stamp */
	uint64_t nomem[MAX_CPUS];
	unsigned cpu[MAX_CPUS];      /* where each thread ran */
};

static uint64_t owner_stamp(unsigned cpu, unsigned round, paddr_t frame)
{
	return OWNER_TAG ^ ((uint64_t)cpu << 40) ^ ((uint64_t)round << 20) ^ frame;
}

/* Thread i: rounds of "take n frames, stamp each, check every stamp, give
 * them back", n varying so that caches refill and drain.  Thread 0 also
 * takes every cache away now and then, under the kernel lock, as a CPU
 * that runs out of frames does: that is what the cache locks are for. */
static void alloc_free_rounds(unsigned i, void *arg)
{
	struct smp_frames_run *r = arg;
	paddr_t held[SMP_MAX_HELD];

	r->cpu[i] = this_cpu()->index;
	for (unsigned round = 0; round < SMP_ROUNDS; round++) {
		unsigned n = 1 + (round * 37 + i * 11) % SMP_MAX_HELD, got = 0;

		while (got < n && frame_alloc(&held[got]) == PMM_OK) {
			*(uint64_t *)phys_to_virt(held[got]) = owner_stamp(i, round, held[got]);
			got++;
		}
		r->nomem[i] += got < n;
		r->handed[i] += got;
		for (unsigned k = 0; k < got; k++) {
			r->bad[i] += *(uint64_t *)phys_to_virt(held[k]) !=
				     owner_stamp(i, round, held[k]);
			frame_free(held[k]);
		}
		if (i == 0 && round % SMP_RECLAIM_EVERY == 0) {
			kernel_lock();
			frame_cache_reclaim();
			kernel_unlock();
		}
		tlb_catch_up(); /* parallel.h */
	}
}

/*
 * Every online CPU allocates and frees at once, through its own cache,
 * while one of them keeps emptying all caches.  No frame may reach two
 * owners (the stamps, and frame_alloc's own check of the handed-out bit),
 * no frame may be lost (the free count comes back), and every frame must
 * still be reachable afterwards, wherever it ended up.
 */
KTEST(smp_frames_allocated_and_freed_on_every_cpu_at_once)
{
	static struct smp_frames_run r;
	unsigned cpus = cpus_online();
	bool was = frame_cache_enabled();
	uint64_t free_before, count, carved;
	paddr_t head;

	frame_cache_set_enabled(true);
	kmalloc_trim();
	free_before = frames_free_count();
	r = (struct smp_frames_run){ 0 };
	KT_ASSERT(parallel_run(cpus, alloc_free_rounds, &r));
	for (unsigned i = 0; i < cpus; i++) {
		KT_EXPECT_EQ(r.bad[i], 0);
		KT_EXPECT_EQ(r.nomem[i], 0);
		KT_EXPECT(r.handed[i] >= SMP_ROUNDS);
		for (unsigned j = 0; j < i; j++)
			KT_EXPECT(r.cpu[i] != r.cpu[j]);
	}
	kmalloc_trim(); /* the threads' structs */
	KT_EXPECT_EQ(frames_free_count(), free_before);
	KT_EXPECT(frames_check() == NULL);
	count = alloc_all_chained(&head, &carved);
	KT_EXPECT_EQ(count, free_before);
	KT_EXPECT_EQ(free_chain(head), 0);
	frame_cache_set_enabled(was);
}

/* Harness self-test: a double free must panic naming the frame and caller. */
KTEST_MANUAL(pmm_deliberate_double_free)
{
	paddr_t frame;

	KT_ASSERT(frame_alloc(&frame) == PMM_OK);
	frame_free(frame);
	frame_free(frame);
}
