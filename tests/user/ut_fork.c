/*
 * ut_fork - fork with copy-on-write, seen from user space:
 *  - parent and child each see their own writes after fork;
 *  - a chain of forks 8 deep, each level waiting for the next;
 *  - a tree of 100 processes, forked in batches under the process limit;
 *  - a fork of a process with 64 MiB reserved and up to 16 MiB touched
 *    copies no page until a write: the child's 8 writes copy 8 pages (plus
 *    its stack page), and the parent's later writes, once the child is
 *    gone, copy none: the last owner writes in place;
 *  - afterwards the shared-frame table is gone (0 bytes) and the system's
 *    free frames are exactly what they were (measured after a warm-up).
 * Pass rule: every check holds; exit 0.
 */
#include "ut.h"
#include "user/runtime/sys.h"

#define PAGE 4096ull
#define CHAIN_DEPTH 8
#define TREE_PROCESSES 100
#define TREE_BATCH 10
#define BIG_PAGES (64ull << 20) / PAGE
#define CHILD_WRITES 8
/* The child's own stack writes (the call to exit) copy its stack page too. */
#define STACK_SLACK 2

/* Waits for pid and returns its exit status (or -1000 on a wait error). */
static int32_t reap(int64_t pid)
{
	int32_t status = -1;

	return sys_wait(pid, &status) == pid ? status : -1000;
}

static void fork_sees_own_writes(void)
{
	int64_t va = sys_reserve(4, RDOS_PROT_WRITE, 0), pid;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)va;

	if (!UT_CHECK(va > 0, "reserve: %s", sys_error_name(va)))
		return;
	for (int i = 0; i < 4; i++)
		p[i * PAGE / 8] = 100 + i;
	pid = sys_fork();
	if (pid == 0) {
		int bad = 0;

		for (int i = 0; i < 4; i++) {
			bad += p[i * PAGE / 8] != (uint64_t)(100 + i);
			p[i * PAGE / 8] = 200 + i;
		}
		for (int i = 0; i < 4; i++)
			bad += p[i * PAGE / 8] != (uint64_t)(200 + i);
		sys_exit(bad);
	}
	UT_CHECK(pid > 0, "fork: %s", sys_error_name(pid));
	UT_EXPECT(reap(pid), 0);
	for (int i = 0; i < 4; i++)
		UT_EXPECT(p[i * PAGE / 8], 100 + i);
	UT_EXPECT(sys_release((uint64_t)va, 4), 0);
}

/* Each level forks the next and exits with the depth reached below it. */
static int32_t chain(int depth)
{
	int64_t pid;

	if (depth == CHAIN_DEPTH)
		return depth;
	pid = sys_fork();
	if (pid == 0)
		sys_exit(chain(depth + 1));
	return pid > 0 ? reap(pid) : -1;
}

static void fork_tree(void)
{
	int64_t pids[TREE_BATCH];
	int done = 0;

	while (done < TREE_PROCESSES) {
		for (int i = 0; i < TREE_BATCH; i++) {
			pids[i] = sys_fork();
			if (pids[i] == 0)
				sys_exit(i);
		}
		for (int i = 0; i < TREE_BATCH; i++)
			if (UT_CHECK(pids[i] > 0, "tree fork: %s", sys_error_name(pids[i])))
				UT_EXPECT(reap(pids[i]), i);
		done += TREE_BATCH;
	}
}

static void fork_big_copies_only_written_pages(void)
{
	struct rdos_memstat before, after;
	int64_t va = sys_reserve(BIG_PAGES, RDOS_PROT_WRITE, 0), pid;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;
	uint64_t touch, copies;

	if (!UT_CHECK(va > 0, "reserve 64 MiB: %s", sys_error_name(va)))
		return;
	ut_memstat(&before);
	/* 16 MiB where RAM allows, else a quarter of what is free */
	touch = before.frames_free / 4 < BIG_PAGES / 4 ? before.frames_free / 4 : BIG_PAGES / 4;
	for (uint64_t i = 0; i < touch; i++)
		p[i * PAGE] = 1;
	ut_memstat(&before);
	pid = sys_fork();
	if (pid == 0) {
		for (int i = 0; i < CHILD_WRITES; i++)
			p[i * PAGE] = 2;
		sys_exit(0);
	}
	UT_EXPECT(reap(pid), 0);
	ut_memstat(&after);
	copies = after.cow_copies - before.cow_copies;
	UT_CHECK(copies >= CHILD_WRITES && copies <= CHILD_WRITES + STACK_SLACK,
		 "%llu pages copied for %d written", (unsigned long long)copies, CHILD_WRITES);
	for (uint64_t i = 0; i < touch; i++)
		UT_CHECK(p[i * PAGE] == 1, "page %llu changed in the parent", (unsigned long long)i);
	for (int i = 0; i < CHILD_WRITES; i++)
		p[i * PAGE] = 3;
	ut_memstat(&after);
	UT_EXPECT(after.cow_copies - before.cow_copies, copies);
	UT_CHECK(after.cow_in_place > before.cow_in_place, "the last owner's writes were copied");
	ut_note("touched %llu pages; copies %llu, in place %llu", (unsigned long long)touch,
		(unsigned long long)(after.cow_copies - before.cow_copies),
		(unsigned long long)(after.cow_in_place - before.cow_in_place));
	UT_EXPECT(sys_release((uint64_t)va, BIG_PAGES), 0);
}

static void fork_round(void)
{
	fork_sees_own_writes();
	UT_EXPECT(chain(0), CHAIN_DEPTH);
	fork_tree();
	fork_big_copies_only_written_pages();
}

int main(void)
{
	struct rdos_memstat base, end;

	ut_begin("ut_fork");
	ut_prefault();
	fork_round(); /* warm-up: kernel caches settle */
	ut_memstat(&base);
	fork_round();
	ut_memstat(&end);
	UT_EXPECT(end.share_table_bytes, 0);
	UT_EXPECT(end.shared_frames, 0);
	UT_EXPECT(end.frames_free, base.frames_free);
	return ut_end();
}
