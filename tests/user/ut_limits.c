/*
 * ut_limits - a process's own memory limits (LIMITS), seen from user space:
 *  - LIMITS reports the usage MEMSTAT reports; the kernel's defaults hold
 *    (4 TiB reservable, a present limit within the machine's frames); a
 *    raise is EINVAL and changes nothing;
 *  - the process lowers both limits to its usage plus a little room;
 *  - a RESERVE past the reserved-page limit, anywhere or at a fixed
 *    address, is ELIMIT and reserves nothing; up to the limit works;
 *  - a forked child that touches pages past the present-page limit is
 *    killed (RDOS_STATUS_KILLED, cause RDOS_KILL_LIMIT at an address of
 *    the pages it touched) and the parent goes on, its memory intact;
 *  - children start with the parent's limits: a forked one reads them, a
 *    spawned one ("ut_limits child R P") checks them against R and P;
 *  - a process that lowered its present limit below its usage cannot fork
 *    (the child would start over it): ELIMIT;
 *  - after each round the usage is back to what it was, and after the
 *    second (measured) round so are the system's free frames.
 * Pass rule: every check holds; exit 0.
 */
#include "lib/format.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define DEFAULT_MAX_RESERVED (1ull << 30) /* the kernel's default, 4 TiB */
#define RESERVE_ROOM 256 /* pages the process may still reserve */
#define PRESENT_ROOM 32  /* pages it may still make present */
#define TOUCH_PAGES (4 * PRESENT_ROOM)
#define CHILD_SURVIVED 3 /* the toucher's status if it was not killed */
#define CHILD_GRANDCHILD 4

static struct rdos_limits limits_now(void)
{
	struct rdos_limits l = { 0 };

	UT_EXPECT(sys_limits(RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, &l), 0);
	return l;
}

static int32_t reap(int64_t pid)
{
	int32_t status = -1;

	if (!UT_CHECK(pid > 0, "fork/spawn: %s", sys_error_name(pid)))
		return -1000;
	return sys_wait(pid, &status) == pid ? status : -1000;
}

/* A spawned child: its limits must be the R and P its parent passed. */
static int check_inherited(int argc, char **argv)
{
	struct rdos_limits l = limits_now();
	uint64_t r = 0, p = 0;

	UT_EXPECT(testargs_u64(argc, argv, "r", &r), TESTARGS_FOUND);
	UT_EXPECT(testargs_u64(argc, argv, "p", &p), TESTARGS_FOUND);
	UT_EXPECT(l.max_reserved_pages, r);
	UT_EXPECT(l.max_present_pages, p);
	return ut_end();
}

/* Defaults, usage as MEMSTAT sees it, a raise refused; then lower both. */
static void check_and_lower(void)
{
	struct rdos_limits l = limits_now(), after;
	struct rdos_memstat ms;

	ut_memstat(&ms);
	UT_EXPECT(l.max_reserved_pages, DEFAULT_MAX_RESERVED);
	UT_CHECK(l.max_present_pages > 0 && l.max_present_pages < ms.frames_total,
		 "default present limit %llu of %llu frames",
		 (unsigned long long)l.max_present_pages, (unsigned long long)ms.frames_total);
	UT_EXPECT(l.reserved_pages, ms.reserved_pages);
	UT_EXPECT(l.present_pages, ms.present_pages);
	UT_EXPECT(sys_limits(l.max_reserved_pages + 1, RDOS_LIMIT_KEEP, &after), -RDOS_EINVAL);
	UT_EXPECT(sys_limits(RDOS_LIMIT_KEEP, l.max_present_pages + 1, &after), -RDOS_EINVAL);
	UT_EXPECT(limits_now().max_reserved_pages, l.max_reserved_pages);
	UT_EXPECT(sys_limits(l.reserved_pages + RESERVE_ROOM, l.present_pages + PRESENT_ROOM,
			     &after),
		  0);
	UT_EXPECT(after.max_reserved_pages, l.reserved_pages + RESERVE_ROOM);
	UT_EXPECT(after.max_present_pages, l.present_pages + PRESENT_ROOM);
}

static void reserve_past_the_limit_is_refused(void)
{
	struct rdos_limits l = limits_now();
	uint64_t room = l.max_reserved_pages - l.reserved_pages;
	int64_t a = sys_reserve(room, RDOS_PROT_WRITE, 0);

	if (!UT_CHECK(a > 0, "reserve up to the limit: %s", sys_error_name(a)))
		return;
	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, 0), -RDOS_ELIMIT);
	UT_EXPECT(sys_release((uint64_t)a, room), 0);
	UT_EXPECT(sys_reserve(room + 1, RDOS_PROT_WRITE, 0), -RDOS_ELIMIT);
	UT_EXPECT(sys_reserve(room + 1, RDOS_PROT_WRITE, (uint64_t)a), -RDOS_ELIMIT);
	UT_EXPECT(limits_now().reserved_pages, l.reserved_pages);
}

/* A forked child writes TOUCH_PAGES pages, past its present limit. */
static void touch_past_the_limit_kills_the_child(void)
{
	int64_t a = sys_reserve(TOUCH_PAGES, RDOS_PROT_WRITE, 0), pid;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
	struct rdos_wait_info got = { 0 };

	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return;
	p[0] = 7;
	pid = sys_fork();
	if (pid == 0) {
		for (uint64_t i = 0; i < TOUCH_PAGES; i++)
			p[i * PAGE] = 1;
		sys_exit(CHILD_SURVIVED);
	}
	if (UT_CHECK(pid > 0, "fork: %s", sys_error_name(pid)) &&
	    UT_EXPECT(sys_wait_info(pid, &got), pid)) {
		UT_EXPECT(got.status, RDOS_STATUS_KILLED);
		UT_EXPECT(got.cause, RDOS_KILL_LIMIT);
		UT_CHECK(got.detail >= (uint64_t)a && got.detail < (uint64_t)a + TOUCH_PAGES * PAGE,
			 "killed at 0x%llx, outside the touched pages", (unsigned long long)got.detail);
	}
	UT_EXPECT(p[0], 7);
	UT_EXPECT(sys_release((uint64_t)a, TOUCH_PAGES), 0);
}

static void children_inherit_the_limits(void)
{
	struct rdos_limits l = limits_now();
	char args[64];
	int64_t pid = sys_fork();

	if (pid == 0) {
		struct rdos_limits c = limits_now();

		sys_exit(c.max_reserved_pages != l.max_reserved_pages ||
			 c.max_present_pages != l.max_present_pages);
	}
	UT_EXPECT(reap(pid), 0);
	format_buf(args, sizeof(args), "child r=%llu p=%llu",
		   (unsigned long long)l.max_reserved_pages,
		   (unsigned long long)l.max_present_pages);
	UT_EXPECT(reap(sys_spawn("ut_limits", args, RDOS_SPAWN_DEFAULT)), 0);
}

/* The child lowers its present limit below its usage: it may keep running
 * on what it has, but not fork.  It exits with 0 if its fork got ELIMIT. */
static void fork_over_the_limit_is_refused(void)
{
	int64_t pid = sys_fork();

	if (pid == 0) {
		struct rdos_limits l;
		int64_t r;

		sys_limits(RDOS_LIMIT_KEEP, 0, &l);
		r = sys_fork();
		sys_exit(r == 0 ? CHILD_GRANDCHILD : r != -RDOS_ELIMIT);
	}
	UT_EXPECT(reap(pid), 0);
}

static void limits_round(void)
{
	struct rdos_limits before = limits_now(), after;

	reserve_past_the_limit_is_refused();
	touch_past_the_limit_kills_the_child();
	children_inherit_the_limits();
	fork_over_the_limit_is_refused();
	after = limits_now();
	UT_EXPECT(after.reserved_pages, before.reserved_pages);
	UT_EXPECT(after.present_pages, before.present_pages);
}

int main(int argc, char **argv)
{
	struct rdos_memstat base, end;

	bool child = testargs_has(argc, argv, "child");

	ut_begin(child ? "ut_limits (spawned child)" : "ut_limits");
	ut_prefault();
	if (child)
		return check_inherited(argc, argv);
	check_and_lower();
	limits_round(); /* warm-up: kernel caches settle */
	ut_memstat(&base);
	limits_round();
	ut_memstat(&end);
	UT_EXPECT(end.frames_free, base.frames_free);
	return ut_end();
}
