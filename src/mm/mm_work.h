/*
 * mm_work.h - deterministic work counts of both VM designs: what an
 * operation did, counted where the portable core does it, so that the
 * host benchmarks, the in-kernel benchmark and tests can compare the
 * designs by work rather than by time.
 *
 * A struct mm_work is the caller's: it is named by the environment
 * (struct vm_env.work, NULL for no counting), so every space made from
 * one environment, forked children included, adds to the same counts.
 * Counting never changes what the core does.  Increments are plain adds:
 * counts are exact when calls on the spaces that share the struct do not
 * run concurrently (the benchmarks and tests); concurrent faults may lose
 * a count, never corrupt a page.
 *
 * What is counted, and what is not:
 *   entries_read     page-table entries the core reads to decide: a walk's
 *                    entries, a lookup's one per level, the entries a
 *                    table's fill test reads; invariant checks count
 *                    none, and neither does copying the kernel half into a
 *                    new PML4
 *   entries_written  entries stored (plain store or compare-and-swap); the
 *                    zeroing of a new table is not 512 writes
 *   tables_visited   page tables entered (vm_table: one per table a walk
 *                    or lookup descends into, the PML4 included)
 *   nodes_visited    Card 1's VMA-tree nodes looked at by lookups, the
 *                    hole search, insert, remove and fork's clone
 *   frames_alloc, frames_freed
 *                    frames taken from and returned to the environment:
 *                    page tables, PML4s and page frames alike
 */
#ifndef MM_MM_WORK_H
#define MM_MM_WORK_H

#include <stdint.h>

struct mm_work {
	uint64_t entries_read;
	uint64_t entries_written;
	uint64_t tables_visited;
	uint64_t nodes_visited;
	uint64_t frames_alloc;
	uint64_t frames_freed;
};

/* Add to sum the work done between the readings then and now. */
static inline void mm_work_add_since(struct mm_work *sum,
				     const struct mm_work *now,
				     const struct mm_work *then)
{
	sum->entries_read += now->entries_read - then->entries_read;
	sum->entries_written += now->entries_written - then->entries_written;
	sum->tables_visited += now->tables_visited - then->tables_visited;
	sum->nodes_visited += now->nodes_visited - then->nodes_visited;
	sum->frames_alloc += now->frames_alloc - then->frames_alloc;
	sum->frames_freed += now->frames_freed - then->frames_freed;
}

#endif
