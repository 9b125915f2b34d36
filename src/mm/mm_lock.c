/*
 * mm_lock.c - the address-space reader-writer spinlock (mm_lock.h).
 *
 * Ordering: taking the lock is an acquire (the CAS), giving it up a
 * release, so whatever a writer did is seen by the next reader or writer,
 * and nothing a reader read moves out of its section.
 */
#include "mm/mm_lock.h"

void mm_relax(mm_relax_fn relax, void *ctx)
{
	if (relax)
		relax(ctx);
	else
		__builtin_ia32_pause();
}

/*
 * A reader may enter when no writer holds the lock and none waits, or,
 * when it is the readers' turn, even if one waits (that writer came after
 * the one the turn was claimed behind).  Entering ends the turn: a reader
 * still waiting claims it again behind the next writer.
 */
void mm_lock_read(struct mm_lock *l, mm_relax_fn relax, void *ctx)
{
	for (;;) {
		uint32_t w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

		if (!(w & MM_LOCK_HELD) &&
		    (!(w & MM_LOCK_WANTED) || (w & MM_LOCK_TURN))) {
			if (__atomic_compare_exchange_n(
				    &l->word, &w, (w + MM_LOCK_READER) & ~MM_LOCK_TURN,
				    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return;
			continue;
		}
		if ((w & MM_LOCK_HELD) && !(w & MM_LOCK_TURN))
			__atomic_fetch_or(&l->word, MM_LOCK_TURN, __ATOMIC_RELAXED);
		mm_relax(relax, ctx);
	}
}

void mm_unlock_read(struct mm_lock *l)
{
	__atomic_sub_fetch(&l->word, MM_LOCK_READER, __ATOMIC_RELEASE);
}

/* TURN may be set: a reader waits, but has not come in. */
bool mm_lock_sole_reader(const struct mm_lock *l)
{
	return (__atomic_load_n(&l->word, __ATOMIC_SEQ_CST) &
		~(MM_LOCK_WANTED | MM_LOCK_TURN)) == MM_LOCK_READER;
}

/* A writer takes the lock when nobody holds it and it is not the readers'
 * turn.  Two writers may both set WANTED; whichever takes the lock clears
 * it, and the other sets it again on its next turn. */
void mm_lock_write(struct mm_lock *l, mm_relax_fn relax, void *ctx)
{
	for (;;) {
		uint32_t w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

		if ((w & ~MM_LOCK_WANTED) == 0) {
			if (__atomic_compare_exchange_n(&l->word, &w, MM_LOCK_HELD, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return;
			continue;
		}
		if (!(w & MM_LOCK_WANTED))
			__atomic_fetch_or(&l->word, MM_LOCK_WANTED, __ATOMIC_RELAXED);
		mm_relax(relax, ctx);
	}
}

/* Keeps the bits waiters set meanwhile (WANTED, TURN). */
void mm_unlock_write(struct mm_lock *l)
{
	__atomic_fetch_and(&l->word, ~MM_LOCK_HELD, __ATOMIC_RELEASE);
}
