/*
 * card1_space.c - creating and destroying card1 spaces, VMA nodes, and
 * releasing reservations.
 *
 * The page-table side is the rdos core's own code (vm_internal.h): the
 * space's tables are an ordinary vm_space whose entries are only ever
 * present leaves or table pointers, so its range clearing frees the
 * frames and the tables that become empty.
 */
#include "mm/card1_internal.h"

enum vm_status card1_space_init_user(struct card1_space *s,
				     const struct vm_env *env,
				     const struct card1_node_alloc *alloc,
				     vaddr_t lo, vaddr_t hi,
				     const struct vm_space *kernel)
{
	s->root = NULL;
	s->nodes = 0;
	s->alloc = *alloc;
	return vm_space_init_user(&s->pt, env, lo, hi, kernel,
				  VM_SPACE_UNSUMMARISED);
}

void card1_space_destroy(struct card1_space *s)
{
	card1_tree_free_all(s);
	vm_space_destroy(&s->pt);
}

struct card1_vma *card1_vma_new(struct card1_space *s)
{
	return s->alloc.alloc(s->alloc.ctx, sizeof(struct card1_vma));
}

void card1_vma_free(struct card1_space *s, struct card1_vma *v)
{
	s->alloc.free(s->alloc.ctx, v);
}

pte_t card1_vma_entry(const struct card1_vma *v, vaddr_t va)
{
	bool start = card1_vma_starts(v, va);

	if (v->kind == PTE_KIND_IMAGE)
		return pte_make_image(v->prot, start, v->sel,
				      v->first_page +
					      ((va - v->start) >> PAGE_SHIFT));
	return pte_make_pending((enum pte_kind)v->kind, v->prot, start);
}

bool card1_in_one_reservation(const struct card1_space *s, vaddr_t va,
			      vaddr_t end)
{
	/* pieces of a reservation are adjacent: each begins where the last
	 * ended, so a piece found at cur > va starts at cur */
	for (vaddr_t cur = va; cur < end;) {
		const struct card1_vma *v = card1_tree_find(s, cur);

		if (!v || (cur != va && (v->flags & CARD1_VMA_START)))
			return false;
		cur = v->end;
	}
	return true;
}

/* Status of a release of [va, end), as vm_release decides it. */
static enum vm_status release_check(const struct card1_space *s, vaddr_t va,
				    vaddr_t end)
{
	const struct card1_vma *v = card1_tree_find(s, va);

	if (!v || !card1_vma_starts(v, va))
		return VM_ERR_NOT_START;
	if (!card1_in_one_reservation(s, va, end))
		return VM_ERR_WRONG_SIZE; /* too long */
	v = end < s->pt.hi ? card1_tree_find(s, end) : NULL;
	if (v && !card1_vma_starts(v, end))
		return VM_ERR_WRONG_SIZE; /* too short */
	return VM_OK;
}

enum vm_status card1_release(struct card1_space *s, vaddr_t va,
			     size_t npages)
{
	vaddr_t end;
	enum vm_status st = vm_check_range(&s->pt, va, npages, &end);

	if (st == VM_OK)
		st = release_check(s, va, end);
	if (st != VM_OK)
		return st;
	for (vaddr_t cur = va; cur < end;) {
		struct card1_vma *v = card1_tree_find(s, cur);

		cur = v->end;
		card1_tree_remove(s, v);
		card1_vma_free(s, v);
	}
	vm_clear_range(&s->pt, va, end, true);
	s->pt.usage.reserved -= npages;
	return VM_OK;
}
