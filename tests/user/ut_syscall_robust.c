/*
 * ut_syscall_robust - every system call that takes a pointer or a length,
 * given bad ones, fails with the error docs/abi.md names and changes
 * nothing; unknown call numbers are -RDOS_ENOSYS; the registers the ABI
 * preserves survive a call; and afterwards the system's free frames are
 * exactly what they were before.
 *
 * Bad pointers: NULL, the direct map and the kernel image, the first
 * non-canonical address, the last page below the hole (never user space),
 * a released page, and a buffer whose first bytes are valid but which runs
 * into the released page.  Output buffers also may not be read-only or
 * code.  Bad lengths: so large that the buffer leaves user space, and so
 * large that address + length wraps around.  A reserved page that is not
 * present yet is valid memory: calls must fill it, not refuse it.
 *
 * Pass rule: every check holds; exit 0.
 */
#include <stddef.h>

#include "lib/string.h"
#include "regs.h"
#include "ut.h"
#include "user/runtime/sys.h"
#include "user/runtime/syscall.h"

#define PAGE USER_PAGE_SIZE
#define STRADDLE 8 /* valid bytes before the released page */
#define KERNEL_DIRECT_MAP 0xFFFF800000000000ull
#define KERNEL_IMAGE 0xFFFFFFFF80000000ull
#define NONCANONICAL 0x0000800000000000ull
#define BELOW_HOLE 0x00007FFFFFFFF000ull /* user space ends here */
#define ARGS_TOO_LONG (64 * 1024)

/* The test's memory, set up by robust_setup(). */
static uint64_t valid;    /* one read-write page, touched */
static uint64_t released; /* the page after it: free */
static uint64_t readonly; /* one read-only page */
static uint64_t fresh;    /* read-write, reserved, never touched */

struct bad_ptr {
	const char *what;
	uint64_t addr;
};

static struct bad_ptr bad_ptrs[] = {
	{ "NULL", 0 },
	{ "direct map", KERNEL_DIRECT_MAP },
	{ "kernel image", KERNEL_IMAGE },
	{ "non-canonical", NONCANONICAL },
	{ "below the hole", BELOW_HOLE },
	{ "released page", 0 },     /* filled in by robust_setup() */
	{ "runs into released", 0 }, /* ditto */
};
#define BAD_PTR_COUNT ((int)(sizeof(bad_ptrs) / sizeof(bad_ptrs[0])))

/* A call reduced to (pointer, length) for the table below. */
typedef int64_t (*buffer_call_fn)(uint64_t ptr, uint64_t len);

struct buffer_call {
	const char *name;
	buffer_call_fn fn;
	uint64_t len;  /* a good length for the pointer tests */
	uint64_t unit; /* bytes per length unit; 0: the call has no length */
	bool output;   /* the kernel writes the buffer */
};

static int64_t call_write(uint64_t p, uint64_t n)
{
	return syscall2(RDOS_SYS_WRITE, p, n);
}

/* Every buffer here is bad, so the kernel must refuse it before it waits
 * for input: a kernel that blocks first hangs this test. */
static int64_t call_read_line(uint64_t p, uint64_t n)
{
	return syscall2(RDOS_SYS_READ_LINE, p, n);
}

static int64_t call_getargs(uint64_t p, uint64_t n)
{
	return syscall2(RDOS_SYS_GETARGS, p, n);
}

static int64_t call_memstat(uint64_t p, uint64_t n)
{
	(void)n;
	return syscall2(RDOS_SYS_MEMSTAT, 0, p);
}

static int64_t call_work(uint64_t p, uint64_t n)
{
	(void)n;
	return syscall2(RDOS_SYS_WORK, 0, p);
}

static int64_t call_pageinfo(uint64_t p, uint64_t n)
{
	return syscall4(RDOS_SYS_PAGEINFO, 0, valid, p, n);
}

static int64_t call_replay_name(uint64_t p, uint64_t n)
{
	struct rdos_replay out;

	(void)n;
	return syscall2(RDOS_SYS_REPLAY, p, (uintptr_t)&out);
}

/* A name no trace has: a good output buffer would give ENOENT. */
static int64_t call_replay_out(uint64_t p, uint64_t n)
{
	(void)n;
	return syscall2(RDOS_SYS_REPLAY, (uintptr_t)"no-such-trace", p);
}

static int64_t call_proclist(uint64_t p, uint64_t n)
{
	return syscall2(RDOS_SYS_PROCLIST, p, n);
}

static int64_t call_vmmap(uint64_t p, uint64_t n)
{
	return syscall4(RDOS_SYS_VMMAP, 0, 0, p, n);
}

static int64_t call_spawn_name(uint64_t p, uint64_t n)
{
	(void)n;
	return syscall3(RDOS_SYS_SPAWN, p, (uintptr_t)"", RDOS_SPAWN_DEFAULT);
}

static int64_t call_spawn_args(uint64_t p, uint64_t n)
{
	(void)n;
	return syscall3(RDOS_SYS_SPAWN, (uintptr_t)"ut_hello", p, RDOS_SPAWN_DEFAULT);
}

static const struct buffer_call buffer_calls[] = {
	{ "WRITE", call_write, 16, 1, false },
	{ "READ_LINE", call_read_line, 16, 1, true },
	{ "GETARGS", call_getargs, 16, 1, true },
	{ "MEMSTAT", call_memstat, 0, 0, true },
	{ "WORK", call_work, 0, 0, true },
	{ "PAGEINFO", call_pageinfo, 16, 1, true },
	{ "REPLAY name", call_replay_name, 0, 0, false },
	{ "REPLAY out", call_replay_out, 0, 0, true },
	{ "PROCLIST", call_proclist, 1, sizeof(struct rdos_procinfo), true },
	{ "VMMAP", call_vmmap, 1, sizeof(struct rdos_vmrun), true },
	{ "SPAWN name", call_spawn_name, 0, 0, false },
	{ "SPAWN args", call_spawn_args, 0, 0, false },
};

/* Expects -RDOS_EFAULT.  A SPAWN that wrongly succeeded has started a
 * child: reap it, so that the frame count at the end still means something. */
static void robust_expect_fault(const struct buffer_call *c, const char *what,
				uint64_t ptr, uint64_t len)
{
	int64_t r = c->fn(ptr, len);
	int32_t status;

	UT_CHECK(r == -RDOS_EFAULT, "%s(%s 0x%llx, len %llu) = %lld (%s), want EFAULT",
		 c->name, what, (unsigned long long)ptr, (unsigned long long)len, r,
		 r < 0 ? sys_error_name(r) : "ok");
	if (r > 0 && c->fn == call_spawn_args)
		sys_wait(r, &status);
}

/* False if the test's own memory could not be set up. */
static bool robust_setup(void)
{
	int64_t a = sys_reserve(2, RDOS_PROT_WRITE, 0);
	int64_t ro = sys_reserve(1, RDOS_PROT_READ, 0);
	int64_t fr = sys_reserve(1, RDOS_PROT_WRITE, 0);

	if (!UT_CHECK(a > 0 && ro > 0 && fr > 0, "setup reservations failed"))
		return false;
	UT_EXPECT(sys_release((uint64_t)a, 2), 0);
	if (!UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, (uint64_t)a), a))
		return false;
	valid = (uint64_t)a;
	released = valid + PAGE;
	readonly = (uint64_t)ro;
	fresh = (uint64_t)fr;
	/* No NUL in the bytes before the released page: a string starting
	 * there runs into it. */
	memset((void *)(uintptr_t)valid, 'x', PAGE);
	bad_ptrs[BAD_PTR_COUNT - 2].addr = released;
	bad_ptrs[BAD_PTR_COUNT - 1].addr = released - STRADDLE;
	return true;
}

static void robust_teardown(void)
{
	UT_CHECK(memcmp((void *)(uintptr_t)(released - STRADDLE), "xxxxxxxx", STRADDLE) == 0,
		 "a refused call wrote into the valid part of a straddling buffer");
	UT_EXPECT(sys_release(valid, 1), 0);
	UT_EXPECT(sys_release(readonly, 1), 0);
	UT_EXPECT(sys_release(fresh, 1), 0);
}

static void robust_buffer_call(const struct buffer_call *c)
{
	uint64_t len = c->len;

	for (int i = 0; i < BAD_PTR_COUNT; i++)
		robust_expect_fault(c, bad_ptrs[i].what, bad_ptrs[i].addr, len);
	if (c->output) {
		robust_expect_fault(c, "read-only page", readonly, len);
		robust_expect_fault(c, "own code", (uint64_t)(uintptr_t)&robust_setup, len);
	}
	if (c->unit == 0)
		return;
	/* Leaves user space; then address + size wraps around; then the size
	 * itself (count * entry size) overflows. */
	robust_expect_fault(c, "huge length", valid, ((uint64_t)1 << 62) / c->unit);
	robust_expect_fault(c, "wrapping length", valid,
			    (0 - valid) / c->unit + 16 / c->unit + 1);
	if (c->unit > 1)
		robust_expect_fault(c, "count * size overflows", valid,
				    UINT64_MAX / c->unit + 1);
}

/* Reserved but not present is valid memory: the kernel fills the page. */
static void robust_not_present(void)
{
	char *args = (char *)(uintptr_t)fresh;

	UT_EXPECT(sys_memstat(0, (struct rdos_memstat *)(uintptr_t)fresh), 0);
	UT_EXPECT(sys_proclist((struct rdos_procinfo *)(uintptr_t)(fresh + 1024), 1), 1);
	UT_CHECK(sys_vmmap(0, 0, (struct rdos_vmrun *)(uintptr_t)(fresh + 2048), 1) == 1,
		 "VMMAP into a not-present page did not give one run");
	UT_CHECK(sys_getargs(args + 3072, 16) >= 0, "GETARGS into a not-present page");
	UT_EXPECT(sys_getargs(NULL, 0), sys_getargs(args + 3072, 16));
	UT_EXPECT(sys_write("", 0), 0);
	UT_EXPECT(sys_read_line((char *)(uintptr_t)valid, 0), -RDOS_EINVAL);
}

/* Names and argument strings too long for the kernel to take. */
static void robust_long_strings(void)
{
	int64_t a = sys_reserve(ARGS_TOO_LONG / PAGE + 1, RDOS_PROT_WRITE, 0);
	char *s = (char *)(uintptr_t)a;

	if (!UT_CHECK(a > 0, "reserve for long strings: %s", sys_error_name(a)))
		return;
	memset(s, 'a', ARGS_TOO_LONG);
	s[ARGS_TOO_LONG] = '\0';
	UT_EXPECT(sys_spawn(s, "", RDOS_SPAWN_DEFAULT), -RDOS_EINVAL);
	UT_EXPECT(sys_spawn("ut_hello", s, RDOS_SPAWN_DEFAULT), -RDOS_EINVAL);
	UT_EXPECT(sys_release((uint64_t)a, ARGS_TOO_LONG / PAGE + 1), 0);
}

/* WAIT_INFO checks its record (16 bytes) as WAIT its status, before
 * anything is reaped; an exited child's cause is NONE. */
static void robust_wait_info(void)
{
	int64_t child = sys_spawn("ut_hello", "waited for with info", RDOS_SPAWN_DEFAULT);
	struct rdos_wait_info info = { .status = -1, .cause = 99, .detail = 99 };

	if (!UT_CHECK(child > 0, "spawn ut_hello: %s", sys_error_name(child)))
		return;
	for (int i = 0; i < BAD_PTR_COUNT - 1; i++)
		UT_CHECK(sys_wait_info(child, (struct rdos_wait_info *)(uintptr_t)bad_ptrs[i].addr) ==
				 -RDOS_EFAULT,
			 "WAIT_INFO(child, %s) is not EFAULT", bad_ptrs[i].what);
	UT_EXPECT(sys_wait_info(child, (struct rdos_wait_info *)(uintptr_t)(released - 8)),
		  -RDOS_EFAULT);
	UT_EXPECT(sys_wait_info(child, (struct rdos_wait_info *)(uintptr_t)readonly), -RDOS_EFAULT);
	UT_EXPECT(sys_wait_info(0, &info), -RDOS_ECHILD);
	UT_EXPECT(sys_wait_info(child, &info), child);
	UT_EXPECT(info.status, 0);
	UT_EXPECT(info.cause, RDOS_KILL_NONE);
	UT_EXPECT(info.detail, 0);
}

static void robust_spawn_wait(void)
{
	int64_t child = sys_spawn("ut_hello", "waited for", RDOS_SPAWN_DEFAULT);
	int32_t status = -1;

	UT_EXPECT(sys_spawn("no_such_program", "", RDOS_SPAWN_DEFAULT), -RDOS_ENOENT);
	/* An untouched read-only page reads as "": valid memory, no such name. */
	UT_EXPECT(sys_spawn((const char *)(uintptr_t)readonly, "", 0), -RDOS_ENOENT);
	UT_EXPECT(sys_spawn("ut_hello", "", RDOS_SPAWN_CARD1 | RDOS_SPAWN_RDOS), -RDOS_EINVAL);
	UT_EXPECT(sys_spawn("ut_hello", "", 0x80), -RDOS_EINVAL);
	robust_long_strings();

	if (!UT_CHECK(child > 0, "spawn ut_hello: %s", sys_error_name(child)))
		return;
	/* A bad status pointer must fail before the child is reaped.  The
	 * status is 4 bytes: the straddling pointer (last entry) would fit in
	 * the valid page, so WAIT gets one 2 bytes before the released page. */
	for (int i = 0; i < BAD_PTR_COUNT - 1; i++)
		UT_CHECK(sys_wait(child, (int32_t *)(uintptr_t)bad_ptrs[i].addr) == -RDOS_EFAULT,
			 "WAIT(child, %s) is not EFAULT", bad_ptrs[i].what);
	UT_EXPECT(sys_wait(child, (int32_t *)(uintptr_t)(released - 2)), -RDOS_EFAULT);
	UT_EXPECT(sys_wait(child, (int32_t *)(uintptr_t)readonly), -RDOS_EFAULT);
	UT_EXPECT(sys_wait(sys_getpid(), &status), -RDOS_ECHILD);
	UT_EXPECT(sys_wait(0, &status), -RDOS_ECHILD);
	UT_EXPECT(sys_wait(-2, &status), -RDOS_ECHILD);
	UT_EXPECT(sys_wait((int64_t)1 << 62, &status), -RDOS_ECHILD);
	UT_EXPECT(sys_wait(child, &status), child);
	UT_EXPECT(status, 0);
	UT_EXPECT(sys_wait(-1, &status), -RDOS_ECHILD);
	robust_wait_info();
}

static void robust_reserve_args(void)
{
	uint64_t past_end = BELOW_HOLE - PAGE;

	UT_EXPECT(sys_reserve(0, RDOS_PROT_WRITE, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, 2, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, 8, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, 0xFFFFFFFFu, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, released + 1), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, KERNEL_DIRECT_MAP), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, NONCANONICAL), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(1, RDOS_PROT_WRITE, BELOW_HOLE), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve(2, RDOS_PROT_WRITE, past_end), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve((uint64_t)1 << 40, RDOS_PROT_WRITE, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve((uint64_t)1 << 52, RDOS_PROT_WRITE, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_reserve((0 - released) / PAGE + 1, RDOS_PROT_WRITE, released),
		  -RDOS_EINVAL);
}

/* RELEASE and PROTECT share their address checks; PROTECT also its prot. */
static void robust_range_args(void)
{
	uint64_t wrap = (0 - valid) / PAGE + 1;

	UT_EXPECT(sys_release(0, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_release(valid + 1, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_release(valid, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_release(KERNEL_IMAGE, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_release(NONCANONICAL, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_release(valid, wrap), -RDOS_EINVAL);
	UT_EXPECT(sys_release(released, 1), -RDOS_ERANGE);

	UT_EXPECT(sys_protect(0, 1, RDOS_PROT_READ), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(valid + 1, 1, RDOS_PROT_READ), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(valid, 0, RDOS_PROT_READ), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(KERNEL_IMAGE, 1, RDOS_PROT_READ), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(valid, wrap, RDOS_PROT_READ), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(valid, 1, 2), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(valid, 1, 0xFFFFFFFFu), -RDOS_EINVAL);
	UT_EXPECT(sys_protect(released, 1, RDOS_PROT_READ), -RDOS_ERANGE);
	UT_EXPECT(sys_protect(valid, 2, RDOS_PROT_READ), -RDOS_ERANGE);

	UT_EXPECT(sys_guard(0, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(valid + 1, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(valid, 0), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(KERNEL_IMAGE, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(NONCANONICAL, 1), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(valid, wrap), -RDOS_EINVAL);
	UT_EXPECT(sys_guard(released, 1), -RDOS_ERANGE);
	UT_EXPECT(sys_guard(valid, 2), -RDOS_ERANGE);
}

static void robust_ids(void)
{
	struct rdos_memstat ms;
	struct rdos_work work;
	struct rdos_vmrun run;
	struct rdos_replay replay;
	char text[16];
	int64_t n;

	UT_EXPECT(sys_memstat((int64_t)1 << 40, &ms), -RDOS_ENOENT);
	UT_EXPECT(sys_memstat(-1, &ms), -RDOS_ENOENT);
	UT_EXPECT(sys_work((int64_t)1 << 40, &work), -RDOS_ENOENT);
	UT_EXPECT(sys_work(-1, &work), -RDOS_ENOENT);
	UT_EXPECT(sys_pageinfo((int64_t)1 << 40, valid, text, sizeof(text)), -RDOS_ENOENT);
	UT_EXPECT(sys_pageinfo(0, 0, text, sizeof(text)), -RDOS_EINVAL);
	UT_EXPECT(sys_pageinfo(0, KERNEL_IMAGE, text, sizeof(text)), -RDOS_EINVAL);
	UT_EXPECT(sys_pageinfo(0, BELOW_HOLE, text, sizeof(text)), -RDOS_EINVAL);
	UT_EXPECT(sys_replay("no-such-trace", &replay), -RDOS_ENOENT);
	memset((void *)(uintptr_t)valid, 'y', RDOS_REPLAY_NAME_MAX);
	((char *)(uintptr_t)valid)[RDOS_REPLAY_NAME_MAX] = '\0';
	UT_EXPECT(sys_replay((const char *)(uintptr_t)valid, &replay), -RDOS_EINVAL);
	memset((void *)(uintptr_t)valid, 'x', PAGE);
	n = sys_pageinfo(0, valid, NULL, 0);
	UT_CHECK(n > 0 && sys_pageinfo(0, valid, text, 2) == n && text[1] == '\0',
		 "PAGEINFO: length %lld, truncated copy '%s'", n, text);
	UT_EXPECT(sys_vmmap((int64_t)1 << 40, 0, &run, 1), -RDOS_ENOENT);
	UT_EXPECT(sys_vmmap(0, KERNEL_IMAGE, &run, 1), 0);
	UT_EXPECT(sys_vmmap(0, 0, &run, 0), 0);
	UT_EXPECT(sys_proclist(NULL, 0), 0);
	UT_EXPECT(sys_sleep(0), 0);
	UT_EXPECT(sys_yield(), 0);
}

/* Numbers the kernel must not mistake for a call: past the table, huge,
 * negative, and a valid number with garbage in the upper half (the kernel
 * must compare all 64 bits of RAX). */
static void robust_unknown_calls(void)
{
	static const uint64_t numbers[] = {
		RDOS_SYS_COUNT, 255, 0x80000000u, ~(uint64_t)0,
		((uint64_t)1 << 32) | RDOS_SYS_GETPID,
	};

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		int64_t r = syscall5(numbers[i], valid, 1, 2, 3, 4);

		UT_CHECK(r == -RDOS_ENOSYS, "call 0x%llx = %lld (%s), want ENOSYS",
			 (unsigned long long)numbers[i], r, r < 0 ? sys_error_name(r) : "ok");
	}
}

static void robust_registers(void)
{
	static const char *const names[REGS_COUNT] = REGS_NAMES;
	static const uint64_t numbers[] = { RDOS_SYS_GETPID, RDOS_SYS_YIELD, 999 };

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		int64_t result;
		uint64_t mask = regs_syscall_clobbers(numbers[i], &result);

		for (int r = 0; r < REGS_COUNT; r++)
			UT_CHECK(!(mask & ((uint64_t)1 << r)), "call %llu changed %s",
				 (unsigned long long)numbers[i], names[r]);
	}
}

/* One child spawned and reaped, so that the measured part starts with the
 * kernel's caches for processes already filled (see ut_spawn_many). */
static void robust_warm_up(void)
{
	int32_t status;
	int64_t pid = sys_spawn("ut_hello", "warm-up", RDOS_SPAWN_DEFAULT);

	if (UT_CHECK(pid > 0, "warm-up spawn: %s", sys_error_name(pid)))
		UT_EXPECT(sys_wait(pid, &status), pid);
}

int main(void)
{
	struct rdos_memstat before, after;

	ut_begin("ut_syscall_robust");
	ut_prefault();
	robust_warm_up();
	ut_memstat(&before);

	if (!robust_setup())
		return ut_end();
	for (size_t i = 0; i < sizeof(buffer_calls) / sizeof(buffer_calls[0]); i++)
		robust_buffer_call(&buffer_calls[i]);
	robust_not_present();
	robust_spawn_wait();
	robust_reserve_args();
	robust_range_args();
	robust_ids();
	robust_unknown_calls();
	robust_registers();
	robust_teardown();

	ut_memstat(&after);
	UT_EXPECT(after.frames_free, before.frames_free);
	UT_EXPECT(after.reserved_pages, before.reserved_pages);
	return ut_end();
}
