/*
 * ut_bench_user - what a process pays, timed from ring 3, for the in-kernel
 * benchmark (src/kernel/kbench_user.c spawns it once per design):
 *
 *   ring3-fault  demand-zero faults taken from ring 3 end to end: the
 *                write, the trap entry, the design's decision, a zeroed
 *                frame, the return to ring 3 and the write again; then the
 *                same writes to the now present pages (the loop's own
 *                cost).  `pages` pages of a fresh reservation, per page.
 *   pe-load      the spawn of this very image (a PE32+ program, loaded
 *                page by page on first touch) to its first instruction:
 *                from just before the parent's SPAWN to the child's rdtsc
 *                at _start (crt0.asm, runtime_entry_tsc), the first page
 *                faults of the child's code included.  The child exits
 *                with that interval as its status (a spawned child has no
 *                other way to hand a number back): at most 2^31 - 1 ticks.
 * Each is measured `reps` times (3); the row is the median:
 *   kbench,ring3-fault,DESIGN,demand_zero_cycles|present_cycles,N,cycles
 *   kbench,ring3-fault,DESIGN,demand_zero_ops,PAGES,ops
 *   kbench,pe-load/ut_bench_user,DESIGN,first_instruction_cycles,N,cycles
 * in time-stamp counter ticks (scripts/run-bench.sh renames them to
 * instructions under QEMU's -icount).  Arguments: pages=N (4096), rdos or
 * card1 (the design: the child is spawned with it too); `first t0=N` makes
 * the child.  Pass rule: exit 0.
 */
#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "lib/format.h"
#include "testargs.h"
#include "ut.h"
#include "user/runtime/start.h"
#include "user/runtime/sys.h"

#define PAGE USER_PAGE_SIZE
#define REPS 3
#define MAX_STATUS 0x7fffffffull

static uint64_t median3(uint64_t v[REPS])
{
	uint64_t a = v[0], b = v[1], c = v[2];

	if (a > b) {
		uint64_t t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

static void row(const char *workload, const char *design, const char *metric, uint64_t value,
		const char *unit)
{
	char line[128];
	int n = format_buf(line, sizeof(line), "kbench,%s,%s,%s,%llu,%s\n", workload, design,
			   metric, (unsigned long long)value, unit);

	sys_write(line, (uint64_t)n);
}

/* One pass over a fresh reservation: ticks per demand-zero write fault
 * and per write to a present page. */
static bool fault_pass(uint64_t pages, uint64_t *zero, uint64_t *present)
{
	int64_t a = sys_reserve(pages, RDOS_PROT_WRITE, 0);
	volatile uint64_t *area = (volatile uint64_t *)(uintptr_t)a;
	uint64_t t0, t1, t2;

	if (!UT_CHECK(a > 0, "reserve %llu pages", (unsigned long long)pages))
		return false;
	t0 = rdtsc();
	for (uint64_t p = 0; p < pages; p++)
		area[p * PAGE / 8] = p;
	t1 = rdtsc();
	for (uint64_t p = 0; p < pages; p++)
		area[p * PAGE / 8] = p + 1;
	t2 = rdtsc();
	for (uint64_t p = 0; p < pages; p++)
		if (!UT_CHECK(area[p * PAGE / 8] == p + 1, "page %llu", (unsigned long long)p))
			return false;
	*zero = (t1 - t0) / pages;
	*present = (t2 - t1) / pages;
	return UT_EXPECT(sys_release((uint64_t)a, pages), 0);
}

/* Ticks from before SPAWN to the child's first instruction. */
static bool spawn_pass(uint32_t flags, uint64_t *ticks)
{
	char args[48];
	int32_t status = -1;
	uint64_t t0 = rdtsc();
	int64_t pid;

	format_buf(args, sizeof(args), "first t0=%llu", (unsigned long long)t0);
	pid = sys_spawn("ut_bench_user", args, flags);
	if (!UT_CHECK(pid > 0, "spawn: %lld", (long long)pid) ||
	    !UT_EXPECT(sys_wait(pid, &status), pid) || !UT_CHECK(status > 0, "child status %d", status))
		return false;
	*ticks = (uint64_t)status;
	return true;
}

static int child(int argc, char **argv)
{
	uint64_t t0 = 0, d;

	if (testargs_u64(argc, argv, "t0", &t0) != TESTARGS_FOUND || runtime_entry_tsc() <= t0)
		return -1;
	d = runtime_entry_tsc() - t0;
	return (int)(d > MAX_STATUS ? MAX_STATUS : d);
}

int main(int argc, char **argv)
{
	uint64_t pages = 4096, zero[REPS], present[REPS], first[REPS];
	bool card1 = testargs_has(argc, argv, "card1");
	const char *design = card1 ? "card1" : "rdos";
	uint32_t flags = card1 ? RDOS_SPAWN_CARD1 : RDOS_SPAWN_RDOS;

	if (testargs_has(argc, argv, "first"))
		return child(argc, argv);
	ut_begin("ut_bench_user");
	testargs_u64(argc, argv, "pages", &pages);
	for (int r = 0; r < REPS; r++)
		if (!fault_pass(pages, &zero[r], &present[r]) || !spawn_pass(flags, &first[r]))
			return ut_end();
	row("ring3-fault", design, "demand_zero_ops", pages, "ops");
	row("ring3-fault", design, "demand_zero_cycles", median3(zero), "cycles");
	row("ring3-fault", design, "present_cycles", median3(present), "cycles");
	row("pe-load/ut_bench_user", design, "first_instruction_cycles", median3(first), "cycles");
	return ut_end();
}
