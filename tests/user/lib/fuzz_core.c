/*
 * fuzz_core.c - the fuzzer's state, failure reporting, argument pools and
 * bookkeeping (fuzz.h).
 */
#include "fuzz.h"

#include <stdarg.h>
#include <stddef.h>

#include "lib/format.h"
#include "ut.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"
#include "user/runtime/syscall.h"

#define KERNEL_DIRECT_MAP 0xFFFF800000000000ull
#define KERNEL_IMAGE 0xFFFFFFFF80000000ull
#define NONCANONICAL 0x0000800000000000ull

struct fuzz fz;

/* A page of .bss that only a forked child writes: the parent's copy must
 * stay as it was (copy-on-write), checked whenever a child is reaped. */
static volatile uint64_t fuzz_canary[FUZZ_PAGE / sizeof(uint64_t)];

/* ---- failures ------------------------------------------------------------------ */

/* Records a failure of the current call; the first FUZZ_NOTES_MAX are
 * printed with the call.  Returns ok. */
__attribute__((format(gnu_printf, 3, 4))) bool fuzz_check(bool ok, int line,
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

const char *fuzz_name(int64_t r)
{
	return r >= 0 ? "ok" : sys_error_name(r);
}

/* r must be -e for some e in the set allowed (or >= 0 if ok_allowed). */
bool fuzz_expect_set(int64_t r, bool ok_allowed, unsigned allowed, int line)
{
	bool ok = r >= 0 ? ok_allowed : r >= -RDOS_ELIMIT && (allowed & (1u << -r));

	return fuzz_check(ok, line, "result %lld (%s) is not one this call may return", r,
			  fuzz_name(r));
}
#define FUZZ_EXPECT_SET(r, ok_allowed, set) fuzz_expect_set((r), (ok_allowed), (set), __LINE__)

/* ---- argument pools ---------------------------------------------------------- */

uint64_t fuzz_rnd(uint64_t n)
{
	return rng_below(&fz.rng, n);
}

const struct model_slot *fuzz_some_slot(void)
{
	int i = model_pick(&fz.model, rng_next(&fz.rng));

	return i == MODEL_NO_SLOT ? NULL : &fz.model.slots[i];
}

/* An address in or at the edge of a slot of ours (0 if there is none). */
uint64_t fuzz_slot_address(unsigned how)
{
	const struct model_slot *s = fuzz_some_slot();
	uint64_t pages;

	if (!s)
		return 0;
	pages = s->npages < MODEL_TRACKED_PAGES ? s->npages : MODEL_TRACKED_PAGES;
	switch (how % 3) {
	case 0:
		return s->addr + fuzz_rnd(pages) * FUZZ_PAGE;
	case 1:
		return s->addr + fuzz_rnd(pages * FUZZ_PAGE);
	default: /* the last bytes: a buffer from here runs past the slot */
		return s->addr + s->npages * FUZZ_PAGE - 1 - fuzz_rnd(16);
	}
}

uint64_t fuzz_released_address(void)
{
	const struct model_range *r = &fz.model.released[fuzz_rnd(MODEL_RELEASED)];

	return r->npages ? r->addr + fuzz_rnd(r->npages < 4 ? r->npages : 4) * FUZZ_PAGE : 0;
}

/* Addresses no call may accept as a buffer: outside user space. */
uint64_t fuzz_bad_address(void)
{
	switch (fuzz_rnd(8)) {
	case 0:
		return 0;
	case 1:
		return 1 + fuzz_rnd(FUZZ_PAGE - 1);
	case 2:
		return KERNEL_DIRECT_MAP + fuzz_rnd(1ull << 32);
	case 3:
		return KERNEL_IMAGE + fuzz_rnd(16ull << 20);
	case 4:
		return NONCANONICAL + fuzz_rnd(1ull << 46);
	case 5:
		return MODEL_USER_END + fuzz_rnd(FUZZ_PAGE);
	case 6:
		return ~0ull - fuzz_rnd(FUZZ_PAGE);
	default: /* bit 47 set, bit 63 clear: never canonical */
		return (rng_next(&fz.rng) & ~(1ull << 63)) | NONCANONICAL;
	}
}

/* Any address: ours, released, outside, or random. */
uint64_t fuzz_address(void)
{
	switch (fuzz_rnd(6)) {
	case 0:
	case 1:
		return fuzz_slot_address((unsigned)fuzz_rnd(3));
	case 2:
		return fuzz_released_address();
	case 3:
		return fuzz_bad_address();
	case 4:
		return MODEL_USER_END - (1 + fuzz_rnd(4)) * FUZZ_PAGE; /* the top of user space */
	default:
		return rng_next(&fz.rng);
	}
}

uint64_t fuzz_page_address(void)
{
	return fuzz_rnd(4) ? fuzz_address() & ~(uint64_t)(FUZZ_PAGE - 1) : fuzz_address();
}

/* A length for a buffer at ptr, in units of unit bytes. */
uint64_t fuzz_length(uint64_t ptr, uint64_t unit)
{
	switch (fuzz_rnd(8)) {
	case 0:
		return 0;
	case 1:
		return 1 + fuzz_rnd(64);
	case 2:
		return (FUZZ_PAGE * (1 + fuzz_rnd(16)) - fuzz_rnd(2) * fuzz_rnd(FUZZ_PAGE)) / unit;
	case 3:
		return (1ull << (32 + fuzz_rnd(31))) + fuzz_rnd(1000);
	case 4:
		return ~0ull;
	case 5: /* ptr + length wraps around */
		return (0 - ptr) / unit + 1 + fuzz_rnd(64);
	case 6:
		return rng_next(&fz.rng);
	default:
		return 1ull << 63;
	}
}

/* A child that is still in our list, or 0. */
static int64_t fuzz_some_child(void)
{
	for (int k = 0, i = (int)fuzz_rnd(FUZZ_CHILDREN_MAX); k < FUZZ_CHILDREN_MAX; k++)
		if (fz.children[(i + k) % FUZZ_CHILDREN_MAX])
			return fz.children[(i + k) % FUZZ_CHILDREN_MAX];
	return 0;
}

int64_t fuzz_pid(void)
{
	static const int64_t odd[] = { 0, -1, -2, (int64_t)1 << 40, INT64_MIN, INT64_MAX };

	switch (fuzz_rnd(5)) {
	case 0:
		return odd[fuzz_rnd(sizeof(odd) / sizeof(odd[0]))];
	case 1:
		return fz.pid;
	case 2:
		return fuzz_some_child();
	case 3:
		return (int64_t)fuzz_rnd(80);
	default:
		return (int64_t)rng_next(&fz.rng);
	}
}

uint64_t fuzz_prot(void)
{
	static const uint64_t valid[] = { RDOS_PROT_READ, RDOS_PROT_WRITE, RDOS_PROT_EXEC,
					  RDOS_PROT_WRITE | RDOS_PROT_EXEC };
	static const uint64_t bad[] = { 2, 8, 3, 0x80000000u, 0xFFFFFFFFu, 1ull << 32 | 1 };

	if (fuzz_rnd(10) < 7)
		return valid[fuzz_rnd(4)];
	return fuzz_rnd(2) ? bad[fuzz_rnd(sizeof(bad) / sizeof(bad[0]))] : rng_next(&fz.rng);
}

uint64_t fuzz_npages(void)
{
	switch (fuzz_rnd(8)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return 1 + fuzz_rnd(MODEL_TRACKED_PAGES);
	case 3:
		return 1 + fuzz_rnd(4096);
	case 4:
		return (1ull << (20 + fuzz_rnd(15))) + fuzz_rnd(3);
	case 5:
		return ABI_RESERVE_MAX_PAGES + fuzz_rnd(3) - 1;
	case 6:
		return ~0ull - fuzz_rnd(2);
	default:
		return rng_next(&fz.rng);
	}
}

/* ---- bookkeeping ---------------------------------------------------------------- */

bool fuzz_is_child(int64_t pid)
{
	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++)
		if (pid > 0 && fz.children[i] == pid)
			return true;
	return false;
}

int fuzz_child_count(void)
{
	int n = 0;

	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++)
		n += fz.children[i] != 0;
	return n;
}

void fuzz_child_set(int64_t old, int64_t pid)
{
	for (int i = 0; i < FUZZ_CHILDREN_MAX; i++) {
		if (fz.children[i] == old) {
			fz.children[i] = pid;
			return;
		}
	}
}

void fuzz_canary_fill(uint64_t v)
{
	for (size_t i = 0; i < sizeof(fuzz_canary) / sizeof(fuzz_canary[0]); i++)
		fuzz_canary[i] = v;
}

/* After a child ended: nothing it wrote may have reached our memory. */
void fuzz_check_own_memory(void)
{
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(fuzz_canary) / sizeof(fuzz_canary[0]); i++)
		bad += fuzz_canary[i] != FUZZ_CANARY;
	FUZZ_CHECK(bad == 0 && sys_getpid() == fz.pid,
		   "a child's writes reached our memory: %zu canary words changed, pid %lld",
		   bad, fz.pid);
}

/* Reaps one child with a well-formed WAIT; its status must be 0. */
void fuzz_reap_one(void)
{
	int32_t status = -1;
	int64_t pid = sys_wait(-1, &status);

	if (!FUZZ_CHECK(fuzz_is_child(pid), "reap: WAIT(-1) = %lld (%s), not a child", pid,
			fuzz_name(pid)))
		return;
	FUZZ_CHECK(status == 0, "reap: child %lld exited with %d", pid, (int)status);
	fuzz_child_set(pid, 0);
	fuzz_check_own_memory();
}

/* A reservation the kernel made (by a fuzzed or a well-formed call). */
void fuzz_reserved(uint64_t addr, uint64_t npages, unsigned prot)
{
	if (!FUZZ_CHECK(!model_overlaps(&fz.model, addr, npages),
			"RESERVE gave 0x%llx+%llu, over a reservation of ours",
			(unsigned long long)addr, (unsigned long long)npages))
		return;
	if (!model_add(&fz.model, addr, npages, prot))
		FUZZ_CHECK(sys_release(addr, npages) == 0, "release of a surplus reservation");
}

static void fuzz_count_result(int64_t r)
{
	if (r >= 0)
		fz.results[0]++;
	else if (r >= -RDOS_ELIMIT)
		fz.results[-r]++;
	else
		fz.results[FUZZ_CLASS_BAD]++;
}

int64_t fuzz_do(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
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
		ut_note("call %llu = %lld (%s)", (unsigned long long)fz.call_index, r,
			fuzz_name(r));
	fuzz_count_result(r);
	FUZZ_CHECK(r >= -RDOS_ELIMIT && r < (int64_t)MODEL_USER_END,
		   "result %lld (0x%llx) is outside the ABI's range", r, (unsigned long long)r);
	return r;
}

/* A buffer the kernel writes: never one in memory the model does not know
 * (the fuzzer's own image, stack or state), which a wrongly accepted call
 * would corrupt.  Such a pointer is replaced by a bad one. */
enum model_verdict fuzz_output(uint64_t *ptr, uint64_t bytes)
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
uint64_t fuzz_range_address(void)
{
	uint64_t addr = fuzz_page_address();

	if (addr >= MODEL_USER_START && addr < MODEL_USER_END &&
	    model_slot_at(&fz.model, addr) == MODEL_NO_SLOT &&
	    !model_released_at(&fz.model, addr))
		return fuzz_bad_address();
	return addr;
}

