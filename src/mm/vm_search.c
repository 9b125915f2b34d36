/*
 * vm_search.c - finding a run of free pages: next fit from the space's
 * cursor, over entries rather than pages.
 *
 * A free upper-level entry counts as 512^k free pages without a look
 * below it, and a table pointer marked FULL as a whole non-free block, so
 * the cost grows with the number of entries that differ, not with the
 * size of the space (RDOS weakness 1).  The search only reads.
 */
#include "mm/vm_internal.h"

struct search {
	struct vm_walk walk;
	uint64_t want;      /* pages */
	vaddr_t run_start;  /* first page of the current free run */
	uint64_t run_pages; /* its length so far */
};

static bool search_visit(struct vm_walk *w, const struct vm_span *sp, pte_t e,
			 int level)
{
	struct search *s = VM_CONTAINER_OF(w, struct search, walk);

	(void)level;
	if (!pte_is_free(e)) {
		s->run_pages = 0;
		return true;
	}
	if (s->run_pages == 0)
		s->run_start = sp->va;
	s->run_pages += vm_span_pages(sp);
	return s->run_pages < s->want; /* stop once the run is long enough */
}

static bool search_between(struct search *s, vaddr_t from, vaddr_t to)
{
	s->run_pages = 0;
	return from < to && !vm_walk_range(&s->walk, from, to);
}

/*
 * Find npages free pages; VM_ERR_NO_SPACE if there is no such run.  Runs
 * starting before the cursor are found by a second pass from lo that
 * ends where such a run could no longer fit.
 */
enum vm_status vm_search(const struct vm_space *sp, size_t npages,
			 vaddr_t *out_va)
{
	struct search s = {
		.walk = { .space = sp,
			  .stop_at_full = !(sp->flags & VM_SPACE_NO_SUMMARY),
			  .visit = search_visit },
		.want = npages,
	};
	vaddr_t from = (sp->flags & VM_SPACE_FIRST_FIT) ? sp->lo : sp->cursor;
	uint64_t room = (sp->hi - sp->lo) >> PAGE_SHIFT;
	vaddr_t wrap_end;

	if (npages == 0 || npages > room)
		return VM_ERR_NO_SPACE;
	wrap_end = (sp->hi - from) >> PAGE_SHIFT > npages
			   ? from + ((uint64_t)npages << PAGE_SHIFT)
			   : sp->hi;
	if (search_between(&s, from, sp->hi) ||
	    (from != sp->lo && search_between(&s, sp->lo, wrap_end))) {
		*out_va = s.run_start;
		return VM_OK;
	}
	return VM_ERR_NO_SPACE;
}
