/*
 * vm_share.c - the frame-share table: reference counts of the frames and
 * the page tables fork shares, in two open-addressing hash tables, each of
 * which exists only while something of its kind is shared (see vm_share.h
 * for the invariants and the lock).
 *
 * A slot packs the frame number (40 bits: physical addresses have 52)
 * above a 24-bit count; an entry's count is >= 2, so an occupied slot is
 * never 0 and 0 marks an empty one.  Linear probing from a Fibonacci hash
 * of the frame number; deletion shifts the following cluster back instead
 * of leaving tombstones, so lookups stay short however many frames come
 * and go, and an emptied table can simply be freed.
 */
#include "lib/panic.h"
#include "mm/vm_share.h"

#define COUNT_BITS 24
#define COUNT_MASK (((uint64_t)1 << COUNT_BITS) - 1)
#define FIB_MULT 0x9E3779B97F4A7C15ull /* 2^64 / golden ratio */
#define NONE ((size_t)-1)

_Static_assert((PTE_ADDR_MASK >> PAGE_SHIFT) >> (64 - COUNT_BITS) == 0,
	       "frame number and count must fit one 64-bit slot");
_Static_assert(VM_SHARE_COUNT_MAX == COUNT_MASK, "count field width");

static uint64_t slot_make(paddr_t frame, uint64_t count)
{
	return ((frame >> PAGE_SHIFT) << COUNT_BITS) | count;
}

static paddr_t slot_frame(uint64_t slot)
{
	return (slot >> COUNT_BITS) << PAGE_SHIFT;
}

static uint64_t slot_count(uint64_t slot)
{
	return slot & COUNT_MASK;
}

static size_t home(const struct vm_share_set *t, paddr_t frame)
{
	return (size_t)(((frame >> PAGE_SHIFT) * FIB_MULT) >> (64 - t->shift));
}

static void lock(struct vm_share *t)
{
	while (__atomic_test_and_set(&t->locked, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&t->locked, __ATOMIC_RELAXED))
			mm_relax(t->mem.relax, t->mem.ctx);
}

static void unlock(struct vm_share *t)
{
	__atomic_clear(&t->locked, __ATOMIC_RELEASE);
}

void vm_share_init(struct vm_share *t, const struct vm_share_mem *mem)
{
	*t = (struct vm_share){ .mem = *mem };
}

/* The slot holding frame's entry, or NONE. */
static size_t find(const struct vm_share_set *t, paddr_t frame)
{
	size_t mask = t->cap - 1;

	if (t->cap == 0)
		return NONE;
	for (size_t i = home(t, frame);; i = (i + 1) & mask) {
		if (t->slots[i] == 0)
			return NONE;
		if (slot_frame(t->slots[i]) == frame)
			return i;
	}
}

/* Put slot into the first empty slot of its probe sequence (room known). */
static void place(struct vm_share_set *t, uint64_t slot)
{
	size_t mask = t->cap - 1;
	size_t i = home(t, slot_frame(slot));

	while (t->slots[i] != 0)
		i = (i + 1) & mask;
	t->slots[i] = slot;
}

static unsigned log2_size(size_t n)
{
	unsigned s = 0;

	while (((size_t)1 << s) < n)
		s++;
	return s;
}

/*
 * Move every entry into new storage of cap slots (0: free it all).
 * VM_ERR_NO_MEMORY leaves the table as it was.
 */
static enum vm_status resize(const struct vm_share_mem *mem,
			     struct vm_share_set *t, size_t cap)
{
	uint64_t *old = t->slots;
	size_t old_cap = t->cap;
	uint64_t *slots = NULL;

	if (cap != 0) {
		slots = mem->alloc ? mem->alloc(mem->ctx,
						cap * sizeof(uint64_t))
				   : NULL;
		if (!slots)
			return VM_ERR_NO_MEMORY;
		__builtin_memset(slots, 0, cap * sizeof(uint64_t));
	}
	t->slots = slots;
	t->cap = cap;
	t->shift = log2_size(cap);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i] != 0)
			place(t, old[i]);
	if (old)
		mem->free(mem->ctx, old, old_cap * sizeof(uint64_t));
	return VM_OK;
}

/* Empty slot i, pulling back the entries after it that probed past it. */
static void remove_at(struct vm_share_set *t, size_t i)
{
	size_t mask = t->cap - 1;

	for (size_t j = (i + 1) & mask; t->slots[j] != 0; j = (j + 1) & mask) {
		size_t h = home(t, slot_frame(t->slots[j]));

		/* j may move to i only if i lies on its probe path [h, j) */
		if (((j - h) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = 0;
	t->used--;
}

/* After a removal: give storage back when the table is mostly empty. */
static void maybe_shrink(const struct vm_share_mem *mem, struct vm_share_set *t)
{
	if (t->used == 0)
		resize(mem, t, 0);
	else if (t->cap > VM_SHARE_MIN_SLOTS && t->used < t->cap / 8)
		resize(mem, t, t->cap / 2); /* without memory: stay larger */
}

static enum vm_status ref_locked(const struct vm_share_mem *mem,
				 struct vm_share_set *t, paddr_t frame)
{
	size_t i = find(t, frame);
	enum vm_status st;

	if (i != NONE) {
		if (slot_count(t->slots[i]) == VM_SHARE_COUNT_MAX)
			return VM_ERR_NO_MEMORY;
		t->slots[i]++;
	} else {
		if ((t->used + 1) * 4 > t->cap * 3) {
			st = resize(mem, t,
				    t->cap ? t->cap * 2 : VM_SHARE_MIN_SLOTS);
			if (st != VM_OK)
				return st;
		}
		place(t, slot_make(frame, 2));
		t->used++;
	}
	t->extra++;
	return VM_OK;
}

static enum vm_status set_ref(struct vm_share *t, struct vm_share_set *set,
			      paddr_t pa)
{
	enum vm_status st;

	ASSERT(pa != 0 && (pa & ~PTE_ADDR_MASK) == 0);
	lock(t);
	st = ref_locked(&t->mem, set, pa);
	unlock(t);
	return st;
}

static bool set_unref(struct vm_share *t, struct vm_share_set *set, paddr_t pa)
{
	size_t i;

	lock(t);
	i = find(set, pa);
	if (i != NONE) {
		set->slots[i]--;
		set->extra--;
		if (slot_count(set->slots[i]) == 1) {
			remove_at(set, i);
			maybe_shrink(&t->mem, set);
		}
	}
	unlock(t);
	return i == NONE;
}

static uint64_t set_count(struct vm_share *t, const struct vm_share_set *set,
			  paddr_t pa)
{
	uint64_t n;
	size_t i;

	lock(t);
	i = find(set, pa);
	n = i == NONE ? 1 : slot_count(set->slots[i]);
	unlock(t);
	return n;
}

enum vm_status vm_share_ref(struct vm_share *t, paddr_t frame)
{
	return set_ref(t, &t->frames, frame);
}

bool vm_share_unref(struct vm_share *t, paddr_t frame)
{
	return set_unref(t, &t->frames, frame);
}

uint64_t vm_share_count(struct vm_share *t, paddr_t frame)
{
	return set_count(t, &t->frames, frame);
}

enum vm_status vm_share_table_ref(struct vm_share *t, paddr_t table)
{
	return set_ref(t, &t->tables, table);
}

bool vm_share_table_unref(struct vm_share *t, paddr_t table)
{
	return set_unref(t, &t->tables, table);
}

uint64_t vm_share_table_count(struct vm_share *t, paddr_t table)
{
	return set_count(t, &t->tables, table);
}

void vm_share_note_cow(struct vm_share *t, bool copied)
{
	__atomic_fetch_add(copied ? &t->cow_copies : &t->cow_in_place, 1,
			   __ATOMIC_RELAXED);
}

struct vm_share_stats vm_share_stats(struct vm_share *t)
{
	struct vm_share_stats st;

	lock(t);
	st = (struct vm_share_stats){
		.frames = t->frames.used,
		.extra = t->frames.extra,
		.tables = t->tables.used,
		.table_extra = t->tables.extra,
		.bytes = (t->frames.cap + t->tables.cap) * sizeof(uint64_t),
		.cow_copies = __atomic_load_n(&t->cow_copies, __ATOMIC_RELAXED),
		.cow_in_place =
			__atomic_load_n(&t->cow_in_place, __ATOMIC_RELAXED),
	};
	unlock(t);
	return st;
}

/* The shape rules of struct vm_share, before any slot is read. */
static const char *check_shape(const struct vm_share_set *t)
{
	if ((t->slots == NULL) != (t->cap == 0) || (t->cap == 0 && t->used))
		return "share: storage, capacity and entries disagree";
	if (t->cap && ((t->cap & (t->cap - 1)) || t->cap < VM_SHARE_MIN_SLOTS ||
		       t->cap != (size_t)1 << t->shift))
		return "share: capacity not a power of two >= the minimum";
	if (t->used * 4 > t->cap * 3)
		return "share: load above 3/4";
	return NULL;
}

static const char *check_set(const struct vm_share_set *t)
{
	const char *why = check_shape(t);
	uint64_t extra = 0;
	size_t used = 0;

	for (size_t i = 0; i < t->cap && !why; i++) {
		uint64_t s = t->slots[i];

		if (s == 0)
			continue;
		used++;
		extra += slot_count(s) - 1;
		if (slot_count(s) < 2 || slot_frame(s) == 0)
			why = "share: entry with count < 2 or frame 0";
		else if (find(t, slot_frame(s)) != i)
			why = "share: entry not reachable from its home slot";
	}
	if (!why && (used != t->used || extra != t->extra))
		why = "share: entry or mapping totals do not match the slots";
	return why;
}

const char *vm_share_check(struct vm_share *t)
{
	const char *why;

	lock(t);
	why = check_set(&t->frames);
	if (!why)
		why = check_set(&t->tables);
	unlock(t);
	return why;
}
