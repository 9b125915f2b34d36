/*
 * trace_replay.c - parsing a trace module and replaying it on one space
 * (trace_replay.h).  The order of the calls is the benchmark's contract:
 * the same trace makes the same calls, so the work counts of two runs are
 * equal (kbench checks it).
 */
#include "abi/rdos_abi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "kernel/address_space.h"
#include "kernel/boot_info.h"
#include "kernel/frames.h"
#include "kernel/kmalloc.h"
#include "kernel/printk.h"
#include "kernel/trace_replay.h"
#include "lib/format.h"
#include "lib/string.h"

static struct trace trace;

bool trace_module_is_trace(const struct mb2_module *m)
{
	return strncmp(m->cmdline, TRACE_MODULE_PREFIX, strlen(TRACE_MODULE_PREFIX)) == 0;
}

const struct mb2_module *trace_module(const struct boot_info *bi, const char *name)
{
	const size_t plen = strlen(TRACE_MODULE_PREFIX);

	for (unsigned i = 0; i < bi->module_count; i++)
		if (trace_module_is_trace(&bi->modules[i]) &&
		    strcmp(bi->modules[i].cmdline + plen, name) == 0)
			return &bi->modules[i];
	return NULL;
}

struct trace *trace_load(const struct mb2_module *m)
{
	const char *end = phys_to_virt(m->end);

	trace.n = 0;
	format_buf(trace.name, sizeof(trace.name), "%s",
		   m->cmdline + strlen(TRACE_MODULE_PREFIX));
	for (const char *line = phys_to_virt(m->start); line < end;) {
		const char *nl = line;
		size_t len;

		while (nl < end && *nl != '\n')
			nl++;
		len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > 0 && strncmp(line, "start,", 6) != 0) {
			if (trace.n == TRACE_AREAS_MAX ||
			    !trace_area_parse(line, len, &trace.area[trace.n]))
				return NULL;
			trace.n++;
		}
		line = nl + 1;
	}
	return &trace;
}

static int fill_page(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, (int)(page & 0xff), PAGE_SIZE);
	return 0;
}

enum vm_status trace_provider_register(void)
{
	enum vm_status st = vm_provider_register(TRACE_IMAGE_SEL, fill_page, NULL);

	return st == VM_ERR_BUSY ? VM_OK : st;
}

uint64_t trace_pages(const struct trace *t)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->area[i].in_user ? t->area[i].pages : 0;
	return n;
}

uint64_t trace_touch_pages(const struct trace *t)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->area[i].in_user && !trace_area_is_guard(&t->area[i]))
			n += t->area[i].touch_pages;
	return n;
}

static enum vm_status reserve_area(struct mm_space *s, const struct trace_area *a, vaddr_t *va)
{
	const unsigned prot = VM_PROT_USER | (a->write ? VM_PROT_WRITE : 0) |
			      (a->exec ? VM_PROT_EXEC : 0);

	if (!a->file || trace_area_is_guard(a))
		return mm_reserve(s, a->pages, prot, va);
	return mm_reserve_image(s, a->pages, prot, TRACE_IMAGE_SEL, a->file_page, va);
}

enum vm_status trace_reserve_all(struct mm_space *s, struct trace *t, uint64_t *ops)
{
	enum vm_status st = VM_OK;

	*ops = 0;
	for (size_t i = 0; i < t->n && st == VM_OK; i++) {
		const struct trace_area *a = &t->area[i];

		if (!a->in_user)
			continue;
		st = reserve_area(s, a, &t->va[i]);
		if (st == VM_OK && trace_area_is_guard(a))
			st = mm_guard(s, t->va[i], a->pages);
		*ops += st == VM_OK;
	}
	return st;
}

enum vm_fault_result trace_touch_all(struct mm_space *s, const struct trace *t, uint64_t *ops)
{
	*ops = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_area *a = &t->area[i];
		unsigned pf = VM_PF_USER | (a->write ? VM_PF_WRITE : 0);

		if (!a->in_user || trace_area_is_guard(a))
			continue;
		for (uint64_t p = 0; p < a->touch_pages; p++) {
			enum vm_fault_result r = mm_fault(s, t->va[i] + p * PAGE_SIZE, pf, NULL);

			if (r != VM_FAULT_HANDLED)
				return r;
			(*ops)++;
		}
	}
	return VM_FAULT_HANDLED;
}

enum vm_status trace_release_all(struct mm_space *s, const struct trace *t, uint64_t *ops)
{
	enum vm_status st = VM_OK;

	*ops = 0;
	for (size_t i = 0; i < t->n && st == VM_OK; i++)
		if (t->area[i].in_user) {
			st = mm_release(s, t->va[i], t->area[i].pages);
			*ops += st == VM_OK;
		}
	return st;
}

/* --- REPLAY: both designs, measured -------------------------------------- */

/* A phase's measurement: started by phase_begin, ended by phase_end. */
struct phase_clock {
	uint64_t start;
	struct mm_work at;
};

static void phase_begin(struct phase_clock *c, const struct mm_work *work)
{
	c->at = *work;
	c->start = rdtsc();
}

static void phase_end(const struct phase_clock *c, const struct mm_work *work, uint64_t ops,
		      struct rdos_replay_phase *p)
{
	struct mm_work d = { 0 };

	p->cycles = rdtsc() - c->start;
	p->ops = ops;
	mm_work_add_since(&d, work, &c->at);
	p->work = (struct rdos_work){ d.entries_read, d.entries_written, d.tables_visited,
				      d.nodes_visited, d.frames_alloc, d.frames_freed };
}

static int64_t replay_error(enum vm_status st)
{
	return st == VM_ERR_NO_MEMORY ? -RDOS_ENOMEM : -RDOS_EINVAL;
}

/* The three phases on a fresh space of design d. */
static int64_t replay_design(struct trace *t, enum mm_design d, struct rdos_replay_design *out)
{
	static struct mm_space space;
	struct mm_work work = { 0 };
	struct phase_clock c;
	struct mm_stats stats;
	enum vm_fault_result fr;
	enum vm_status st;
	const char *why;
	uint64_t ops;

	out->design = d == MM_DESIGN_CARD1 ? RDOS_SPAWN_CARD1 : RDOS_SPAWN_RDOS;
	if (address_space_create_counted(&space, d, &work) != VM_OK)
		return -RDOS_ENOMEM;
	phase_begin(&c, &work);
	st = trace_reserve_all(&space, t, &ops);
	phase_end(&c, &work, ops, &out->phase[RDOS_REPLAY_RESERVE]);
	fr = VM_FAULT_NO_MEMORY;
	if (st == VM_OK) {
		phase_begin(&c, &work);
		fr = trace_touch_all(&space, t, &ops);
		phase_end(&c, &work, ops, &out->phase[RDOS_REPLAY_TOUCH]);
	}
	if (st == VM_OK && fr == VM_FAULT_HANDLED) {
		why = mm_check_invariants(&space, &stats);
		if (why)
			kprintf("replay: %s: broken invariant: %s at %lx\n", t->name, why,
				stats.vm.bad_va);
		out->table_bytes = (stats.vm.table_pages + stats.vm.descriptor_pages) * PAGE_SIZE;
		out->vma_bytes = stats.vma_bytes;
		phase_begin(&c, &work);
		st = trace_release_all(&space, t, &ops);
		phase_end(&c, &work, ops, &out->phase[RDOS_REPLAY_RELEASE]);
	}
	mm_space_destroy(&space);
	kmalloc_trim();
	if (st != VM_OK)
		return replay_error(st);
	return fr == VM_FAULT_HANDLED ? 0 : -RDOS_ENOMEM;
}

int64_t trace_compare(const char *name, struct rdos_replay *out)
{
	const struct mb2_module *m = trace_module(boot_info(), name);
	struct trace *t;
	int64_t err = 0;

	*out = (struct rdos_replay){ 0 };
	if (!m)
		return -RDOS_ENOENT;
	t = trace_load(m);
	if (!t)
		return -RDOS_ENOEXEC;
	for (size_t i = 0; i < t->n; i++)
		out->areas += t->area[i].in_user;
	out->pages = trace_pages(t);
	out->touched = trace_touch_pages(t);
	/* page tables and VMA nodes come on top: keep a quarter back */
	if (out->touched > frames_free_count() / 4 * 3 || trace_provider_register() != VM_OK)
		return -RDOS_ENOMEM;
	for (int d = 0; d < 2 && err == 0; d++)
		err = replay_design(t, d == 0 ? MM_DESIGN_RDOS : MM_DESIGN_CARD1, &out->design[d]);
	return err;
}
