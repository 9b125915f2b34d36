/*
 * ut_killers - runs every killer (tests/user/ut_kill_*.c) as a child and
 * requires each to end with RDOS_STATUS_KILLED; afterwards the system's
 * free frames must be exactly what they were, and this process, which
 * watched its children die, must still work (reserve, touch, malloc, pid).
 *
 * UT_KILLERS is the list of killer names, made by src/user/user.mk from the
 * file names, so a new killer is run without touching this file.  Like
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

static void killers_round(int round)
{
	for (int i = 0; i < KILLER_COUNT; i++) {
		if (!killer_applies(killers[i])) {
			if (round == 1)
				ut_note("skipped %s: this CPU has no NX", killers[i]);
			continue;
		}
		int64_t pid = sys_spawn(killers[i], "", RDOS_SPAWN_DEFAULT);
		int32_t status = 0;

		if (!UT_CHECK(pid > 0, "round %d: spawn %s: %s", round, killers[i],
			      sys_error_name(pid)))
			continue;
		UT_EXPECT(sys_wait(pid, &status), pid);
		UT_CHECK(status == RDOS_STATUS_KILLED,
			 "round %d: %s exited with %d, not killed (%d)", round, killers[i],
			 (int)status, RDOS_STATUS_KILLED);
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
