/*
 * model.c - the address-space model of model.h: slot bookkeeping, buffer
 * verdicts and the VMMAP audit.
 */
#include "model.h"

#include "abi/rdos_abi.h"
#include "lib/format.h"
#include "lib/string.h"
#include "user/runtime/sys.h"

#define MODEL_AUDIT_RUNS 128 /* VMMAP's limit per call */
/* A walk from 0 to the end of user space needs a few calls; far more means
 * VMMAP does not advance. */
#define MODEL_AUDIT_CALLS_MAX 1024

static struct rdos_vmrun model_runs[MODEL_AUDIT_RUNS];
static char model_problem[160];

static uint64_t slot_end(const struct model_slot *s)
{
	return s->addr + s->npages * MODEL_PAGE;
}

bool model_tracked(const struct model_slot *s)
{
	return s->npages <= MODEL_TRACKED_PAGES;
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

int model_slot_at(const struct model *m, uint64_t va)
{
	for (int i = 0; i < MODEL_SLOTS; i++) {
		const struct model_slot *s = &m->slots[i];

		if (s->addr && va >= s->addr && va < slot_end(s))
			return i;
	}
	return MODEL_NO_SLOT;
}

int model_live(const struct model *m)
{
	int n = 0;

	for (int i = 0; i < MODEL_SLOTS; i++)
		n += m->slots[i].addr != 0;
	return n;
}

uint64_t model_pages(const struct model *m)
{
	uint64_t n = 0;

	for (int i = 0; i < MODEL_SLOTS; i++)
		if (m->slots[i].addr)
			n += m->slots[i].npages;
	return n;
}

int model_pick(const struct model *m, uint64_t r)
{
	int live = model_live(m);

	if (live == 0)
		return MODEL_NO_SLOT;
	r %= (uint64_t)live;
	for (int i = 0; i < MODEL_SLOTS; i++)
		if (m->slots[i].addr && r-- == 0)
			return i;
	return MODEL_NO_SLOT;
}

bool model_overlaps(const struct model *m, uint64_t addr, uint64_t npages)
{
	uint64_t end = addr + npages * MODEL_PAGE;

	for (int i = 0; i < MODEL_SLOTS; i++) {
		const struct model_slot *s = &m->slots[i];

		if (s->addr && addr < slot_end(s) && s->addr < end)
			return true;
	}
	return false;
}

bool model_add(struct model *m, uint64_t addr, uint64_t npages, unsigned prot)
{
	if (model_overlaps(m, addr, npages))
		return false;
	for (int i = 0; i < MODEL_SLOTS; i++) {
		struct model_slot *s = &m->slots[i];

		if (s->addr)
			continue;
		s->addr = addr;
		s->npages = npages;
		s->whole_prot = prot;
		memset(s->prot, (int)prot, sizeof(s->prot));
		return true;
	}
	return false;
}

void model_remove(struct model *m, int i)
{
	struct model_range *r = &m->released[m->released_next];

	r->addr = m->slots[i].addr;
	r->npages = m->slots[i].npages;
	m->released_next = (m->released_next + 1) % MODEL_RELEASED;
	m->slots[i].addr = 0;
}

bool model_protect(struct model *m, uint64_t addr, uint64_t npages, unsigned prot)
{
	int i = model_slot_at(m, addr);
	struct model_slot *s;
	uint64_t first;

	if (i == MODEL_NO_SLOT)
		return false;
	s = &m->slots[i];
	first = (addr - s->addr) / MODEL_PAGE;
	if (npages > s->npages - first)
		return false;
	if (model_tracked(s))
		memset(s->prot + first, (int)prot, npages);
	s->whole_prot = first == 0 && npages == s->npages ? prot : MODEL_PROT_UNKNOWN;
	return true;
}

unsigned model_page_prot(const struct model *m, uint64_t va)
{
	int i = model_slot_at(m, va);
	const struct model_slot *s;

	if (i == MODEL_NO_SLOT)
		return MODEL_PROT_UNKNOWN;
	s = &m->slots[i];
	if (model_tracked(s))
		return s->prot[(va - s->addr) / MODEL_PAGE];
	return s->whole_prot;
}

bool model_released_at(const struct model *m, uint64_t va)
{
	for (int i = 0; i < MODEL_RELEASED; i++) {
		const struct model_range *r = &m->released[i];

		if (r->npages && va >= r->addr && va - r->addr < r->npages * MODEL_PAGE)
			return true;
	}
	return false;
}

/* The first page above va where a slot or a released range starts, or
 * end: the pages between are neither, and can be skipped together. */
static uint64_t model_next_known(const struct model *m, uint64_t va, uint64_t end)
{
	uint64_t next = end;

	for (int i = 0; i < MODEL_SLOTS; i++)
		if (m->slots[i].addr > va && m->slots[i].addr < next)
			next = m->slots[i].addr;
	for (int i = 0; i < MODEL_RELEASED; i++)
		if (m->released[i].npages && m->released[i].addr > va && m->released[i].addr < next)
			next = m->released[i].addr;
	return next;
}

/* The verdict on the part of a buffer inside slot s, [va, end). */
static enum model_verdict slot_verdict(const struct model_slot *s, uint64_t va, uint64_t end,
				       bool write)
{
	if (!write)
		return MODEL_VALID;
	if (!model_tracked(s)) {
		if (s->whole_prot == MODEL_PROT_UNKNOWN)
			return MODEL_UNKNOWN;
		return s->whole_prot & RDOS_PROT_WRITE ? MODEL_VALID : MODEL_INVALID;
	}
	for (uint64_t p = va & ~(MODEL_PAGE - 1); p < end; p += MODEL_PAGE)
		if (!(s->prot[(p - s->addr) / MODEL_PAGE] & RDOS_PROT_WRITE))
			return MODEL_INVALID;
	return MODEL_VALID;
}

/* Walks the buffer a slot at a time (a slot may be 64 TiB); an invalid
 * part decides, whatever else is unknown. */
enum model_verdict model_buffer(const struct model *m, uint64_t ptr, uint64_t bytes, bool write)
{
	enum model_verdict v = MODEL_VALID;
	uint64_t end = ptr + bytes;

	if (bytes == 0)
		return MODEL_VALID;
	if (end < ptr || ptr < MODEL_USER_START || end > MODEL_USER_END)
		return MODEL_INVALID;
	for (uint64_t va = ptr & ~(MODEL_PAGE - 1); va < end;) {
		int i = model_slot_at(m, va);
		const struct model_slot *s;
		uint64_t upto;

		if (i == MODEL_NO_SLOT) {
			if (model_released_at(m, va))
				return MODEL_INVALID;
			v = MODEL_UNKNOWN;
			va = model_next_known(m, va, end);
			continue;
		}
		s = &m->slots[i];
		upto = slot_end(s) < end ? slot_end(s) : end;
		switch (slot_verdict(s, va < ptr ? ptr : va, upto, write)) {
		case MODEL_INVALID:
			return MODEL_INVALID;
		case MODEL_UNKNOWN:
			v = MODEL_UNKNOWN;
			break;
		case MODEL_VALID:
			break;
		}
		va = slot_end(s);
	}
	return v;
}

/* ---- the VMMAP audit ---------------------------------------------------------- */

/* The pages of run r that lie in slot s must be reserved, present or
 * copy-on-write (after a FORK) with the modelled protection. */
static bool audit_run_slot(const struct rdos_vmrun *r, const struct model_slot *s)
{
	uint64_t r_end = r->start + r->npages * MODEL_PAGE;
	uint64_t from = r->start > s->addr ? r->start : s->addr;
	uint64_t to = r_end < slot_end(s) ? r_end : slot_end(s);

	if (from >= to)
		return true;
	if (r->kind != RDOS_PAGE_RESERVED && r->kind != RDOS_PAGE_PRESENT &&
	    r->kind != RDOS_PAGE_COW) {
		format_buf(model_problem, sizeof(model_problem),
			   "slot 0x%llx+%llu: page 0x%llx is of kind %u in VMMAP",
			   (unsigned long long)s->addr, (unsigned long long)s->npages,
			   (unsigned long long)from, r->kind);
		return false;
	}
	for (uint64_t va = from; va < to;) {
		unsigned want = model_tracked(s) ? s->prot[(va - s->addr) / MODEL_PAGE]
						 : s->whole_prot;

		if (want != MODEL_PROT_UNKNOWN && want != r->prot) {
			format_buf(model_problem, sizeof(model_problem),
				   "slot 0x%llx+%llu: page 0x%llx: prot %u in VMMAP, %u modelled",
				   (unsigned long long)s->addr, (unsigned long long)s->npages,
				   (unsigned long long)va, r->prot, want);
			return false;
		}
		va = model_tracked(s) ? va + MODEL_PAGE : to;
	}
	return true;
}

/* Checks the runs of one VMMAP call; *next is where the next call starts. */
static bool audit_runs(const struct model *m, int64_t n, uint64_t *next)
{
	for (int64_t k = 0; k < n; k++) {
		const struct rdos_vmrun *r = &model_runs[k];

		if (r->start != *next || r->npages == 0) {
			format_buf(model_problem, sizeof(model_problem),
				   "VMMAP run %lld starts at 0x%llx (%llu pages), not 0x%llx",
				   (long long)k, (unsigned long long)r->start,
				   (unsigned long long)r->npages, (unsigned long long)*next);
			return false;
		}
		for (int i = 0; i < MODEL_SLOTS; i++)
			if (m->slots[i].addr && !audit_run_slot(r, &m->slots[i]))
				return false;
		*next = r->start + r->npages * MODEL_PAGE;
	}
	return true;
}

const char *model_audit_vmmap(const struct model *m)
{
	uint64_t next = MODEL_USER_START;

	for (int calls = 0; calls < MODEL_AUDIT_CALLS_MAX; calls++) {
		int64_t n = sys_vmmap(0, next, model_runs, MODEL_AUDIT_RUNS);

		if (n < 0) {
			format_buf(model_problem, sizeof(model_problem),
				   "VMMAP(0x%llx) = %lld (%s)", (unsigned long long)next,
				   (long long)n, sys_error_name(n));
			return model_problem;
		}
		if (!audit_runs(m, n, &next))
			return model_problem;
		if (n == 0 || next >= MODEL_USER_END)
			return next == MODEL_USER_END ? NULL
						      : "VMMAP runs end before user space does";
	}
	return "VMMAP did not reach the end of user space";
}
