/*
 * bench_mm.c - fixture, counters and the probe-then-timed-passes driver of
 * the two-design benchmarks (see bench_mm.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_mm.h"
#include "lib/panic.h"

static const char *const design_names[BM_DESIGNS] = {
	[MM_DESIGN_RDOS] = "rdos",
	[MM_DESIGN_CARD1] = "card1",
};

const char *bm_design_name(enum mm_design d)
{
	return design_names[d];
}

void bm_must(enum vm_status st, const char *what)
{
	if (st != VM_OK)
		panic("bench: %s: %s", what, vm_status_name(st));
}

/* --- the environment: sim_phys, the cores' counts and nodes counted ----- */

/* sim_phys_vm_env's callbacks take ctx = &b->phys; that is b itself. */
_Static_assert(offsetof(struct bm, phys) == 0, "phys first in struct bm");

static void *node_alloc(void *ctx, size_t size)
{
	struct bm *b = ctx;

	b->nodes_alloc++;
	return malloc(size);
}

static void node_free(void *ctx, void *node)
{
	struct bm *b = ctx;

	b->nodes_freed++;
	free(node);
}

/* Stands for a file read: writes the whole page, as zeroing does. */
static int fill_image_page(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, (int)(page & 0xff), PAGE_SIZE);
	return 0;
}

static void *share_alloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return malloc(bytes);
}

static void share_free(void *ctx, void *p, size_t bytes)
{
	(void)ctx;
	(void)bytes;
	free(p);
}

void bm_init(struct bm *b, size_t nframes)
{
	static const struct vm_share_mem share_mem = { share_alloc, share_free,
						       NULL, NULL };

	*b = (struct bm){ 0 };
	vm_share_init(&b->share, &share_mem);
	sim_phys_init(&b->phys, nframes);
	b->phys.poison = false;
	bm_must(vm_provider_register(BM_IMAGE_SEL, fill_image_page, NULL),
		"provider");
}

void bm_fini(struct bm *b)
{
	if (b->phys.in_use != 0 || b->nodes_alloc != b->nodes_freed ||
	    vm_share_stats(&b->share).bytes != 0)
		panic("bench: %zu frames, %lu nodes, %zu share bytes leaked",
		      b->phys.in_use,
		      (unsigned long)(b->nodes_alloc - b->nodes_freed),
		      vm_share_stats(&b->share).bytes);
	vm_provider_unregister(BM_IMAGE_SEL);
	sim_phys_fini(&b->phys);
}

void bm_space_new(struct bm *b, enum mm_design d, vaddr_t lo, vaddr_t hi)
{
	struct mm_env env = {
		.vm = sim_phys_vm_env(&b->phys),
		.nodes = { node_alloc, node_free, b },
		.share = &b->share,
	};

	env.vm.work = &b->work;
	env.vm.direct_map = sim_phys_direct_map(&b->phys);
	bm_must(mm_space_init_user(&b->space[d], d, &env, lo, hi, NULL),
		"space init");
}

/* The counts so far; the cores must have counted every frame that
 * simulated memory handed out or took back (only they use it here). */
static struct bm_counts counts_now(const struct bm *b)
{
	if (b->work.frames_alloc != b->phys.allocs ||
	    b->work.frames_freed != b->phys.frees)
		panic("bench: the cores counted %lu/%lu frames taken/returned, "
		      "simulated memory %lu/%lu",
		      (unsigned long)b->work.frames_alloc,
		      (unsigned long)b->work.frames_freed, b->phys.allocs,
		      b->phys.frees);
	return (struct bm_counts){
		.core = b->work,
		.tlb_invalidations = b->phys.invalidations,
		.nodes_alloc = b->nodes_alloc,
		.nodes_freed = b->nodes_freed,
	};
}

/* --- helpers of the workloads -------------------------------------------- */

void bm_touch(struct mm_space *s, vaddr_t va, size_t n, size_t stride,
	      unsigned pf)
{
	for (size_t p = 0; p < n; p++) {
		vaddr_t at = va + p * stride * PAGE_SIZE;
		enum vm_fault_result res = mm_fault(s, at, pf, NULL);

		if (res != VM_FAULT_HANDLED)
			panic("bench: fault at %#lx: %s", (unsigned long)at,
			      vm_fault_result_name(res));
	}
}

void bm_set_cursor(struct mm_space *s, vaddr_t va)
{
	if (s->design == MM_DESIGN_CARD1)
		s->card1.pt.cursor = va;
	else
		s->rdos.cursor = va;
}

struct bm_mem bm_memory(const struct mm_space *s)
{
	struct card1_stats cs = { 0 };
	struct mm_stats st;
	const char *why = mm_check_invariants(s, &st);

	if (why)
		panic("bench: %s: %s at %#lx", bm_design_name(s->design), why,
		      (unsigned long)st.vm.bad_va);
	if (s->design == MM_DESIGN_CARD1)
		card1_check_invariants(&s->card1, &cs);
	return (struct bm_mem){ .table_bytes = st.vm.table_pages * PAGE_SIZE,
				.own_table_bytes = (st.vm.table_pages -
						    st.vm.shared_table_pages) *
						   PAGE_SIZE,
				.descriptor_bytes =
					st.vm.descriptor_pages * PAGE_SIZE,
				.vma_bytes = st.vma_bytes,
				.vma_nodes = st.vma_nodes,
				.tree_height = cs.tree_height };
}

/* --- phases -------------------------------------------------------------- */

static void counts_add(struct bm_counts *sum, const struct bm_counts *to,
		       const struct bm_counts *from)
{
	mm_work_add_since(&sum->core, &to->core, &from->core);
	sum->tlb_invalidations += to->tlb_invalidations -
				  from->tlb_invalidations;
	sum->nodes_alloc += to->nodes_alloc - from->nodes_alloc;
	sum->nodes_freed += to->nodes_freed - from->nodes_freed;
}

void bm_resume(struct bm_run *r)
{
	ASSERT(!r->running);
	r->running = true;
	r->at = counts_now(r->b);
	r->mark = bench_now_ns();
}

void bm_pause(struct bm_run *r)
{
	struct bm_counts now;

	ASSERT(r->running);
	r->ns += bench_lap(&r->mark);
	now = counts_now(r->b);
	counts_add(&r->work, &now, &r->at);
	r->running = false;
}

void bm_phase_done(struct bm_run *r, const char *name, uint64_t ops)
{
	struct bm_phase *p;

	ASSERT(r->nphases < BM_MAX_PHASES);
	p = &r->phase[r->nphases++];
	if (r->running)
		bm_pause(r);
	*p = (struct bm_phase){ .name = name, .ops = ops, .ns = r->ns,
				.work = r->work };
	if (r->probe)
		p->mem = bm_memory(r->s);
	r->ns = 0;
	r->work = (struct bm_counts){ 0 };
}

void bm_note(struct bm_run *r, const char *metric, double value,
	     const char *unit)
{
	ASSERT(!r->running);
	if (!r->probe)
		return;
	ASSERT(r->nnotes < BM_MAX_NOTES);
	r->note[r->nnotes++] = (struct bm_note){ .metric = metric,
						 .unit = unit,
						 .value = value };
}

void bm_fork(struct bm_run *r, struct mm_space *child)
{
	struct vm_share_stats ss;
	struct bm_mem m;

	bm_resume(r);
	bm_must(mm_fork(r->s, child), "fork");
	bm_phase_done(r, "fork", 1);
	if (!r->probe)
		return;
	m = bm_memory(child);
	ss = vm_share_stats(&r->b->share);
	bm_note(r, "fork_child_table_bytes", (double)m.table_bytes, "bytes");
	bm_note(r, "fork_child_own_table_bytes", (double)m.own_table_bytes,
		"bytes");
	bm_note(r, "fork_share_tables", (double)ss.tables, "tables");
	bm_note(r, "fork_child_vma_bytes", (double)m.vma_bytes, "bytes");
	bm_note(r, "fork_share_bytes", (double)ss.bytes, "bytes");
	bm_note(r, "fork_share_frames", (double)ss.frames, "frames");
}

void bm_exit(struct bm_run *r, struct mm_space *child)
{
	bm_resume(r);
	mm_space_destroy(child);
	bm_phase_done(r, "exit", 1);
}

/* --- the driver ---------------------------------------------------------- */

/* Design d's space of the spec, set up (untimed). */
static void space_set_up(struct bm *b, enum mm_design d,
			 const struct bm_spec *sp, struct bm_run *r)
{
	bm_space_new(b, d, sp->lo, sp->hi);
	if (d == MM_DESIGN_RDOS)
		b->space[d].rdos.flags |= sp->rdos_space_flags;
	if (sp->setup)
		sp->setup(r, sp->arg);
	if (d == MM_DESIGN_RDOS)
		b->space[d].rdos.flags |= sp->rdos_pass_flags;
}

static void run_pass(struct bm *b, enum mm_design d, const struct bm_spec *sp,
		     struct bm_run *r, bool probe)
{
	*r = (struct bm_run){ .b = b, .s = &b->space[d], .design = d,
			      .probe = probe,
			      .rng = bench_rng_seed(sp->seed) };
	if (sp->fresh)
		space_set_up(b, d, sp, r);
	sp->pass(r, sp->arg);
	if (sp->fresh)
		mm_space_destroy(r->s);
}

/* The work of a phase as same_work compares it: in a kept space (not
 * spec->fresh) card1's tree has the same VMAs after every pass but not
 * the same shape (AA rebalancing depends on the order of inserts and
 * removes), so the nodes a pass visits may differ from the probe's;
 * everything else must not. */
static struct bm_counts comparable(const struct bm_phase *p, bool fresh)
{
	struct bm_counts c = p->work;

	if (!fresh)
		c.core.nodes_visited = 0;
	return c;
}

static void same_work(const struct bm_run *probe, const struct bm_run *r,
		      const struct bm_spec *spec)
{
	bool same = probe->nphases == r->nphases;

	for (int i = 0; same && i < r->nphases; i++) {
		struct bm_counts a = comparable(&probe->phase[i], spec->fresh),
				 b = comparable(&r->phase[i], spec->fresh);

		same = probe->phase[i].ops == r->phase[i].ops &&
		       !memcmp(&a, &b, sizeof(a));
	}
	if (!same)
		panic("bench: %s on %s: a timed pass did other work than the "
		      "probe", spec->workload, bm_design_name(r->design));
}

static void phase_row(const char *w, const char *d, const char *phase,
		      const char *suffix, double value, const char *unit)
{
	char metric[96];

	snprintf(metric, sizeof(metric), "%s_%s", phase, suffix);
	bench_row(w, d, metric, value, unit);
}

static void print_phase(const char *w, enum mm_design design,
			const struct bm_phase *p, double median_ns)
{
	const char *d = bm_design_name(design);
	const struct bm_counts *c = &p->work;
	const struct bm_mem *m = &p->mem;
	const struct {
		const char *suffix, *unit;
		double value;
	} rows[] = {
		{ "ns", "ns", median_ns },
		{ "ops", "ops", (double)p->ops },
		{ "entries_read", "entries", (double)c->core.entries_read },
		{ "entries_written", "entries",
		  (double)c->core.entries_written },
		{ "table_visits", "tables", (double)c->core.tables_visited },
		{ "nodes_visited", "nodes", (double)c->core.nodes_visited },
		{ "frames_alloc", "frames", (double)c->core.frames_alloc },
		{ "frames_freed", "frames", (double)c->core.frames_freed },
		{ "tlb_invalidations", "calls", (double)c->tlb_invalidations },
		{ "nodes_alloc", "nodes", (double)c->nodes_alloc },
		{ "nodes_freed", "nodes", (double)c->nodes_freed },
		{ "table_bytes", "bytes", (double)m->table_bytes },
		{ "descriptor_bytes", "bytes", (double)m->descriptor_bytes },
		{ "vma_bytes", "bytes", (double)m->vma_bytes },
		{ "vma_nodes", "nodes", (double)m->vma_nodes },
		{ "tree_height", "levels", (double)m->tree_height },
	};

	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		phase_row(w, d, p->name, rows[i].suffix, rows[i].value,
			  rows[i].unit);
}

static void print_notes(const char *w, const struct bm_run *probe)
{
	for (int i = 0; i < probe->nnotes; i++)
		bench_row(w, bm_design_name(probe->design),
			  probe->note[i].metric, probe->note[i].value,
			  probe->note[i].unit);
}

/* Without spec->fresh: each design's one space, set up once. */
static void setup_kept_spaces(struct bm *b, const struct bm_spec *spec)
{
	for (int d = 0; d < BM_DESIGNS; d++) {
		struct bm_run r = { .b = b, .s = &b->space[d],
				    .design = (enum mm_design)d,
				    .rng = bench_rng_seed(spec->seed) };

		space_set_up(b, r.design, spec, &r);
	}
}

void bm_measure_both(struct bm *b, const struct bm_spec *spec)
{
	static struct bm_run probe[BM_DESIGNS], run;
	static double ns[BM_DESIGNS][BM_MAX_PHASES][BENCH_REPS];

	if (!spec->fresh)
		setup_kept_spaces(b, spec);
	for (int d = 0; d < BM_DESIGNS; d++)
		run_pass(b, (enum mm_design)d, spec, &probe[d], true);
	for (int rep = 0; rep < BENCH_REPS; rep++)
		for (int d = 0; d < BM_DESIGNS; d++) {
			run_pass(b, (enum mm_design)d, spec, &run, false);
			same_work(&probe[d], &run, spec);
			for (int i = 0; i < run.nphases; i++)
				ns[d][i][rep] = run.phase[i].ns;
		}
	for (int d = 0; d < BM_DESIGNS; d++) {
		for (int i = 0; i < probe[d].nphases; i++)
			print_phase(spec->workload, (enum mm_design)d,
				    &probe[d].phase[i],
				    bench_median(ns[d][i], BENCH_REPS));
		print_notes(spec->workload, &probe[d]);
		if (!spec->fresh)
			mm_space_destroy(&b->space[d]);
	}
	fflush(stdout);
}
