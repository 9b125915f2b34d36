/*
 * vm.h - virtual address spaces whose bookkeeping lives in the page tables.
 *
 * There is no separate region list: every page's state (free, reserved with
 * its future protection, image page of a provider, guard, present) is its
 * page-table entry, encoded as in mm/pte.h.  A reservation of a whole
 * 2 MiB / 1 GiB / 512 GiB range is one upper-level entry, and present table
 * pointers carry a summary of the free runs below them (vm_summary.c), so
 * searches enter only tables that may hold the hole, and a terabyte
 * reservation costs a few page-table pages.  Design and the RDOS
 * weaknesses this answers: docs/virtual-memory.md.
 *
 * Address-space map (x86-64, 48-bit):
 *
 *   0x0000000000000000  page 0: never managed (null pointers fault)
 *   0x0000000000001000  VM_USER_LO   \  a user space per process: PML4
 *                                     |  entries 0..255, its own tables
 *   0x00007FFFFFFFF000  VM_USER_HI   /  one page below the hole, so no
 *                                        access runs into non-canonical
 *                                        addresses (the SYSRET erratum)
 *   0x0000800000000000  ...canonical hole...
 *   0xFFFF800000000000  kernel half: PML4 entries 256..511 are made once
 *                       and copied into every user PML4, so the tables
 *                       below them are shared by all address spaces
 *   0xFFFFC00000000000  VM_KERNEL_LO \  kernel space (heap, vmalloc):
 *   0xFFFFC08000000000  VM_KERNEL_HI /  one PML4 entry, 512 GiB
 *
 * Locking: struct vm_space has no lock of its own (mm_space.h has one).
 * vm_reserve*, vm_release, vm_protect, vm_guard, vm_fork and
 * vm_space_destroy are serialised on one space by the caller.  vm_fault()
 * may run on several CPUs at once for one space, and beside a reserve: it
 * changes entries only with single 64-bit compare-and-swap, so two faults
 * on one page race safely and the loser frees its frame, and a reserve
 * writes only entries that were free, which no fault changes.  Faults
 * never free page tables.  Release, protect, guard, fork and destroy free
 * tables or rewrite entries by read-modify-write: no fault may run
 * meanwhile.
 *
 * Errors are return values; nothing here panics on a caller's mistake or on
 * out-of-memory, and a failed call changes no page's state.  ASSERT guards
 * invariants only.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include "mm/addr.h"
#include "mm/pte.h"

struct mm_work;

#define VM_USER_LO ((vaddr_t)0x1000)
#define VM_USER_HI ((vaddr_t)0x00007FFFFFFFF000)
#define VM_KERNEL_LO ((vaddr_t)0xFFFFC00000000000)
#define VM_KERNEL_HI ((vaddr_t)0xFFFFC08000000000)

/*
 * What the portable code needs from its surroundings.  In the kernel:
 * phys_to_virt is the direct map, frame_alloc/frame_free the pmm,
 * tlb_invalidate is invlpg on this CPU plus a shootdown owed to the CPUs
 * that have the space loaded (src/kernel/tlb.c).
 */
struct vm_space;

struct vm_env {
	/* page-table and frame memory: where the frame at pa is mapped */
	void *(*phys_to_virt)(void *ctx, paddr_t pa);
	/* Nonzero: every frame at pa is at direct_map + pa, and the core
	 * translates without calling phys_to_virt (the kernel's direct map;
	 * the host benchmarks' simulated memory).  0 (the host tests): each
	 * translation calls phys_to_virt, which checks the frame is in use. */
	uintptr_t direct_map;
	/* 0 on success; nonzero is out of memory.  The frame is not zeroed. */
	int (*frame_alloc)(void *ctx, paddr_t *out);
	void (*frame_free)(void *ctx, paddr_t pa);
	/* drop every cached translation of va, and cached upper-level entries,
	 * in the space whose PML4 is pml4 (so that only the CPUs that have it
	 * loaded need to hear of it) */
	void (*tlb_invalidate)(void *ctx, paddr_t pml4, vaddr_t va);
	/* The table that translated base (under pml4) was unlinked and is freed
	 * next: no translation went with it (it was empty), only cached
	 * upper-level entries may still lead to it, so the kernel may put off
	 * telling the other CPUs as long as the frame is not reused.  NULL:
	 * tlb_invalidate. */
	void (*table_unlinked)(void *ctx, paddr_t pml4, vaddr_t base);
	void *ctx;
	/* where the core counts its work (mm/mm_work.h); NULL: nowhere */
	struct mm_work *work;
	/* Called by mm_space.c, holding the space's lock as writer, before a
	 * change that frees tables or rewrites entries of s: returns once no
	 * fault the kernel runs without that lock is still on s (docs/smp.md).
	 * NULL: there are no such faults. */
	void (*drain_faults)(void *ctx, const struct vm_space *s);
	/* drop every cached translation of the space whose PML4 is pml4 (fork
	 * takes write permission from whole tables at once).  NULL: fork
	 * shares no page tables, it copies them. */
	void (*tlb_flush_space)(void *ctx, paddr_t pml4);
	/* One turn of any wait loop of the core (mm/mm_lock.h); NULL: pause. */
	void (*relax)(void *ctx);
};

enum vm_status {
	VM_OK = 0,
	VM_ERR_INVALID,      /* misaligned, zero size, outside the range, bad prot
			        or selector */
	VM_ERR_NO_MEMORY,    /* no frame for a page table */
	VM_ERR_NO_SPACE,     /* no run of that many free pages in the range */
	VM_ERR_BUSY,         /* reserve_at: a page in the range is not free */
	VM_ERR_NOT_START,    /* release: not the first page of a reservation */
	VM_ERR_WRONG_SIZE,   /* release: size is not the reservation's size */
	VM_ERR_NOT_RESERVED, /* protect/guard: a free page or another
			        reservation in the range */
	VM_ERR_LIMIT,        /* reserve: over the space's reserved-page limit;
			        fork: the child would start over its limits */
};

const char *vm_status_name(enum vm_status st);

/*
 * Flags of a space, for measuring what the design buys (tests/bench):
 * together they behave like RDOS's page-level first-fit scan.  Summaries
 * are kept exact whatever the flags; the flags only stop the search from
 * using them.
 */
#define VM_SPACE_NO_UPPER 1u   /* reservations only in leaf entries */
#define VM_SPACE_NO_SUMMARY 2u /* the search ignores the summaries */
#define VM_SPACE_FIRST_FIT 4u  /* every search starts at lo (no cursor) */
#define VM_SPACE_FULL_ONLY 8u  /* the search skips only FULL tables (the
				  one-bit summary), not short runs */
/* The tables keep no summaries at all: Card 1's page tables, whose free
 * space its VMA tree knows; its faults link tables without one. */
#define VM_SPACE_UNSUMMARISED 16u
/* Fork copies every page table below the PML4 (as Card 1 and Linux do)
 * instead of sharing them copy-on-write (docs/fork.md): the ablation. */
#define VM_SPACE_COPY_TABLES 32u
/* Tables that cross the range's ends keep 0, not the bound marker
 * (pte_make_outside), in their entries outside it, so the summaries count
 * those pages as free: the ablation.  Like the others, given at creation
 * (it decides what the tables hold, not only what the search reads). */
#define VM_SPACE_NO_BOUNDS 64u
/* A partial 2 MiB / 1 GiB / 512 GiB block gets a table at once, as
 * before compact entries (pte.h, mm/vm_compact.c): the ablation. */
#define VM_SPACE_NO_COMPACT 128u
#define VM_SPACE_RDOS_LIKE                                                    \
	(VM_SPACE_NO_UPPER | VM_SPACE_NO_SUMMARY | VM_SPACE_FIRST_FIT |       \
	 VM_SPACE_NO_COMPACT)

struct vm_share;

/*
 * The descriptors of a space's compact entries (mm/vm_compact_pool.c):
 * frames of 32 slots of 128 bytes, the first VM_COMPACT_INLINE_FRAMES
 * named here, the others by a directory frame; a descriptor of size class
 * c takes 2^c slots (a buddy allocator).  Lists are slot index + 1, 0
 * ending them: the free blocks of each class, and `retired`, the
 * descriptors faults replaced, reused only at the next vm_compact_reclaim
 * (no fault can still be reading them).
 */
#define VM_COMPACT_CLASSES 6       /* descriptor sizes, 128 B to 4 KiB */
#define VM_COMPACT_INLINE_FRAMES 8 /* pool frames a small space names */

struct vm_compact_pool {
	paddr_t frame[VM_COMPACT_INLINE_FRAMES]; /* 0: none, or given back */
	paddr_t dir;        /* frame of the addresses of frames 8-519; 0: none */
	uint32_t frames;    /* pool frame numbers in use */
	uint32_t held;      /* frames held */
	uint32_t live;      /* descriptors in use */
	uint32_t free[VM_COMPACT_CLASSES]; /* per size class */
	uint32_t retired;
	uint32_t lock;      /* faults allocate concurrently */
};

/*
 * The pages a space uses, kept by every call as it changes them: reserved
 * counts the non-free pages (reserved, image, guard and present, as
 * vm_stats.used_pages), present the present leaves (as
 * vm_stats.present_pages; a frame fork shares counts in every space that
 * maps it).  vm_check_invariants compares both with what its walk counts.
 */
struct vm_usage {
	uint64_t reserved;
	uint64_t present;
};

/*
 * What a space may use, in pages (VM_LIMIT_NONE: no limit; a new space has
 * none).  A reservation that would take usage.reserved past max_reserved
 * fails with VM_ERR_LIMIT, a fault that would make one more page present
 * past max_present is VM_FAULT_LIMIT; either changes nothing.  A
 * copy-on-write copy is not checked: its page is present, so already
 * counted (fork counts it in the child too).  A limit may be set below the
 * usage: nothing held is taken away, nothing new is granted until the
 * usage falls below it.
 */
#define VM_LIMIT_NONE UINT64_MAX
struct vm_limits {
	uint64_t max_reserved;
	uint64_t max_present;
};

/*
 * An address space: the pages [lo, hi) under one PML4.  Entries outside the
 * range are never written but for the bound markers: a table below the
 * PML4 that crosses lo or hi gets, when it is made, the marker
 * (pte_make_outside) in every entry wholly outside [lo, hi), unless the
 * space is VM_SPACE_UNSUMMARISED or VM_SPACE_NO_BOUNDS; a compact entry
 * whose block crosses them holds those pages as bound runs instead
 * (mm/vm_compact.c).  Invariants
 * (checked by vm_check_invariants): every table below the range holds at
 * least one non-free entry inside the range, except the kernel-half tables
 * named by PML4 entries, which are shared and kept; a table pointer's
 * summary is the one its entries give (mm/vm_summary.c; 0, FULL, exactly
 * when no entry below it is free); an upper-level reservation entry lies
 * wholly inside [lo, hi) and never in a kernel-half PML4 entry; every run
 * of non-free pages begins with START; a present leaf with PTE_COW is
 * PTE_COUNTED and not writable; usage counts exactly the non-free pages
 * and the present leaves.
 */
struct vm_space {
	paddr_t pml4;
	vaddr_t lo, hi;
	vaddr_t cursor;  /* next-fit: where the next search starts */
	unsigned flags;  /* VM_SPACE_* */
	bool owns_pml4;  /* user spaces free their PML4 on destroy */
	/* a fork shared tables of this space (as parent or child): until then
	 * no table pointer is shared and writers skip the ownership checks */
	bool shares_tables;
	struct vm_env env;
	/* the frame-share table of this physical memory (mm/vm_share.h);
	 * NULL: the space cannot fork (set by mm_space_init_user) */
	struct vm_share *share;
	/* usage.present changes in faults: atomic accesses only */
	struct vm_usage usage;
	struct vm_limits limits;
	struct vm_compact_pool compact;
};

/*
 * A user space over [lo, hi), a subrange of [VM_USER_LO, VM_USER_HI), with
 * a new PML4 whose kernel half is copied from kernel's (zero if kernel is
 * NULL, as in host tests).  VM_ERR_NO_MEMORY if no frame for the PML4.
 */
enum vm_status vm_space_init_user(struct vm_space *s, const struct vm_env *env,
				  vaddr_t lo, vaddr_t hi,
				  const struct vm_space *kernel, unsigned flags);

/*
 * A kernel space over [lo, hi) in the kernel half of the existing PML4 at
 * pml4 (not owned); lo and hi are 512 GiB-aligned, so that no table below
 * is shared with unmanaged mappings.  Makes the PML4 entries present, so
 * that user PML4s copied afterwards share everything below them.  On
 * VM_ERR_NO_MEMORY the tables made so far stay (empty, valid); calling
 * again reuses them.
 */
enum vm_status vm_space_init_kernel(struct vm_space *s,
				    const struct vm_env *env, paddr_t pml4,
				    vaddr_t lo, vaddr_t hi);

/*
 * Releases every page and frame in the range and every table below it
 * (except the shared kernel-half ones), then the PML4 if owned.  The space
 * must not be active on any CPU: its pages are not invalidated.
 */
void vm_space_destroy(struct vm_space *s);

/* The space's usage now; safe while faults run (see struct vm_usage). */
struct vm_usage vm_usage(const struct vm_space *s);

/* Replace the space's limits (struct vm_limits), under the writer side of
 * its lock; the usage may already be over them. */
void vm_set_limits(struct vm_space *s, struct vm_limits limits);

/*
 * Reserve npages contiguous free pages with protection prot (VM_PROT_*),
 * next fit from the space's cursor, wrapping once.  The first page gets
 * the START mark.  No frame is taken: each page is filled on first touch.
 * VM_ERR_NO_SPACE if no run is free; the search itself never allocates.
 * VM_ERR_LIMIT if npages more would pass limits.max_reserved; it is
 * checked after the place is found, before anything is written.
 */
enum vm_status vm_reserve(struct vm_space *s, size_t npages, unsigned prot,
			  vaddr_t *out_va);

/* The same at va; VM_ERR_BUSY, changing nothing, unless every page is free. */
enum vm_status vm_reserve_at(struct vm_space *s, vaddr_t va, size_t npages,
			     unsigned prot);

/*
 * Reservations whose page i is page first_page + i of the provider
 * registered under sel (see vm_provider_register), filled on first touch.
 */
enum vm_status vm_reserve_image(struct vm_space *s, size_t npages,
				unsigned prot, unsigned sel,
				uint64_t first_page, vaddr_t *out_va);
enum vm_status vm_reserve_image_at(struct vm_space *s, vaddr_t va,
				   size_t npages, unsigned prot, unsigned sel,
				   uint64_t first_page);

/*
 * Release exactly one whole reservation: va must carry START, the npages
 * must all belong to it and the page after must not.  Otherwise
 * VM_ERR_NOT_START / VM_ERR_WRONG_SIZE and nothing changes.  Frames are
 * returned, present pages invalidated, emptied page tables freed.  After a
 * fork shared the space's tables, the tables the range's two ends cut are
 * first copied (vm_table_own): VM_ERR_NO_MEMORY if that fails, and no
 * page's state changes.
 */
enum vm_status vm_release(struct vm_space *s, vaddr_t va, size_t npages);

/*
 * Set the protection of [va, va + npages), which must lie inside one
 * reservation (any page of it, not only the first).  Reserved, image and
 * present pages take prot; guard pages stay guards.  May split an
 * upper-level entry, so VM_ERR_NO_MEMORY is possible (nothing changed).
 */
enum vm_status vm_protect(struct vm_space *s, vaddr_t va, size_t npages,
			  unsigned prot);

/* Turn [va, va + npages) inside one reservation into guard pages; a
 * present page's frame is freed.  Errors as vm_protect. */
enum vm_status vm_guard(struct vm_space *s, vaddr_t va, size_t npages);

/*
 * A page provider fills the frame at dest (a writable kernel mapping of
 * PAGE_SIZE bytes) with its page number page.  Returns 0 on success; any
 * other value makes the fault VM_FAULT_PROVIDER.  Selectors are 1..255 and
 * global to the kernel; register before reserving image pages with sel.
 * Registering a selector in use is VM_ERR_BUSY: unregister it first.
 */
typedef int (*vm_provider_fn)(void *ctx, uint64_t page, void *dest);

enum vm_status vm_provider_register(unsigned sel, vm_provider_fn fn,
				    void *ctx);
void vm_provider_unregister(unsigned sel);

/* x86 page-fault error code bits that vm_fault() reads. */
#define VM_PF_PRESENT 0x01u /* the page was present: protection fault */
#define VM_PF_WRITE 0x02u
#define VM_PF_USER 0x04u
#define VM_PF_INSTR 0x10u

enum vm_fault_result {
	VM_FAULT_HANDLED = 0, /* the page is now mapped: re-execute */
	VM_FAULT_OUTSIDE,     /* address outside the space's range */
	VM_FAULT_FREE,        /* nothing reserved there */
	VM_FAULT_GUARD,       /* a guard page */
	VM_FAULT_PROTECTION,  /* write to read-only, exec on NX, user on kernel */
	VM_FAULT_NO_MEMORY,   /* no frame or page table: nothing changed */
	VM_FAULT_PROVIDER,    /* image page: provider missing or failed */
	VM_FAULT_LIMIT,       /* a new present page would pass max_present */
};

const char *vm_fault_result_name(enum vm_fault_result r);

/* The state of one page, decoded from its entry (see vm_query). */
enum vm_state_kind {
	VM_STATE_FREE,
	VM_STATE_RESERVED,
	VM_STATE_IMAGE,
	VM_STATE_GUARD,
	VM_STATE_PRESENT,
};

struct vm_state {
	enum vm_state_kind kind;
	unsigned prot;     /* VM_PROT_*; 0 for free and guard */
	bool start;        /* first page of a reservation */
	bool cow, shared;  /* present only */
	bool table_shared; /* reached through a table fork shares: the MMU
			      lets no write through (docs/fork.md) */
	int level;         /* 0: own entry; 1..3: covered by one entry of a
			      2 MiB / 1 GiB / 512 GiB range */
	paddr_t frame;     /* present only */
	unsigned selector; /* image only */
	uint64_t page;     /* image only: page within the provider */
	pte_t entry;       /* the raw entry (START as for this page) */
};

/*
 * What the page-fault handler does for a fault at va with error code pf,
 * decided from the page's entry alone.  If before is not NULL it receives
 * the page's state as the handler found it (for the one-line report).
 * A write to a copy-on-write page is resolved here (docs/fork.md): the
 * frame's last mapping becomes writable in place, a frame still shared is
 * copied; VM_FAULT_NO_MEMORY if no frame for the copy (nothing changed).
 * A page that needs a frame is first counted against limits.max_present:
 * VM_FAULT_LIMIT, nothing changed, if the space has no room.  Under
 * concurrent faults the count is taken before the frame is installed, so
 * a fault racing another on the same page, one page below the limit, may
 * get VM_FAULT_LIMIT while the other installs it.
 */
enum vm_fault_result vm_fault(struct vm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before);

/*
 * The descriptors that faults retired (a fault that expands a compact
 * entry cannot free its descriptor: another fault may be reading it)
 * become free again.  Called by writers, and by a fault that holds the
 * space's lock as its only reader (mm_fault).
 */
void vm_compact_reclaim(struct vm_space *s);

/*
 * The kernel's lockless first touch: true if the page at va was a
 * demand-zero (reserved) page that the access pf may touch and this call
 * or another CPU made it present; false, changing nothing, for any other
 * page or result (the caller then takes the locked path).  One walk, as
 * vm_fault.
 */
bool vm_fault_first_touch(struct vm_space *s, vaddr_t va, unsigned pf);

/* The state of the page at va; VM_ERR_INVALID if outside the range. */
enum vm_status vm_query(const struct vm_space *s, vaddr_t va,
			struct vm_state *st);

/*
 * One line for a report, e.g. "reserved r-- user start",
 * "present rwx kernel frame=0x1234000", "guard", "free", with " [2M]" when
 * the state covers a whole upper-level entry.  Writes at most len bytes
 * including the terminating NUL; returns the length it needed.
 */
size_t vm_state_format(const struct vm_state *st, char *buf, size_t len);

/* Totals over the managed range, from vm_check_invariants(). */
struct vm_stats {
	size_t table_pages;   /* tables below the range, plus an owned PML4 */
	size_t shared_table_pages; /* of them, reached through a table pointer
				      fork shares (also other spaces') */
	size_t present_pages; /* leaves */
	size_t owned_frames;  /* leaves without PTE_SHARED; a frame fork shared
				 counts once per leaf (see vm_share_stats) */
	uint64_t used_pages;  /* non-free pages (upper entries count whole) */
	size_t compact_entries;  /* compact entries (pte.h) */
	size_t descriptor_pages; /* the frames holding their descriptors */
	vaddr_t bad_va;       /* where the first violation was seen */
};

/*
 * Fork: child, uninitialised storage, becomes a user space over the range
 * of parent, a user space with a frame-share table, and a copy of it:
 * same flags, cursor, environment and table.  The page tables below the
 * PML4 are shared copy-on-write (vm_table_share.c, docs/fork.md): each
 * space takes its own copy at its first write below; the copy shares
 * present leaves (PTE_COUNTED, counted in the table; writable ones become
 * copy-on-write).  With VM_SPACE_COPY_TABLES, or without
 * env.tlb_flush_space, the tables are copied at once instead, leaves
 * shared as by that copy, writable ones invalidated in parent.
 * Reservation entries at every level, image and guard pages are copied as
 * they are; frames are not.  Parent must not run meanwhile (the writer
 * side of its lock: no fault on it).
 * The child inherits parent's limits and starts with its usage.
 * VM_ERR_INVALID if parent has no share table or is not a user space;
 * VM_ERR_LIMIT, changing nothing, if parent's usage is over its limits
 * (the child would start over them).
 * VM_ERR_NO_MEMORY (a table frame or share-table storage): child is not
 * created (nothing to destroy), every count is as before, and parent is
 * consistent and unchanged but for pages left copy-on-write, whose next
 * write makes them writable in place without a copy.
 */
enum vm_status vm_fork(struct vm_space *parent, struct vm_space *child);

/*
 * Recompute every invariant of the space (see struct vm_space): NULL if
 * they all hold, otherwise a description of the first broken one, with its
 * address in stats->bad_va.  stats may be NULL.  Walks every table.
 */
const char *vm_check_invariants(const struct vm_space *s,
				struct vm_stats *stats);

#endif
