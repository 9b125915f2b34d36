/*
 * vm_search.c - finding a run of free pages: next fit from the space's
 * cursor, over entries rather than pages, guided by the free-space
 * summaries in the table pointers (vm_summary.c).
 *
 * The answer is the lowest address at or after the start whose run of
 * free pages is long enough, the same with or without summaries; they
 * only decide what is read.  A free upper-level entry counts as 512^k
 * free pages without a look below it; a table pointer whose summary says
 * that no run below is long enough is not entered: only its edge runs can
 * take part in a run that crosses it; the one at its end comes from the
 * summary's TAIL (one read per level), the one at its start is read from
 * its start, only when the run before it needs it.  So a search that cannot succeed is answered from the top
 * levels, and one that succeeds enters only tables that may hold the hole
 * (RDOS weakness 1).  The search only reads.
 *
 * Flags of the space switch the guidance off for the ablation of the
 * report: VM_SPACE_FULL_ONLY skips only FULL tables (the one-bit summary
 * of earlier versions), VM_SPACE_NO_SUMMARY enters every table.
 */
#include "mm/vm_internal.h"

struct search {
	const struct vm_space *s;
	uint64_t want;     /* pages */
	vaddr_t run_start; /* first page of the current free run */
	uint64_t run;      /* its length so far */
};

static bool search_table(struct search *q, const pte_t *t, int level,
			 vaddr_t va, vaddr_t end);

/* Extend the run by pages free pages at va; true once it is long enough. */
static bool run_add(struct search *q, vaddr_t va, uint64_t pages)
{
	if (q->run == 0)
		q->run_start = va;
	q->run += pages;
	return q->run >= q->want;
}

static uint64_t at_most(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * The subtree below the table pointer e, whose summary says that no run
 * inside it is long enough: does the current run end in its first pages
 * (true), and if not, what run does the span leave at its end?
 */
static bool cross_pointer(struct search *q, pte_t e, int level,
			  const struct vm_span *sp)
{
	uint64_t span = vm_span_pages(sp), tail;

	if (q->run > 0 && q->run + span >= q->want &&
	    vm_table_head_reaches(q->s, e, level, q->want - q->run))
		return true;
	q->run = 0;
	/* only a span that reaches the subtree's end passes a run on */
	if (sp->end - sp->base != vm_level_size(level))
		return false;
	tail = at_most(vm_table_free_tail(q->s, e, level), span);
	if (tail > 0) {
		q->run_start = sp->end - (tail << PAGE_SHIFT);
		q->run = tail;
	}
	return false;
}

static bool search_pointer(struct search *q, pte_t e, int level,
			   const struct vm_span *sp)
{
	unsigned flags = q->s->flags;
	unsigned sum = pte_summary(e);

	if (!vm_is_pinned(level, sp->base) && !(flags & VM_SPACE_NO_SUMMARY)) {
		if (sum == 0) { /* FULL */
			q->run = 0;
			return false;
		}
		if (!(flags & VM_SPACE_FULL_ONLY) &&
		    vm_summary_longest_below(sum) < q->want)
			return cross_pointer(q, e, level, sp);
	}
	return search_table(q, vm_table(q->s, pte_addr(e)), level - 1, sp->va,
			    sp->end);
}

/* The span sp of the compact entry e: its free stretches, between its
 * runs, read from the descriptor from the first run that ends after the
 * span's start. */
static bool search_compact(struct search *q, pte_t e, const struct vm_span *sp)
{
	const struct vm_compact *d = vm_compact_of(q->s, e);
	uint64_t at = (sp->va - sp->base) >> PAGE_SHIFT;
	uint64_t stop = (sp->end - sp->base) >> PAGE_SHIFT;
	unsigned k = vm_compact_find(d, at);

	/* the binary search, then a run per stretch */
	VM_WORK_ADD(q->s, entries_read, 1);
	for (; k < d->nruns && at < stop; k++) {
		uint64_t first = d->run[k].first, end = first + d->run[k].pages;

		VM_WORK_ADD(q->s, entries_read, 1);
		if (end <= at)
			continue;
		if (first >= stop)
			break;
		if (first > at &&
		    run_add(q, sp->base + (at << PAGE_SHIFT), first - at))
			return true;
		q->run = 0;
		at = end;
	}
	return at < stop &&
	       run_add(q, sp->base + (at << PAGE_SHIFT), stop - at);
}

/* The leaves [va, end) of the leaf table t: the innermost loop of every
 * search, so without spans, and its reads counted once. */
static bool search_leaves(struct search *q, const pte_t *t, vaddr_t va,
			  vaddr_t end)
{
	const pte_t *e = &t[vm_index(va, 0)];
	uint64_t n = (end - va) >> PAGE_SHIFT, k = 0, run = q->run;

	while (k < n && run < q->want) {
		if (!pte_is_free(vm_entry_read(&e[k++]))) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			q->run_start = va + ((k - 1) << PAGE_SHIFT);
	}
	VM_WORK_ADD(q->s, entries_read, k);
	q->run = run;
	return run >= q->want;
}

static bool search_table(struct search *q, const pte_t *t, int level,
			 vaddr_t va, vaddr_t end)
{
	struct vm_span sp;
	uint64_t reads = 0;
	bool found = false;

	if (level == 0)
		return search_leaves(q, t, va, end);
	for (vaddr_t v = va; v < end && !found; v = sp.end) {
		pte_t e;

		sp = vm_span_at(v, end, level);
		e = vm_entry_read(&t[sp.index]);
		reads++;
		if (pte_is_free(e)) {
			found = run_add(q, sp.va, vm_span_pages(&sp));
		} else if (pte_is_compact(e)) {
			found = search_compact(q, e, &sp);
		} else if (vm_is_table(e, level)) {
			VM_WORK_ADD(q->s, entries_read, reads);
			reads = 0;
			found = search_pointer(q, e, level, &sp);
		} else {
			q->run = 0;
		}
	}
	VM_WORK_ADD(q->s, entries_read, reads);
	return found;
}

static bool search_between(struct search *q, vaddr_t from, vaddr_t to)
{
	q->run = 0;
	return from < to && search_table(q, vm_table(q->s, q->s->pml4),
					 VM_TOP_LEVEL, from, to);
}

/*
 * Find npages free pages; VM_ERR_NO_SPACE if there is no such run.  Runs
 * starting before the cursor are found by a second pass from lo that
 * ends where such a run could no longer fit.
 */
enum vm_status vm_search(const struct vm_space *sp, size_t npages,
			 vaddr_t *out_va)
{
	struct search q = { .s = sp, .want = npages };
	vaddr_t from = (sp->flags & VM_SPACE_FIRST_FIT) ? sp->lo : sp->cursor;
	uint64_t room = (sp->hi - sp->lo) >> PAGE_SHIFT;
	vaddr_t wrap_end;

	if (npages == 0 || npages > room)
		return VM_ERR_NO_SPACE;
	wrap_end = (sp->hi - from) >> PAGE_SHIFT > npages
			   ? from + ((uint64_t)npages << PAGE_SHIFT)
			   : sp->hi;
	if (search_between(&q, from, sp->hi) ||
	    (from != sp->lo && search_between(&q, sp->lo, wrap_end))) {
		*out_va = q.run_start;
		return VM_OK;
	}
	return VM_ERR_NO_SPACE;
}
