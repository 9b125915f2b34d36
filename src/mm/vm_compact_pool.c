/*
 * vm_compact_pool.c - where a space's compact-entry descriptors live
 * (vm.h, struct vm_compact_pool): 4 KiB frames of 32 slots of 128 bytes,
 * the first eight named in the pool, the others by a directory frame (a
 * small space pays no directory).  A descriptor of size class c (128 << c
 * bytes, vm_internal.h) takes 2^c slots starting at a multiple of 2^c in
 * one frame: a buddy allocator, whose free halves merge again.
 *
 * Invariants:
 * - Every slot of a held frame belongs to exactly one block: a live
 *   descriptor, a retired one, or a free block on its class's list
 *   (doubly linked: next and prev are slot index + 1, 0 ending them).
 * - No two free buddies of one class: freeing merges them.
 * - A frame wholly free is given back, except one (the spare), so that a
 *   space reserving and releasing one area does not take and give a frame
 *   each time; a pool with no frame gives back its directory too.
 * - live counts the live descriptors; held the frames in the directory.
 * The pool lock serialises the lists: faults allocate concurrently.
 */
#include "mm/mm_lock.h"
#include "mm/vm_internal.h"

#define PER_FRAME (PAGE_SIZE / VM_COMPACT_SLOT)
#define POOL_FRAMES_MAX (VM_COMPACT_INLINE_FRAMES + PAGE_SIZE / sizeof(paddr_t))
#define TOP (VM_COMPACT_CLASSES - 1) /* a whole frame */

_Static_assert(sizeof(struct vm_compact) == 16, "descriptor header");
_Static_assert(VM_COMPACT_SLOT << TOP == PAGE_SIZE,
	       "the largest descriptor is a pool frame");

/* The state of a block (struct vm_compact.state). */
enum { BLOCK_USED, BLOCK_FREE };

static void pool_lock(struct vm_space *s)
{
	while (__atomic_exchange_n(&s->compact.lock, 1, __ATOMIC_ACQUIRE))
		mm_relax(s->env.relax, s->env.ctx);
}

static void pool_unlock(struct vm_space *s)
{
	__atomic_store_n(&s->compact.lock, 0, __ATOMIC_RELEASE);
}

/* Where pool frame f's address is kept (in the directory past the
 * inline ones). */
static paddr_t *frame_slot(const struct vm_space *s, unsigned f)
{
	struct vm_compact_pool *p = (struct vm_compact_pool *)&s->compact;
	paddr_t *dir;

	if (f < VM_COMPACT_INLINE_FRAMES)
		return &p->frame[f];
	dir = vm_frame_virt(s, p->dir);
	return &dir[f - VM_COMPACT_INLINE_FRAMES];
}

struct vm_compact *vm_compact_at(const struct vm_space *s, unsigned index)
{
	char *frame = vm_frame_virt(s, *frame_slot(s, index / PER_FRAME));

	return (struct vm_compact *)(frame + (index % PER_FRAME) *
						     VM_COMPACT_SLOT);
}

bool vm_compact_names_descriptor(const struct vm_space *s, unsigned index)
{
	return index < s->compact.frames * PER_FRAME &&
	       *frame_slot(s, index / PER_FRAME) != 0;
}

/* --- the free lists -------------------------------------------------------- */

static void free_push(struct vm_space *s, unsigned index, unsigned cls)
{
	uint32_t *head = &s->compact.free[cls];
	struct vm_compact *b = vm_compact_at(s, index);

	b->cls = (uint8_t)cls;
	b->state = BLOCK_FREE;
	b->next = *head;
	b->prev = 0;
	if (*head)
		vm_compact_at(s, *head - 1)->prev = index + 1;
	*head = index + 1;
}

static void free_unlink(struct vm_space *s, unsigned index)
{
	struct vm_compact *b = vm_compact_at(s, index);

	if (b->prev)
		vm_compact_at(s, b->prev - 1)->next = b->next;
	else
		s->compact.free[b->cls] = b->next;
	if (b->next)
		vm_compact_at(s, b->next - 1)->prev = b->prev;
	b->state = BLOCK_USED;
}

/* --- frames ---------------------------------------------------------------- */

/* The pool, empty, keeps nothing. */
static void pool_empty(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;

	if (p->dir)
		vm_frame_free(s, p->dir);
	*p = (struct vm_compact_pool){ .lock = p->lock };
}

/* One more frame, free as one block of the largest size. */
static bool pool_grow(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;
	unsigned f = 0;
	paddr_t pa;

	while (f < p->frames && *frame_slot(s, f) != 0)
		f++; /* a hole a frame given back left */
	if (f == POOL_FRAMES_MAX)
		return false;
	if (f >= VM_COMPACT_INLINE_FRAMES && p->dir == 0 &&
	    vm_frame_alloc(s, &p->dir) != 0) {
		p->dir = 0;
		return false;
	}
	if (vm_frame_alloc(s, &pa) != 0) {
		if (p->held == 0) /* a failure keeps nothing */
			pool_empty(s);
		return false;
	}
	*frame_slot(s, f) = pa;
	p->frames += f == p->frames;
	p->held++;
	free_push(s, f * PER_FRAME, TOP);
	return true;
}

/* The frame of the whole free block at index goes back. */
static void pool_shrink(struct vm_space *s, unsigned index)
{
	paddr_t *slot = frame_slot(s, index / PER_FRAME);

	vm_frame_free(s, *slot);
	*slot = 0;
	if (--s->compact.held == 0) /* nothing live, nothing retired */
		pool_empty(s);
}

/* --- blocks ---------------------------------------------------------------- */

/* The block at index becomes free, merged with its free buddies. */
static void block_free(struct vm_space *s, unsigned index)
{
	unsigned cls = vm_compact_at(s, index)->cls;

	for (; cls < TOP; cls++) {
		unsigned buddy = index ^ (1u << cls);
		const struct vm_compact *b = vm_compact_at(s, buddy);

		if (b->state != BLOCK_FREE || b->cls != cls)
			break;
		free_unlink(s, buddy);
		index &= ~(1u << cls);
	}
	if (cls == TOP && s->compact.free[TOP] != 0)
		pool_shrink(s, index); /* a spare is kept already */
	else
		free_push(s, index, cls);
}

bool vm_compact_alloc(struct vm_space *s, unsigned cls, unsigned *index)
{
	struct vm_compact_pool *p = &s->compact;
	unsigned c = cls;
	struct vm_compact *d;

	pool_lock(s);
	while (c <= TOP && p->free[c] == 0)
		c++;
	if (c > TOP) {
		if (!pool_grow(s)) {
			pool_unlock(s);
			return false;
		}
		c = TOP;
	}
	*index = p->free[c] - 1;
	free_unlink(s, *index);
	while (c > cls) { /* split: the upper halves stay free */
		c--;
		free_push(s, *index + (1u << c), c);
	}
	d = vm_compact_at(s, *index);
	*d = (struct vm_compact){ .cls = (uint8_t)cls, .state = BLOCK_USED };
	p->live++;
	pool_unlock(s);
	return true;
}

void vm_compact_free(struct vm_space *s, unsigned index, bool retire)
{
	struct vm_compact_pool *p = &s->compact;

	pool_lock(s);
	p->live--;
	if (retire) {
		vm_compact_at(s, index)->next = p->retired;
		p->retired = index + 1;
	} else {
		block_free(s, index);
	}
	pool_unlock(s);
}

void vm_compact_reclaim(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;

	if (__atomic_load_n(&p->retired, __ATOMIC_RELAXED) == 0)
		return;
	pool_lock(s); /* a fault may be allocating (mm_fault) */
	while (p->retired) {
		unsigned index = p->retired - 1;

		p->retired = vm_compact_at(s, index)->next;
		block_free(s, index);
	}
	pool_unlock(s);
}

size_t vm_compact_pool_pages(const struct vm_space *s)
{
	return s->compact.held + (s->compact.dir != 0);
}

void vm_compact_pool_free(struct vm_space *s)
{
	struct vm_compact_pool *p = &s->compact;

	ASSERT(p->live == 0 && p->retired == 0);
	for (unsigned f = 0; f < p->frames; f++)
		if (*frame_slot(s, f))
			vm_frame_free(s, *frame_slot(s, f));
	pool_empty(s);
}
