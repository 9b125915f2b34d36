/*
 * ut_fuzz - a system-call fuzzer: random call numbers (valid, unknown,
 * negative, huge, valid with garbage in the upper half) with random
 * arguments drawn from pools of interesting values (small numbers, its own
 * reservations at and off page boundaries, released memory, the kernel's
 * direct map and image, non-canonical addresses, NULL, the edge of user
 * space, huge, wrapping and -1 lengths), mixed with well-formed memory
 * operations (reserve, release, protect with random sizes and protections;
 * reads and writes of its own pages where its model allows them) and
 * spawns of ut_hello and of the malformed images bad-truncated, bad-magic
 * and bad-machine, and forks (the child checks its copy of the memory
 * against the model and exits), whose children it reaps.
 *
 * Usage: ut_fuzz [seed=N] [count=N] [trace=1].  Deterministic: the same seed and
 * count make the same calls, and the seed is printed, so a failure
 * reproduces.  Each call's cost is small and bounded (SLEEP at most
 * FUZZ_SLEEP_MAX_MS, WRITE at most a few bytes, at most FUZZ_CHILDREN_MAX
 * children at a time), so the default count runs in seconds.  trace=1
 * prints every fuzzed call before it is made and its result after: the
 * last call printed by a run that dies or hangs is the culprit.
 *
 * What a call may not do: be killed (the test would end with -128); return
 * anything but >= 0 or -1..-11; return an error its call does not document;
 * accept a buffer the model (tests/user/lib/model.h) knows is invalid or
 * refuse one it knows is valid; succeed where the arguments leave no room
 * (an unknown number must be ENOSYS); reserve over, release or protect
 * memory the fuzzer does not own; disagree with the model in VMMAP or in
 * MEMSTAT's reserved pages (audited every FUZZ_AUDIT_EVERY calls).
 *
 * Never done, because it would end or stall the test rather than probe the
 * kernel: EXIT (except at the end), READ_LINE with a buffer that could be
 * valid (it would wait for the console), WRITE of more than a few bytes
 * (console noise; a NUL would make the harness's grep see a binary file),
 * SPAWN of a name the fuzzer did not choose (random memory might name the
 * shell, which waits for input), LIMITS that lowers a limit (a low present
 * limit kills the next touch): LIMITS only keeps or tries to raise them.
 *
 * Race round: between the two, count calls that write their output into
 * a page another thread keeps reserving and releasing
 * (tests/user/lib/fuzz_race.c): each may succeed or say EFAULT.
 *
 * Leak check: the round runs twice with the same seed, and only the second
 * is measured; after each, every reservation is released and every child
 * reaped, and the system's free frames after the second must equal those
 * before it.  The first round is the warm-up (see ut_spawn_many): playing
 * the same calls, it makes the kernel grow every cache it keeps by design
 * to the size this run needs (e.g. heap slabs for Card 1's VMA nodes, whose
 * number depends on how finely the calls split the reservations).
 *
 * Pass rule: no failed check; exit 0.  The last line is a summary: calls
 * per result class.
 *
 * This file drives the rounds and the well-formed memory operations; the
 * argument pools and bookkeeping are in tests/user/lib/fuzz_core.c, the
 * fuzzed calls and their judges in tests/user/lib/fuzz_calls.c.
 */
#include <stddef.h>

#include "fuzz.h"
#include "lib/format.h"
#include "lib/string.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

#define FUZZ_DEFAULT_SEED 0x5eedull
#define FUZZ_DEFAULT_COUNT 3000ull
#define FUZZ_AUDIT_EVERY 256
#define FUZZ_MEM_OP_PERCENT 25
#define FUZZ_BIG_PAGES_MAX (1ull << 24) /* 64 GiB: a well-formed "big" reservation */

/* ---- well-formed memory operations ------------------------------------------------ */

/* Names the call of a well-formed operation in failure messages (its
 * arguments are in the message itself). */
static void fuzz_context(uint64_t nr)
{
	fz.nr = nr;
	memset(fz.a, 0, sizeof(fz.a));
}

static void fuzz_op_reserve(void)
{
	static const unsigned prots[] = { RDOS_PROT_READ, RDOS_PROT_WRITE, RDOS_PROT_EXEC,
					  RDOS_PROT_WRITE | RDOS_PROT_EXEC };
	uint64_t npages = 1 + fuzz_rnd(fuzz_rnd(4) ? MODEL_TRACKED_PAGES : FUZZ_BIG_PAGES_MAX);
	unsigned prot = prots[fuzz_rnd(4)];
	uint64_t fixed = fuzz_rnd(4) ? 0 : fuzz_released_address();
	int64_t r;

	fuzz_context(RDOS_SYS_RESERVE);
	if (model_live(&fz.model) == MODEL_SLOTS) {
		int i = model_pick(&fz.model, rng_next(&fz.rng));

		FUZZ_CHECK(sys_release(fz.model.slots[i].addr, fz.model.slots[i].npages) == 0,
			   "release of a whole reservation of ours failed");
		model_remove(&fz.model, i);
	}
	r = sys_reserve(npages, prot, fixed);
	if (!FUZZ_CHECK(r > 0 || r == -RDOS_ENOMEM || r == -RDOS_ENOSPACE || r == -RDOS_ELIMIT ||
				(fixed && (r == -RDOS_EBUSY || r == -RDOS_EINVAL)),
			"RESERVE(%llu, %u, 0x%llx): %lld (%s)", (unsigned long long)npages, prot,
			(unsigned long long)fixed, r, fuzz_name(r)))
		return;
	if (r > 0)
		fuzz_reserved((uint64_t)r, npages, prot);
}

static void fuzz_op_protect(void)
{
	static const unsigned prots[] = { RDOS_PROT_READ, RDOS_PROT_WRITE, RDOS_PROT_EXEC,
					  RDOS_PROT_WRITE | RDOS_PROT_EXEC };
	const struct model_slot *s = fuzz_some_slot();
	uint64_t first, npages, addr;
	unsigned prot = prots[fuzz_rnd(4)];
	int64_t r;

	if (!s)
		return;
	first = fuzz_rnd(2) ? 0 : fuzz_rnd(s->npages);
	npages = fuzz_rnd(2) ? s->npages - first : 1 + fuzz_rnd(s->npages - first);
	addr = s->addr + first * FUZZ_PAGE;
	fuzz_context(RDOS_SYS_PROTECT);
	r = sys_protect(addr, npages, prot);
	if (FUZZ_CHECK(r == 0 || r == -RDOS_ENOMEM, "PROTECT(0x%llx, %llu, %u) inside ours: %s",
		       (unsigned long long)addr, (unsigned long long)npages, prot, fuzz_name(r)) &&
	    r == 0)
		model_protect(&fz.model, addr, npages, prot);
}

static void fuzz_op_release(void)
{
	int i = model_pick(&fz.model, rng_next(&fz.rng));
	int64_t r;

	if (i == MODEL_NO_SLOT)
		return;
	fuzz_context(RDOS_SYS_RELEASE);
	r = sys_release(fz.model.slots[i].addr, fz.model.slots[i].npages);
	if (FUZZ_CHECK(r == 0, "RELEASE of a whole reservation of ours: %s", fuzz_name(r)))
		model_remove(&fz.model, i);
}

/* Reads a page of a small slot, and writes it where the model allows. */
static void fuzz_op_touch(void)
{
	const struct model_slot *s = fuzz_some_slot();
	volatile uint8_t *p;
	uint64_t page;

	if (!s || !model_tracked(s))
		return;
	page = fuzz_rnd(s->npages);
	p = (volatile uint8_t *)(uintptr_t)(s->addr + page * FUZZ_PAGE + fuzz_rnd(FUZZ_PAGE));
	(void)*p;
	if (s->prot[page] & RDOS_PROT_WRITE)
		*p = (uint8_t)fz.call_index;
}

static void fuzz_mem_op(void)
{
	switch (fuzz_rnd(8)) {
	case 0:
	case 1:
		return fuzz_op_reserve();
	case 2:
		return fuzz_op_release();
	case 3:
		return fuzz_op_protect();
	default:
		return fuzz_op_touch();
	}
}

/* ---- rounds ------------------------------------------------------------------------- */

static void fuzz_audit(void)
{
	const char *problem = model_audit_vmmap(&fz.model);
	struct rdos_memstat st;

	FUZZ_CHECK(problem == NULL, "audit: %s", problem);
	FUZZ_CHECK(sys_memstat(0, &st) == 0, "audit: MEMSTAT failed");
	FUZZ_CHECK(st.reserved_pages == fz.base_reserved + model_pages(&fz.model),
		   "audit: %llu pages reserved, the model says %llu",
		   (unsigned long long)st.reserved_pages,
		   (unsigned long long)(fz.base_reserved + model_pages(&fz.model)));
}

static void fuzz_step(void)
{
	uint64_t r = fuzz_rnd(100);

	if (r < FUZZ_MEM_OP_PERCENT)
		return fuzz_mem_op();
	fz.call_index++;
	if (r < 90)
		fuzz_known(1 + fuzz_rnd(RDOS_SYS_COUNT - 1)); /* never 0: EXIT */
	else
		fuzz_unknown();
	if (fz.call_index % FUZZ_AUDIT_EVERY == 0)
		fuzz_audit();
}

/* Releases every reservation and reaps every child with well-formed calls. */
static void fuzz_clean_up(void)
{
	for (int i = 0; i < MODEL_SLOTS; i++) {
		if (!fz.model.slots[i].addr)
			continue;
		FUZZ_CHECK(sys_release(fz.model.slots[i].addr, fz.model.slots[i].npages) == 0,
			   "clean-up: release 0x%llx+%llu failed",
			   (unsigned long long)fz.model.slots[i].addr,
			   (unsigned long long)fz.model.slots[i].npages);
		model_remove(&fz.model, i);
	}
	while (fuzz_child_count() > 0)
		fuzz_reap_one();
	FUZZ_CHECK(sys_wait(-1, &(int32_t){ 0 }) == -RDOS_ECHILD,
		   "clean-up: a child we did not know of");
}

/* The warm-up's extra: as many children at once as a round may have, in
 * each design, so that the kernel's caches reach the size the measured
 * round can need (a Card 1 child's VMA nodes come from the kernel heap,
 * whose empty slabs stay cached until the kernel trims it). */
static void fuzz_warm_up_children(void)
{
	static const uint32_t designs[] = { RDOS_SPAWN_RDOS, RDOS_SPAWN_CARD1 };

	for (int d = 0; d < 2; d++) {
		for (int i = 0; i < FUZZ_CHILDREN_MAX; i++) {
			int64_t pid = sys_spawn("ut_hello", "warm-up", designs[d]);

			if (FUZZ_CHECK(pid > 0, "warm-up spawn: %s", fuzz_name(pid)))
				fuzz_child_set(0, pid);
		}
		while (fuzz_child_count() > 0)
			fuzz_reap_one();
	}
}

static void fuzz_round(uint64_t seed, uint64_t count)
{
	struct rdos_memstat st;

	rng_seed(&fz.rng, seed);
	model_init(&fz.model);
	memset(fz.children, 0, sizeof(fz.children));
	ut_memstat(&st);
	fz.base_reserved = st.reserved_pages;
	fz.call_index = 0;
	while (fz.call_index < count)
		fuzz_step();
	fuzz_audit();
	fuzz_clean_up();
}

static void fuzz_summary(uint64_t seed, uint64_t count)
{
	char line[IO_PRINTF_CHUNK];
	size_t n = format_buf(line, sizeof(line), "seed 0x%llx, %llu calls: ok %llu",
			      (unsigned long long)seed, (unsigned long long)count,
			      (unsigned long long)fz.results[0]);

	for (int e = 1; e < FUZZ_CLASSES && n < sizeof(line); e++) {
		if (!fz.results[e])
			continue;
		n += format_buf(line + n, sizeof(line) - n, ", %s %llu",
				e == FUZZ_CLASS_BAD ? "outside the ABI" : sys_error_name(-e),
				(unsigned long long)fz.results[e]);
	}
	ut_note("%s", line);
}

/* The frames a process's bookkeeping holds: page tables and descriptor
 * frames (an rdos process's metadata_bytes). */
static uint64_t held_frames(const struct rdos_memstat *m)
{
	return m->page_table_pages + m->metadata_bytes / USER_PAGE_SIZE;
}

int main(int argc, char **argv)
{
	uint64_t seed = FUZZ_DEFAULT_SEED, count = FUZZ_DEFAULT_COUNT;
	struct rdos_memstat before, after;

	ut_begin("ut_fuzz");
	if (testargs_u64(argc, argv, "seed", &seed) == TESTARGS_BAD ||
	    testargs_u64(argc, argv, "count", &count) == TESTARGS_BAD ||
	    testargs_u64(argc, argv, "trace", &fz.trace) == TESTARGS_BAD) {
		UT_CHECK(false, "usage: ut_fuzz [seed=N] [count=N] [trace=1]");
		return ut_end();
	}
	fz.pid = sys_getpid();
	fz.args_len = sys_getargs(NULL, 0);
	fuzz_canary_fill(FUZZ_CANARY);
	ut_prefault();
	ut_note("seed 0x%llx, %llu calls, twice", (unsigned long long)seed,
		(unsigned long long)count);

	fuzz_round(seed, count);
	fuzz_race_round(count);
	fuzz_warm_up_children();
	memset(fz.results, 0, sizeof(fz.results));
	ut_memstat(&before);
	fuzz_round(seed, count);
	ut_memstat(&after);

	/* every frame the round took is back, or holds one of the program's
	 * own page tables: a touch or a protect in the round may have
	 * expanded a compact entry that holds its reservations into a table
	 * (docs/virtual-memory.md), which MEMSTAT's invariant check vouches
	 * for (no empty table kept) */
	UT_EXPECT(after.frames_free + held_frames(&after),
		  before.frames_free + held_frames(&before));
	UT_EXPECT(after.present_pages, before.present_pages);
	UT_CHECK(fz.failures <= FUZZ_NOTES_MAX, "%llu more failed checks not shown",
		 (unsigned long long)(fz.failures - FUZZ_NOTES_MAX));
	fuzz_summary(seed, count);
	return ut_end();
}
