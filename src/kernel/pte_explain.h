/*
 * pte_explain.h - one page of a user address space explained for a person
 * (the shell's `pte`, system call PAGEINFO): the entry at every level the
 * hardware walks, raw and in words (docs/pte-encoding.md), the VMA that
 * covers it in a Card 1 space, and the page's state as the design reports
 * it (mm_query).
 */
#ifndef KERNEL_PTE_EXPLAIN_H
#define KERNEL_PTE_EXPLAIN_H

#include <stddef.h>

#include "mm/mm_space.h"

/*
 * Writes the explanation of the page holding va (in user space) into buf,
 * lines ending in '\n', NUL-terminated and truncated to size - 1
 * characters (size > 0); returns the length the whole text has, like
 * snprintf.  Takes the space's lock as a reader, so the entries are read
 * while no reserve, release, protect, guard or fork changes them; faults
 * may still install entries meanwhile.
 */
size_t pte_explain(const struct mm_space *s, vaddr_t va, char *buf, size_t size);

#endif
