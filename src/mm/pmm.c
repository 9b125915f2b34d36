/*
 * pmm.c - physical frame allocator: a 64-ary tree of bitmaps (see pmm.h).
 *
 * Level 0 has one bit per frame, 1 = free.  Level k+1 has one bit per word
 * of level k, 1 = that word has at least one free frame.  The top level is a
 * single word.  Every operation keeps these invariants exact, so "lowest free
 * frame at or after x" is a climb while the rest of a word is empty followed
 * by a descent along lowest set bits: at most 2 * nlevels word reads (4 levels
 * for 16 GiB), whatever the fill.
 *
 * Usability (is this never-free frame allocated, or a hole, or a carve-out?)
 * is decided by two small sorted range sets, not by a second bitmap.
 *
 * Not thread-safe: the caller holds frames_lock (see pmm.h).  Portable and
 * freestanding: no asm, no libc.
 */
#include "mm/pmm.h"

#include "lib/panic.h"

#define WORD_BITS 64
#define NO_FRAME UINT64_MAX

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* align is a power of two; x < 2^41, so the sum cannot overflow. */
static uint64_t align_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* By hand: with -mno-sse, __builtin_popcountll calls libgcc, which the
 * kernel does not link. */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

static uint64_t frames_below(paddr_t limit)
{
	return min_u64(limit, PMM_MAX_LIMIT) >> PAGE_SHIFT;
}

/* Word count of each level for `nframes`; returns the number of levels. */
static unsigned levels_layout(uint64_t nframes, uint64_t words[PMM_MAX_LEVELS])
{
	unsigned n = 0;
	uint64_t bits = nframes;

	do {
		ASSERT(n < PMM_MAX_LEVELS);
		words[n] = bits ? (bits + WORD_BITS - 1) / WORD_BITS : 1;
		bits = words[n];
		n++;
	} while (words[n - 1] > 1);
	return n;
}

/* ---- level-0 spans: every loop below walks [first, end) a word at a time */

/* Bits of word first / 64 that name frames in [first, end); first < end. */
static uint64_t span_mask(uint64_t first, uint64_t end)
{
	unsigned lo = first % WORD_BITS;
	uint64_t left = end - (first - lo);
	uint64_t below_end = left >= WORD_BITS ? ~0ull : (1ull << left) - 1;

	return below_end & (~0ull << lo);
}

/* First frame of the word after the one holding `frame`. */
static uint64_t next_word_frame(uint64_t frame)
{
	return (frame | (WORD_BITS - 1)) + 1;
}

/*
 * Level-0 word w just changed between zero and non-zero: fix the summary bit
 * above it, and climb only while a parent also changes between zero and
 * non-zero.  Usually that is never, so an allocation writes one or two words.
 */
static void summary_update(struct pmm *p, uint64_t w)
{
	for (unsigned k = 0; k + 1 < p->nlevels; k++) {
		uint64_t *parent = &p->level[k + 1][w / WORD_BITS];
		uint64_t bit = 1ull << (w % WORD_BITS);
		bool parent_was_set = *parent != 0;

		if (p->level[k][w])
			*parent |= bit;
		else
			*parent &= ~bit;
		if ((*parent != 0) == parent_was_set)
			return;
		w /= WORD_BITS;
	}
}

/* Set (free) or clear (not free) the `mask` bits of level-0 word w, keeping
 * the summaries exact. */
static void word_mark(struct pmm *p, uint64_t w, uint64_t mask, bool free)
{
	uint64_t old = p->level[0][w];
	uint64_t new = free ? old | mask : old & ~mask;

	p->level[0][w] = new;
	if ((old != 0) != (new != 0))
		summary_update(p, w);
}

/* Mark frames [first, end) free or not free. */
static void frames_mark(struct pmm *p, uint64_t first, uint64_t end, bool free)
{
	for (; first < end; first = next_word_frame(first))
		word_mark(p, first / WORD_BITS, span_mask(first, end), free);
}

/* First frame in [first, end) that is not free, or end.  Linear in the span:
 * used only on a candidate run, never to look for free memory. */
static uint64_t find_not_free(const struct pmm *p, uint64_t first, uint64_t end)
{
	for (; first < end; first = next_word_frame(first)) {
		uint64_t taken = ~p->level[0][first / WORD_BITS] & span_mask(first, end);

		if (taken)
			return (first & ~(uint64_t)(WORD_BITS - 1)) | __builtin_ctzll(taken);
	}
	return end;
}

/* Free frames in [first, end); for the consistency check. */
static uint64_t count_free(const struct pmm *p, uint64_t first, uint64_t end)
{
	uint64_t n = 0;

	for (; first < end; first = next_word_frame(first))
		n += popcount64(p->level[0][first / WORD_BITS] & span_mask(first, end));
	return n;
}

/*
 * Lowest free frame >= from, or NO_FRAME.  Climb: while the rest of the word
 * at level k is empty, move to the next bit of level k + 1.  Descend: follow
 * the lowest set bit down to level 0.  The summary invariant guarantees each
 * descent step finds a set bit.
 */
static uint64_t find_free(const struct pmm *p, uint64_t from)
{
	unsigned k = 0;
	uint64_t bit = from; /* bit index within level k */
	uint64_t word;

	for (;;) {
		if (bit / WORD_BITS >= p->words[k])
			return NO_FRAME;
		word = p->level[k][bit / WORD_BITS] & (~0ull << (bit % WORD_BITS));
		if (word)
			break;
		if (k + 1 == p->nlevels)
			return NO_FRAME;
		bit = bit / WORD_BITS + 1;
		k++;
	}
	bit = (bit & ~(uint64_t)(WORD_BITS - 1)) | __builtin_ctzll(word);
	while (k-- > 0)
		bit = bit * WORD_BITS + __builtin_ctzll(p->level[k][bit]);
	return bit;
}

/* ---- range sets: sorted, merged [first, end) frame ranges */

/* Last range whose first <= x, or NULL. */
static const struct pmm_range *range_find(const struct pmm_range_set *s,
					  uint64_t x)
{
	unsigned lo = 0, hi = s->count;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (s->range[mid].first <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &s->range[lo - 1] : NULL;
}

/* Move ranges [from, count) so that they start at index `to`. */
static void range_move_tail(struct pmm_range_set *s, unsigned from, unsigned to)
{
	unsigned n = s->count - from;

	if (to < from)
		for (unsigned i = 0; i < n; i++)
			s->range[to + i] = s->range[from + i];
	else
		for (unsigned i = n; i-- > 0;)
			s->range[to + i] = s->range[from + i];
}

/* Insert [first, end), merging every range it overlaps or touches. */
static enum pmm_status range_add(struct pmm_range_set *s, uint64_t first,
				 uint64_t end)
{
	unsigned i = 0, j;

	while (i < s->count && s->range[i].end < first)
		i++;
	for (j = i; j < s->count && s->range[j].first <= end; j++) {
		first = min_u64(first, s->range[j].first);
		end = max_u64(end, s->range[j].end);
	}
	/* ranges [i, j) collapse into the new one at i */
	if (i == j && s->count == PMM_MAX_RANGES)
		return PMM_ERR_TOO_MANY_RANGES;
	range_move_tail(s, j, i + 1);
	s->count = s->count + 1 - (j - i);
	s->range[i] = (struct pmm_range){ first, end };
	return PMM_OK;
}

static uint64_t ranges_total(const struct pmm_range_set *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->count; i++)
		n += s->range[i].end - s->range[i].first;
	return n;
}

/* Frames in both sets. */
static uint64_t ranges_overlap(const struct pmm_range_set *a,
			       const struct pmm_range_set *b)
{
	uint64_t n = 0;
	unsigned i = 0, j = 0;

	while (i < a->count && j < b->count) {
		uint64_t lo = max_u64(a->range[i].first, b->range[j].first);
		uint64_t hi = min_u64(a->range[i].end, b->range[j].end);

		if (lo < hi)
			n += hi - lo;
		if (a->range[i].end < b->range[j].end)
			i++;
		else
			j++;
	}
	return n;
}

/* Whole run inside one usable range and touching no carve-out.  Usable
 * ranges are merged, so a run over two of them crosses a hole. */
static bool run_is_usable(const struct pmm *p, uint64_t first, uint64_t end)
{
	const struct pmm_range *u = range_find(&p->usable, first);
	const struct pmm_range *r = range_find(&p->reserved, end - 1);

	if (!u || end > u->end)
		return false;
	return !r || r->end <= first;
}

/* ---- init-time map building */

/* Mark [a, b) free except where carve-outs cover it. */
static void frames_free_unreserved(struct pmm *p, uint64_t a, uint64_t b)
{
	for (unsigned i = 0; i < p->reserved.count && a < b; i++) {
		const struct pmm_range *r = &p->reserved.range[i];

		if (r->end <= a)
			continue;
		if (r->first >= b)
			break;
		if (r->first > a)
			frames_mark(p, a, r->first, true);
		a = r->end;
	}
	if (a < b)
		frames_mark(p, a, b, true);
}

/* Re-derive frames [first, end) from the range sets: free exactly when
 * usable and not reserved.  Safe only while no frame is used. */
static void frames_rebuild(struct pmm *p, uint64_t first, uint64_t end)
{
	frames_mark(p, first, end, false);
	for (unsigned i = 0; i < p->usable.count; i++) {
		uint64_t a = max_u64(first, p->usable.range[i].first);
		uint64_t b = min_u64(end, p->usable.range[i].end);

		if (a < b)
			frames_free_unreserved(p, a, b);
	}
}

/* Add frames [first, end) to one of the range sets and bring the bitmap and
 * counters in line; the order of add/reserve calls does not matter. */
static enum pmm_status map_change(struct pmm *p, struct pmm_range_set *set,
				  uint64_t first, uint64_t end)
{
	enum pmm_status st;

	ASSERT(p->counters.used == 0);
	if (first >= end)
		return PMM_OK;
	st = range_add(set, first, end);
	if (st != PMM_OK)
		return st;
	frames_rebuild(p, first, end);
	p->counters.usable = ranges_total(&p->usable);
	p->counters.reserved = ranges_overlap(&p->usable, &p->reserved);
	p->counters.free = p->counters.usable - p->counters.reserved;
	return PMM_OK;
}

size_t pmm_metadata_bytes(paddr_t limit)
{
	uint64_t words[PMM_MAX_LEVELS];
	unsigned n = levels_layout(frames_below(limit), words);
	uint64_t total = 0;

	for (unsigned k = 0; k < n; k++)
		total += words[k];
	return total * sizeof(uint64_t);
}

void pmm_init(struct pmm *p, void *metadata, paddr_t limit)
{
	uint64_t *w = metadata;

	ASSERT(((uintptr_t)metadata & (sizeof(uint64_t) - 1)) == 0);
	*p = (struct pmm){ 0 };
	p->nframes = frames_below(limit);
	p->nlevels = levels_layout(p->nframes, p->words);
	for (unsigned k = 0; k < p->nlevels; k++) {
		p->level[k] = w;
		for (uint64_t i = 0; i < p->words[k]; i++)
			w[i] = 0;
		w += p->words[k];
	}
}

enum pmm_status pmm_add_usable(struct pmm *p, paddr_t start, paddr_t end)
{
	paddr_t limit = p->nframes << PAGE_SHIFT;

	/* clip first: rounding a start near 2^64 up would overflow */
	end = min_u64(end, limit);
	if (start >= end)
		return PMM_OK;
	return map_change(p, &p->usable, PAGE_ROUND_UP(start) >> PAGE_SHIFT,
			  PAGE_ROUND_DOWN(end) >> PAGE_SHIFT);
}

enum pmm_status pmm_reserve_range(struct pmm *p, paddr_t start, paddr_t end)
{
	paddr_t limit = p->nframes << PAGE_SHIFT;

	end = min_u64(end, limit);
	if (start >= end)
		return PMM_OK;
	return map_change(p, &p->reserved, start >> PAGE_SHIFT,
			  PAGE_ROUND_UP(end) >> PAGE_SHIFT);
}

/* ---- allocation */

static void counters_take(struct pmm *p, uint64_t count)
{
	p->counters.free -= count;
	p->counters.used += count;
}

enum pmm_status pmm_alloc(struct pmm *p, paddr_t *frame)
{
	uint64_t f;

	if (p->counters.free == 0)
		return PMM_ERR_NOMEM;
	f = find_free(p, p->cursor);
	if (f == NO_FRAME)
		f = find_free(p, 0);
	ASSERT(f != NO_FRAME); /* counters.free > 0 */
	/* one bit: skip frames_mark's span arithmetic on the hot path */
	word_mark(p, f / WORD_BITS, 1ull << (f % WORD_BITS), false);
	counters_take(p, 1);
	p->cursor = f + 1;
	*frame = f << PAGE_SHIFT;
	return PMM_OK;
}

/*
 * First fit: jump (through the summaries) to the lowest free frame, round up
 * to the alignment, and test the run.  A run that hits a non-free frame u
 * restarts at the first free frame after u, so no frame is tested twice and
 * full regions cost a summary climb, not a scan.
 */
enum pmm_status pmm_alloc_contig(struct pmm *p, uint64_t count, uint64_t align,
				 paddr_t *first)
{
	uint64_t f;

	if (count == 0 || align == 0 || (align & (align - 1)) != 0)
		return PMM_ERR_BAD_ARGUMENT;
	for (f = find_free(p, 0); f != NO_FRAME;) {
		uint64_t start = align_up(f, align);
		uint64_t stop;

		if (start > p->nframes || p->nframes - start < count)
			break;
		stop = find_not_free(p, start, start + count);
		if (stop == start + count) {
			frames_mark(p, start, start + count, false);
			counters_take(p, count);
			*first = start << PAGE_SHIFT;
			return PMM_OK;
		}
		f = find_free(p, stop + 1);
	}
	return PMM_ERR_NOMEM;
}

/* ---- freeing */

enum pmm_status pmm_free_check(const struct pmm *p, paddr_t addr, uint64_t count)
{
	uint64_t first = addr >> PAGE_SHIFT;

	if (count == 0)
		return PMM_ERR_BAD_ARGUMENT;
	if (addr & PAGE_MASK)
		return PMM_ERR_MISALIGNED;
	if (first >= p->nframes || count > p->nframes - first)
		return PMM_ERR_OUT_OF_RANGE;
	if (!run_is_usable(p, first, first + count))
		return PMM_ERR_NOT_USABLE;
	/* any free frame in the run: one summary search, not a scan */
	if (find_free(p, first) < first + count)
		return PMM_ERR_DOUBLE_FREE;
	return PMM_OK;
}

enum pmm_status pmm_free_contig(struct pmm *p, paddr_t first, uint64_t count)
{
	enum pmm_status st = pmm_free_check(p, first, count);
	uint64_t f = first >> PAGE_SHIFT;

	if (st != PMM_OK)
		return st;
	frames_mark(p, f, f + count, true);
	p->counters.free += count;
	p->counters.used -= count;
	return PMM_OK;
}

enum pmm_status pmm_free(struct pmm *p, paddr_t frame)
{
	return pmm_free_contig(p, frame, 1);
}

struct pmm_counters pmm_counters(const struct pmm *p)
{
	return p->counters;
}

const char *pmm_status_name(enum pmm_status status)
{
	static const char *const names[] = {
		[PMM_OK] = "PMM_OK",
		[PMM_ERR_NOMEM] = "PMM_ERR_NOMEM",
		[PMM_ERR_DOUBLE_FREE] = "PMM_ERR_DOUBLE_FREE",
		[PMM_ERR_NOT_USABLE] = "PMM_ERR_NOT_USABLE",
		[PMM_ERR_OUT_OF_RANGE] = "PMM_ERR_OUT_OF_RANGE",
		[PMM_ERR_MISALIGNED] = "PMM_ERR_MISALIGNED",
		[PMM_ERR_BAD_ARGUMENT] = "PMM_ERR_BAD_ARGUMENT",
		[PMM_ERR_TOO_MANY_RANGES] = "PMM_ERR_TOO_MANY_RANGES",
	};

	if ((unsigned)status >= sizeof(names) / sizeof(names[0]))
		return "PMM_ERR_?";
	return names[status];
}

/* ---- consistency check */

static const char *check_range_set(const struct pmm_range_set *s,
				   uint64_t nframes)
{
	for (unsigned i = 0; i < s->count; i++) {
		const struct pmm_range *r = &s->range[i];

		if (r->first >= r->end || r->end > nframes)
			return "range empty or beyond the limit";
		if (i > 0 && s->range[i - 1].end >= r->first)
			return "ranges not sorted and merged";
	}
	return NULL;
}

/* Every summary bit equals "child word non-zero"; bits naming no child are
 * 0, and so are level-0 bits past the last frame. */
static const char *check_summaries(const struct pmm *p)
{
	uint64_t tail = p->nframes % WORD_BITS;

	if (tail && (p->level[0][p->words[0] - 1] >> tail) != 0)
		return "free bit past the last frame";
	if (p->nframes == 0 && p->level[0][0] != 0)
		return "free bit with no frames";
	for (unsigned k = 0; k + 1 < p->nlevels; k++) {
		for (uint64_t w = 0; w < p->words[k + 1]; w++) {
			uint64_t expect = 0;

			for (uint64_t c = 0; c < WORD_BITS; c++) {
				uint64_t child = w * WORD_BITS + c;

				if (child < p->words[k] && p->level[k][child])
					expect |= 1ull << c;
			}
			if (p->level[k + 1][w] != expect)
				return "summary bit disagrees with the word below";
		}
	}
	return NULL;
}

/* Free bits exist only in usable, unreserved frames, and match the counters. */
static const char *check_counters(const struct pmm *p)
{
	const struct pmm_counters *c = &p->counters;
	uint64_t hole = 0;

	if (c->usable != ranges_total(&p->usable) ||
	    c->reserved != ranges_overlap(&p->usable, &p->reserved))
		return "usable/reserved counters disagree with the range sets";
	if (c->usable != c->reserved + c->free + c->used)
		return "usable != reserved + free + used";
	if (count_free(p, 0, p->nframes) != c->free)
		return "free counter disagrees with the bitmap";
	for (unsigned i = 0; i < p->usable.count; i++) {
		if (count_free(p, hole, p->usable.range[i].first) != 0)
			return "free bit in a hole of the memory map";
		hole = p->usable.range[i].end;
	}
	if (count_free(p, hole, p->nframes) != 0)
		return "free bit above the last usable range";
	for (unsigned i = 0; i < p->reserved.count; i++)
		if (count_free(p, p->reserved.range[i].first,
			       p->reserved.range[i].end) != 0)
			return "free bit in a reserved carve-out";
	return NULL;
}

const char *pmm_check_consistency(const struct pmm *p)
{
	const char *why = check_range_set(&p->usable, p->nframes);

	if (!why)
		why = check_range_set(&p->reserved, p->nframes);
	if (!why)
		why = check_summaries(p);
	if (!why)
		why = check_counters(p);
	return why;
}
