/*
 * replay_linux.c - the reference column: the same traces (trace.h)
 * replayed on the host's own Linux kernel, timed in the same run as our
 * designs.  Every area is mmap'ed anonymous, private, MAP_NORESERVE, at
 * an address Linux picks (MAP_FIXED at the recorded addresses could hit
 * this process's own mappings); compare with replay/NAME/pick.  Areas
 * with resident pages are mapped read-write and each such page is
 * written once, so every touch takes and zeroes a frame, as our designs'
 * faults do (a read would map Linux's shared zero page); other areas get
 * the trace's r/w, "---" areas PROT_NONE.  No PROT_EXEC: nothing runs
 * there.  The areas our designs skip (outside our user range) are
 * skipped here too.
 *
 * Rows (bench_common.h), workload replay/NAME/pick, design linux:
 * <phase>_ns median of BENCH_REPS, <phase>_ops, touch_table_bytes (VmPTE
 * of /proc/self/status grown by the touches' page tables) and
 * reserve_vma_nodes (lines /proc/self/maps grew by: Linux merges
 * neighbours with equal flags).  Timings include the hardware fault and
 * the kernel entry, which the host builds of our designs do not pay.
 *
 * Usage: replay_linux TRACE.maps.csv...
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench_common.h"
#include "lib/panic.h"
#include "trace.h"

enum { RESERVE, TOUCH, RELEASE, NPHASES };
static const char *const phase_names[NPHASES] = { "reserve", "touch",
						  "release" };

struct linux_mem {
	long pte_kb; /* VmPTE after touch minus before reserve */
	long vmas;   /* /proc/self/maps lines after reserve minus before */
};

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtol(line + strlen(field), NULL, 10);
	if (f)
		fclose(f);
	if (kb < 0)
		panic("replay_linux: no %s in /proc/self/status", field);
	return kb;
}

static long maps_lines(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	if (!f)
		panic("replay_linux: cannot read /proc/self/maps");
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int area_prot(const struct trace_area *a)
{
	if (a->touch_pages)
		return PROT_READ | PROT_WRITE;
	return (a->read ? PROT_READ : 0) | (a->write ? PROT_WRITE : 0);
}

static void map_all(const struct trace *t, char **base)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->areas[i];

		if (!a->in_user)
			continue;
		base[i] = mmap(NULL, a->pages << 12, area_prot(a),
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);
		if (base[i] == MAP_FAILED)
			panic("replay_linux: %s: mmap of %lu pages failed",
			      t->name, (unsigned long)a->pages);
	}
}

static void touch_all(const struct trace *t, char **base)
{
	for (size_t i = 0; i < t->n; i++)
		for (uint64_t p = 0; t->areas[i].in_user &&
				     p < t->areas[i].touch_pages; p++)
			((volatile char *)base[i])[p << 12] = 1;
}

static void unmap_all(const struct trace *t, char **base)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->areas[i].in_user &&
		    munmap(base[i], t->areas[i].pages << 12))
			panic("replay_linux: munmap failed");
}

/* One pass; with mem, also what the kernel's bookkeeping grew by. */
static void linux_pass(const struct trace *t, char **base,
		       double ns[NPHASES], struct linux_mem *mem)
{
	long pte0 = mem ? status_kb("VmPTE:") : 0;
	long maps0 = mem ? maps_lines() : 0;
	double mark = bench_now_ns();

	map_all(t, base);
	ns[RESERVE] = bench_lap(&mark);
	if (mem)
		mem->vmas = maps_lines() - maps0;
	mark = bench_now_ns();
	touch_all(t, base);
	ns[TOUCH] = bench_lap(&mark);
	if (mem)
		mem->pte_kb = status_kb("VmPTE:") - pte0;
	mark = bench_now_ns();
	unmap_all(t, base);
	ns[RELEASE] = bench_lap(&mark);
}

static void replay_trace(const struct trace *t)
{
	char **base = calloc(t->n, sizeof(*base));
	const uint64_t ops[NPHASES] = { t->n_in_user, t->touch_pages,
					t->n_in_user };
	double ns[NPHASES], reps[NPHASES][BENCH_REPS];
	struct linux_mem mem;
	char w[96], metric[64];

	linux_pass(t, base, ns, &mem);
	for (int r = 0; r < BENCH_REPS; r++) {
		linux_pass(t, base, ns, NULL);
		for (int p = 0; p < NPHASES; p++)
			reps[p][r] = ns[p];
	}
	snprintf(w, sizeof(w), "replay/%s/pick", t->name);
	for (int p = 0; p < NPHASES; p++) {
		snprintf(metric, sizeof(metric), "%s_ns", phase_names[p]);
		bench_row(w, "linux", metric, bench_median(reps[p], BENCH_REPS),
			  "ns");
		snprintf(metric, sizeof(metric), "%s_ops", phase_names[p]);
		bench_row(w, "linux", metric, (double)ops[p], "ops");
	}
	bench_row(w, "linux", "touch_table_bytes", (double)mem.pte_kb * 1024,
		  "bytes");
	bench_row(w, "linux", "reserve_vma_nodes", (double)mem.vmas, "nodes");
	free(base);
}

int main(int argc, char **argv)
{
	return trace_replay_files(argc, argv, replay_trace);
}
