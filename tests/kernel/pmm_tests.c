/*
 * pmm_tests.c - in-kernel tests of the physical memory manager on the real
 * memory map of whatever machine (and -m size) the kernel booted on.
 */
#include "arch/x86_64/layout.h"
#include "kernel/boot_info.h"
#include "kernel/frames.h"
#include "kernel/ktest.h"

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
 * (word 0: next frame, word 1: a tag naming the frame itself), then checks
 * every tag: a frame handed out twice would carry another frame's tag, and a
 * frame overlapping the kernel would have crashed or corrupted it.
 */
KTEST(pmm_every_usable_frame_allocated_exactly_once)
{
	uint64_t free_before = frames_free_count(), count = 0, carved = 0, bad_tags = 0;
	paddr_t head = 0, frame;

	while (frame_alloc(&frame) == PMM_OK) {
		uint64_t *words = phys_to_virt(frame);

		words[0] = head;
		words[1] = FRAME_TAG | frame;
		head = frame;
		count++;
		carved += frame_is_carved_out(frame);
	}
	KT_EXPECT_EQ(count, free_before);
	KT_EXPECT_EQ(frames_free_count(), 0);
	KT_EXPECT_EQ(carved, 0);
	while (head) {
		uint64_t *words = phys_to_virt(head);
		paddr_t next = words[0];

		bad_tags += words[1] != (FRAME_TAG | head);
		frame_free(head);
		head = next;
	}
	KT_EXPECT_EQ(bad_tags, 0);
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

KTEST(pmm_bad_frees_are_refused)
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

KTEST(pmm_counters_add_up_after_boot)
{
	struct pmm_counters c = frame_counters();

	KT_EXPECT_EQ(c.usable, c.reserved + c.free + c.used);
	KT_EXPECT(c.free > 0);
	KT_EXPECT(frames_check() == NULL);
}

/* Harness self-test: a double free must panic naming the frame and caller. */
KTEST_MANUAL(pmm_deliberate_double_free)
{
	paddr_t frame;

	KT_ASSERT(frame_alloc(&frame) == PMM_OK);
	frame_free(frame);
	frame_free(frame);
}
