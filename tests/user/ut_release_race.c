/*
 * ut_release_race - writes that race a thread releasing the page they go
 * to.  Found from outside (issue: a user program panicked the kernel): a
 * frame freed on one CPU waited for its TLB shootdown on a list linked
 * through the frame itself, so a write through another CPU's stale
 * translation rewrote the link, and the kernel later freed whatever frame
 * the user had written there.
 *
 *   syscalls  one thread reserves one page at a fixed address, writes a
 *             word into it and releases it, RACE_ROUNDS times; meanwhile
 *             the main thread makes every system call that writes to a
 *             user buffer (MEMSTAT, VMMAP, GETARGS, PROCLIST, LIMITS) with
 *             that page as the buffer, and SPAWN with it as the name.
 *             Each call either succeeds or says EFAULT (SPAWN: or that
 *             there is no such program).
 *   stores    RACE_CHILDREN forked children, each with a thread storing
 *             0x1000 (a frame-looking word) into the page from ring 3
 *             while the main thread reserves and releases it; a child is
 *             killed, with the cause "unreserved page", when its store
 *             finds the page free, or exits 0 if it never does.
 * Pass rule: no panic; exit 0; the kernel test's leak check sees every
 * frame back (a frame freed twice or lost shows there, or as a panic).
 * Arguments: rounds=N, children=N.
 */
#include <stddef.h>

#include "testargs.h"
#include "ut.h"
#include "user/runtime/sys.h"
#include "user/runtime/thread.h"

#define PAGE USER_PAGE_SIZE
#define RACE_ROUNDS 1000
#define RACE_CHILDREN 150
#define CHILD_ROUNDS 2000
#define STACK_PAGES 4
#define FRAME_LOOKING_WORD 0x1000ull

static uint64_t race_addr;
static uint64_t rounds = RACE_ROUNDS;
static uint64_t releaser_done;   /* atomic */
static uint64_t releaser_errors; /* atomic */
static uint64_t writer_started;  /* atomic */

/* Reserves, writes and releases the page `n` times; a reserve may only
 * fail with ENOSPACE while nothing else holds the address. */
static uint64_t churn_page(uint64_t n)
{
	uint64_t errors = 0;

	for (uint64_t i = 0; i < n; i++) {
		int64_t a = sys_reserve(1, RDOS_PROT_WRITE, race_addr);

		if (a != (int64_t)race_addr) {
			errors++;
			continue;
		}
		*(volatile uint64_t *)(uintptr_t)race_addr = i;
		errors += sys_release(race_addr, 1) != 0;
	}
	return errors;
}

static void releaser(void *arg)
{
	(void)arg;
	__atomic_store_n(&releaser_errors, churn_page(rounds), __ATOMIC_RELEASE);
	__atomic_store_n(&releaser_done, 1, __ATOMIC_RELEASE);
}

/* One system call writing to the racing page, by turn; whether its result
 * is one the ABI allows (success or EFAULT). */
static bool call_into_page(unsigned turn)
{
	void *p = (void *)(uintptr_t)race_addr;
	int32_t status;
	int64_t r;

	switch (turn % 6) {
	case 0:
		return (r = sys_memstat(0, p)) == 0 || r == -RDOS_EFAULT;
	case 1:
		r = sys_vmmap(0, 0, p, PAGE / sizeof(struct rdos_vmrun));
		return r >= 0 || r == -RDOS_EFAULT;
	case 2:
		return (r = sys_getargs(p, PAGE)) >= 0 || r == -RDOS_EFAULT;
	case 3:
		r = sys_proclist(p, PAGE / sizeof(struct rdos_procinfo));
		return r >= 0 || r == -RDOS_EFAULT;
	case 4:
		r = sys_limits(RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, p);
		return r == 0 || r == -RDOS_EFAULT;
	default:
		r = sys_spawn(p, "", RDOS_SPAWN_DEFAULT);
		if (r > 0) /* whatever the page held named a program */
			return sys_wait(r, &status) == r;
		return r == -RDOS_EFAULT || r == -RDOS_ENOENT || r == -RDOS_EINVAL;
	}
}

static void race_system_calls(void)
{
	uint64_t calls = 0, bad = 0;

	releaser_done = 0;
	if (!UT_CHECK(thread_start(releaser, NULL, STACK_PAGES) >= 1, "start the releaser"))
		return;
	while (!__atomic_load_n(&releaser_done, __ATOMIC_ACQUIRE))
		bad += !call_into_page((unsigned)calls++);
	UT_EXPECT(bad, 0);
	UT_EXPECT(__atomic_load_n(&releaser_errors, __ATOMIC_ACQUIRE), 0);
	ut_note("%llu calls raced %llu releases", (unsigned long long)calls,
		(unsigned long long)rounds);
}

static void store_forever(void *arg)
{
	(void)arg;
	__atomic_store_n(&writer_started, 1, __ATOMIC_RELEASE);
	for (;;)
		*(volatile uint64_t *)(uintptr_t)race_addr = FRAME_LOOKING_WORD;
}

/* Child: the page reserved and touched, a thread storing into it, then
 * the churn; killed as soon as a store meets the page released. */
static int storing_child(void)
{
	if (sys_reserve(1, RDOS_PROT_WRITE, race_addr) != (int64_t)race_addr)
		return 2;
	*(volatile uint64_t *)(uintptr_t)race_addr = 0;
	if (thread_start(store_forever, NULL, STACK_PAGES) < 1)
		return 3;
	while (!__atomic_load_n(&writer_started, __ATOMIC_ACQUIRE))
		sys_yield();
	if (sys_release(race_addr, 1) != 0 || churn_page(CHILD_ROUNDS) != 0)
		return 4;
	return 0;
}

static void race_ring3_stores(uint64_t children)
{
	uint64_t killed = 0;

	for (uint64_t i = 0; i < children; i++) {
		int64_t pid = sys_fork();
		struct rdos_wait_info got = { 0 };

		if (pid == 0)
			sys_exit(storing_child());
		if (!UT_CHECK(pid > 0, "fork %llu: %s", (unsigned long long)i, sys_error_name(pid)))
			return;
		if (!UT_EXPECT(sys_wait_info(pid, &got), pid) ||
		    !UT_CHECK(got.status == 0 || (got.status == RDOS_STATUS_KILLED &&
						  got.cause == RDOS_KILL_UNRESERVED &&
						  got.detail == race_addr),
			      "child %llu ended with %d, cause %u at 0x%llx", (unsigned long long)i,
			      (int)got.status, (unsigned)got.cause, (unsigned long long)got.detail))
			return;
		killed += got.status == RDOS_STATUS_KILLED;
	}
	ut_note("%llu of %llu storing children were killed by a store into the released page",
		(unsigned long long)killed, (unsigned long long)children);
}

int main(int argc, char **argv)
{
	uint64_t children = RACE_CHILDREN;
	int64_t a;

	ut_begin("ut_release_race");
	testargs_u64(argc, argv, "rounds", &rounds);
	testargs_u64(argc, argv, "children", &children);
	a = sys_reserve(1, RDOS_PROT_WRITE, 0);
	if (!UT_CHECK(a > 0, "reserve: %s", sys_error_name(a)))
		return ut_end();
	race_addr = (uint64_t)a;
	UT_EXPECT(sys_release(race_addr, 1), 0);
	race_system_calls();
	race_ring3_stores(children);
	return ut_end();
}
