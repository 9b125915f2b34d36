/*
 * mm_space.h - one address-space interface over both VM designs, chosen
 * per space when it is created:
 *
 *   MM_DESIGN_RDOS   bookkeeping in the page tables (vm.h)
 *   MM_DESIGN_CARD1  a range tree of VMAs, tables only for present pages
 *                    (card1.h)
 *
 * Every call has the contract, status codes and fault results of the vm.h
 * call of the same name; the two designs give the same answers and, for
 * the same sequence of calls, the same addresses (both place reservations
 * next fit from a cursor, wrapping once).  The space's design is fixed at
 * creation.
 *
 * Locking: every call takes the space's reader-writer lock (mm_lock.h).
 * Faults and queries are readers; reserves, release, protect, guard, fork
 * (of the parent), destroy, new limits and the invariant check are
 * writers.  Faults of both designs install entries with compare-and-swap,
 * so readers may run together.  The rdos design needs less: the kernel may
 * run a first-touch fault with no lock at all (vm.h says why that is safe
 * beside a reserve); for release, protect, guard, fork and destroy the
 * writer (and the invariant check) sets `draining` and calls
 * env.vm.drain_faults to wait such faults out, and such a fault backs
 * off when it sees `draining` (docs/smp.md).
 */
#ifndef MM_MM_SPACE_H
#define MM_MM_SPACE_H

#include "mm/card1.h"
#include "mm/mm_lock.h"
#include "mm/mm_work.h"
#include "mm/vm.h"

enum mm_design {
	MM_DESIGN_RDOS,
	MM_DESIGN_CARD1,
};

/* What a space needs from the kernel: frames, direct map and TLB for
 * both designs, where VMA nodes come from for MM_DESIGN_CARD1, and the
 * frame-share table fork counts shared frames in. */
struct mm_env {
	struct vm_env vm;
	struct card1_node_alloc nodes; /* unused by MM_DESIGN_RDOS */
	/* one per physical memory, shared by every space (mm/vm_share.h);
	 * NULL: mm_fork is refused */
	struct vm_share *share;
};

struct mm_space {
	enum mm_design design;
	struct mm_lock lock;
	bool draining; /* atomic: a writer waits out lockless faults, or is
			  making a change they must not see (see above) */
	union {
		struct vm_space rdos;   /* MM_DESIGN_RDOS */
		struct card1_space card1; /* MM_DESIGN_CARD1 */
	};
};

/*
 * A user space over [lo, hi) (a subrange of [VM_USER_LO, VM_USER_HI)),
 * with a new PML4 whose kernel half is copied from kernel (zero if NULL).
 * env is copied.  VM_ERR_NO_MEMORY if there is no frame for the PML4.
 */
enum vm_status mm_space_init_user(struct mm_space *s, enum mm_design design,
				  const struct mm_env *env, vaddr_t lo,
				  vaddr_t hi, const struct vm_space *kernel);
void mm_space_destroy(struct mm_space *s);

/*
 * Fork (docs/fork.md): child, uninitialised storage, becomes a space of
 * parent's design over the same range with the same environment, and a
 * copy of parent in which every present frame is shared copy-on-write,
 * read-only ones just shared.  Contract and failures: vm_fork, card1_fork.
 * On VM_ERR_NO_MEMORY or VM_ERR_INVALID child is not created: do not
 * destroy it.  On VM_OK destroy it with mm_space_destroy like any space.
 */
enum vm_status mm_fork(struct mm_space *parent, struct mm_space *child);

/* Where the space counts its work (env.vm.work at creation), or NULL:
 * shared by every space made from that environment and their forks. */
const struct mm_work *mm_space_work(const struct mm_space *s);

/* The physical address of the space's PML4, for CR3. */
paddr_t mm_space_pml4(const struct mm_space *s);

/* Usage and limits of either design (struct vm_usage, struct vm_limits in
 * vm.h): vm_usage and vm_set_limits, and the limits now. */
struct vm_usage mm_usage(const struct mm_space *s);
struct vm_limits mm_limits(const struct mm_space *s);
void mm_set_limits(struct mm_space *s, struct vm_limits limits);

enum vm_status mm_reserve(struct mm_space *s, size_t npages, unsigned prot,
			  vaddr_t *out_va);
enum vm_status mm_reserve_at(struct mm_space *s, vaddr_t va, size_t npages,
			     unsigned prot);
enum vm_status mm_reserve_image(struct mm_space *s, size_t npages,
				unsigned prot, unsigned sel,
				uint64_t first_page, vaddr_t *out_va);
enum vm_status mm_reserve_image_at(struct mm_space *s, vaddr_t va,
				   size_t npages, unsigned prot, unsigned sel,
				   uint64_t first_page);
enum vm_status mm_release(struct mm_space *s, vaddr_t va, size_t npages);
enum vm_status mm_protect(struct mm_space *s, vaddr_t va, size_t npages,
			  unsigned prot);
enum vm_status mm_guard(struct mm_space *s, vaddr_t va, size_t npages);
enum vm_fault_result mm_fault(struct mm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before);
/* mm_fault for a page whose state is VM_STATE_RESERVED (a first touch
 * of an anonymous page), in one reader section: true if it is now
 * present; false (nothing changed) for any other state or any failure,
 * which the caller then takes the ordinary way. */
bool mm_fault_first_touch(struct mm_space *s, vaddr_t va, unsigned pf);
/* The same without the space's lock: only for a caller that keeps the
 * space's changes off by other means (the rdos design's lockless faults,
 * above). */
bool mm_fault_first_touch_unlocked(struct mm_space *s, vaddr_t va, unsigned pf);
enum vm_status mm_query(const struct mm_space *s, vaddr_t va,
			struct vm_state *st);

/* Totals of either design; the vma_* counts are 0 for MM_DESIGN_RDOS. */
struct mm_stats {
	struct vm_stats vm; /* page tables, present pages, reserved pages */
	size_t vma_nodes;
	size_t vma_bytes;
};

/*
 * The design's invariant check (vm_check_invariants or
 * card1_check_invariants): NULL if all hold, else the first broken one,
 * its address in stats->vm.bad_va.  Walks everything; stats may be NULL.
 */
const char *mm_check_invariants(const struct mm_space *s,
				struct mm_stats *stats);

#endif
