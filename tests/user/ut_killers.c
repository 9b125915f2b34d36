/*
 * ut_killers - runs every killer (tests/user/ut_kill_*.c) as a child and
 * requires each to end with RDOS_STATUS_KILLED and the cause it provokes
 * (WAIT_INFO; the table below, which each killer's pass rule repeats):
 * the exception's vector, or a faulting address on the right side of the
 * user/kernel boundary.  Afterwards the system's
 * free frames must be exactly what they were, and this process, which
 * watched its children die, must still work (reserve, touch, malloc, pid).
 *
 * UT_KILLERS is the list of killer names, made by src/user/user.mk from the
 * file names, so a new killer is run without touching this file, and fails
 * until its cause is in the table.  Like
 * ut_spawn_many, the list runs twice and only the second round is
 * measured: the first lets the kernel's caches settle.
 *
 * Pass rule: every check holds; exit 0.
 */
#include <stddef.h>

#include "lib/string.h"
#include "ut.h"
#include "user/runtime/malloc.h"
#include "user/runtime/sys.h"

static const char *const killers[] = { UT_KILLERS };
#define KILLER_COUNT ((int)(sizeof(killers) / sizeof(killers[0])))

/* CPUID works in ring 3: leaf 0x80000001, EDX bit 20. */
static bool cpu_has_nx(void)
{
	uint32_t a = 0x80000001u, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d & (1u << 20);
}

/* Without NX nothing stops executing data: that killer cannot die. */
static bool killer_applies(const char *name)
{
	return cpu_has_nx() || strcmp(name, "ut_kill_exec_data") != 0;
}

/* The end of the lower, user half of the address space: faults outside
 * user space (which ends one page below it) are at or above it, for these
 * killers, which touch the kernel half. */
#define USER_HALF_END 0x0000800000000000ull

struct killer_cause {
	const char *name;
	enum rdos_kill_cause cause;
	uint64_t vector; /* for RDOS_KILL_EXCEPTION */
};

static const struct killer_cause causes[] = {
	{ "ut_kill_bad_insn", RDOS_KILL_EXCEPTION, RDOS_VECTOR_INVALID_OPCODE },
	{ "ut_kill_div0", RDOS_KILL_EXCEPTION, RDOS_VECTOR_DIVIDE },
	{ "ut_kill_exec_data", RDOS_KILL_PROTECTION, 0 },
	{ "ut_kill_kernel_jump", RDOS_KILL_OUTSIDE, 0 },
	{ "ut_kill_kernel_read", RDOS_KILL_OUTSIDE, 0 },
	{ "ut_kill_noncanonical", RDOS_KILL_EXCEPTION, RDOS_VECTOR_GENERAL_PROTECTION },
	{ "ut_kill_privileged", RDOS_KILL_EXCEPTION, RDOS_VECTOR_GENERAL_PROTECTION },
	{ "ut_kill_stack_overflow", RDOS_KILL_GUARD, 0 },
	{ "ut_kill_unreserved", RDOS_KILL_UNRESERVED, 0 },
	{ "ut_kill_write_code", RDOS_KILL_PROTECTION, 0 },
	{ "ut_kill_write_ro", RDOS_KILL_PROTECTION, 0 },
	{ "ut_kill_write_ro_touched", RDOS_KILL_PROTECTION, 0 },
};
#define CAUSE_COUNT ((int)(sizeof(causes) / sizeof(causes[0])))

static const struct killer_cause *cause_of(const char *name)
{
	for (int i = 0; i < CAUSE_COUNT; i++)
		if (strcmp(causes[i].name, name) == 0)
			return &causes[i];
	return NULL;
}

/* The detail must fit the cause: the vector, or the faulting address on
 * the side of the boundary the cause names. */
static bool detail_fits(const struct killer_cause *want, uint64_t detail)
{
	if (want->cause == RDOS_KILL_EXCEPTION)
		return detail == want->vector;
	if (want->cause == RDOS_KILL_OUTSIDE)
		return detail >= USER_HALF_END;
	return detail != 0 && detail < USER_HALF_END;
}

static void killer_judge(int round, const char *name, const struct rdos_wait_info *got)
{
	const struct killer_cause *want = cause_of(name);

	UT_CHECK(got->status == RDOS_STATUS_KILLED, "round %d: %s exited with %d, not killed (%d)",
		 round, name, (int)got->status, RDOS_STATUS_KILLED);
	if (!UT_CHECK(want != NULL, "%s: no expected cause in ut_killers' table", name))
		return;
	UT_CHECK(got->cause == want->cause && detail_fits(want, got->detail),
		 "round %d: %s killed with cause %u detail 0x%llx, want cause %u", round, name,
		 (unsigned)got->cause, (unsigned long long)got->detail, (unsigned)want->cause);
}

static void killers_round(int round)
{
	for (int i = 0; i < KILLER_COUNT; i++) {
		if (!killer_applies(killers[i])) {
			if (round == 1)
				ut_note("skipped %s: this CPU has no NX", killers[i]);
			continue;
		}
		int64_t pid = sys_spawn(killers[i], "", RDOS_SPAWN_DEFAULT);
		struct rdos_wait_info got = { 0 };

		if (!UT_CHECK(pid > 0, "round %d: spawn %s: %s", round, killers[i],
			      sys_error_name(pid)))
			continue;
		UT_EXPECT(sys_wait_info(pid, &got), pid);
		killer_judge(round, killers[i], &got);
	}
}

/* The parent is unharmed: its pid, memory and heap still work. */
static void killers_parent_fine(int64_t pid)
{
	int64_t a = sys_reserve(1, RDOS_PROT_WRITE, 0);
	char *p = malloc(100);

	UT_EXPECT(sys_getpid(), pid);
	if (UT_CHECK(a > 0, "reserve after the killers: %s", sys_error_name(a))) {
		*(volatile uint64_t *)(uintptr_t)a = 42;
		UT_EXPECT(*(volatile uint64_t *)(uintptr_t)a, 42);
		UT_EXPECT(sys_release((uint64_t)a, 1), 0);
	}
	if (UT_CHECK(p != NULL, "malloc after the killers"))
		p[99] = 1;
	free(p);
}

int main(void)
{
	struct rdos_memstat before, after;
	int64_t pid = sys_getpid();

	ut_begin("ut_killers");
	ut_prefault();
	killers_round(1);
	ut_memstat(&before);
	killers_round(2);
	ut_memstat(&after);
	UT_EXPECT(after.frames_free, before.frames_free);
	killers_parent_fine(pid);
	return ut_end();
}
