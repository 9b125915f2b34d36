/*
 * fuzz_calls.c - one generator-and-judge per system call: each draws its
 * arguments from the pools (fuzz_core.c), makes the call with fuzz_do()
 * and checks the result against docs/abi.md and the model (model.h).
 */
#include "fuzz.h"

#include <stddef.h>

#include "lib/string.h"
#include "ut.h"
#include "user/runtime/sys.h"

/* rdi of a call number with garbage in its upper half: if the kernel
 * wrongly runs EXIT, the status is not 0, so the test fails. */
#define DECORATED_ARG 77

static const char fuzz_dots[FUZZ_WRITE_MAX + 1] = "...";

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
		len = fuzz_rnd(FUZZ_WRITE_MAX + 1);
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
	uint64_t ptr = fuzz_rnd(4) ? fuzz_bad_address() : fuzz_slot_address(0);
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
	return npages > 0 && npages <= ABI_RESERVE_MAX_PAGES && addr % FUZZ_PAGE == 0 &&
	       addr >= MODEL_USER_START && addr < MODEL_USER_END &&
	       npages <= (MODEL_USER_END - addr) / FUZZ_PAGE;
}

static void fuzz_reserve(void)
{
	uint64_t npages = fuzz_npages(), prot = fuzz_prot();
	uint64_t fixed = fuzz_rnd(2) ? 0 : fuzz_page_address();
	int64_t r = fuzz_do(RDOS_SYS_RESERVE, npages, prot, fixed, rng_next(&fz.rng), 0);
	bool args_ok = npages > 0 && npages <= ABI_RESERVE_MAX_PAGES && fuzz_prot_valid(prot) &&
		       (fixed == 0 || fuzz_range_valid(fixed, npages));

	unsigned errors = args_ok ? EBIT(EBUSY) | EBIT(ENOSPACE) | EBIT(ENOMEM) | EBIT(ELIMIT)
				  : EBIT(EINVAL);

	if (!FUZZ_EXPECT_SET(r, args_ok, errors))
		return;
	if (r < 0)
		return;
	if (!FUZZ_CHECK(r % FUZZ_PAGE == 0 && fuzz_range_valid((uint64_t)r, npages) &&
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

	if (i != MODEL_NO_SLOT && fuzz_rnd(3)) {
		uint64_t n = fz.model.slots[i].npages;

		return fuzz_rnd(2) ? n : n + fuzz_rnd(3) - 1;
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

	unsigned errors = fuzz_range_valid(addr, npages) ? EBIT(ERANGE) : EBIT(EINVAL);

	if (!FUZZ_EXPECT_SET(r, exact, errors))
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
		FUZZ_CHECK(r == -RDOS_EINVAL, "SPAWN, name too long or bad flags: %s",
			   fuzz_name(r));
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
	const struct fuzz_program *p = fuzz_rnd(4) ? &fuzz_programs[fuzz_rnd(FUZZ_PROGRAMS)] : NULL;
	bool args_bad = fuzz_rnd(4) == 0;
	uint64_t name = p ? (uintptr_t)p->name : fuzz_bad_address();
	uint64_t args = args_bad ? fuzz_bad_address() : (uintptr_t)fuzz_args[fuzz_rnd(FUZZ_ARGS)];
	uint64_t flags = flags_pool[fuzz_rnd(sizeof(flags_pool) / sizeof(flags_pool[0]))];
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

/* WAIT, or WAIT_INFO (nr), whose record starts with the same status: the
 * fuzzer's children exit 0, never killed, so the cause must be NONE. */
static void fuzz_wait(uint64_t nr)
{
	int64_t pid = fuzz_pid();
	uint64_t status = fuzz_address();
	uint64_t size = nr == RDOS_SYS_WAIT_INFO ? sizeof(struct rdos_wait_info) : sizeof(int32_t);
	enum model_verdict v = fuzz_output(&status, size);
	int64_t r;
	struct rdos_wait_info got = { 0 };

	r = fuzz_do(nr, (uint64_t)pid, status, 0, 0, 0);
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
	memcpy(&got, (const void *)(uintptr_t)status, size);
	FUZZ_CHECK(got.status == 0 && got.cause == RDOS_KILL_NONE && got.detail == 0,
		   "child %lld exited with %d, cause %u", r, (int)got.status, (unsigned)got.cause);
	fuzz_child_set(r, 0);
	fuzz_check_own_memory();
}

static void fuzz_sleep(void)
{
	static const uint64_t odd[] = { 0, ABI_SLEEP_MAX_MS + 1, ~0ull, 1ull << 63 };
	uint64_t ms = fuzz_rnd(2) ? fuzz_rnd(FUZZ_SLEEP_MAX_MS + 1) : odd[fuzz_rnd(4)];
	int64_t r;

	if (fuzz_rnd(4) == 0)
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

/* MEMSTAT and WORK: (pid, out); true if it succeeded for us into a
 * buffer the model knows is valid. */
static bool fuzz_pid_out_call(uint64_t nr, uint64_t size, const char *name, uint64_t *out)
{
	int64_t pid = fuzz_pid();
	enum model_verdict v;
	bool self = pid == 0 || pid == fz.pid;
	int64_t r;

	*out = fuzz_address();
	v = fuzz_output(out, size);
	r = fuzz_do(nr, (uint64_t)pid, *out, 0, 0, 0);
	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(ENOENT)))
		return false;
	fuzz_judge_buffer(r, v, name);
	if (v == MODEL_VALID && self)
		FUZZ_CHECK(r == 0, "%s(self): %s", name, fuzz_name(r));
	return r == 0 && self && v == MODEL_VALID;
}

static void fuzz_memstat(void)
{
	uint64_t out;

	if (fuzz_pid_out_call(RDOS_SYS_MEMSTAT, sizeof(struct rdos_memstat), "MEMSTAT", &out))
		fuzz_memstat_self(out);
}

static void fuzz_work(void)
{
	uint64_t out;

	fuzz_pid_out_call(RDOS_SYS_WORK, sizeof(struct rdos_work), "WORK", &out);
}

/* Only guards that must be refused: a guard page in memory the model
 * tracks would kill the fuzzer's next touch of it, or its forked child's. */
static void fuzz_guard(void)
{
	uint64_t addr = fuzz_range_address(), npages;
	int64_t r;

	if (model_slot_at(&fz.model, addr) != MODEL_NO_SLOT)
		addr = fuzz_released_address();
	if (addr == 0 || model_slot_at(&fz.model, addr) != MODEL_NO_SLOT)
		addr = fuzz_bad_address();
	npages = fuzz_range_pages(addr);
	r = fuzz_do(RDOS_SYS_GUARD, addr, npages, rng_next(&fz.rng), 0, 0);
	FUZZ_EXPECT_SET(r, false, fuzz_range_valid(addr, npages) ? EBIT(ERANGE) : EBIT(EINVAL));
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

/* PAGEINFO of any page of anyone: a text, or an error for the buffer
 * (first), the pid or an address outside user space. */
static void fuzz_pageinfo(void)
{
	uint64_t buf = fuzz_address(), size = fuzz_length(buf, 1), addr = fuzz_address();
	enum model_verdict v = fuzz_output(&buf, size);
	int64_t pid = fuzz_pid();
	int64_t r = fuzz_do(RDOS_SYS_PAGEINFO, (uint64_t)pid, addr, buf, size, 0);
	bool self = pid == 0 || pid == fz.pid;
	bool user = addr >= MODEL_USER_START && addr < MODEL_USER_END;

	if (!FUZZ_EXPECT_SET(r, true, EBIT(EFAULT) | EBIT(ENOENT) | EBIT(EINVAL)))
		return;
	fuzz_judge_buffer(r, v, "PAGEINFO buffer");
	if (v == MODEL_VALID && self)
		FUZZ_CHECK(user ? r > 0 : r == -RDOS_EINVAL, "PAGEINFO(self, 0x%llx) = %lld (%s)",
			   (unsigned long long)addr, r, fuzz_name(r));
}

/* REPLAY only of names no trace has, or from bad pointers: a real trace
 * would take seconds. */
static void fuzz_replay(void)
{
	static const char no_trace[] = "no-such-trace";
	uint64_t name = fuzz_rnd(2) ? (uintptr_t)no_trace : fuzz_bad_address();
	uint64_t out = fuzz_address();
	enum model_verdict v = fuzz_output(&out, sizeof(struct rdos_replay));
	int64_t r = fuzz_do(RDOS_SYS_REPLAY, name, out, 0, 0, 0);

	if (!FUZZ_EXPECT_SET(r, false, EBIT(EFAULT) | EBIT(ENOENT)))
		return;
	if (name == (uintptr_t)no_trace)
		fuzz_judge_buffer(r, v, "REPLAY out");
	else
		FUZZ_CHECK(r == -RDOS_EFAULT, "REPLAY of a bad name pointer: %s", fuzz_name(r));
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
	fuzz_canary_fill((uint64_t)fz.pid);
	if (problem)
		ut_note("forked child %lld: %s", fz.pid, problem);
	if (sys_memstat(0, &st) != 0 ||
	    st.reserved_pages != fz.base_reserved + model_pages(&fz.model))
		problem = "reserved pages differ from the parent's";
	for (int i = 0; i < MODEL_SLOTS; i++) {
		const struct model_slot *s = &fz.model.slots[i];

		for (uint64_t k = 0; s->addr && model_tracked(s) && k < s->npages; k++) {
			uint64_t va = s->addr + k * FUZZ_PAGE;
			volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;
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

/* A limit argument that never lowers the limit (that could kill the
 * fuzzer): KEEP, or a raise, which must be refused. */
static uint64_t fuzz_limit_arg(uint64_t now, bool *raise)
{
	uint64_t up = now + 1 + fuzz_rnd(1000);

	if (fuzz_rnd(2) || now == RDOS_LIMIT_KEEP || up <= now)
		return RDOS_LIMIT_KEEP;
	*raise = true;
	return up;
}

static void fuzz_limits(void)
{
	struct rdos_limits now, *got;
	uint64_t out = fuzz_address();
	enum model_verdict v = fuzz_output(&out, sizeof(now));
	bool raise = false;
	uint64_t max_reserved, max_present;
	int64_t r;

	if (!FUZZ_CHECK(sys_limits(RDOS_LIMIT_KEEP, RDOS_LIMIT_KEEP, &now) == 0, "LIMITS read"))
		return;
	max_reserved = fuzz_limit_arg(now.max_reserved_pages, &raise);
	max_present = fuzz_limit_arg(now.max_present_pages, &raise);
	r = fuzz_do(RDOS_SYS_LIMITS, max_reserved, max_present, out, 0, 0);
	if (!FUZZ_EXPECT_SET(r, !raise, EBIT(EFAULT) | (raise ? EBIT(EINVAL) : 0)))
		return;
	fuzz_judge_buffer(r, v, "LIMITS out");
	got = (struct rdos_limits *)(uintptr_t)out;
	if (r == 0)
		FUZZ_CHECK(got->max_reserved_pages == now.max_reserved_pages &&
				   got->max_present_pages == now.max_present_pages &&
				   got->reserved_pages == fz.base_reserved + model_pages(&fz.model),
			   "LIMITS changed a limit kept, or reserved pages differ from the model");
}

/* GETPID, YIELD and TICKS ignore their arguments: give them garbage. */
static void fuzz_simple(uint64_t nr)
{
	int64_t r = fuzz_do(nr, rng_next(&fz.rng), rng_next(&fz.rng), rng_next(&fz.rng),
			    rng_next(&fz.rng), rng_next(&fz.rng));
	bool ok = nr == RDOS_SYS_TICKS ? r >= 0 : r == (nr == RDOS_SYS_GETPID ? fz.pid : 0);

	FUZZ_CHECK(ok, "result %lld (%s)", r, fuzz_name(r));
}

/* Only starts that must be refused: a thread at a random address would
 * kill the fuzzer with its first fault. */
static void fuzz_thread(void)
{
	static const uint64_t bad_stack[] = { 0, 8, 0x1008, ~0ull & ~15ull, 1ull << 47 | 16 };
	uint64_t entry = fuzz_rnd(2) ? fuzz_address() : (1ull << 63) | fuzz_rnd(4096);
	uint64_t stack = bad_stack[fuzz_rnd(5)];

	if (entry < (1ull << 47) && stack >= 0x1000 && stack < (1ull << 47) && !(stack & 15))
		stack |= 8;
	FUZZ_CHECK(fuzz_do(RDOS_SYS_THREAD, entry, rng_next(&fz.rng), stack, 0, 0) == -RDOS_EINVAL,
		   "THREAD with a bad entry or stack was not EINVAL");
}

void fuzz_known(uint64_t nr)
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
	case RDOS_SYS_WAIT_INFO:
		return fuzz_wait(nr);
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
	case RDOS_SYS_LIMITS:
		return fuzz_limits();
	case RDOS_SYS_THREAD:
		return fuzz_thread();
	case RDOS_SYS_THREAD_EXIT:
		return; /* ends the caller, like EXIT: never fuzzed */
	case RDOS_SYS_GUARD:
		return fuzz_guard();
	case RDOS_SYS_WORK:
		return fuzz_work();
	case RDOS_SYS_PAGEINFO:
		return fuzz_pageinfo();
	case RDOS_SYS_REPLAY:
		return fuzz_replay();
	default: /* GETPID, YIELD, TICKS */
		return fuzz_simple(nr);
	}
}

/* Numbers that are no call: past the table, negative, huge; and valid
 * numbers with garbage in the upper half, whose arguments would do
 * something visible if the kernel ignored the upper half. */
void fuzz_unknown(void)
{
	static const uint64_t odd[] = { RDOS_SYS_COUNT, 255, 0x80000000u, ~0ull, 1ull << 63 };
	uint64_t nr;
	int64_t r;

	if (fuzz_rnd(2)) {
		nr = fuzz_rnd(3) ? odd[fuzz_rnd(5)] : RDOS_SYS_COUNT + fuzz_rnd(1000);
		if (fuzz_rnd(3) == 0)
			nr = 0 - (1 + fuzz_rnd(20));
		r = fuzz_do(nr, fuzz_address(), fuzz_length(0, 1), rng_next(&fz.rng),
			    rng_next(&fz.rng), rng_next(&fz.rng));
	} else {
		nr = (rng_next(&fz.rng) & ~0xFFFFFFFFull) | (1ull << (32 + fuzz_rnd(32))) |
		     fuzz_rnd(RDOS_SYS_COUNT);
		r = fuzz_do(nr, DECORATED_ARG, 0, 0, 0, 0);
	}
	FUZZ_CHECK(r == -RDOS_ENOSYS, "unknown call: %lld (%s), want ENOSYS", r, fuzz_name(r));
}

