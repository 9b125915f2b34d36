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
 * shell, which waits for input).
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
 */
#include <stdarg.h>
#include <stddef.h>

#include "lib/format.h"
#include "lib/string.h"
#include "model.h"
#include "rng.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"
#include "user/runtime/syscall.h"

#define PAGE USER_PAGE_SIZE
#define FUZZ_DEFAULT_SEED 0x5eedull
#define FUZZ_DEFAULT_COUNT 3000ull
#define FUZZ_AUDIT_EVERY 256
#define FUZZ_CHILDREN_MAX 4
#define FUZZ_SLEEP_MAX_MS 10
#define FUZZ_WRITE_MAX 3
#define FUZZ_NOTES_MAX 20
#define FUZZ_ARGS_MAX 256 /* our own argument string, for GETARGS */
#define FUZZ_MEM_OP_PERCENT 25
#define FUZZ_BIG_PAGES_MAX (1ull << 24) /* 64 GiB: a well-formed "big" reservation */

/* docs/abi.md's limits, as the kernel enforces them. */
#define ABI_WRITE_MAX (1ull << 20)
#define ABI_SLEEP_MAX_MS 3600000ull
#define ABI_PROCLIST_MAX 64
#define ABI_VMMAP_MAX 128
#define ABI_RESERVE_MAX_PAGES (1ull << 35)
#define ABI_SPAWN_FLAGS_MAX RDOS_SPAWN_CARD1

#define KERNEL_DIRECT_MAP 0xFFFF800000000000ull
#define KERNEL_IMAGE 0xFFFFFFFF80000000ull
#define NONCANONICAL 0x0000800000000000ull
/* rdi of a call number with garbage in its upper half: if the kernel
 * wrongly runs EXIT, the status is not 0, so the test fails. */
#define DECORATED_ARG 77

/* Result classes for the summary: 0 success, 1..11 the errors, then
 * anything outside the ABI. */
#define FUZZ_CLASSES (RDOS_ELIMIT + 2)
#define FUZZ_CLASS_BAD (RDOS_ELIMIT + 1)

/* Error sets, one bit per RDOS_E* value. */
#define EBIT(x) (1u << RDOS_##x)

static struct fuzz {
	struct rng rng;
	struct model model;
	int64_t pid;
	int64_t children[FUZZ_CHILDREN_MAX]; /* 0: free entry */
	int64_t args_len;
	uint64_t base_reserved; /* reserved pages that are not the model's */
	uint64_t call_index;    /* of the current call, for messages */
	uint64_t nr, a[5];      /* the current call */
	uint64_t results[FUZZ_CLASSES];
	uint64_t failures;
	uint64_t trace; /* non-zero: print every fuzzed call and its result */
} fz;

static const char fuzz_dots[FUZZ_WRITE_MAX + 1] = "...";

/* ---- failures ------------------------------------------------------------------ */

/* Records a failure of the current call; the first FUZZ_NOTES_MAX are
 * printed with the call.  Returns ok. */
__attribute__((format(gnu_printf, 3, 4))) static bool fuzz_check(bool ok, int line,
								  const char *fmt, ...)
{
	char msg[IO_PRINTF_CHUNK];
	va_list ap;

	if (ok)
		return true;
	if (++fz.failures > FUZZ_NOTES_MAX)
		return false;
	va_start(ap, fmt);
	format_buf_v(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ut_note("call %llu: nr 0x%llx (0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx)",
		(unsigned long long)fz.call_index, (unsigned long long)fz.nr,
		(unsigned long long)fz.a[0], (unsigned long long)fz.a[1],
		(unsigned long long)fz.a[2], (unsigned long long)fz.a[3],
		(unsigned long long)fz.a[4]);
	return ut_check(false, line, "%s", msg);
}
#define FUZZ_CHECK(ok, ...) fuzz_check((ok), __LINE__, __VA_ARGS__)

static const char *fuzz_name(int64_t r)
{
	return r >= 0 ? "ok" : sys_error_name(r);
}

/* r must be -e for some e in the set allowed (or >= 0 if ok_allowed). */
static bool fuzz_expect_set(int64_t r, bool ok_allowed, unsigned allowed, int line)
{
	bool ok = r >= 0 ? ok_allowed : r >= -RDOS_ELIMIT && (allowed & (1u << -r));

	return fuzz_check(ok, line, "result %lld (%s) is not one this call may return", r,
			  fuzz_name(r));
}
#define FUZZ_EXPECT_SET(r, ok_allowed, set) fuzz_expect_set((r), (ok_allowed), (set), __LINE__)

/* ---- argument pools ---------------------------------------------------------- */

static uint64_t rnd(uint64_t n)
{
	return rng_below(&fz.rng, n);
}

static const struct model_slot *fuzz_some_slot(void)
{
	int i = model_pick(&fz.model, rng_next(&fz.rng));

	return i == MODEL_NO_SLOT ? NULL : &fz.model.slots[i];
}

/* An address in or at the edge of a slot of ours (0 if there is none). */
static uint64_t fuzz_slot_address(unsigned how)
{
	const struct model_slot *s = fuzz_some_slot();
	uint64_t pages;

	if (!s)
		return 0;
	pages = s->npages < MODEL_TRACKED_PAGES ? s->npages : MODEL_TRACKED_PAGES;
	switch (how % 3) {
	case 0:
		return s->addr + rnd(pages) * PAGE;
	case 1:
		return s->addr + rnd(pages * PAGE);
	default: /* the last bytes: a buffer from here runs past the slot */
		return s->addr + s->npages * PAGE - 1 - rnd(16);
	}
}

static uint64_t fuzz_released_address(void)
{
	const struct model_range *r = &fz.model.released[rnd(MODEL_RELEASED)];

	return r->npages ? r->addr + rnd(r->npages < 4 ? r->npages : 4) * PAGE : 0;
}

/* Addresses no call may accept as a buffer: outside user space. */
static uint64_t fuzz_bad_address(void)
{
	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd(PAGE - 1);
	case 2:
		return KERNEL_DIRECT_MAP + rnd(1ull << 32);
	case 3:
		return KERNEL_IMAGE + rnd(16ull << 20);
	case 4:
		return NONCANONICAL + rnd(1ull << 46);
	case 5:
		return MODEL_USER_END + rnd(PAGE);
	case 6:
		return ~0ull - rnd(PAGE);
	default: /* bit 47 set, bit 63 clear: never canonical */
		return (rng_next(&fz.rng) & ~(1ull << 63)) | NONCANONICAL;
	}
}

/* Any address: ours, released, outside, or random. */
static uint64_t fuzz_address(void)
{
	switch (rnd(6)) {
	case 0:
	case 1:
		return fuzz_slot_address((unsigned)rnd(3));
	case 2:
		return fuzz_released_address();
	case 3:
		return fuzz_bad_address();
	case 4:
		return MODEL_USER_END - (1 + rnd(4)) * PAGE; /* the top of user space */
	default:
		return rng_next(&fz.rng);
	}
}

static uint64_t fuzz_page_address(void)
{
	return rnd(4) ? fuzz_address() & ~(uint64_t)(PAGE - 1) : fuzz_address();
}

/* A length for a buffer at ptr, in units of unit bytes. */
static uint64_t fuzz_length(uint64_t ptr, uint64_t unit)
{
	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd(64);
	case 2:
		return (PAGE * (1 + rnd(16)) - rnd(2) * rnd(PAGE)) / unit;
	case 3:
		return (1ull << (32 + rnd(31))) + rnd(1000);
	case 4:
		return ~0ull;
	case 5: /* ptr + length wraps around */
		return (0 - ptr) / unit + 1 + rnd(64);
	case 6:
		return rng_next(&fz.rng);
	default:
		return 1ull << 63;
	}
}

/* A child that is still in our list, or 0. */
static int64_t fuzz_some_child(void)
{
	for (int k = 0, i = (int)rnd(FUZZ_CHILDREN_MAX); k < FUZZ_CHILDREN_MAX; k++)
		if (fz.children[(i + k) % FUZZ_CHILDREN_MAX])
			return fz.children[(i + k) % FUZZ_CHILDREN_MAX];
	return 0;
}

static int64_t fuzz_pid(void)
{
	static const int64_t odd[] = { 0, -1, -2, (int64_t)1 << 40, INT64_MIN, INT64_MAX };

	switch (rnd(5)) {
	case 0:
		return odd[rnd(sizeof(odd) / sizeof(odd[0]))];
	case 1:
		return fz.pid;
	case 2:
		return fuzz_some_child();
	case 3:
		return (int64_t)rnd(80);
	default:
		return (int64_t)rng_next(&fz.rng);
	}
}

static uint64_t fuzz_prot(void)
{
	static const uint64_t valid[] = { RDOS_PROT_READ, RDOS_PROT_WRITE, RDOS_PROT_EXEC,
					  RDOS_PROT_WRITE | RDOS_PROT_EXEC };
	static const uint64_t bad[] = { 2, 8, 3, 0x80000000u, 0xFFFFFFFFu, 1ull << 32 | 1 };

	if (rnd(10) < 7)
		return valid[rnd(4)];
	return rnd(2) ? bad[rnd(sizeof(bad) / sizeof(bad[0]))] : rng_next(&fz.rng);
}

static uint64_t fuzz_npages(void)
{
	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return 1 + rnd(MODEL_TRACKED_PAGES);
	case 3:
		return 1 + rnd(4096);
	case 4:
		return (1ull << (20 + rnd(15))) + rnd(3);
	case 5:
		return ABI_RESERVE_MAX_PAGES + rnd(3) - 1;
	case 6:
		return ~0ull - rnd(2);
	default:
		return rng_next(&fz.rng);
	}
}

/* ---- bookkeeping ---------------------------------------------------------------- */

static bool fuzz_is_child(int64_t pid)
{
	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++)
		if (pid > 0 && fz.children[i] == pid)
			return true;
	return false;
}

static int fuzz_child_count(void)
{
	int n = 0;

	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++)
		n += fz.children[i] != 0;
	return n;
}

static void fuzz_child_set(int64_t old, int64_t pid)
{
	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++) {
		if (fz.children[i] == old) {
			fz.children[i] = pid;
			return;
		}
	}
}

/* Reaps one child with a well-formed WAIT; its status must be 0. */
static void fuzz_reap_one(void)
{
	int32_t status = -1;
	int64_t pid = sys_wait(-1, &status);

	if (!FUZZ_CHECK(fuzz_is_child(pid), "reap: WAIT(-1) = %lld (%s), not a child", pid,
			fuzz_name(pid)))
		return;
	FUZZ_CHECK(status == 0, "reap: child %lld exited with %d", pid, (int)status);
	fuzz_child_set(pid, 0);
}

/* A reservation the kernel made (by a fuzzed or a well-formed call). */
static void fuzz_reserved(uint64_t addr, uint64_t npages, unsigned prot)
{
	if (!FUZZ_CHECK(model_slot_at(&fz.model, addr) == MODEL_NO_SLOT &&
				model_slot_at(&fz.model, addr + (npages - 1) * PAGE) == MODEL_NO_SLOT,
			"RESERVE gave 0x%llx+%llu, over a reservation of ours",
			(unsigned long long)addr, (unsigned long long)npages))
		return;
	if (!model_add(&fz.model, addr, npages, prot))
		FUZZ_CHECK(sys_release(addr, npages) == 0, "release of a surplus reservation");
}

/* ---- the calls, one generator-and-judge each ------------------------------------ */

static void fuzz_count_result(int64_t r)
{
	if (r >= 0)
		fz.results[0]++;
	else if (r >= -RDOS_ELIMIT)
		fz.results[-r]++;
	else
		fz.results[FUZZ_CLASS_BAD]++;
}

static int64_t fuzz_do(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4)
{
	int64_t r;

	fz.nr = nr;
	fz.a[0] = a0, fz.a[1] = a1, fz.a[2] = a2, fz.a[3] = a3, fz.a[4] = a4;
	if (fz.trace)
		ut_note("call %llu: nr 0x%llx (0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx)",
			(unsigned long long)fz.call_index, (unsigned long long)nr,
			(unsigned long long)a0, (unsigned long long)a1, (unsigned long long)a2,
			(unsigned long long)a3, (unsigned long long)a4);
	r = syscall5(nr, a0, a1, a2, a3, a4);
	if (fz.trace)
		ut_note("call %llu = %lld (%s)", (unsigned long long)fz.call_index, r, fuzz_name(r));
	fuzz_count_result(r);
	FUZZ_CHECK(r >= -RDOS_ELIMIT && r < (int64_t)MODEL_USER_END,
		   "result %lld (0x%llx) is outside the ABI's range", r, (unsigned long long)r);
	return r;
}

/* A buffer the kernel writes: never one in memory the model does not know
 * (the fuzzer's own image, stack or state), which a wrongly accepted call
 * would corrupt.  Such a pointer is replaced by a bad one. */
static enum model_verdict fuzz_output(uint64_t *ptr, uint64_t bytes)
{
	enum model_verdict v = model_buffer(&fz.model, *ptr, bytes, true);

	if (v == MODEL_UNKNOWN) {
		*ptr = fuzz_bad_address();
		v = model_buffer(&fz.model, *ptr, bytes, true);
	}
	return v;
}

/* An address for RELEASE or PROTECT: never the first page of memory that
 * is ours but not the model's (image, stack, arguments), which a call that
 * succeeded would pull from under the fuzzer. */
static uint64_t fuzz_range_address(void)
{
	uint64_t addr = fuzz_page_address();

	if (addr >= MODEL_USER_START && addr < MODEL_USER_END &&
	    model_slot_at(&fz.model, addr) == MODEL_NO_SLOT &&
	    !model_released_at(&fz.model, addr))
		return fuzz_bad_address();
	return addr;
}

/* Expects EFAULT for a known-bad buffer, not EFAULT for a known-good one. */
static void fuzz_judge_buffer(int64_t r, enum model_verdict v, const char *what)
{
	if (v == MODEL_INVALID)
		FUZZ_CHECK(r == -RDOS_EFAULT, "%s is invalid, result %lld (%s), want EFAULT", what,
			   r, fuzz_name(r));
	else if (v == MODEL_VALID)
		FUZZ_CHECK(r != -RDOS_EFAULT, "%s is valid, but EFAULT", what);
}

static void fuzz_write(void)
{
	uint64_t ptr = fuzz_address(), len = fuzz_length(ptr, 1);
	enum model_verdict v = model_buffer(&fz.model, ptr, len, false);
	int64_t r;

	/* Whatever could be printed is replaced by a few dots. */
	if (v != MODEL_INVALID && len <= ABI_WRITE_MAX) {
		ptr = (uintptr_t)fuzz_dots;
		len = rnd(FUZZ_WRITE_MAX + 1);
		v = MODEL_VALID;
	}
	r = fuzz_do(RDOS_SYS_WRITE, ptr, len, rng_next(&fz.rng), 0, 0);
	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(EINVAL)))
		return;
	if (len > ABI_WRITE_MAX)
		FUZZ_CHECK(r < 0, "WRITE of %llu bytes succeeded", (unsigned long long)len);
	else
		fuzz_judge_buffer(r, v, "WRITE buffer");
	if (r >= 0)
		FUZZ_CHECK((uint64_t)r == len, "WRITE returned %lld for %llu bytes", r,
			   (unsigned long long)len);
}

/* Only buffers that cannot be valid (or size 0): a valid one would block. */
static void fuzz_read_line(void)
{
	uint64_t ptr = rnd(4) ? fuzz_bad_address() : fuzz_slot_address(0);
	uint64_t size = model_buffer(&fz.model, ptr, 1, true) == MODEL_INVALID
				? fuzz_length(ptr, 1)
				: 0;
	int64_t r = fuzz_do(RDOS_SYS_READ_LINE, ptr, size, 0, 0, 0);

	if (size == 0)
		FUZZ_CHECK(r == -RDOS_EINVAL, "READ_LINE size 0: %lld (%s), want EINVAL", r,
			   fuzz_name(r));
	else
		FUZZ_CHECK(r == -RDOS_EFAULT, "READ_LINE bad buffer: %lld (%s), want EFAULT", r,
			   fuzz_name(r));
}

static bool fuzz_prot_valid(uint64_t prot)
{
	return (prot & ~(uint64_t)(RDOS_PROT_WRITE | RDOS_PROT_EXEC)) == 0;
}

static bool fuzz_range_valid(uint64_t addr, uint64_t npages)
{
	return npages > 0 && npages <= ABI_RESERVE_MAX_PAGES && addr % PAGE == 0 &&
	       addr >= MODEL_USER_START && addr < MODEL_USER_END &&
	       npages <= (MODEL_USER_END - addr) / PAGE;
}

static void fuzz_reserve(void)
{
	uint64_t npages = fuzz_npages(), prot = fuzz_prot();
	uint64_t fixed = rnd(2) ? 0 : fuzz_page_address();
	int64_t r = fuzz_do(RDOS_SYS_RESERVE, npages, prot, fixed, rng_next(&fz.rng), 0);
	bool args_ok = npages > 0 && npages <= ABI_RESERVE_MAX_PAGES && fuzz_prot_valid(prot) &&
		       (fixed == 0 || fuzz_range_valid(fixed, npages));

	if (!FUZZ_EXPECT_SET(r, args_ok, args_ok ? EBIT(EBUSY) | EBIT(ENOSPACE) | EBIT(ENOMEM) : EBIT(EINVAL)))
		return;
	if (r < 0)
		return;
	if (!FUZZ_CHECK(r % PAGE == 0 && fuzz_range_valid((uint64_t)r, npages) &&
				(fixed == 0 || (uint64_t)r == fixed),
			"RESERVE returned 0x%llx", (unsigned long long)r))
		return;
	fuzz_reserved((uint64_t)r, npages, (unsigned)prot);
}

/* npages for RELEASE or PROTECT at addr: around the slot's size if addr
 * is the start of one. */
static uint64_t fuzz_range_pages(uint64_t addr)
{
	int i = model_slot_at(&fz.model, addr);

	if (i != MODEL_NO_SLOT && rnd(3)) {
		uint64_t n = fz.model.slots[i].npages;

		return rnd(2) ? n : n + rnd(3) - 1;
	}
	return fuzz_npages();
}

static void fuzz_release(void)
{
	uint64_t addr = fuzz_range_address(), npages = fuzz_range_pages(addr);
	int64_t r = fuzz_do(RDOS_SYS_RELEASE, addr, npages, rng_next(&fz.rng), 0, 0);
	int i = model_slot_at(&fz.model, addr);
	bool exact = i != MODEL_NO_SLOT && fz.model.slots[i].addr == addr &&
		     fz.model.slots[i].npages == npages;

	if (!FUZZ_EXPECT_SET(r, exact, fuzz_range_valid(addr, npages) ? EBIT(ERANGE) : EBIT(EINVAL)))
		return;
	if (exact)
		FUZZ_CHECK(r == 0, "RELEASE of a whole reservation of ours: %lld (%s)", r,
			   fuzz_name(r));
	if (r == 0 && exact)
		model_remove(&fz.model, i);
}

static void fuzz_protect(void)
{
	uint64_t addr = fuzz_range_address(), npages = fuzz_range_pages(addr);
	uint64_t prot = fuzz_prot();
	int64_t r = fuzz_do(RDOS_SYS_PROTECT, addr, npages, prot, 0, 0);
	bool args_ok = fuzz_range_valid(addr, npages) && fuzz_prot_valid(prot);

	if (!FUZZ_EXPECT_SET(r, args_ok, args_ok ? EBIT(ERANGE) | EBIT(ENOMEM) : EBIT(EINVAL)))
		return;
	if (r == 0)
		FUZZ_CHECK(model_protect(&fz.model, addr, npages, (unsigned)prot),
			   "PROTECT changed memory that is not one reservation of ours");
}

/* Names and argument strings: all chosen by the fuzzer (see the top),
 * each name with the one result a well-formed SPAWN of it may have (0:
 * a pid, or ELIMIT / ENOMEM). */
struct fuzz_program {
	const char *name;
	int64_t result;
};

static const struct fuzz_program fuzz_programs[] = {
	{ "ut_hello", 0 },
	{ "bad-truncated", -RDOS_ENOEXEC },
	{ "bad-magic", -RDOS_ENOEXEC },
	{ "bad-machine", -RDOS_ENOEXEC },
	{ "no_such_program", -RDOS_ENOENT },
	{ "", -RDOS_ENOENT },
	{ "ut_hell", -RDOS_ENOENT },
	{ "ut_hello ", -RDOS_ENOENT },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -RDOS_ENOENT }, /* 31: the longest name */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -RDOS_EINVAL }, /* 32: too long */
};
#define FUZZ_PROGRAMS (sizeof(fuzz_programs) / sizeof(fuzz_programs[0]))
static const char *const fuzz_args[] = { "", "fuzz", "a \"b c\" d", "x" };
#define FUZZ_ARGS (sizeof(fuzz_args) / sizeof(fuzz_args[0]))

/* The error a SPAWN with these arguments must return (0: any of the
 * program's), or a set of errors when two argument errors compete. */
static void fuzz_judge_spawn(int64_t r, const struct fuzz_program *p, bool args_bad,
			     uint64_t flags)
{
	bool einval = (p && p->result == -RDOS_EINVAL) || flags > ABI_SPAWN_FLAGS_MAX;
	bool efault = !p || args_bad;

	if (efault && einval)
		FUZZ_EXPECT_SET(r, false, EBIT(EFAULT) | EBIT(EINVAL));
	else if (efault)
		FUZZ_CHECK(r == -RDOS_EFAULT, "SPAWN with a bad string: %s", fuzz_name(r));
	else if (einval)
		FUZZ_CHECK(r == -RDOS_EINVAL, "SPAWN, name too long or bad flags: %s", fuzz_name(r));
	else if (p->result == 0)
		FUZZ_CHECK(r > 0 || r == -RDOS_ELIMIT || r == -RDOS_ENOMEM, "SPAWN of %s: %s",
			   p->name, fuzz_name(r));
	else
		FUZZ_CHECK(r == p->result, "SPAWN of \"%s\": %s, want %s", p->name, fuzz_name(r),
			   fuzz_name(p->result));
}

static void fuzz_spawn(void)
{
	static const uint64_t flags_pool[] = { 0, 1, 2, 0, 1, 2, 3, 0x80, 1u << 16, 1ull << 32 };
	const struct fuzz_program *p = rnd(4) ? &fuzz_programs[rnd(FUZZ_PROGRAMS)] : NULL;
	bool args_bad = rnd(4) == 0;
	uint64_t name = p ? (uintptr_t)p->name : fuzz_bad_address();
	uint64_t args = args_bad ? fuzz_bad_address() : (uintptr_t)fuzz_args[rnd(FUZZ_ARGS)];
	uint64_t flags = flags_pool[rnd(sizeof(flags_pool) / sizeof(flags_pool[0]))];
	int64_t r;

	if (fuzz_child_count() == FUZZ_CHILDREN_MAX)
		fuzz_reap_one();
	r = fuzz_do(RDOS_SYS_SPAWN, name, args, flags, 0, 0);
	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(EINVAL) | EBIT(ENOENT) |
					      EBIT(ENOEXEC) | EBIT(ELIMIT) | EBIT(ENOMEM)))
		return;
	fuzz_judge_spawn(r, p, args_bad, flags);
	if (r > 0)
		fuzz_child_set(0, r);
}

static void fuzz_wait(void)
{
	int64_t pid = fuzz_pid();
	uint64_t status = fuzz_address();
	enum model_verdict v = fuzz_output(&status, sizeof(int32_t));
	int64_t r;
	int32_t got;

	r = fuzz_do(RDOS_SYS_WAIT, (uint64_t)pid, status, 0, 0, 0);
	if (!FUZZ_EXPECT_SET(r, v == MODEL_VALID, EBIT(EFAULT) | EBIT(ECHILD)))
		return;
	fuzz_judge_buffer(r, v, "WAIT status");
	if (v != MODEL_VALID)
		return;
	if (pid == -1 && fuzz_child_count() > 0)
		FUZZ_CHECK(fuzz_is_child(r), "WAIT(-1) = %lld (%s), but there are children", r,
			   fuzz_name(r));
	else if (fuzz_is_child(pid))
		FUZZ_CHECK(r == pid, "WAIT(child) = %lld (%s)", r, fuzz_name(r));
	else
		FUZZ_CHECK(r == -RDOS_ECHILD, "WAIT(%lld), not a child: %lld (%s)", pid, r,
			   fuzz_name(r));
	if (r <= 0 || !fuzz_is_child(r))
		return;
	memcpy(&got, (const void *)(uintptr_t)status, sizeof(got));
	FUZZ_CHECK(got == 0, "child %lld exited with %d", r, (int)got);
	fuzz_child_set(r, 0);
}

static void fuzz_sleep(void)
{
	static const uint64_t odd[] = { 0, ABI_SLEEP_MAX_MS + 1, ~0ull, 1ull << 63 };
	uint64_t ms = rnd(2) ? rnd(FUZZ_SLEEP_MAX_MS + 1) : odd[rnd(4)];
	int64_t r;

	if (rnd(4) == 0)
		ms = rng_next(&fz.rng);
	if (ms <= ABI_SLEEP_MAX_MS)
		ms %= FUZZ_SLEEP_MAX_MS + 1;
	r = fuzz_do(RDOS_SYS_SLEEP, ms, 0, 0, 0, 0);
	FUZZ_CHECK(r == (ms <= ABI_SLEEP_MAX_MS ? 0 : -RDOS_EINVAL), "SLEEP(%llu): %lld (%s)",
		   (unsigned long long)ms, r, fuzz_name(r));
}

/* MEMSTAT's answer about ourselves, read back from where the kernel put it. */
static void fuzz_memstat_self(uint64_t out)
{
	struct rdos_memstat st;

	memcpy(&st, (const void *)(uintptr_t)out, sizeof(st));
	FUZZ_CHECK(st.reserved_pages == fz.base_reserved + model_pages(&fz.model),
		   "MEMSTAT: %llu pages reserved, the model says %llu",
		   (unsigned long long)st.reserved_pages,
		   (unsigned long long)(fz.base_reserved + model_pages(&fz.model)));
	FUZZ_CHECK(st.present_pages <= st.reserved_pages && st.frames_free <= st.frames_total,
		   "MEMSTAT: present %llu > reserved %llu or free %llu > total %llu",
		   (unsigned long long)st.present_pages, (unsigned long long)st.reserved_pages,
		   (unsigned long long)st.frames_free, (unsigned long long)st.frames_total);
}

static void fuzz_memstat(void)
{
	int64_t pid = fuzz_pid();
	uint64_t out = fuzz_address();
	enum model_verdict v = fuzz_output(&out, sizeof(struct rdos_memstat));
	int64_t r = fuzz_do(RDOS_SYS_MEMSTAT, (uint64_t)pid, out, 0, 0, 0);
	bool self = pid == 0 || pid == fz.pid;

	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(ENOENT)))
		return;
	fuzz_judge_buffer(r, v, "MEMSTAT out");
	if (v == MODEL_VALID && self)
		FUZZ_CHECK(r == 0, "MEMSTAT(self): %s", fuzz_name(r));
	if (r == 0 && self && v == MODEL_VALID)
		fuzz_memstat_self(out);
}

/* Calls with an output array of max entries of unit bytes: PROCLIST
 * (pid unused) and VMMAP. */
static void fuzz_list_call(uint64_t nr, uint64_t unit, uint64_t limit)
{
	uint64_t out = fuzz_address(), max = fuzz_length(out, unit), bytes;
	int64_t pid = fuzz_pid();
	enum model_verdict v = __builtin_mul_overflow(max, unit, &bytes) ? MODEL_INVALID
									 : fuzz_output(&out, bytes);
	uint64_t from = fuzz_address();
	int64_t r = nr == RDOS_SYS_PROCLIST ? fuzz_do(nr, out, max, 0, 0, 0)
					    : fuzz_do(nr, (uint64_t)pid, from, out, max, 0);
	bool self = nr == RDOS_SYS_PROCLIST || pid == 0 || pid == fz.pid;

	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | (nr == RDOS_SYS_VMMAP ? EBIT(ENOENT) : 0)))
		return;
	fuzz_judge_buffer(r, v, "output array");
	if (v == MODEL_VALID && self)
		FUZZ_CHECK(r >= 0, "%s failed: %s", nr == RDOS_SYS_VMMAP ? "VMMAP" : "PROCLIST",
			   fuzz_name(r));
	if (r >= 0)
		FUZZ_CHECK((uint64_t)r <= max && (uint64_t)r <= limit, "%lld entries for max %llu",
			   r, (unsigned long long)max);
	if (nr == RDOS_SYS_PROCLIST && v == MODEL_VALID && max >= 2)
		FUZZ_CHECK(r >= 2, "PROCLIST lists %lld processes: the kernel and we are 2", r);
}

static void fuzz_getargs(void)
{
	uint64_t buf = fuzz_address(), size = fuzz_length(buf, 1);
	enum model_verdict v = fuzz_output(&buf, size);
	int64_t r = fuzz_do(RDOS_SYS_GETARGS, buf, size, 0, 0, 0);

	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT)))
		return;
	fuzz_judge_buffer(r, v, "GETARGS buffer");
	if (r >= 0)
		FUZZ_CHECK(r == fz.args_len, "GETARGS = %lld, our arguments are %lld long", r,
			   fz.args_len);
}

/* The child of a FORK: its memory must be a copy of the parent's as the
 * model describes it (VMMAP, reserved pages); it reads every small page
 * and writes the writable ones (copy-on-write), then exits 0, or 1 if the
 * copy was wrong.  The parent reaps it like any child. */
static __attribute__((noreturn)) void fuzz_forked_child(void)
{
	const char *problem = model_audit_vmmap(&fz.model);
	struct rdos_memstat st;

	fz.pid = sys_getpid();
	if (problem)
		ut_note("forked child %lld: %s", fz.pid, problem);
	if (sys_memstat(0, &st) != 0 || st.reserved_pages != fz.base_reserved + model_pages(&fz.model))
		problem = "reserved pages differ from the parent's";
	for (int i = 0; i < MODEL_SLOTS; i++) {
		const struct model_slot *s = &fz.model.slots[i];

		for (uint64_t k = 0; s->addr && model_tracked(s) && k < s->npages; k++) {
			volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(s->addr + k * PAGE);
			uint8_t v = *p;

			if (s->prot[k] & RDOS_PROT_WRITE)
				*p = (uint8_t)(v + 1);
		}
	}
	sys_exit(problem ? 1 : 0);
}

static void fuzz_fork(void)
{
	int64_t r;

	if (fuzz_child_count() == FUZZ_CHILDREN_MAX)
		fuzz_reap_one();
	r = fuzz_do(RDOS_SYS_FORK, rng_next(&fz.rng), rng_next(&fz.rng), rng_next(&fz.rng),
		    rng_next(&fz.rng), rng_next(&fz.rng));
	if (r == 0)
		fuzz_forked_child();
	if (FUZZ_EXPECT_SET(r, true, EBIT(ELIMIT) | EBIT(ENOMEM)) && r > 0)
		fuzz_child_set(0, r);
}

/* GETPID and YIELD ignore their arguments: give them garbage. */
static void fuzz_simple(uint64_t nr)
{
	int64_t r = fuzz_do(nr, rng_next(&fz.rng), rng_next(&fz.rng), rng_next(&fz.rng),
			    rng_next(&fz.rng), rng_next(&fz.rng));

	FUZZ_CHECK(r == (nr == RDOS_SYS_GETPID ? fz.pid : 0), "result %lld (%s)", r, fuzz_name(r));
}

static void fuzz_known(uint64_t nr)
{
	switch (nr) {
	case RDOS_SYS_WRITE:
		return fuzz_write();
	case RDOS_SYS_READ_LINE:
		return fuzz_read_line();
	case RDOS_SYS_RESERVE:
		return fuzz_reserve();
	case RDOS_SYS_RELEASE:
		return fuzz_release();
	case RDOS_SYS_PROTECT:
		return fuzz_protect();
	case RDOS_SYS_SPAWN:
		return fuzz_spawn();
	case RDOS_SYS_WAIT:
		return fuzz_wait();
	case RDOS_SYS_SLEEP:
		return fuzz_sleep();
	case RDOS_SYS_MEMSTAT:
		return fuzz_memstat();
	case RDOS_SYS_PROCLIST:
		return fuzz_list_call(nr, sizeof(struct rdos_procinfo), ABI_PROCLIST_MAX);
	case RDOS_SYS_VMMAP:
		return fuzz_list_call(nr, sizeof(struct rdos_vmrun), ABI_VMMAP_MAX);
	case RDOS_SYS_GETARGS:
		return fuzz_getargs();
	case RDOS_SYS_FORK:
		return fuzz_fork();
	default: /* GETPID, YIELD */
		return fuzz_simple(nr);
	}
}

/* Numbers that are no call: past the table, negative, huge; and valid
 * numbers with garbage in the upper half, whose arguments would do
 * something visible if the kernel ignored the upper half. */
static void fuzz_unknown(void)
{
	static const uint64_t odd[] = { RDOS_SYS_COUNT, 255, 0x80000000u, ~0ull, 1ull << 63 };
	uint64_t nr;
	int64_t r;

	if (rnd(2)) {
		nr = rnd(3) ? odd[rnd(5)] : RDOS_SYS_COUNT + rnd(1000);
		if (rnd(3) == 0)
			nr = 0 - (1 + rnd(20));
		r = fuzz_do(nr, fuzz_address(), fuzz_length(0, 1), rng_next(&fz.rng),
			    rng_next(&fz.rng), rng_next(&fz.rng));
	} else {
		nr = (rng_next(&fz.rng) & ~0xFFFFFFFFull) | (1ull << (32 + rnd(32))) |
		     rnd(RDOS_SYS_COUNT);
		r = fuzz_do(nr, DECORATED_ARG, 0, 0, 0, 0);
	}
	FUZZ_CHECK(r == -RDOS_ENOSYS, "unknown call: %lld (%s), want ENOSYS", r, fuzz_name(r));
}

/* ---- well-formed memory operations ------------------------------------------------ */

static void fuzz_op_reserve(void)
{
	static const unsigned prots[] = { RDOS_PROT_READ, RDOS_PROT_WRITE, RDOS_PROT_EXEC,
					  RDOS_PROT_WRITE | RDOS_PROT_EXEC };
	uint64_t npages = rnd(4) ? 1 + rnd(MODEL_TRACKED_PAGES) : 1 + rnd(FUZZ_BIG_PAGES_MAX);
	unsigned prot = prots[rnd(4)];
	uint64_t fixed = rnd(4) ? 0 : fuzz_released_address();
	int64_t r;

	fz.nr = RDOS_SYS_RESERVE;
	if (model_live(&fz.model) == MODEL_SLOTS) {
		int i = model_pick(&fz.model, rng_next(&fz.rng));

		FUZZ_CHECK(sys_release(fz.model.slots[i].addr, fz.model.slots[i].npages) == 0,
			   "release of a whole reservation of ours failed");
		model_remove(&fz.model, i);
	}
	r = sys_reserve(npages, prot, fixed);
	if (!FUZZ_CHECK(r > 0 || r == -RDOS_ENOMEM || r == -RDOS_ENOSPACE ||
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
	unsigned prot = prots[rnd(4)];
	int64_t r;

	if (!s)
		return;
	first = rnd(2) ? 0 : rnd(s->npages);
	npages = rnd(2) ? s->npages - first : 1 + rnd(s->npages - first);
	addr = s->addr + first * PAGE;
	fz.nr = RDOS_SYS_PROTECT;
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
	fz.nr = RDOS_SYS_RELEASE;
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
	page = rnd(s->npages);
	p = (volatile uint8_t *)(uintptr_t)(s->addr + page * PAGE + rnd(PAGE));
	(void)*p;
	if (s->prot[page] & RDOS_PROT_WRITE)
		*p = (uint8_t)fz.call_index;
}

static void fuzz_mem_op(void)
{
	switch (rnd(8)) {
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
	uint64_t r = rnd(100);

	fz.nr = ~0ull;
	if (r < FUZZ_MEM_OP_PERCENT)
		return fuzz_mem_op();
	fz.call_index++;
	if (r < 90)
		fuzz_known(1 + rnd(RDOS_SYS_COUNT - 1)); /* never 0: EXIT */
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
	FUZZ_CHECK(sys_wait(-1, &(int32_t){ 0 }) == -RDOS_ECHILD, "clean-up: a child we did not know");
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
	ut_prefault();
	ut_note("seed 0x%llx, %llu calls, twice", (unsigned long long)seed,
		(unsigned long long)count);

	fuzz_round(seed, count);
	fuzz_warm_up_children();
	memset(fz.results, 0, sizeof(fz.results));
	ut_memstat(&before);
	fuzz_round(seed, count);
	ut_memstat(&after);

	UT_EXPECT(after.frames_free, before.frames_free);
	UT_EXPECT(after.page_table_pages, before.page_table_pages);
	UT_EXPECT(after.present_pages, before.present_pages);
	UT_CHECK(fz.failures <= FUZZ_NOTES_MAX, "%llu more failed checks not shown",
		 (unsigned long long)(fz.failures - FUZZ_NOTES_MAX));
	fuzz_summary(seed, count);
	return ut_end();
}
