/*
 * card1.h - the classic design behind the vm.h interface (Card 1): a
 * per-process range tree of virtual memory areas (VMAs).
 *
 * Reservations, their protection and kind live in a balanced tree of VMAs
 * (an AA tree keyed by start address, each node augmented with the
 * largest free gap in its subtree, so that finding a hole is O(log n)).
 * The page tables hold present pages only and are built when a page is
 * first touched; every non-present entry stays 0.  Status codes, fault
 * results, page states (struct vm_state) and the placement rule (next fit
 * from a cursor, wrapping once) are exactly those of the rdos core in
 * vm.h, so mm_space.h can offer either design behind one interface.
 * Design, complexity and memory per VMA: docs/card1.md.
 *
 * Locking: a card1 space has no lock of its own; the caller holds a
 * reader-writer lock per space, as vm.h asks of the rdos core.
 * card1_fault (and card1_query) may run on several CPUs at once for one
 * space, as readers: they only read the VMA tree, and a fault changes
 * the page tables only by compare-and-swap (it links missing tables and
 * installs the leaf; the loser of a race frees its frame and reports
 * VM_FAULT_HANDLED), and counts usage.present atomically.  Every other
 * call (reserve*, release, protect, guard, fork, destroy and
 * card1_check_invariants) is a writer: it changes the tree or frees
 * tables, so it excludes faults and other calls on the space.  A fork's
 * parent is written too (its leaves become copy-on-write).
 *
 * Errors are return values; a failed call changes no page's state and no
 * VMA, including when a VMA node or a page-table frame cannot be had.  A
 * failed fault changes nothing at all: it takes every frame it needs
 * before it links any table, so it leaves no empty table behind.
 */
#ifndef MM_CARD1_H
#define MM_CARD1_H

#include "mm/vm.h"

/* Where VMA nodes come from: kmalloc in the kernel, malloc on the host. */
struct card1_node_alloc {
	void *(*alloc)(void *ctx, size_t size); /* NULL: out of memory */
	void (*free)(void *ctx, void *node);
	void *ctx;
};

/* A VMA's flags. */
#define CARD1_VMA_START 1u /* its first page is a reservation's first page */

/*
 * One VMA: the pages [start, end) of one reservation, all of one kind
 * (enum pte_kind: RESERVED is anonymous demand-zero, IMAGE is page
 * first_page + i of provider sel, GUARD always faults) and protection.
 * A reservation is one VMA until protect or guard cut it into pieces; the
 * pieces stay adjacent and only the first carries CARD1_VMA_START, which
 * is how release finds the reservation's real extent.
 *
 * Tree invariants (checked by card1_check_invariants): in-order, starts
 * increase and no two VMAs overlap; AA levels (a leaf has level 1; a left
 * child is one level below its parent; a right child is at its parent's
 * level or one below, its own right child strictly below the grandparent;
 * a node above level 1 has two children); sub_lo, sub_hi and max_gap
 * summarise exactly the VMAs of the node's subtree.
 */
struct card1_vma {
	struct card1_vma *left, *right;
	vaddr_t start, end;  /* page-aligned, start < end */
	vaddr_t sub_lo;      /* start of the subtree's first VMA */
	vaddr_t sub_hi;      /* end of the subtree's last VMA */
	uint64_t max_gap;    /* bytes: largest hole between two VMAs of the
				subtree (0 if it has one VMA) */
	uint64_t first_page; /* IMAGE: provider page of start, else 0 */
	uint8_t level;       /* AA level, 1 at the bottom */
	uint8_t kind;        /* enum pte_kind */
	uint8_t prot;        /* VM_PROT_*; 0 for GUARD */
	uint8_t sel;         /* IMAGE: provider selector, else 0 */
	uint8_t flags;       /* CARD1_VMA_* */
};

/*
 * An address space of the classic design.  pt holds the PML4, the managed
 * range [pt.lo, pt.hi), the next-fit cursor and the environment; its
 * tables contain present leaves and table pointers only (no reservation
 * entries), no table below the PML4 is empty, and a present leaf lies
 * inside a non-guard VMA whose protection it has.  The tables' FULL bits
 * are not maintained: nothing here reads them.
 */
struct card1_space {
	struct vm_space pt;
	struct card1_vma *root;
	size_t nodes; /* VMAs in the tree */
	struct card1_node_alloc alloc;
};

/*
 * A user space over [lo, hi) (as vm_space_init_user, without flags): a
 * new PML4 with the kernel half copied from kernel (zero if NULL).
 * VM_ERR_NO_MEMORY if there is no frame for the PML4.
 */
enum vm_status card1_space_init_user(struct card1_space *s,
				     const struct vm_env *env,
				     const struct card1_node_alloc *alloc,
				     vaddr_t lo, vaddr_t hi,
				     const struct vm_space *kernel);

/* Frees every VMA, frame and page table, then the PML4.  The space must
 * not be active on any CPU: nothing is invalidated. */
void card1_space_destroy(struct card1_space *s);

/* The calls of vm.h, with the same contracts and status codes. */
enum vm_status card1_reserve(struct card1_space *s, size_t npages,
			     unsigned prot, vaddr_t *out_va);
enum vm_status card1_reserve_at(struct card1_space *s, vaddr_t va,
				size_t npages, unsigned prot);
enum vm_status card1_reserve_image(struct card1_space *s, size_t npages,
				   unsigned prot, unsigned sel,
				   uint64_t first_page, vaddr_t *out_va);
enum vm_status card1_reserve_image_at(struct card1_space *s, vaddr_t va,
				      size_t npages, unsigned prot,
				      unsigned sel, uint64_t first_page);
enum vm_status card1_release(struct card1_space *s, vaddr_t va,
			     size_t npages);
enum vm_status card1_protect(struct card1_space *s, vaddr_t va,
			     size_t npages, unsigned prot);
enum vm_status card1_guard(struct card1_space *s, vaddr_t va, size_t npages);
enum vm_fault_result card1_fault(struct card1_space *s, vaddr_t va,
				 unsigned pf, struct vm_state *before);

/* vm_fault_first_touch for the classic design: one lookup and one walk. */
bool card1_fault_first_touch(struct card1_space *s, vaddr_t va, unsigned pf);

/*
 * vm_fork for the classic design: child (uninitialised storage) gets a
 * clone of parent's VMA tree, nodes from parent's node allocator, and a
 * copy of its tables with every present frame shared as vm_fork shares
 * it.  Status codes and the state after a failure are vm_fork's; out of
 * nodes fails before anything in parent changes.
 */
enum vm_status card1_fork(struct card1_space *parent,
			  struct card1_space *child);

/*
 * The page's state as vm_query gives it; a page that is not present is
 * described by the entry the rdos core would hold for it.  level > 0
 * keeps vm_query's promise: every page of the aligned 2 MiB / 1 GiB /
 * 512 GiB block around va is in this state (START aside), so a walk may
 * skip the block.
 */
enum vm_status card1_query(const struct card1_space *s, vaddr_t va,
			   struct vm_state *st);

/* Totals of a space, from card1_check_invariants(). */
struct card1_stats {
	struct vm_stats vm;    /* tables, present pages, reserved pages */
	size_t vma_nodes;
	size_t vma_bytes;      /* vma_nodes * sizeof(struct card1_vma) */
	unsigned tree_height;  /* nodes on the longest root-to-leaf path */
};

/*
 * Recompute every invariant of the tree (struct card1_vma) and of the
 * tables (struct card1_space): NULL if they hold, otherwise the first
 * broken one, with its address in stats->vm.bad_va.  stats may be NULL.
 * Visits every VMA and every table; a writer (no fault may run: a table
 * a fault has just linked is empty until its leaf is installed).
 */
const char *card1_check_invariants(const struct card1_space *s,
				   struct card1_stats *stats);

#endif
