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
#include "kernel/printk.h"
#include "lib/format.h"
#include "lib/maps_trace.h"
#include "lib/string.h"

#define TRACE_MODULE_PREFIX "trace:"
#define MAX_TRACE_AREAS 2048
#define SCALE_AREA_PAGES 4
#define MAX_SCALE_AREAS 100000
#define FAULT_PAGES 4096
#define FAULT_BG 1000
#define HUGE_TOUCHES 1000
#define GIB_PAGES (1ull << 18)

static vaddr_t va_of[MAX_SCALE_AREAS]; /* where each area went */

/* --- replay of a trace --------------------------------------------------- */

struct trace {
	char name[48];
	struct trace_area area[MAX_TRACE_AREAS];
	size_t n;
};

static struct trace trace;

/* The module text [text, end) into trace; false if a line is not an
 * area (the header aside) or there are too many. */
static bool trace_parse(const char *text, const char *end)
{
	trace.n = 0;
	for (const char *line = text; line < end;) {
		const char *nl = line;
		size_t len;

		while (nl < end && *nl != '\n')
			nl++;
		len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > 0 && strncmp(line, "start,", 6) != 0) {
			if (trace.n == MAX_TRACE_AREAS ||
			    !trace_area_parse(line, len, &trace.area[trace.n]))
				return false;
			trace.n++;
		}
		line = nl + 1;
	}
	return true;
}

static enum vm_status reserve_area(struct mm_space *s,
				   const struct trace_area *a, vaddr_t *va)
{
	const unsigned prot = VM_PROT_USER | (a->write ? VM_PROT_WRITE : 0) |
			      (a->exec ? VM_PROT_EXEC : 0);

	if (!a->file || trace_area_is_guard(a))
		return mm_reserve(s, a->pages, prot, va);
	return mm_reserve_image(s, a->pages, prot, KB_IMAGE_SEL, a->file_page,
				va);
}

static void replay_pass(struct kb_run *r, const void *arg)
{
	uint64_t n = 0;

	(void)arg;
	kb_begin(r);
	for (size_t i = 0; i < trace.n; i++) {
		const struct trace_area *a = &trace.area[i];

		if (!a->in_user)
			continue;
		kb_must(reserve_area(&r->space, a, &va_of[i]), "reserve");
		if (trace_area_is_guard(a))
			kb_must(mm_guard(&r->space, va_of[i], a->pages),
				"guard");
		n++;
	}
	kb_end(r, "reserve", n);
	n = 0;
	kb_begin(r);
	for (size_t i = 0; i < trace.n; i++) {
		const struct trace_area *a = &trace.area[i];

		if (!a->in_user || trace_area_is_guard(a))
			continue;
		kb_touch(&r->space, va_of[i], a->touch_pages, 1,
			 VM_PF_USER | (a->write ? VM_PF_WRITE : 0),
			 VM_FAULT_HANDLED);
		n += a->touch_pages;
	}
	kb_end(r, "touch", n);
	n = 0;
	kb_begin(r);
	for (size_t i = 0; i < trace.n; i++)
		if (trace.area[i].in_user) {
			kb_must(mm_release(&r->space, va_of[i],
					   trace.area[i].pages),
				"release");
			n++;
		}
	kb_end(r, "release", n);
}

/* Every module named trace:NAME, replayed as replay/NAME/pick. */
static void replay_modules(const struct boot_info *bi)
{
	const size_t plen = strlen(TRACE_MODULE_PREFIX);

	for (unsigned i = 0; i < bi->module_count; i++) {
		const struct mb2_module *m = &bi->modules[i];
		struct kb_workload w = { .name = trace.name,
					 .pass = replay_pass };

		if (strncmp(m->cmdline, TRACE_MODULE_PREFIX, plen) != 0)
			continue;
		if (!trace_parse(phys_to_virt(m->start),
				 (const char *)phys_to_virt(m->end))) {
			kprintf("kbench: module %s is not a trace\n",
				m->cmdline);
			kb_must(VM_ERR_INVALID, "trace");
		}
		format_buf(trace.name, sizeof(trace.name), "replay/%s/pick",
			  m->cmdline + plen);
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
