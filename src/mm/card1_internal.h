/*
 * card1_internal.h - what the card1_*.c files share: the VMA tree of
 * card1_tree.c and the reservation helpers of card1_space.c.  Not for
 * other code; the page-table side is the page-table layer (pt.h) that the
 * rdos core sits on too, none of the rdos core's internals.
 */
#ifndef MM_CARD1_INTERNAL_H
#define MM_CARD1_INTERNAL_H

#include "mm/card1.h"
#include "mm/pt.h"

/* --- card1_tree.c ------------------------------------------------------- */

/* Link v (start, end and payload set; no overlap with any VMA). */
void card1_tree_insert(struct card1_space *s, struct card1_vma *v);

/* Unlink v, which is in the tree; the node is not freed. */
void card1_tree_remove(struct card1_space *s, struct card1_vma *v);

/* The VMA with the lowest end above va (it contains va or lies after
 * it); NULL if none.  O(log n). */
struct card1_vma *card1_tree_first_after(const struct card1_space *s,
					 vaddr_t va);

/* The VMA containing va, or NULL. */
struct card1_vma *card1_tree_find(const struct card1_space *s, vaddr_t va);

/*
 * The lowest address a >= from such that [a, a + len) is free and
 * a + len <= limit, within [lo, hi) of the space.  O(log n) from the
 * subtrees' max_gap summaries.
 */
bool card1_tree_first_fit(const struct card1_space *s, vaddr_t from,
			  vaddr_t limit, uint64_t len, vaddr_t *out);

/* Free every node; the tree is empty afterwards. */
void card1_tree_free_all(struct card1_space *s);

/* --- card1_space.c ------------------------------------------------------ */

struct card1_vma *card1_vma_new(struct card1_space *s);
void card1_vma_free(struct card1_space *s, struct card1_vma *v);

/* START as it applies to the page va of v. */
static inline bool card1_vma_starts(const struct card1_vma *v, vaddr_t va)
{
	return (v->flags & CARD1_VMA_START) && va == v->start;
}

/* The entry the rdos core would hold for the not-present page va of v. */
pte_t card1_vma_entry(const struct card1_vma *v, vaddr_t va);

/* True if every page of [va, end) is in a VMA and none but va's page
 * starts a reservation (vm_in_one_reservation of the rdos core). */
bool card1_in_one_reservation(const struct card1_space *s, vaddr_t va,
			      vaddr_t end);

#endif
