/*
 * ut_stress - many processes at once, for a bounded time, each reserving,
 * touching, forking and exiting: the kernel must lose or mix up no data,
 * kill nothing and refuse no call that has the memory it needs.
 *
 * The parent keeps `workers` workers running at once.  They start by turns
 * with SPAWN (a fresh ut_stress, alternately in the rdos and the Card 1
 * design) and with FORK (a copy of the parent), and each runs up to `steps`
 * random steps drawn from its own seed:
 *   - reserve a slot of 1..pages_max pages (at most STRESS_SLOTS at once);
 *   - write a random page of a slot: its first or its last word gets a
 *     pattern made of the slot's tag, the page, the word and a stamp, kept
 *     in the worker's model;
 *   - verify a slot against the model: both words of every page hold the
 *     last pattern written there, or 0 if none was;
 *   - release a slot, verified first;
 *   - fork a child that verifies everything it inherited, writes over some
 *     of it (copy-on-write) and verifies again, while the worker writes
 *     over pages of its own; then the worker checks the child's status and
 *     that none of the child's writes reached it (the child's stamps differ
 *     from any of the worker's, so a leaked write cannot look right);
 *   - yield.
 * At the end a worker verifies and releases every slot and exits 0, or 1
 * after a failed check (which it reports itself).
 *
 * Bounds: the parent replaces each worker that ends until `ticks` timer
 * ticks have passed since it started or `total` workers have started,
 * whichever comes first, and a worker stops stepping once the time is up;
 * so a run lasts about `ticks` (plus the last steps of each worker) and
 * does a bounded amount of work even where the clock runs slowly.
 *
 * Memory: pages_max is chosen so that every worker and a child of each,
 * touching all their slots, fit in half the frames free at the start; the
 * other half is for their page tables, stacks and images.  So the run fits
 * in 32 MiB, and no process is killed for want of a frame.
 *
 * Usage: ut_stress [seed=N] [workers=N] [ticks=N] [total=N] [steps=N].
 * A worker's steps depend only on the seed and its number; which steps
 * of different processes interleave depends on the timer.  Spawned
 * workers are this program too, given "worker=N", the parent's words and
 * "pages=N until=T" (the slot size and the absolute tick to stop at).
 *
 * Pass rule: every worker and every forked child exits 0, the parent then
 * has no child left; exit 0.  The kernel test
 * user_stress_keeps_the_shell_responsive (tests/kernel/stress_tests.c)
 * runs it next to an interactive shell, times the shell's answers and
 * checks that every frame comes back.
 */
#include <stddef.h>

#include "rng.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define PAGE_WORDS (PAGE / sizeof(uint64_t))
#define STRESS_SLOTS 4
#define STRESS_SLOT_PAGES_MAX 64
#define STRESS_PAGE_WORDS 2 /* words checked per page */
#define STRESS_FORK_WRITES 4
/* A forked child stamps its writes from here up; a worker's own stamps
 * stay far below (one per step). */
#define STRESS_CHILD_STAMPS (1u << 31)
/* At most this many workers at once: each may have a forked child, and
 * the process table (64) also holds the parent, the kernel and the shell
 * the kernel test runs beside. */
#define STRESS_WORKERS_MAX 24

#define STRESS_DEFAULT_SEED 0x57e55ull
#define STRESS_DEFAULT_WORKERS 16
#define STRESS_DEFAULT_TICKS 500
#define STRESS_DEFAULT_TOTAL 400
#define STRESS_DEFAULT_STEPS 300
#define STRESS_ARGS_MAX 160

/* One reservation and what the worker wrote into it. */
struct slot {
	uint64_t addr; /* 0: the slot is free */
	uint64_t npages;
	uint64_t tag;
	/* per page and checked word, the last write; 0: never written */
	uint32_t stamp[STRESS_SLOT_PAGES_MAX][STRESS_PAGE_WORDS];
};

/* A worker's whole state; a forked child gets its own copy with its memory. */
static struct worker {
	struct rng rng;
	struct slot slots[STRESS_SLOTS];
	uint64_t pages_max;
	uint32_t clock; /* the stamp of the last write */
} w;

/* What the parent runs, and what each worker is given. */
struct plan {
	uint64_t seed, workers, ticks, total, steps, pages_max, until;
};

/* ---- a worker's memory and its model ------------------------------------ */

/* The words a worker writes and checks: the first and the last of a
 * page, so that a page copied or cleared only in part shows. */
static const unsigned checked_words[STRESS_PAGE_WORDS] = { 0, PAGE_WORDS - 1 };

static uint64_t pattern(const struct slot *s, uint64_t page, unsigned word)
{
	return s->stamp[page][word] ? s->tag ^ (page << 40) ^ ((uint64_t)word << 39) ^
					      s->stamp[page][word]
				    : 0;
}

static volatile uint64_t *word_at(const struct slot *s, uint64_t page, unsigned word)
{
	return (volatile uint64_t *)(uintptr_t)(s->addr + page * PAGE) + checked_words[word];
}

/* One word only: the other must survive whatever the write makes the
 * kernel do (a copy-on-write copy, above all). */
static void page_write(struct slot *s, uint64_t page)
{
	unsigned word = (unsigned)rng_below(&w.rng, STRESS_PAGE_WORDS);

	s->stamp[page][word] = ++w.clock;
	*word_at(s, page, word) = pattern(s, page, word);
}

static bool page_ok(const struct slot *s, uint64_t page)
{
	for (unsigned word = 0; word < STRESS_PAGE_WORDS; word++) {
		uint64_t got = *word_at(s, page, word), want = pattern(s, page, word);

		if (!UT_CHECK(got == want, "pid %lld: word %u of page %llu of 0x%llx is 0x%llx, want 0x%llx",
			      sys_getpid(), checked_words[word], (unsigned long long)page,
			      (unsigned long long)s->addr, (unsigned long long)got,
			      (unsigned long long)want))
			return false;
	}
	return true;
}

/* Stops at the first wrong page: one report per slot is enough. */
static void slot_verify(const struct slot *s)
{
	for (uint64_t page = 0; page < s->npages && page_ok(s, page); page++)
		;
}

static void slots_verify(void)
{
	for (int i = 0; i < STRESS_SLOTS; i++)
		if (w.slots[i].addr)
			slot_verify(&w.slots[i]);
}

/* A random slot that is in use (live) or free; NULL if there is none. */
static struct slot *slot_pick(bool live)
{
	unsigned first = (unsigned)rng_below(&w.rng, STRESS_SLOTS);

	for (unsigned i = 0; i < STRESS_SLOTS; i++) {
		struct slot *s = &w.slots[(first + i) % STRESS_SLOTS];

		if ((s->addr != 0) == live)
			return s;
	}
	return NULL;
}

static void slot_release(struct slot *s)
{
	slot_verify(s);
	UT_EXPECT(sys_release(s->addr, s->npages), 0);
	s->addr = 0;
}

/* ---- a worker's steps ----------------------------------------------------- */

static void step_reserve(void)
{
	struct slot *s = slot_pick(false);
	uint64_t npages = 1 + rng_below(&w.rng, w.pages_max);
	int64_t va;

	if (!s)
		return;
	va = sys_reserve(npages, RDOS_PROT_WRITE, 0);
	if (UT_CHECK(va > 0, "reserve %llu pages: %s", (unsigned long long)npages,
		     sys_error_name(va)))
		*s = (struct slot){ .addr = (uint64_t)va, .npages = npages,
				    .tag = rng_next(&w.rng) };
}

static void step_write(void)
{
	struct slot *s = slot_pick(true);

	if (s)
		page_write(s, rng_below(&w.rng, s->npages));
}

static void writes(int n)
{
	for (int i = 0; i < n; i++)
		step_write();
}

/* The child leaves through EXIT with its verdict; it never returns. */
static void fork_child(void)
{
	rng_seed(&w.rng, rng_next(&w.rng)); /* other pages than the worker's */
	w.clock = STRESS_CHILD_STAMPS;
	slots_verify();
	writes(STRESS_FORK_WRITES);
	slots_verify();
	sys_exit(ut_failed());
}

static void step_fork(void)
{
	int64_t pid = sys_fork();
	int32_t status = -1;

	if (pid == 0)
		fork_child();
	if (!UT_CHECK(pid > 0, "fork: %s", sys_error_name(pid)))
		return;
	writes(STRESS_FORK_WRITES);
	UT_EXPECT(sys_wait(pid, &status), pid);
	UT_CHECK(status == 0, "forked child %lld exited with %d", pid, (int)status);
	slots_verify();
}

static void step(void)
{
	struct slot *s;

	switch (rng_below(&w.rng, 16)) {
	case 0:
	case 1:
	case 2:
		return step_reserve();
	case 3:
		if ((s = slot_pick(true)) != NULL)
			slot_release(s);
		return;
	case 4:
		if ((s = slot_pick(true)) != NULL)
			slot_verify(s);
		return;
	case 5:
		return step_fork();
	case 6:
		sys_yield();
		return;
	default:
		return step_write();
	}
}

static __attribute__((noreturn)) void worker_run(const struct plan *p, uint64_t n)
{
	static char name[32];

	snprintf(name, sizeof(name), "ut_stress worker %llu", (unsigned long long)n);
	ut_begin(name);
	rng_seed(&w.rng, p->seed + n);
	w.pages_max = p->pages_max;
	for (uint64_t i = 0; i < p->steps && (uint64_t)sys_ticks() < p->until; i++)
		step();
	for (int i = 0; i < STRESS_SLOTS; i++)
		if (w.slots[i].addr)
			slot_release(&w.slots[i]);
	sys_exit(ut_failed());
}

/* ---- the parent ---------------------------------------------------------- */

/* Even workers are spawned (rdos and Card 1 by turns), odd ones forked. */
static int64_t worker_start(const struct plan *p, uint64_t n)
{
	char args[STRESS_ARGS_MAX];
	int64_t pid;

	if (n % 2) {
		pid = sys_fork();
		if (pid == 0)
			worker_run(p, n);
	} else {
		snprintf(args, sizeof(args), "worker=%llu seed=%llu pages=%llu steps=%llu until=%llu",
			 (unsigned long long)n, (unsigned long long)p->seed,
			 (unsigned long long)p->pages_max, (unsigned long long)p->steps,
			 (unsigned long long)p->until);
		pid = sys_spawn("ut_stress", args, n % 4 ? RDOS_SPAWN_CARD1 : RDOS_SPAWN_RDOS);
	}
	UT_CHECK(pid > 0, "worker %llu: %s: %s", (unsigned long long)n,
		 n % 2 ? "fork" : "spawn", sys_error_name(pid));
	return pid;
}

static void stress_run(const struct plan *p)
{
	uint64_t started = 0, live = 0, start = (uint64_t)sys_ticks();
	int32_t status;

	for (; started < p->workers; started++)
		live += worker_start(p, started) > 0;
	while (live > 0) {
		int64_t pid = sys_wait(-1, &status);

		if (!UT_CHECK(pid > 0, "wait: %s", sys_error_name(pid)))
			return;
		live--;
		UT_CHECK(status == 0, "worker pid %lld exited with %d", pid, (int)status);
		if (started < p->total && (uint64_t)sys_ticks() < p->until)
			live += worker_start(p, started++) > 0;
	}
	UT_EXPECT(sys_wait(-1, &status), -RDOS_ECHILD);
	ut_note("seed 0x%llx: %llu workers, %llu at once, slots up to %llu pages, %llu ticks",
		(unsigned long long)p->seed, (unsigned long long)started,
		(unsigned long long)p->workers, (unsigned long long)p->pages_max,
		(unsigned long long)((uint64_t)sys_ticks() - start));
}

/* Slot size: every worker and a child of each touching all their slots
 * take at most half the free frames. */
static uint64_t slot_pages_that_fit(uint64_t workers)
{
	struct rdos_memstat st;
	uint64_t pages;

	ut_memstat(&st);
	pages = st.frames_free / 2 / (workers * 2 * STRESS_SLOTS);
	if (pages > STRESS_SLOT_PAGES_MAX)
		return STRESS_SLOT_PAGES_MAX;
	return pages ? pages : 1;
}

/* key=N words into *plan; false on a malformed or out-of-range one. */
static bool plan_parse(int argc, char **argv, struct plan *p)
{
	static const char *const keys[] = { "seed", "workers", "ticks", "total", "steps",
					    "pages", "until" };
	uint64_t *fields[] = { &p->seed, &p->workers, &p->ticks, &p->total, &p->steps,
			       &p->pages_max, &p->until };

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (testargs_u64(argc, argv, keys[i], fields[i]) == TESTARGS_BAD)
			return false;
	return p->workers > 0 && p->workers <= STRESS_WORKERS_MAX && p->pages_max > 0 &&
	       p->pages_max <= STRESS_SLOT_PAGES_MAX;
}

int main(int argc, char **argv)
{
	struct plan p = { .seed = STRESS_DEFAULT_SEED, .workers = STRESS_DEFAULT_WORKERS,
			  .ticks = STRESS_DEFAULT_TICKS, .total = STRESS_DEFAULT_TOTAL,
			  .steps = STRESS_DEFAULT_STEPS, .pages_max = 1 };
	enum testargs_result role;
	uint64_t n = 0;

	ut_begin("ut_stress");
	role = testargs_u64(argc, argv, "worker", &n);
	if (!UT_CHECK(role != TESTARGS_BAD && plan_parse(argc, argv, &p),
		      "usage: ut_stress [seed=N] [workers=1..%d] [ticks=N] [total=N] [steps=N]",
		      STRESS_WORKERS_MAX))
		return ut_end();
	if (role == TESTARGS_FOUND)
		worker_run(&p, n);
	p.pages_max = slot_pages_that_fit(p.workers);
	p.until = (uint64_t)sys_ticks() + p.ticks;
	stress_run(&p);
	return ut_end();
}
