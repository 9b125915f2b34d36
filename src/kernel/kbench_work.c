/*
 * kbench_work.c - the in-kernel benchmark's workloads, the host study's
 * (tests/bench/) at sizes a guest of 1 GiB holds, with the same workload
 * names where the work is the same:
 *   replay/NAME/pick   every area of a trace module reserved where the
 *                      allocator puts it (file areas as image pages, "---"
 *                      as guards), its resident pages touched, released
 *   scale-areas/N      N areas of 4 pages, first page touched, released
 *                      in a scattered order (a fixed permutation)
 *   fault/bgBG         demand-zero, present, image and unreserved faults
 *                      beside BG areas of 4 pages, one page touched each
 *   fork/cow           copy-on-write faults after a fork: copying, then
 *                      in place
 *   huge/SIZE/pick     one reservation, 1,000 pages over it touched,
 *                      released
 *   fork/touched/N     fork of a 1 GiB reservation with N pages touched,
 *                      then the child's exit
 * Faults are mm_fault calls, as in the host build (no trap): the
 * difference from the host is the machine underneath, not the path.
 */
#include "arch/x86_64/layout.h"
#include "kernel/kbench_internal.h"
#include "kernel/trace_replay.h"
#include "kernel/printk.h"
#include "lib/format.h"
#include "lib/string.h"

#define SCALE_AREA_PAGES 4
#define MAX_SCALE_AREAS 100000
#define FAULT_PAGES 4096
#define FAULT_BG 1000
#define HUGE_TOUCHES 1000
#define GIB_PAGES (1ull << 18)

static vaddr_t va_of[MAX_SCALE_AREAS]; /* where each area went */

/* --- replay of a trace (trace_replay.h) ---------------------------------- */

static struct trace *trace;

static void replay_pass(struct kb_run *r, const void *arg)
{
	enum vm_fault_result fr;
	uint64_t n;

	(void)arg;
	kb_begin(r);
	kb_must(trace_reserve_all(&r->space, trace, &n), "reserve");
	kb_end(r, "reserve", n);
	kb_begin(r);
	fr = trace_touch_all(&r->space, trace, &n);
	if (fr != VM_FAULT_HANDLED) {
		kprintf("kbench: touch: %s\n", vm_fault_result_name(fr));
		kb_finish(false);
	}
	kb_end(r, "touch", n);
	kb_begin(r);
	kb_must(trace_release_all(&r->space, trace, &n), "release");
	kb_end(r, "release", n);
}

/* Every module named trace:NAME, replayed as replay/NAME/pick. */
static void replay_modules(const struct boot_info *bi)
{
	static char name[64];

	kb_must(trace_provider_register(), "trace provider");
	for (unsigned i = 0; i < bi->module_count; i++) {
		const struct mb2_module *m = &bi->modules[i];
		struct kb_workload w = { .name = name, .pass = replay_pass };

		if (!trace_module_is_trace(m))
			continue;
		trace = trace_load(m);
		if (!trace) {
			kprintf("kbench: module %s is not a trace\n", m->cmdline);
			kb_must(VM_ERR_INVALID, "trace");
		}
		format_buf(name, sizeof(name), "replay/%s/pick", trace->name);
		kb_measure(&w);
	}
}

/* --- scaling with the number of areas ------------------------------------ */

/* A step coprime with every area count here: i * step mod n visits each
 * area once, far from its neighbours (the host shuffles instead). */
#define SCATTER_STEP 7919u

static void scale_pass(struct kb_run *r, const void *arg)
{
	const uint64_t n = *(const uint64_t *)arg;

	kb_begin(r);
	for (uint64_t i = 0; i < n; i++)
		kb_must(mm_reserve(&r->space, SCALE_AREA_PAGES, KB_PROT,
				   &va_of[i]),
			"reserve");
	kb_end(r, "reserve", n);
	kb_begin(r);
	for (uint64_t i = 0; i < n; i++)
		kb_touch(&r->space, va_of[i], 1, 1, KB_PF_WRITE,
			 VM_FAULT_HANDLED);
	kb_end(r, "touch", n);
	kb_begin(r);
	for (uint64_t i = 0; i < n; i++)
		kb_must(mm_release(&r->space, va_of[i * SCATTER_STEP % n],
				   SCALE_AREA_PAGES),
			"release");
	kb_end(r, "release", n);
}

/* --- the fault path -------------------------------------------------------- */

/* BG areas of 4 pages, one page of each touched: depth for card1's tree. */
static void background(struct mm_space *s, uint64_t bg)
{
	vaddr_t va;

	for (uint64_t i = 0; i < bg; i++) {
		kb_must(mm_reserve(s, SCALE_AREA_PAGES, KB_PROT, &va), "bg");
		kb_touch(s, va, 1, 1, KB_PF_WRITE, VM_FAULT_HANDLED);
	}
}

/* The phase name: FAULT_PAGES faults on s from va, each giving want. */
static void fault_phase(struct kb_run *r, struct mm_space *s,
			const char *name, vaddr_t va, unsigned pf,
			enum vm_fault_result want)
{
	kb_begin(r);
	kb_touch(s, va, FAULT_PAGES, 1, pf, want);
	kb_end(r, name, FAULT_PAGES);
}

static void fault_pass(struct kb_run *r, const void *arg)
{
	/* the top of the space: the allocator fills it from the bottom */
	const vaddr_t nowhere = USER_SPACE_END - 2 * FAULT_PAGES * PAGE_SIZE;
	struct mm_space *s = &r->space;
	vaddr_t anon, image;

	background(s, *(const uint64_t *)arg);
	kb_must(mm_reserve(s, FAULT_PAGES, KB_PROT, &anon), "reserve");
	kb_must(mm_reserve_image(s, FAULT_PAGES, KB_PROT, KB_IMAGE_SEL, 0,
				 &image),
		"reserve image");
	fault_phase(r, s, "demand_zero", anon, KB_PF_WRITE, VM_FAULT_HANDLED);
	fault_phase(r, s, "present", anon, KB_PF_WRITE, VM_FAULT_HANDLED);
	fault_phase(r, s, "image", image, VM_PF_USER, VM_FAULT_HANDLED);
	fault_phase(r, s, "unreserved", nowhere, KB_PF_WRITE, VM_FAULT_FREE);
}

/* Touched pages forked; the parent's writes copy, then the child's
 * (the last mapping of each frame) make the leaf writable in place. */
static void cow_pass(struct kb_run *r, const void *arg)
{
	struct mm_space child;
	vaddr_t va;

	(void)arg;
	kb_must(mm_reserve(&r->space, FAULT_PAGES, KB_PROT, &va), "reserve");
	kb_touch(&r->space, va, FAULT_PAGES, 1, KB_PF_WRITE, VM_FAULT_HANDLED);
	kb_must(mm_fork(&r->space, &child), "fork");
	fault_phase(r, &r->space, "cow_copy", va, KB_PF_WRITE | VM_PF_PRESENT,
		    VM_FAULT_HANDLED);
	fault_phase(r, &child, "cow_in_place", va, KB_PF_WRITE | VM_PF_PRESENT,
		    VM_FAULT_HANDLED);
	mm_space_destroy(&child);
}

/* --- huge sparse reservations and fork ----------------------------------- */

static void huge_pass(struct kb_run *r, const void *arg)
{
	const uint64_t pages = *(const uint64_t *)arg;
	vaddr_t va;

	kb_begin(r);
	kb_must(mm_reserve(&r->space, pages, KB_PROT, &va), "reserve");
	kb_end(r, "reserve", 1);
	kb_begin(r);
	kb_touch(&r->space, va, HUGE_TOUCHES, pages / HUGE_TOUCHES,
		 KB_PF_WRITE, VM_FAULT_HANDLED);
	kb_end(r, "touch", HUGE_TOUCHES);
	kb_begin(r);
	kb_must(mm_release(&r->space, va, pages), "release");
	kb_end(r, "release", 1);
}

static void fork_pass(struct kb_run *r, const void *arg)
{
	struct mm_space child;
	vaddr_t va;

	kb_must(mm_reserve(&r->space, GIB_PAGES, KB_PROT, &va), "reserve");
	kb_touch(&r->space, va, *(const uint64_t *)arg, 1, KB_PF_WRITE,
		 VM_FAULT_HANDLED);
	kb_fork(r, &child);
	kb_exit(r, &child);
	kb_must(mm_release(&r->space, va, GIB_PAGES), "release");
}

/* --- the list ------------------------------------------------------------ */

static void measure(const char *name,
		    void (*pass)(struct kb_run *, const void *),
		    const uint64_t *arg)
{
	const struct kb_workload w = { name, pass, arg };

	kb_measure(&w);
}

/* The same for prefix/N: the workload named after its size. */
static void measure_sized(const char *prefix,
			  void (*pass)(struct kb_run *, const void *),
			  const uint64_t *n)
{
	char name[48];

	format_buf(name, sizeof(name), "%s/%lu", prefix, *n);
	measure(name, pass, n);
}

void kb_run_workloads(const struct boot_info *bi)
{
	static const uint64_t areas[] = { 100, 1000, 10000, 100000 };
	static const uint64_t bg[] = { 0, FAULT_BG };
	static const uint64_t huge[] = { 1ull << 18, 1ull << 28, 1ull << 34 };
	static const char *const huge_names[] = { "huge/1GiB/pick",
						  "huge/1TiB/pick",
						  "huge/64TiB/pick" };
	static const uint64_t touched[] = { 256, 1024, 4096, 16384, 65536 };

	replay_modules(bi);
	for (unsigned i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
		measure_sized("scale-areas", scale_pass, &areas[i]);
	for (unsigned i = 0; i < sizeof(bg) / sizeof(bg[0]); i++) {
		char name[16];

		format_buf(name, sizeof(name), "fault/bg%lu", bg[i]);
		measure(name, fault_pass, &bg[i]);
	}
	measure("fork/cow", cow_pass, NULL);
	for (unsigned i = 0; i < sizeof(huge) / sizeof(huge[0]); i++)
		measure(huge_names[i], huge_pass, &huge[i]);
	for (unsigned i = 0; i < sizeof(touched) / sizeof(touched[0]); i++)
		measure_sized("fork/touched", fork_pass, &touched[i]);
}
