/*
 * pte.h - the one definition of our x86-64 page-table entry encoding.
 *
 * Every entry, at every level (PML4E, PDPTE, PDE, PTE), is in one of these
 * forms; docs/pte-encoding.md has the same table with every bit:
 *
 *   free          whole entry 0: nothing reserved in the range it covers
 *   non-present   P=0, USED=1: a reservation the hardware must fault on;
 *                 KIND says what the fault handler does
 *                   RESERVED  demand-zero page(s) with the protection PROT
 *                   IMAGE     page OFFSET of the page provider SELECTOR
 *                             (leaf level only: the offset is per page)
 *                   GUARD     always faults (stack guards)
 *                   OUTSIDE   not part of the space: the bound marker,
 *                             written once in each entry of a table that
 *                             lies wholly outside the space's range, so
 *                             that the summaries count it as not free;
 *                             with PROT all ones and a descriptor index
 *                             in OFFSET, a COMPACT entry instead (above
 *                             the leaf level only): the reservations of
 *                             its range are runs in a descriptor
 *                             (mm/vm_compact.c), no table below
 *                 Above the leaf level a RESERVED or GUARD entry stands for
 *                 every page of its 2 MiB / 1 GiB / 512 GiB range.
 *   leaf          P=1 at level 0: a mapped frame, protection in RW/US/NOEXEC
 *                 (and NX, where the CPU has it)
 *   table         P=1, PS=0 above level 0: points to the next table; its
 *                 SUMMARY (bits 52-62 and 9-11, ignored by the hardware
 *                 in a table pointer) describes the free runs below
 *
 * START (bit 9, in non-present and leaf form) marks the first page of a
 * reservation; in an upper-level non-present entry it marks the entry's
 * first page.  It is how a release of the wrong address or size is refused.
 *
 * Invariants: a free entry is exactly 0; non-present entries leave bits 5-8
 * (Accessed, Dirty, PS, Global) and 60-63 zero: the hardware may set A/D
 * even in a non-present entry, and PS must stay 0 so that no upper-level
 * entry ever looks like a large page (the Linux pgtable_64.h convention).
 * We never create present large pages (PS=1); the direct map's belong to the
 * kernel and lie outside every managed range.
 *
 * The helpers below are the only code that knows the bit positions; the
 * rest of mm/ goes through them.  Never C bitfields: their layout is not
 * defined by the C standard.
 */
#ifndef MM_PTE_H
#define MM_PTE_H

#include "mm/addr.h"

typedef uint64_t pte_t;

#define PTE_BIT(n) ((pte_t)1 << (n))
#define PTE_FIELD(lo, width) ((((pte_t)1 << (width)) - 1) << (lo))

/* Hardware bits (Intel SDM vol. 3, 4.5). */
#define PTE_P PTE_BIT(0)   /* present */
#define PTE_RW PTE_BIT(1)  /* writable */
#define PTE_US PTE_BIT(2)  /* user-accessible */
#define PTE_PWT PTE_BIT(3)
#define PTE_PCD PTE_BIT(4)
#define PTE_A PTE_BIT(5)   /* accessed: set by hardware */
#define PTE_D PTE_BIT(6)   /* dirty: set by hardware */
#define PTE_PS PTE_BIT(7)  /* large page in PDPTE/PDE (PAT in a PTE) */
#define PTE_G PTE_BIT(8)
#define PTE_NX PTE_BIT(63) /* no execute; needs EFER.NXE */
#define PTE_ADDR_MASK PTE_FIELD(12, 40)
/* Protection keys (CR4.PKE) would use 59-62 of a leaf: we leave them 0. */
#define PTE_PKEY_MASK PTE_FIELD(59, 4)

/* Software bits of a present entry (ignored by the hardware). */
#define PTE_START PTE_BIT(9)   /* leaf: first page of a reservation */
#define PTE_COW PTE_BIT(10)    /* leaf: copy on write; RW is 0, see pte_prot() */
#define PTE_SHARED PTE_BIT(11) /* leaf: frame not owned, never freed here */
/*
 * table: the free-space summary of the subtree (mm/vm_summary.c), 14
 * bits: its low 11 in bits 52-62, its top 3 in bits 9-11.  These are the
 * bits the hardware ignores in every table pointer on Intel (SDM vol. 3,
 * 4.5) and AMD (APM vol. 2, 5.3: "AVL" and "Available") alike; bits 6 and
 * 8 are not used (bit 8 is must-be-zero in an AMD PML4E).  0 is FULL: no
 * free page anywhere below.
 */
#define PTE_SUMMARY_LO_SHIFT 52
#define PTE_SUMMARY_LO_MASK PTE_FIELD(52, 11)
#define PTE_SUMMARY_HI_SHIFT 9
#define PTE_SUMMARY_HI_MASK PTE_FIELD(9, 3)
#define PTE_SUMMARY_MASK (PTE_SUMMARY_LO_MASK | PTE_SUMMARY_HI_MASK)
#define PTE_SUMMARY_BITS 14
/* leaf: bits that stay 0 (52 and 55-58 unused, 59-62 protection keys) */
#define PTE_LEAF_ZERO_MASK (PTE_BIT(52) | PTE_FIELD(55, 4) | PTE_PKEY_MASK)
/*
 * leaf: fork shared the frame; its mappings are counted in the space's
 * frame-share table (mm/vm_share.h), which a release must go through.
 * A COW leaf is always COUNTED; a COUNTED leaf without COW is read-only.
 */
#define PTE_COUNTED PTE_BIT(53)
/*
 * leaf: not executable.  This bit is what the kernel means; the hardware's
 * NX bit mirrors it only on a CPU that has NX (pte_hw_nx): without NX, bit
 * 63 is reserved and every entry with it set would fault, and nothing
 * stops execution, but the protection the page was given stays the same.
 */
#define PTE_NOEXEC PTE_BIT(54)

/* PTE_NX, or 0 on a CPU without NX (EFER.NXE clear): set once at boot by
 * the kernel, before any leaf is made; the host build keeps PTE_NX. */
extern pte_t pte_hw_nx;

/* Software fields of a non-present entry (P=0). START is bit 9 here too. */
#define PTE_NP_USED PTE_BIT(1)            /* not free */
#define PTE_NP_PROT_SHIFT 2
#define PTE_NP_PROT_MASK PTE_FIELD(2, 3)  /* VM_PROT_* of the future page */
#define PTE_NP_KIND_SHIFT 10
#define PTE_NP_KIND_MASK PTE_FIELD(10, 2) /* enum pte_kind */
#define PTE_NP_OFFSET_SHIFT 12
#define PTE_NP_OFFSET_MASK PTE_FIELD(12, 40) /* image: page within provider */
#define PTE_NP_SEL_SHIFT 52
#define PTE_NP_SEL_MASK PTE_FIELD(52, 8)     /* image: provider selector */
/* Bits a non-present entry must leave 0. */
#define PTE_NP_ZERO_MASK                                                      \
	(PTE_P | PTE_A | PTE_D | PTE_PS | PTE_G | PTE_FIELD(60, 4))

#define PTE_SEL_MAX ((unsigned)(PTE_NP_SEL_MASK >> PTE_NP_SEL_SHIFT))
#define PTE_OFFSET_MAX (PTE_NP_OFFSET_MASK >> PTE_NP_OFFSET_SHIFT)

/*
 * Protection of a page, reserved or present.  Read is always allowed (x86
 * cannot express write-only or no-access for a mapped page; "no access" is
 * a guard page).  The values are the PROT field of a non-present entry.
 */
#define VM_PROT_READ 0u
#define VM_PROT_WRITE 1u
#define VM_PROT_USER 2u
#define VM_PROT_EXEC 4u
#define VM_PROT_ALL (VM_PROT_WRITE | VM_PROT_USER | VM_PROT_EXEC)

enum pte_kind {
	PTE_KIND_RESERVED = 0, /* demand zero */
	PTE_KIND_IMAGE = 1,    /* filled by a page provider */
	PTE_KIND_GUARD = 2,    /* always faults */
	PTE_KIND_OUTSIDE = 3,  /* the space's bound: see pte_make_outside */
};

#define PTE_DISJOINT(a, b) (((a) & (b)) == 0)
_Static_assert(PTE_DISJOINT(PTE_NP_USED | PTE_NP_PROT_MASK | PTE_START,
			    PTE_NP_KIND_MASK | PTE_NP_OFFSET_MASK |
				    PTE_NP_SEL_MASK | PTE_NP_ZERO_MASK),
	       "non-present fields overlap");
_Static_assert(PTE_DISJOINT(PTE_NP_USED | PTE_NP_PROT_MASK, PTE_START),
	       "non-present USED/PROT overlap START");
_Static_assert(PTE_DISJOINT(PTE_NP_KIND_MASK | PTE_NP_OFFSET_MASK,
			    PTE_NP_SEL_MASK),
	       "non-present KIND/OFFSET overlap SELECTOR");
_Static_assert(PTE_DISJOINT(PTE_NP_KIND_MASK, PTE_NP_OFFSET_MASK),
	       "KIND overlaps OFFSET");
_Static_assert(PTE_NP_USED == PTE_RW && !(PTE_NP_USED & PTE_P),
	       "free must mean bits 0 and 1 both clear");
_Static_assert(PTE_DISJOINT(PTE_START | PTE_COW | PTE_SHARED |
				    PTE_COUNTED | PTE_NOEXEC | PTE_SUMMARY_MASK,
			    PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD |
				    PTE_A | PTE_D | PTE_PS | PTE_G | PTE_NX |
				    PTE_ADDR_MASK),
	       "software bits of present entries overlap hardware bits");
_Static_assert(PTE_DISJOINT(PTE_START | PTE_COW | PTE_SHARED | PTE_COUNTED |
				    PTE_NOEXEC,
			    PTE_LEAF_ZERO_MASK),
	       "leaf software bits overlap the leaf's zero bits");
_Static_assert(PTE_SUMMARY_BITS == 11 + 3, "summary: 11 + 3 bits");
_Static_assert((VM_PROT_ALL << PTE_NP_PROT_SHIFT) == PTE_NP_PROT_MASK,
	       "VM_PROT_* must fill the PROT field exactly");
_Static_assert(PTE_OFFSET_MAX == ((uint64_t)1 << 40) - 1 && PTE_SEL_MAX == 255,
	       "image fields: 40-bit page offset, 8-bit selector");

/* --- classification ------------------------------------------------------ */

static inline bool pte_is_free(pte_t e)
{
	return (e & (PTE_P | PTE_NP_USED)) == 0;
}

static inline bool pte_is_present(pte_t e)
{
	return (e & PTE_P) != 0;
}

/* Non-free and not present: a reservation the hardware faults on. */
static inline bool pte_is_pending(pte_t e)
{
	return !pte_is_present(e) && !pte_is_free(e);
}

static inline enum pte_kind pte_kind(pte_t e)
{
	return (enum pte_kind)((e & PTE_NP_KIND_MASK) >> PTE_NP_KIND_SHIFT);
}

static inline bool pte_is_start(pte_t e)
{
	return !pte_is_free(e) && (e & PTE_START) != 0;
}

static inline paddr_t pte_addr(pte_t e)
{
	return e & PTE_ADDR_MASK;
}

/* The free-space summary of the table pointer e (0: FULL). */
static inline unsigned pte_summary(pte_t e)
{
	return (unsigned)((e & PTE_SUMMARY_LO_MASK) >> PTE_SUMMARY_LO_SHIFT) |
	       (unsigned)((e & PTE_SUMMARY_HI_MASK) >> PTE_SUMMARY_HI_SHIFT)
		       << 11;
}

/* The summary's fields (mm/vm_summary.c): MAX, the class of the longest
 * free run below (0: none, else floor(log2 pages) + 1), in bits 0-4;
 * TAIL, the free entries at the end of the table below, in bits 5-13. */
#define PTE_SUMMARY_MAX_BITS 5
static inline unsigned pte_summary_max(unsigned sum)
{
	return sum & ((1u << PTE_SUMMARY_MAX_BITS) - 1);
}

static inline unsigned pte_summary_tail(unsigned sum)
{
	return sum >> PTE_SUMMARY_MAX_BITS;
}

/* The table pointer e with the summary sum. */
static inline pte_t pte_with_summary(pte_t e, unsigned sum)
{
	return (e & ~PTE_SUMMARY_MASK) |
	       (((pte_t)sum << PTE_SUMMARY_LO_SHIFT) & PTE_SUMMARY_LO_MASK) |
	       (((pte_t)(sum >> 11) << PTE_SUMMARY_HI_SHIFT) &
		PTE_SUMMARY_HI_MASK);
}

static inline unsigned pte_image_selector(pte_t e)
{
	return (unsigned)((e & PTE_NP_SEL_MASK) >> PTE_NP_SEL_SHIFT);
}

static inline uint64_t pte_image_offset(pte_t e)
{
	return (e & PTE_NP_OFFSET_MASK) >> PTE_NP_OFFSET_SHIFT;
}

/*
 * Protection of a non-free entry.  A copy-on-write leaf is logically
 * writable (the write fault copies the frame) although RW is 0.
 */
static inline unsigned pte_prot(pte_t e)
{
	if (!pte_is_present(e))
		return (unsigned)((e & PTE_NP_PROT_MASK) >> PTE_NP_PROT_SHIFT);
	return ((e & (PTE_RW | PTE_COW)) ? VM_PROT_WRITE : 0) |
	       ((e & PTE_US) ? VM_PROT_USER : 0) |
	       ((e & PTE_NOEXEC) ? 0 : VM_PROT_EXEC);
}

/* --- construction ---------------------------------------------------------- */

static inline pte_t pte_make_pending(enum pte_kind kind, unsigned prot,
				     bool start)
{
	return PTE_NP_USED | ((pte_t)(prot & VM_PROT_ALL) << PTE_NP_PROT_SHIFT) |
	       ((pte_t)kind << PTE_NP_KIND_SHIFT) | (start ? PTE_START : 0);
}

/*
 * The bound marker: the one OUTSIDE entry, which a table that crosses the
 * space's lo or hi holds in every entry wholly outside [lo, hi) (vm.h,
 * struct vm_space).  It is never reserved, released, faulted on or
 * searched (all of those stay inside the range); it only keeps the pages
 * beyond the bound out of the free runs the summaries describe.  A
 * compact entry's bound runs (mm/vm_compact.c) have it as their fill.
 */
static inline pte_t pte_make_outside(void)
{
	return pte_make_pending(PTE_KIND_OUTSIDE, 0, false);
}

static inline bool pte_is_outside(pte_t e)
{
	return e == pte_make_outside();
}

/*
 * A compact entry: the reservations inside its 2 MiB / 1 GiB / 512 GiB
 * range are the runs of descriptor `index` of the space's pool
 * (mm/vm_compact.c).  KIND OUTSIDE with PROT all ones, which the bound
 * marker (PROT 0) never has; START is 0 (the runs carry it).
 */
#define PTE_COMPACT_TAG                                                       \
	(PTE_NP_USED | PTE_NP_PROT_MASK |                                     \
	 ((pte_t)PTE_KIND_OUTSIDE << PTE_NP_KIND_SHIFT))
#define PTE_COMPACT_TAG_MASK                                                  \
	(PTE_P | PTE_NP_USED | PTE_NP_PROT_MASK | PTE_NP_KIND_MASK | PTE_START)

static inline pte_t pte_make_compact(unsigned index)
{
	return PTE_COMPACT_TAG | ((pte_t)index << PTE_NP_OFFSET_SHIFT);
}

static inline bool pte_is_compact(pte_t e)
{
	return (e & PTE_COMPACT_TAG_MASK) == PTE_COMPACT_TAG;
}

static inline unsigned pte_compact_index(pte_t e)
{
	return (unsigned)pte_image_offset(e);
}

static inline pte_t pte_make_image(unsigned prot, bool start, unsigned sel,
				   uint64_t offset)
{
	return pte_make_pending(PTE_KIND_IMAGE, prot, start) |
	       ((pte_t)sel << PTE_NP_SEL_SHIFT) |
	       ((offset << PTE_NP_OFFSET_SHIFT) & PTE_NP_OFFSET_MASK);
}

/* Hardware protection bits of a present leaf for prot. */
static inline pte_t pte_leaf_prot_bits(unsigned prot)
{
	return ((prot & VM_PROT_WRITE) ? PTE_RW : 0) |
	       ((prot & VM_PROT_USER) ? PTE_US : 0) |
	       ((prot & VM_PROT_EXEC) ? 0 : PTE_NOEXEC | pte_hw_nx);
}

static inline pte_t pte_make_leaf(paddr_t frame, unsigned prot, bool start)
{
	return PTE_P | (frame & PTE_ADDR_MASK) | pte_leaf_prot_bits(prot) |
	       (start ? PTE_START : 0);
}

/*
 * A pointer to a next-level table.  Upper levels grant everything (RW, and
 * US in the user half); the leaf decides, since x86 combines all levels.
 */
static inline pte_t pte_make_table(paddr_t table, bool user)
{
	return PTE_P | PTE_RW | (user ? PTE_US : 0) | (table & PTE_ADDR_MASK);
}

/*
 * A table pointer that fork shares (the rdos design, docs/fork.md): RW
 * clear, so the hardware lets no write through it and the writer's fault
 * first takes its own copy of the table.  Every other table pointer has RW
 * set.  Only for present entries above the leaves.
 */
static inline bool pte_table_is_shared(pte_t e)
{
	return !(e & PTE_RW);
}

static inline pte_t pte_table_shared(pte_t e)
{
	return e & ~PTE_RW;
}

/* The pointer e, now to the table at pa, the space's own. */
static inline pte_t pte_table_owned(pte_t e, paddr_t pa)
{
	return (e & ~PTE_ADDR_MASK) | PTE_RW | (pa & PTE_ADDR_MASK);
}

/*
 * e with protection prot; START, kind, frame, offset and COUNTED are kept.
 * A COUNTED leaf that is to be writable becomes copy-on-write instead: its
 * frame may be shared, so write permission comes from the fault.
 */
static inline pte_t pte_with_prot(pte_t e, unsigned prot)
{
	if (!pte_is_present(e))
		return (e & ~PTE_NP_PROT_MASK) |
		       ((pte_t)(prot & VM_PROT_ALL) << PTE_NP_PROT_SHIFT);
	bool shared = (e & (PTE_COUNTED | PTE_COW)) != 0;

	e &= ~(PTE_RW | PTE_US | PTE_NX | PTE_NOEXEC | PTE_COW);
	if (shared && (prot & VM_PROT_WRITE))
		return e | PTE_COW | pte_leaf_prot_bits(prot & ~VM_PROT_WRITE);
	return e | pte_leaf_prot_bits(prot);
}

/*
 * Fork's form of the owned leaf e: COUNTED, and copy-on-write instead of
 * writable, so that the first write to the shared frame faults.
 */
static inline pte_t pte_make_counted(pte_t e)
{
	if (e & PTE_RW)
		e = (e & ~PTE_RW) | PTE_COW;
	return e | PTE_COUNTED;
}

/*
 * The copy-on-write leaf e after its write fault: the frame (e's own, or
 * its copy) is this mapping's alone, so the leaf is plain and writable.
 */
static inline pte_t pte_cow_resolved(pte_t e, paddr_t frame)
{
	return (e & ~(PTE_COW | PTE_COUNTED | PTE_ADDR_MASK)) | PTE_RW |
	       (frame & PTE_ADDR_MASK);
}

#endif
