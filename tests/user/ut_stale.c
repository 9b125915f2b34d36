/*
 * ut_stale - no process ever sees another's data: every frame is zeroed
 * before a process gets it, whether it comes to a reservation, to the
 * program's .bss or to the tail of a file-backed image page.
 *
 * The test spawns itself twice as a "dirty" child that fills STALE_BYTES
 * with 0xA5 and kernel-looking addresses (0xFFFFFFFF80xxxxxx), then gives
 * the frames back, once by RELEASE ("dirty release") and once by exiting
 * with the memory still reserved ("dirty exit").  After each, the parent
 * takes the same amount of memory and reads every byte.  The frame
 * allocator hands out the lowest free frames first, so the parent's pages
 * are the child's frames; the test does not rely on it for its verdict
 * (zero is required wherever the frames come from).
 *
 * Checked, in this order:
 *   1. after "dirty release": .bss (STALE_BSS_BYTES, never touched before)
 *      reads 0, then a fresh STALE_BYTES reservation reads 0 everywhere;
 *   2. after "dirty exit": a fresh reservation reads 0 everywhere;
 *   3. within one process: fill, release, reserve the same address again:
 *      reads 0;
 *   4. every image section's last page reads 0 past the section's
 *      VirtualSize (the loader's straddling case: copy the file data, zero
 *      the rest of the page; the file holds the next section's bytes there).
 *
 * Pass rule: both children exit 0 and every check holds; exit 0.
 */
#include <stddef.h>

#include "image.h"
#include "lib/string.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define STALE_BYTES (8u << 20)
#define STALE_PAGES (STALE_BYTES / PAGE)
#define STALE_BSS_BYTES (256u << 10)
#define STALE_FILL 0xA5
#define STALE_KERNEL_LOOKING 0xFFFFFFFF80000000ull
/* Kernel-looking words per page, spread over it. */
#define STALE_WORDS_PER_PAGE 4

/* Never written by this program: must read 0 however its frames were used
 * before.  Not const, so that it is .bss and not .rdata. */
static volatile uint64_t stale_bss[STALE_BSS_BYTES / sizeof(uint64_t)];

/* The dirty child's fill: 0xA5 everywhere and, in each page, a few words
 * that look like kernel pointers, the kind of data a leak would expose. */
static void stale_fill(uint8_t *p, uint64_t npages)
{
	memset(p, STALE_FILL, npages * PAGE);
	for (uint64_t i = 0; i < npages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + i * PAGE);

		for (int k = 0; k < STALE_WORDS_PER_PAGE; k++)
			w[k * (PAGE / sizeof(uint64_t) / STALE_WORDS_PER_PAGE)] =
				STALE_KERNEL_LOOKING | ((i * PAGE + (uint64_t)k * 8) & 0xFFFFFF);
	}
}

/* Child: dirty STALE_BYTES, then release them (or not) and exit 0. */
static int stale_dirty_child(bool release)
{
	int64_t a = sys_reserve(STALE_PAGES, RDOS_PROT_WRITE, 0);

	if (a <= 0)
		return 2;
	stale_fill((uint8_t *)(uintptr_t)a, STALE_PAGES);
	if (release && sys_release((uint64_t)a, STALE_PAGES) != 0)
		return 3;
	return 0;
}

/* Index of the first non-zero word, or count if none. */
static uint64_t stale_first_nonzero(const volatile uint64_t *w, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		if (w[i] != 0)
			return i;
	return count;
}

/* Every word of [p, p + bytes) must read 0. */
static void stale_expect_zero(const char *what, const volatile uint64_t *w, uint64_t bytes)
{
	uint64_t count = bytes / sizeof(uint64_t);
	uint64_t i = stale_first_nonzero(w, count);

	UT_CHECK(i == count, "%s: word %llu of %llu (offset 0x%llx) reads 0x%llx, not 0", what,
		 (unsigned long long)i, (unsigned long long)count,
		 (unsigned long long)(i * sizeof(uint64_t)),
		 i < count ? (unsigned long long)w[i] : 0ull);
}

static void stale_run_child(const char *args)
{
	int64_t pid = sys_spawn("ut_stale", args, RDOS_SPAWN_DEFAULT);
	int32_t status = -1;

	if (!UT_CHECK(pid > 0, "spawn ut_stale %s: %s", args, sys_error_name(pid)))
		return;
	UT_EXPECT(sys_wait(pid, &status), pid);
	UT_CHECK(status == 0, "child \"%s\" exited with %d", args, (int)status);
}

/* A fresh reservation of STALE_BYTES: every page touched by reading, and
 * every byte 0.  Returns its address (still reserved) or 0. */
static uint64_t stale_fresh_reservation(const char *what)
{
	int64_t a = sys_reserve(STALE_PAGES, RDOS_PROT_WRITE, 0);

	if (!UT_CHECK(a > 0, "%s: reserve: %s", what, sys_error_name(a)))
		return 0;
	stale_expect_zero(what, (const volatile uint64_t *)(uintptr_t)a, STALE_BYTES);
	return (uint64_t)a;
}

/* Within one process: what it wrote and released it does not get back. */
static void stale_same_process(uint64_t a)
{
	stale_fill((uint8_t *)(uintptr_t)a, STALE_PAGES);
	UT_EXPECT(sys_release(a, STALE_PAGES), 0);
	if (!UT_EXPECT(sys_reserve(STALE_PAGES, RDOS_PROT_WRITE, a), (int64_t)a))
		return;
	stale_expect_zero("same process, released and reserved again",
			  (const volatile uint64_t *)(uintptr_t)a, STALE_BYTES);
	UT_EXPECT(sys_release(a, STALE_PAGES), 0);
}

/* ---- image section tails ---------------------------------------------------- */

#define STALE_SECTIONS_MAX 16

/* The bytes of a section's last page past its VirtualSize belong to no
 * section: the loader must have zeroed them, whatever the file holds
 * there.  Discardable sections (.reloc) need not be mapped: skipped. */
static void stale_section_tails(void)
{
	struct image_section secs[STALE_SECTIONS_MAX];
	unsigned n = image_sections(secs, STALE_SECTIONS_MAX);
	const volatile uint8_t *p = image_base();

	UT_CHECK(n <= STALE_SECTIONS_MAX, "%u sections, only %u checked", n, STALE_SECTIONS_MAX);
	for (unsigned i = 0; i < n && i < STALE_SECTIONS_MAX; i++) {
		uint32_t from = secs[i].vaddr + secs[i].vsize;
		uint32_t end = (from + PAGE - 1) & ~(PAGE - 1);

		if (secs[i].flags & IMAGE_SCN_MEM_DISCARDABLE)
			continue;
		for (uint32_t off = from; off < end; off++) {
			if (p[off] != 0) {
				UT_CHECK(false,
					 "section %s: byte +0x%x, past its size 0x%x, reads 0x%02x",
					 secs[i].name, off - secs[i].vaddr, secs[i].vsize, p[off]);
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t a;

	if (testargs_has(argc, argv, "dirty"))
		return stale_dirty_child(testargs_has(argc, argv, "release"));
	ut_begin("ut_stale");

	stale_run_child("dirty release");
	stale_expect_zero(".bss after a dirty child", stale_bss, STALE_BSS_BYTES);
	a = stale_fresh_reservation("reservation after \"dirty release\"");
	if (a)
		UT_EXPECT(sys_release(a, STALE_PAGES), 0);

	stale_run_child("dirty exit");
	a = stale_fresh_reservation("reservation after \"dirty exit\"");
	if (a)
		stale_same_process(a);

	stale_section_tails();
	return ut_end();
}
