/*
 * mm_lock.h - the reader-writer spinlock of one address space (mm_space.h).
 *
 * Readers are the calls that only look at the space or change single
 * entries with compare-and-swap (faults, queries); writers are the calls
 * that change its structure (reserve, release, protect, fork...).  The
 * lock word holds the number of readers and three bits: a writer holds
 * it, a writer wants it, it is the readers' turn.  A waiting writer keeps
 * new readers out, so a stream of faults cannot starve a reserve; a
 * reader that found a writer inside makes it the readers' turn, which
 * lets no other writer in after that one, so a thread reserving and
 * releasing in a loop cannot starve a fault either: each side waits out
 * at most about one section of the other.
 *
 * Spinning: every turn of a wait calls relax(ctx) (NULL: a pause), which
 * is where the kernel answers TLB shootdowns: its CPUs spin with
 * interrupts off, and the holder may be waiting for exactly that answer.
 */
#ifndef MM_MM_LOCK_H
#define MM_MM_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct mm_lock {
	uint32_t word; /* atomic: MM_LOCK_* bits + readers * MM_LOCK_READER */
};

#define MM_LOCK_INIT { 0 }
#define MM_LOCK_HELD 1u   /* a writer holds the lock */
#define MM_LOCK_WANTED 2u /* a writer waits: no new readers */
#define MM_LOCK_TURN 4u   /* a reader waited for a writer: readers next */
#define MM_LOCK_READER 8u /* one reader */

typedef void (*mm_relax_fn)(void *ctx);

/* One turn of a wait loop: relax(ctx), or a pause if relax is NULL. */
void mm_relax(mm_relax_fn relax, void *ctx);

void mm_lock_read(struct mm_lock *l, mm_relax_fn relax, void *ctx);
void mm_unlock_read(struct mm_lock *l);
void mm_lock_write(struct mm_lock *l, mm_relax_fn relax, void *ctx);
/* Called by a reader: is it the only one (a writer may be waiting)? */
bool mm_lock_sole_reader(const struct mm_lock *l);
void mm_unlock_write(struct mm_lock *l);

#endif
