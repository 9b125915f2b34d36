/*
 * tlb.h - keeping every CPU's TLB honest when a translation is removed or
 * weakened (released, made read-only, replaced by a copy-on-write copy).
 *
 * The page-table code invalidates on its own CPU at once (tlb_invalidate)
 * and the other CPUs are told later, in one batch, by a shootdown.  "Later"
 * comes before a stale translation could harm anyone: before this CPU
 * returns to ring 3 or gives the kernel lock up (so no other thread runs
 * with a translation this CPU already took away), and, for the kernel
 * half, before the released addresses can be reserved again
 * (kernel_release).  A frame freed meanwhile waits for the shootdown
 * (tlb_free_frame), so it is never reused while another CPU can still
 * reach it through its old address.  See docs/smp.md.
 */
#ifndef KERNEL_TLB_H
#define KERNEL_TLB_H

#include <stdint.h>

#include "mm/addr.h"

/* Drops va (in the space whose PML4 is pml4) from this CPU's TLB and marks
 * a shootdown as owed: for a user-half va, to the CPUs with that PML4
 * loaded; for the kernel half, to every CPU. */
void tlb_invalidate(paddr_t pml4, vaddr_t va);
/* Drops every translation of the user space whose PML4 is pml4 from this
 * CPU's TLB (if loaded) and marks a shootdown as owed to the CPUs with it
 * loaded: fork takes write permission from whole page tables at once. */
void tlb_flush_space(paddr_t pml4);
/* Drops this CPU's cached walks through the user table that translated
 * base, which is being freed; the other CPUs are told later, in a batch:
 * a stale walk of theirs reaches a frame that is not reused before then
 * and holds no present entry (tlb_free_frame), so at worst it costs them a
 * page fault that finds the page fine and flushes (vm_fault's stale-TLB
 * rung).  A kernel-half table is told at the next deadline, like a page. */
void tlb_invalidate_table(paddr_t pml4, vaddr_t base);
/* Pays the shootdown this CPU owes, if any, then frees the frames that
 * waited for it (tlb_free_frame).  Tables alone are paid for once
 * TLB_TABLES_BATCH frames wait.  Any context with interrupts off. */
void tlb_shootdown_pending(void);
/* Pays everything this CPU owes, tables included (before it halts, and
 * before anyone counts free frames or gives up for want of one). */
void tlb_settle(void);
/* Frames waiting for a shootdown on every CPU: free, but not yet back. */
uint64_t tlb_frames_waiting(void);
/* Frees frame now if this CPU owes no shootdown, else once it is paid: a
 * frame just unmapped here may still be in other CPUs' TLBs. */
void tlb_free_frame(paddr_t frame);
/* Flushes this CPU's TLB if it missed a shootdown (a CPU that waited for
 * a lock with interrupts off calls it once it has the lock). */
void tlb_catch_up(void);
/* One turn of a wait loop with interrupts off: a pause, and the answer to
 * any shootdown under way (a CPU that waits this way is never waited for
 * in vain). */
void tlb_wait_a_moment(void);
/* Installs the shootdown interrupt's handler. */
void tlb_init(void);

#endif
