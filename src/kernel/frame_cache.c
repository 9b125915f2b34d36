/*
 * frame_cache.c - per-CPU caches of free frames (frame_cache.h).
 *
 * Each CPU keeps up to FRAME_CACHE_SIZE free frames of its own.  It
 * allocates from the top of its cache and frees onto it, and meets the
 * shared bitmap (and frames_lock) only once per FRAME_CACHE_BATCH frames:
 * an empty cache is refilled with a batch, a full one gives its oldest
 * batch back.
 *
 * Invariants:
 *   - a cached frame is used in the bitmap, handed out to nobody, and in
 *     one cache once (frames_check() counts: used = handed out + cached);
 *   - caches[i] changes only under caches[i].lock.
 *
 * Why a lock per cache, when the kernel runs with interrupts off and CPU i
 * is the only one that pops and pushes on caches[i]: out of memory must
 * mean that no frame is free anywhere (the pmm tests allocate every
 * frame), so a CPU that finds its cache and the bitmap empty must be able
 * to take the frames other CPUs hold (frame_cache_reclaim), and exact
 * counts (frame_counters) must read every cache.  Those are rare; in the
 * common case the lock is taken by its own CPU only, stays in that CPU's
 * cache line, and costs one uncontended atomic.
 * Lock order: a cache's lock, then frames_lock; several caches' locks in
 * index order.
 *
 * Shootdowns (tlb.h: no frame is reused while another CPU can still reach
 * it): a frame that was unmapped waits in tlb.c until its shootdown has
 * been paid (tlb_free_frame) and only then reaches frame_free, so every
 * cached frame may go to any CPU, or back to the bitmap, at once.
 */
#include "kernel/cmdline.h"
#include "kernel/frame_cache.h"
#include "kernel/frames_internal.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "lib/panic.h"
#include "lib/string.h"

#define FRAME_CACHE_SIZE 64  /* frames one CPU keeps at most */
#define FRAME_CACHE_BATCH 32 /* frames moved to or from the bitmap at once */

_Static_assert(FRAME_CACHE_BATCH <= FRAME_CACHE_SIZE, "a batch fits a cache");

struct frame_cache {
	struct spinlock lock;            /* count and frame[] */
	unsigned count;
	paddr_t frame[FRAME_CACHE_SIZE]; /* [0, count); oldest first */
} __attribute__((aligned(64)));          /* no cache line shared between CPUs */

static struct frame_cache caches[MAX_CPUS]; /* by CPU index */
static bool enabled = true;                 /* atomic */

static struct frame_cache *this_cache(void)
{
	return &caches[this_cpu()->index];
}

void frame_cache_init(void)
{
	uint64_t on;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		caches[i].lock = (struct spinlock)SPINLOCK_INIT("one CPU's cached frames");
	if (cmdline_u64("frame_cache", &on))
		__atomic_store_n(&enabled, on != 0, __ATOMIC_RELAXED);
}

bool frame_cache_enabled(void)
{
	return __atomic_load_n(&enabled, __ATOMIC_RELAXED);
}

void frame_cache_set_enabled(bool on)
{
	__atomic_store_n(&enabled, on, __ATOMIC_RELAXED);
	if (!on)
		frame_cache_reclaim();
}

bool frame_cache_pop(paddr_t *frame)
{
	struct frame_cache *c = this_cache();
	bool got;

	spin_lock(&c->lock);
	if (c->count == 0)
		c->count = frames_bitmap_take(c->frame, FRAME_CACHE_BATCH);
	got = c->count > 0;
	if (got)
		*frame = c->frame[--c->count];
	spin_unlock(&c->lock);
	return got;
}

/* The oldest batch (coldest in the CPU's caches) back to the bitmap. */
static void give_back_oldest_locked(struct frame_cache *c)
{
	frames_bitmap_give(c->frame, FRAME_CACHE_BATCH);
	c->count -= FRAME_CACHE_BATCH;
	memmove(c->frame, c->frame + FRAME_CACHE_BATCH, c->count * sizeof(c->frame[0]));
}

void frame_cache_push(paddr_t frame)
{
	struct frame_cache *c = this_cache();

	spin_lock(&c->lock);
	if (c->count == FRAME_CACHE_SIZE)
		give_back_oldest_locked(c);
	c->frame[c->count++] = frame;
	spin_unlock(&c->lock);
}

void frame_cache_reclaim(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct frame_cache *c = &caches[i];

		spin_lock(&c->lock);
		frames_bitmap_give(c->frame, c->count);
		c->count = 0;
		spin_unlock(&c->lock);
	}
}

uint64_t frame_cache_lock_all(void)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++) {
		spin_lock(&caches[i].lock);
		ASSERT(caches[i].count <= FRAME_CACHE_SIZE);
		total += caches[i].count;
	}
	return total;
}

void frame_cache_unlock_all(void)
{
	for (unsigned i = MAX_CPUS; i-- > 0;)
		spin_unlock(&caches[i].lock);
}
