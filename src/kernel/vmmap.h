/*
 * vmmap.h - a process's address space read straight from its page tables:
 * runs of equal page states for the shell's `map`, and page counts for
 * memory statistics.
 */
#ifndef KERNEL_VMMAP_H
#define KERNEL_VMMAP_H

#include "abi/rdos_abi.h"
#include "mm/mm_space.h"

/* Fills up to max runs starting at address from; returns how many. */
uint64_t vmmap_runs(const struct mm_space *s, vaddr_t from, struct rdos_vmrun *runs,
		    uint64_t max);
/* Fills the per-process fields of st (reserved, present, page tables). */
void vmmap_stats(const struct mm_space *s, struct rdos_memstat *st);

#endif
