/*
 * kbench.c - the in-kernel benchmark's driver (see kbench.h): spaces on
 * the machine's environment with the work counted, phases timed with
 * rdtsc, repeated passes checked for identical work, rows on the console.
 *
 * Invariants: every pass starts and ends with the same free frames (after
 * the heap's spare slabs are returned), so nothing a workload does leaks
 * into the next; the counts of one pass are exactly those of the others.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/tsc.h"
#include "kernel/address_space.h"
#include "kernel/cmdline.h"
#include "kernel/frames.h"
#include "kernel/kbench.h"
#include "kernel/kbench_internal.h"
#include "kernel/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"

static const char *const design_names[] = {
	[MM_DESIGN_RDOS] = "rdos",
	[MM_DESIGN_CARD1] = "card1",
};

#define KB_CALIBRATION_US 50000 /* the PIT countdown's longest */
#define KB_SPIN_ITERATIONS 100000

/* Every benchmark space counts here (env.vm.work). */
static struct mm_work work;
static struct mm_env env;
static uint64_t tsc_hz;

static bool probe_only(void)
{
	char v[8];

	return cmdline_value("bench", v, sizeof(v)) && strcmp(v, "probe") == 0;
}

bool kbench_mode(void)
{
	return cmdline_has_flag("bench") || probe_only();
}

uint64_t kb_tsc_hz(void)
{
	return tsc_hz;
}

/* What turns the run's rdtsc intervals into something: the TSC's rate
 * against the PIT, whether CPUID calls it invariant, and how many TSC
 * ticks 1,000 dependent decrements take (the least of three runs): about
 * 1,000 where the CPU runs the guest natively (KVM on hardware
 * virtualization), far more under an instruction emulator, 2,000 under
 * TCG's -icount shift=0 (one tick per instruction; scripts/run-bench.sh
 * reads it to decide whether this accelerator's times are real). */
static void calibrate(void)
{
	uint64_t spin = UINT64_MAX;

	tsc_hz = tsc_measure_hz(KB_CALIBRATION_US);
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = rdtsc();

		cpu_spin(KB_SPIN_ITERATIONS);
		t0 = rdtsc() - t0;
		spin = t0 < spin ? t0 : spin;
	}
	kprintf("kbench,meta,kernel,tsc_hz,%lu,Hz\n", tsc_hz);
	kprintf("kbench,meta,kernel,invariant_tsc,%u,flag\n", tsc_invariant());
	kprintf("kbench,meta,kernel,spin_ticks_per_1000,%lu,ticks\n",
		spin / (KB_SPIN_ITERATIONS / 1000));
}

void kb_finish(bool pass)
{
	kprintf("kbench-end: %s\n", pass ? "PASS" : "FAIL");
	emulator_exit(pass);
}

void kb_must(enum vm_status st, const char *what)
{
	if (st == VM_OK)
		return;
	kprintf("kbench: %s: %s\n", what, vm_status_name(st));
	kb_finish(false);
}

void kb_touch(struct mm_space *s, vaddr_t va, uint64_t n, uint64_t stride,
	      unsigned pf, enum vm_fault_result want)
{
	for (uint64_t p = 0; p < n; p++) {
		vaddr_t at = va + p * stride * PAGE_SIZE;
		enum vm_fault_result res = mm_fault(s, at, pf, NULL);

		if (res != want) {
			kprintf("kbench: fault at %lx: %s\n", at,
				vm_fault_result_name(res));
			kb_finish(false);
		}
	}
}

void kb_begin(struct kb_run *r)
{
	r->at = work;
	r->start = rdtsc();
}

/* Page tables and VMA nodes of s, bytes; stops on a broken invariant. */
static void memory_of(const struct mm_space *s, struct kb_phase *p)
{
	struct mm_stats st;
	const char *why = mm_check_invariants(s, &st);

	if (why) {
		kprintf("kbench: %s: %s at %lx\n", design_names[s->design], why,
			st.vm.bad_va);
		kb_finish(false);
	}
	p->table_bytes = st.vm.table_pages * PAGE_SIZE;
	p->descriptor_bytes = st.vm.descriptor_pages * PAGE_SIZE;
	p->vma_bytes = st.vma_bytes;
}

void kb_end(struct kb_run *r, const char *name, uint64_t ops)
{
	uint64_t end = rdtsc();
	struct kb_phase *p;

	if (r->nphases == KB_MAX_PHASES) {
		kprintf("kbench: too many phases\n");
		kb_finish(false);
	}
	p = &r->phase[r->nphases++];
	*p = (struct kb_phase){ .name = name, .ops = ops,
				.cycles = end - r->start };
	mm_work_add_since(&p->work, &work, &r->at);
	memory_of(&r->space, p);
}

void kb_fork(struct kb_run *r, struct mm_space *child)
{
	kb_begin(r);
	kb_must(mm_fork(&r->space, child), "fork");
	kb_end(r, "fork", 1);
}

void kb_exit(struct kb_run *r, struct mm_space *child)
{
	kb_begin(r);
	mm_space_destroy(child);
	kb_end(r, "exit", 1);
}

static uint64_t settled_free_frames(void)
{
	kmalloc_trim();
	return frames_free_count();
}

static void run_pass(const struct kb_workload *w, enum mm_design d,
		     struct kb_run *r)
{
	uint64_t free_before = settled_free_frames();

	*r = (struct kb_run){ .design = d };
	kb_must(mm_space_init_user(&r->space, d, &env, USER_SPACE_START,
				   USER_SPACE_END, kernel_space()),
		"space");
	w->pass(r, w->arg);
	mm_space_destroy(&r->space);
	if (settled_free_frames() != free_before) {
		kprintf("kbench: %s on %s: %ld frames not returned\n", w->name,
			design_names[d],
			(long)(free_before - settled_free_frames()));
		kb_finish(false);
	}
}

static bool same_work(const struct kb_run *a, const struct kb_run *b)
{
	if (a->nphases != b->nphases)
		return false;
	for (int i = 0; i < a->nphases; i++)
		if (a->phase[i].ops != b->phase[i].ops ||
		    memcmp(&a->phase[i].work, &b->phase[i].work,
			   sizeof(a->phase[i].work)) != 0)
			return false;
	return true;
}

uint64_t kb_median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b) {
		uint64_t t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

static void row(const char *w, enum mm_design d, const char *phase,
		const char *what, uint64_t value, const char *unit)
{
	kprintf("kbench,%s,%s,%s_%s,%lu,%s\n", w, design_names[d], phase, what,
		value, unit);
}

/* The first pass's counts of phase p: the host study's metric names. */
static void print_counts(const char *w, enum mm_design d,
			 const struct kb_phase *p)
{
	const struct {
		const char *what, *unit;
		uint64_t value;
	} rows[] = {
		{ "ops", "ops", p->ops },
		{ "entries_read", "entries", p->work.entries_read },
		{ "entries_written", "entries", p->work.entries_written },
		{ "table_visits", "tables", p->work.tables_visited },
		{ "nodes_visited", "nodes", p->work.nodes_visited },
		{ "frames_alloc", "frames", p->work.frames_alloc },
		{ "frames_freed", "frames", p->work.frames_freed },
		{ "table_bytes", "bytes", p->table_bytes },
		{ "descriptor_bytes", "bytes", p->descriptor_bytes },
		{ "vma_bytes", "bytes", p->vma_bytes },
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		row(w, d, p->name, rows[i].what, rows[i].value, rows[i].unit);
}

static void print_runs(const char *w, const struct kb_run runs[KB_REPS])
{
	_Static_assert(KB_REPS == 3, "kb_median3 takes the median of 3 passes");
	for (int i = 0; i < runs[0].nphases; i++) {
		const struct kb_phase *p = &runs[0].phase[i];
		enum mm_design d = runs[0].design;

		row(w, d, p->name, "cycles",
		    kb_median3(p->cycles, runs[1].phase[i].cycles,
			       runs[2].phase[i].cycles),
		    "cycles");
		print_counts(w, d, p);
	}
}

void kb_measure(const struct kb_workload *w)
{
	static struct kb_run runs[2][KB_REPS];

	kprintf("kbench: %s, rdos and card1, %u passes each\n", w->name, KB_REPS);
	for (int rep = 0; rep < KB_REPS; rep++)
		for (int d = 0; d < 2; d++) {
			run_pass(w, (enum mm_design)d, &runs[d][rep]);
			if (!same_work(&runs[d][0], &runs[d][rep])) {
				kprintf("kbench: %s on %s: a pass did other "
					"work than the first\n",
					w->name, design_names[d]);
				kb_finish(false);
			}
		}
	for (int d = 0; d < 2; d++)
		print_runs(w->name, runs[d]);
}

/* Stands for a file read, as the host benchmark's provider: writes the
 * whole page. */
static int fill_image_page(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, (int)(page & 0xff), PAGE_SIZE);
	return 0;
}

void kbench_run(const struct boot_info *bi)
{
	uint64_t t0 = rdtsc();

	console_quiet_screen();
	calibrate();
	if (probe_only())
		kb_finish(true);
	env = *address_space_env();
	env.vm.work = &work;
	kb_must(vm_provider_register(KB_IMAGE_SEL, fill_image_page, NULL),
		"provider");
	kprintf("kbench,meta,kernel,reps,%u,passes\n", KB_REPS);
	kb_run_workloads(bi);
	vm_provider_unregister(KB_IMAGE_SEL);
	kb_run_user();
	kb_run_smp_throughput();
	kb_run_frame_throughput();
	kprintf("kbench,meta,kernel,run_cycles,%lu,cycles\n", rdtsc() - t0);
	kb_finish(true);
}
