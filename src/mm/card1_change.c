/*
 * card1_change.c - protect and guard inside one reservation.
 *
 * The range's two ends may fall inside VMAs, which are then cut, so one
 * VMA can become three.  Both nodes a cut needs are taken before anything
 * changes (the only allocation), so out of memory leaves the space as it
 * was.  The pieces keep the reservation's boundary: a piece cut off the
 * back never carries START.  Pieces are not merged again; a release of the
 * reservation frees them all.
 */
#include "mm/card1_internal.h"

/* The VMA a cut at va would split, or NULL if va is on a boundary. */
static struct card1_vma *cut_victim(const struct card1_space *s, vaddr_t va)
{
	struct card1_vma *v = card1_tree_find(s, va);

	return v && v->start < va ? v : NULL;
}

/* The nodes for the cuts at va and end (NULL where none is needed). */
static enum vm_status take_spares(struct card1_space *s, vaddr_t va,
				  vaddr_t end, struct card1_vma *spare[2])
{
	spare[0] = spare[1] = NULL;
	if (cut_victim(s, va) && !(spare[0] = card1_vma_new(s)))
		return VM_ERR_NO_MEMORY;
	if (cut_victim(s, end) && !(spare[1] = card1_vma_new(s))) {
		if (spare[0])
			card1_vma_free(s, spare[0]);
		return VM_ERR_NO_MEMORY;
	}
	return VM_OK;
}

/*
 * Cut the VMA around va into [start, va) and [va, end), the back half in
 * the node spare.  The front is shortened before the back is inserted:
 * the insertion path runs through the front's node (no key lies between
 * them), so its summary and its ancestors' are recomputed on the way up.
 */
static void cut(struct card1_space *s, vaddr_t va, struct card1_vma *spare)
{
	struct card1_vma *v;

	if (!spare)
		return;
	v = card1_tree_find(s, va);
	*spare = *v;
	spare->start = va;
	spare->flags &= (uint8_t)~CARD1_VMA_START;
	if (v->kind == PTE_KIND_IMAGE)
		spare->first_page += (va - v->start) >> PAGE_SHIFT;
	v->end = va;
	card1_tree_insert(s, spare);
}

/* The new kind and protection of every piece in [va, end). */
static void change_pieces(struct card1_space *s, vaddr_t va, vaddr_t end,
			  bool guard, unsigned prot)
{
	for (vaddr_t cur = va; cur < end;) {
		struct card1_vma *v = card1_tree_find(s, cur);

		if (guard) {
			v->kind = PTE_KIND_GUARD;
			v->prot = 0;
			v->sel = 0;
			v->first_page = 0;
		} else if (v->kind != PTE_KIND_GUARD) {
			v->prot = (uint8_t)prot;
		}
		cur = v->end;
	}
}

/* Rewrites the present leaves of a range with a new protection. */
struct leaf_protect {
	struct vm_walk walk;
	struct card1_space *s;
	unsigned prot;
};

static bool leaf_protect_visit(struct vm_walk *w, const struct vm_span *sp,
			       pte_t e, int level)
{
	struct leaf_protect *p = VM_CONTAINER_OF(w, struct leaf_protect, walk);
	pte_t ne;

	if (level != 0 || !pte_is_present(e))
		return true;
	ne = pte_with_prot(e, p->prot);
	if (ne != e) {
		vm_write(&p->s->pt, vm_leaf_slot(&p->s->pt, sp->va), ne);
		vm_tlb_invalidate(&p->s->pt, sp->va);
	}
	return true;
}

static enum vm_status change_range(struct card1_space *s, vaddr_t va,
				   size_t npages, bool guard, unsigned prot)
{
	struct card1_vma *spare[2];
	struct leaf_protect p = {
		.walk = { .space = &s->pt, .visit = leaf_protect_visit },
		.s = s, .prot = prot,
	};
	vaddr_t end;
	enum vm_status st = vm_check_range(&s->pt, va, npages, &end);

	if (st != VM_OK)
		return st;
	if (!card1_in_one_reservation(s, va, end))
		return VM_ERR_NOT_RESERVED;
	st = take_spares(s, va, end, spare);
	if (st != VM_OK)
		return st;
	cut(s, va, spare[0]);
	cut(s, end, spare[1]);
	change_pieces(s, va, end, guard, prot);
	if (guard)
		vm_clear_range(&s->pt, va, end, true);
	else
		vm_walk_range(&p.walk, va, end);
	return VM_OK;
}

enum vm_status card1_protect(struct card1_space *s, vaddr_t va,
			     size_t npages, unsigned prot)
{
	if (vm_check_prot(&s->pt, prot) != VM_OK)
		return VM_ERR_INVALID;
	return change_range(s, va, npages, false, prot);
}

enum vm_status card1_guard(struct card1_space *s, vaddr_t va, size_t npages)
{
	return change_range(s, va, npages, true, 0);
}
