/*
 * card1_reserve.c - making reservations: one VMA each, placed by the same
 * next-fit rule as the rdos core (vm_search), found in the tree's gap
 * summaries instead of the page tables.
 *
 * Nothing is written to the page tables: a reservation costs one node.
 * The node is the only allocation, taken after every check (the
 * reserved-page limit included, as in the rdos core), so an out of memory
 * leaves the space as it was (the cursor included).
 */
#include "mm/card1_internal.h"

/*
 * npages free pages at the lowest address at or after the cursor, else at
 * the lowest address from lo on whose run ends by cursor + npages pages:
 * the two passes of vm_search, so both designs pick the same address.
 */
static enum vm_status search(const struct card1_space *s, size_t npages,
			     vaddr_t *out_va)
{
	const struct vm_space *pt = &s->pt;
	uint64_t len = (uint64_t)npages << PAGE_SHIFT;
	vaddr_t wrap_end;

	if (npages > (pt->hi - pt->lo) >> PAGE_SHIFT)
		return VM_ERR_NO_SPACE;
	wrap_end = pt->hi - pt->cursor > len ? pt->cursor + len : pt->hi;
	if (card1_tree_first_fit(s, pt->cursor, pt->hi, len, out_va) ||
	    (pt->cursor != pt->lo &&
	     card1_tree_first_fit(s, pt->lo, wrap_end, len, out_va)))
		return VM_OK;
	return VM_ERR_NO_SPACE;
}

static bool range_is_free(const struct card1_space *s, vaddr_t va,
			  vaddr_t end)
{
	const struct card1_vma *v = card1_tree_first_after(s, va);

	return v == NULL || v->start >= end;
}

/* Where the reservation goes: at va if fixed (it must be free), else
 * where the search finds room.  *end receives its end. */
static enum vm_status place(const struct card1_space *s, bool fixed,
			    vaddr_t *va, size_t npages, vaddr_t *end)
{
	enum vm_status st;

	if (!fixed) {
		st = search(s, npages, va);
		*end = *va + ((uint64_t)npages << PAGE_SHIFT);
		return st;
	}
	st = vm_check_range(&s->pt, *va, npages, end);
	if (st == VM_OK && !range_is_free(s, *va, *end))
		st = VM_ERR_BUSY;
	return st;
}

/* Reserve one VMA of proto's kind (and selector and first page) with
 * protection prot, which is checked whole before it is narrowed. */
static enum vm_status reserve_vma(struct card1_space *s,
				  const struct card1_vma *proto, unsigned prot,
				  bool fixed, vaddr_t va, size_t npages,
				  vaddr_t *out_va)
{
	struct card1_vma *v;
	vaddr_t end;
	enum vm_status st;

	if (vm_check_prot(&s->pt, prot) != VM_OK || npages == 0)
		return VM_ERR_INVALID;
	st = place(s, fixed, &va, npages, &end);
	if (st == VM_OK && !vm_usage_fits_reserve(&s->pt, npages))
		st = VM_ERR_LIMIT;
	if (st != VM_OK)
		return st;
	v = card1_vma_new(s);
	if (!v)
		return VM_ERR_NO_MEMORY;
	*v = *proto;
	v->prot = (uint8_t)prot;
	v->start = va;
	v->end = end;
	v->flags = CARD1_VMA_START;
	card1_tree_insert(s, v);
	s->pt.usage.reserved += npages;
	if (!fixed)
		s->pt.cursor = end < s->pt.hi ? end : s->pt.lo;
	if (out_va)
		*out_va = va;
	return VM_OK;
}

enum vm_status card1_reserve(struct card1_space *s, size_t npages,
			     unsigned prot, vaddr_t *out_va)
{
	const struct card1_vma proto = { .kind = PTE_KIND_RESERVED };

	return reserve_vma(s, &proto, prot, false, 0, npages, out_va);
}

enum vm_status card1_reserve_at(struct card1_space *s, vaddr_t va,
				size_t npages, unsigned prot)
{
	const struct card1_vma proto = { .kind = PTE_KIND_RESERVED };

	return reserve_vma(s, &proto, prot, true, va, npages, NULL);
}

/* An image VMA prototype, or VM_ERR_INVALID for an unknown selector or
 * pages beyond the 40-bit offsets the rdos core can hold. */
static enum vm_status image_proto(struct card1_vma *proto, unsigned sel,
				  uint64_t first_page, size_t npages)
{
	*proto = (struct card1_vma){ .kind = PTE_KIND_IMAGE,
				     .sel = (uint8_t)sel,
				     .first_page = first_page };
	if (!vm_provider_known(sel) ||
	    first_page > PTE_OFFSET_MAX ||
	    npages > PTE_OFFSET_MAX - first_page + 1)
		return VM_ERR_INVALID;
	return VM_OK;
}

enum vm_status card1_reserve_image(struct card1_space *s, size_t npages,
				   unsigned prot, unsigned sel,
				   uint64_t first_page, vaddr_t *out_va)
{
	struct card1_vma proto;
	enum vm_status st = image_proto(&proto, sel, first_page, npages);

	return st != VM_OK ? st
			   : reserve_vma(s, &proto, prot, false, 0, npages,
					 out_va);
}

enum vm_status card1_reserve_image_at(struct card1_space *s, vaddr_t va,
				      size_t npages, unsigned prot,
				      unsigned sel, uint64_t first_page)
{
	struct card1_vma proto;
	enum vm_status st = image_proto(&proto, sel, first_page, npages);

	return st != VM_OK ? st
			   : reserve_vma(s, &proto, prot, true, va, npages,
					 NULL);
}
