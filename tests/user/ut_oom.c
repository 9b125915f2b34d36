/*
 * ut_oom - running out of memory kills the process that touched one page
 * too many, and only that process: the kernel goes on, every frame comes
 * back, and the other processes keep their memory.
 *
 * No one process can run the machine out of memory: each may have at most
 * its present-page limit (LIMITS; by default 3/4 of the frames), and a
 * limit can only be lowered.  So the parent spawns itself twice:
 *   "bystander hold=H"  prefaults its image and stack and H pages of data
 *                (H = the free frames less half the present limit), then
 *                sleeps and polls PROCLIST until it has seen the toucher
 *                come and go, checks its data and exits 0;
 *   "toucher"    reserves OOM_RESERVE_PAGES (64 GiB: a reservation takes
 *                no frame) and writes one byte per page until the kernel
 *                kills it: the frames left (about half its limit) run out
 *                before its limit does, so the cause must be
 *                RDOS_KILL_NO_MEMORY, not RDOS_KILL_LIMIT.
 * Then the system's free frames must be exactly what they were before the
 * two children (after a warm-up spawn, as in ut_spawn_many), and the
 * parent must still reserve, touch and spawn normally.
 *
 * Exhausting memory takes time proportional to RAM (a page fault and a
 * zeroed frame per 4 KiB): with more than OOM_RAM_MAX of RAM the test
 * skips (ut_skip), so that it is meaningful in the 32 MiB and 512 MiB
 * boots and costs nothing in the larger ones.  It also skips if the
 * present limit is too low for two processes to hold every free frame.
 *
 * Pass rule: toucher killed for NO_MEMORY, bystander 0, frames back,
 * parent fine; exit 0.
 */
#include <stddef.h>

#include "lib/format.h"
#include "lib/string.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define OOM_RAM_MAX (1ull << 30)
#define OOM_RESERVE_PAGES ((64ull << 30) / PAGE)
#define OOM_BYSTANDER_PAGES 64 /* of its data, checked byte by byte */
/* Pages the bystander's image, stack and page tables take besides its
 * data, at most: room kept below its present limit. */
#define OOM_BYSTANDER_OVERHEAD 1024
#define OOM_AFTER_PAGES 256 /* 1 MiB: what the parent touches afterwards */
#define OOM_POLL_MS 10
/* The bystander polls three times slower than the parent: with several
 * CPUs the two could otherwise wake on the same tick every time, and the
 * parent would always find the bystander running, never asleep. */
#define OOM_BYSTANDER_POLL_MS (3 * OOM_POLL_MS)
#define OOM_POLL_MAX 30000 /* minutes of polls: then each side gives up */
#define OOM_TOUCHER_RAN_OUT 3 /* toucher exit: touched 64 GiB without dying */
#define OOM_TOUCHER_NO_RESERVE 2

/* Statuses of the bystander, for the parent's message. */
enum oom_bystander_status {
	OOM_BYSTANDER_OK = 0,
	OOM_BYSTANDER_SETUP = 2,     /* could not reserve its data */
	OOM_BYSTANDER_TIMEOUT = 3,   /* never saw the all-clear */
	OOM_BYSTANDER_CORRUPTED = 4, /* its data changed */
	OOM_BYSTANDER_PROCLIST = 5,  /* PROCLIST failed */
	OOM_BYSTANDER_ARGS = 6,      /* no hold=H */
};
#define OOM_ALL_CLEAR "ut_hello" /* the parent spawns one after the toucher died */
#define OOM_PROCS_MAX 64         /* PROCLIST's limit per call (docs/abi.md) */
#define OOM_STATE_BLOCKED 1      /* PROCLIST state */

static struct rdos_procinfo oom_procs[OOM_PROCS_MAX];

/* Child: touch pages of a huge reservation until killed. */
static int oom_toucher(void)
{
	int64_t a = sys_reserve(OOM_RESERVE_PAGES, RDOS_PROT_WRITE, 0);

	if (a <= 0)
		return OOM_TOUCHER_NO_RESERVE;
	for (uint64_t i = 0; i < OOM_RESERVE_PAGES; i++)
		((volatile uint8_t *)(uintptr_t)a)[i * PAGE] = (uint8_t)(i | 1);
	return OOM_TOUCHER_RAN_OUT;
}

/* Process pid's entry in oom_procs after a fresh PROCLIST, or NULL; *ok
 * is false if PROCLIST failed. */
static const struct rdos_procinfo *oom_find(int64_t pid, bool *ok)
{
	int64_t n = sys_proclist(oom_procs, OOM_PROCS_MAX);

	*ok = n >= 0;
	for (int64_t i = 0; i < n; i++)
		if (oom_procs[i].pid == pid)
			return &oom_procs[i];
	return NULL;
}

/* Is the all-clear (a child of parent named OOM_ALL_CLEAR, in any state)
 * in oom_procs?  Call right after oom_find(). */
static bool oom_all_clear(int64_t parent)
{
	for (int i = 0; i < OOM_PROCS_MAX; i++)
		if (oom_procs[i].parent == parent &&
		    strncmp(oom_procs[i].name, OOM_ALL_CLEAR, RDOS_PROC_NAME_MAX) == 0)
			return true;
	return false;
}

/* The bystander's data: every byte of the first OOM_BYSTANDER_PAGES, one
 * word (at a varying offset) of each page after them. */
static volatile uint64_t *oom_word(uintptr_t a, uint64_t page)
{
	return (volatile uint64_t *)(a + page * PAGE + (page % (PAGE / 8)) * 8);
}

static void oom_fill(uintptr_t a, uint64_t hold)
{
	volatile uint8_t *p = (volatile uint8_t *)a;

	for (uint64_t i = 0; i < OOM_BYSTANDER_PAGES * PAGE; i++)
		p[i] = (uint8_t)(i * 7);
	for (uint64_t i = OOM_BYSTANDER_PAGES; i < hold; i++)
		*oom_word(a, i) = i * 0x9E3779B97F4A7C15ull;
}

static bool oom_intact(uintptr_t a, uint64_t hold)
{
	volatile uint8_t *p = (volatile uint8_t *)a;

	for (uint64_t i = 0; i < OOM_BYSTANDER_PAGES * PAGE; i++)
		if (p[i] != (uint8_t)(i * 7))
			return false;
	for (uint64_t i = OOM_BYSTANDER_PAGES; i < hold; i++)
		if (*oom_word(a, i) != i * 0x9E3779B97F4A7C15ull)
			return false;
	return true;
}

/* Child: everything it needs is present before the parent starts the
 * toucher (the parent waits until this sleeps), so it takes no frame
 * while memory is short; it must come through untouched.  It ends when
 * the parent's all-clear appears in the process list. */
static int oom_bystander(int argc, char **argv)
{
	int64_t self = sys_getpid(), parent, a;
	const struct rdos_procinfo *me;
	uint64_t hold = 0;
	bool ok, clear = false;

	if (testargs_u64(argc, argv, "hold", &hold) != TESTARGS_FOUND || hold < OOM_BYSTANDER_PAGES)
		return OOM_BYSTANDER_ARGS;
	a = sys_reserve(hold, RDOS_PROT_WRITE, 0);
	ut_prefault();
	me = oom_find(self, &ok);
	if (a <= 0 || !me)
		return OOM_BYSTANDER_SETUP;
	parent = me->parent;
	oom_fill((uintptr_t)a, hold);
	for (int polls = 0; polls < OOM_POLL_MAX && !clear; polls++) {
		sys_sleep(OOM_BYSTANDER_POLL_MS);
		oom_find(self, &ok);
		if (!ok)
			return OOM_BYSTANDER_PROCLIST;
		clear = oom_all_clear(parent);
	}
	if (!clear)
		return OOM_BYSTANDER_TIMEOUT;
	return oom_intact((uintptr_t)a, hold) ? OOM_BYSTANDER_OK : OOM_BYSTANDER_CORRUPTED;
}

/* Parent: waits until the bystander sleeps, i.e. has finished its setup. */
static bool oom_bystander_ready(int64_t pid)
{
	for (int polls = 0; polls < OOM_POLL_MAX; polls++) {
		bool ok;
		const struct rdos_procinfo *p = oom_find(pid, &ok);

		if (!UT_CHECK(ok && p, "bystander %lld not in the process list", pid))
			return false;
		if (p->state == OOM_STATE_BLOCKED)
			return true;
		sys_sleep(OOM_POLL_MS);
	}
	return UT_CHECK(false, "bystander never went to sleep");
}

static int64_t oom_spawn(const char *args)
{
	int64_t pid = sys_spawn("ut_oom", args, RDOS_SPAWN_DEFAULT);

	UT_CHECK(pid > 0, "spawn ut_oom %s: %s", args, sys_error_name(pid));
	return pid;
}

static int32_t oom_wait(int64_t pid)
{
	int32_t status = -1;

	UT_EXPECT(sys_wait(pid, &status), pid);
	return status;
}

/* The toucher must die for want of memory, at an address in user space. */
static void oom_toucher_killed(int64_t pid)
{
	struct rdos_wait_info got = { .status = -1 };

	if (!UT_EXPECT(sys_wait_info(pid, &got), pid))
		return;
	UT_CHECK(got.status == RDOS_STATUS_KILLED,
		 "the toucher was not killed: status %d (2 no reservation, 3 survived)",
		 (int)got.status);
	UT_CHECK(got.cause == RDOS_KILL_NO_MEMORY && got.detail != 0,
		 "the toucher was killed with cause %u at 0x%llx, not for no memory (%u)",
		 (unsigned)got.cause, (unsigned long long)got.detail, RDOS_KILL_NO_MEMORY);
}

/* How many pages the bystander holds so that the frames left are half the
 * toucher's present limit; 0 if its own limit does not allow that. */
static uint64_t oom_hold_pages(uint64_t frames_free)
{
	struct rdos_limits l = { 0 };
	uint64_t hold;

	if (!UT_EXPECT(sys_limits(RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, &l), 0) ||
	    frames_free <= l.max_present_pages / 2)
		return 0;
	hold = frames_free - l.max_present_pages / 2;
	return hold + OOM_BYSTANDER_OVERHEAD <= l.max_present_pages ? hold : 0;
}

/* Fills the kernel's caches for two processes, so that the measurement
 * after the real run compares like with like (see ut_spawn_many). */
static void oom_warm_up(void)
{
	int64_t a = oom_spawn("warm-up"), b = oom_spawn("warm-up");

	if (a > 0)
		UT_EXPECT(oom_wait(a), 0);
	if (b > 0)
		UT_EXPECT(oom_wait(b), 0);
}

/* The parent after the storm: memory and spawning work as usual. */
static void oom_parent_fine(void)
{
	int64_t a = sys_reserve(OOM_AFTER_PAGES, RDOS_PROT_WRITE, 0);
	int64_t child;

	if (UT_CHECK(a > 0, "reserve after OOM: %s", sys_error_name(a))) {
		volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)a;

		for (uint64_t i = 0; i < OOM_AFTER_PAGES; i++)
			w[i * PAGE / sizeof(*w)] = i + 1;
		for (uint64_t i = 0; i < OOM_AFTER_PAGES; i++)
			if (!UT_CHECK(w[i * PAGE / sizeof(*w)] == i + 1, "page %llu lost its value",
				      (unsigned long long)i))
				break;
		UT_EXPECT(sys_release((uint64_t)a, OOM_AFTER_PAGES), 0);
	}
	child = sys_spawn("ut_hello", "after OOM", RDOS_SPAWN_DEFAULT);
	if (UT_CHECK(child > 0, "spawn after OOM: %s", sys_error_name(child)))
		UT_EXPECT(oom_wait(child), 0);
}

int main(int argc, char **argv)
{
	struct rdos_memstat before, after;
	int64_t bystander, toucher, all_clear;
	uint64_t hold;
	char args[48];

	if (testargs_has(argc, argv, "toucher"))
		return oom_toucher();
	if (testargs_has(argc, argv, "bystander"))
		return oom_bystander(argc, argv);
	if (testargs_has(argc, argv, "warm-up"))
		return 0;
	ut_begin("ut_oom");
	ut_prefault();
	ut_memstat(&before);
	if (before.frames_total * PAGE > OOM_RAM_MAX)
		return ut_skip("too much RAM to exhaust quickly (%llu MiB > %llu MiB)",
			       (unsigned long long)(before.frames_total * PAGE >> 20),
			       (unsigned long long)(OOM_RAM_MAX >> 20));
	oom_warm_up();
	ut_memstat(&before);
	hold = oom_hold_pages(before.frames_free);
	if (hold == 0)
		return ut_skip("the present-page limit is too low for two processes to hold "
			       "%llu free frames", (unsigned long long)before.frames_free);
	format_buf(args, sizeof(args), "bystander hold=%llu", (unsigned long long)hold);
	ut_note("bystander holds %llu of %llu free frames", (unsigned long long)hold,
		(unsigned long long)before.frames_free);

	bystander = oom_spawn(args);
	if (bystander <= 0 || !oom_bystander_ready(bystander))
		return ut_end();
	toucher = oom_spawn("toucher");
	if (toucher > 0)
		oom_toucher_killed(toucher);
	all_clear = sys_spawn(OOM_ALL_CLEAR, "all clear", RDOS_SPAWN_DEFAULT);
	if (UT_CHECK(all_clear > 0, "spawn the all-clear: %s", sys_error_name(all_clear)))
		UT_CHECK(oom_wait(bystander) == OOM_BYSTANDER_OK,
			 "bystander failed (2 setup, 3 timeout, 4 data changed, 5 proclist, 6 args)");
	if (all_clear > 0)
		UT_EXPECT(oom_wait(all_clear), 0);
	ut_memstat(&after);
	UT_EXPECT(after.frames_free, before.frames_free);
	oom_parent_fine();
	return ut_end();
}
