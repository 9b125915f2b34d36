/*
 * test_fork.c - fork and copy-on-write through mm_space, for both designs.
 *
 * Every test runs once on rdos spaces and once on Card 1 spaces.  A
 * "world" is one simulated physical memory, one VMA node pool and one
 * frame-share table under several spaces.  User accesses are emulated as
 * the MMU would make them: a write to a page that is not present and
 * writable faults first, then lands in the frame.
 *
 * world_check, after every step that matters: each space's invariants;
 * frames in use == page tables + owned leaves - mappings beyond the first
 * of each shared frame; live nodes == VMAs; the share table's invariants,
 * and every COUNTED frame's count equal to the number of leaves, over all
 * spaces, that map it (uncounted frames mapped once).  world_end destroys
 * everything and requires every frame, node and table byte back.
 * The vm_fork_* tests: a child inherits its parent's limits and usage, and
 * a parent over its limits cannot fork.
 */
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "mm/vm_internal.h"
#include "test_card1.h"
#include "test_fork.h"
#include "vm_test.h"

#define MAX_SPACES 16

/* The rdos design shares page tables at fork; with this set, the tests run
 * it a second time copying them (VM_SPACE_COPY_TABLES), as Card 1 does. */
static bool rdos_copies_tables;

/* Every test: rdos sharing tables, rdos copying them, Card 1. */
#define FORK_CASES(name)                                                      \
	static void name(void **state)                                        \
	{                                                                     \
		(void)state;                                                  \
		name##_in(MM_DESIGN_RDOS);                                    \
		rdos_copies_tables = true;                                    \
		name##_in(MM_DESIGN_RDOS);                                    \
		rdos_copies_tables = false;                                   \
		name##_in(MM_DESIGN_CARD1);                                   \
	}
#define SEL_STAMP 51 /* provider: the first 8 bytes are the page number */
#define RW (VM_PROT_WRITE | VM_PROT_USER)
#define RO VM_PROT_USER

struct world {
	enum mm_design design;
	struct sim_phys phys;
	struct card1_pool pool;
	struct share_source mem;
	struct vm_share share;
	struct mm_space sp[MAX_SPACES];
	bool live[MAX_SPACES];
};

static struct world *world_new(enum mm_design d, size_t nframes)
{
	struct world *w = calloc(1, sizeof(*w));

	w->design = d;
	sim_phys_init(&w->phys, nframes);
	w->pool = (struct card1_pool){ .fail_after = -1 };
	share_setup(&w->share, &w->mem);
	return w;
}

static struct mm_env world_env(struct world *w)
{
	return (struct mm_env){
		.vm = sim_phys_vm_env(&w->phys),
		.nodes = { card1_pool_alloc, card1_pool_free, &w->pool },
		.share = &w->share,
	};
}

static int free_slot(const struct world *w)
{
	for (int i = 0; i < MAX_SPACES; i++)
		if (!w->live[i])
			return i;
	fail_msg("world: more than %d spaces", MAX_SPACES);
	return -1;
}

static int world_root(struct world *w)
{
	struct mm_env env = world_env(w);
	int i = free_slot(w);

	assert_status(mm_space_init_user(&w->sp[i], w->design, &env,
					 VM_USER_LO, VM_USER_HI, NULL),
		      VM_OK);
	if (w->design == MM_DESIGN_RDOS && rdos_copies_tables)
		w->sp[i].rdos.flags |= VM_SPACE_COPY_TABLES;
	w->live[i] = true;
	return i;
}

static enum vm_status world_try_fork(struct world *w, int parent, int *child)
{
	enum vm_status st;

	*child = free_slot(w);
	st = mm_fork(&w->sp[parent], &w->sp[*child]);
	w->live[*child] = st == VM_OK;
	return st;
}

static int world_fork(struct world *w, int parent)
{
	int child;

	assert_status(world_try_fork(w, parent, &child), VM_OK);
	return child;
}

static void world_kill(struct world *w, int i)
{
	mm_space_destroy(&w->sp[i]);
	w->live[i] = false;
}

/* Does this world's fork share page tables (the rdos design's own)? */
static bool shares_tables(const struct world *w)
{
	return w->design == MM_DESIGN_RDOS && !rdos_copies_tables;
}

static struct vm_space *tables_of(struct world *w, int i)
{
	return w->design == MM_DESIGN_CARD1 ? &w->sp[i].card1.pt
					    : &w->sp[i].rdos;
}

/* --- the leak and count check ------------------------------------------- */

/*
 * The census: every page table reached from a live space's PML4, and
 * every leaf in them, counted once however many spaces reach it (the rdos
 * design shares tables at fork), and every table pointer counted.
 */
struct leaf {
	paddr_t frame;
	bool counted;
};

struct table_seen {
	paddr_t pa;
	uint64_t pointers; /* entries, in all tables, that lead to it */
	bool any_owned;    /* one of them has RW set (the space's own) */
};

struct census {
	struct world *w;
	struct leaf *leaves;
	size_t nleaves, leaves_cap;
	struct table_seen *tables;
	size_t ntables, tables_cap;
	size_t owned; /* leaves that own their frame (not PTE_SHARED) */
};

static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 256;
	return realloc(p, *cap * size);
}

static void census_leaf(struct census *c, pte_t e)
{
	c->leaves = grow(c->leaves, c->nleaves, &c->leaves_cap, sizeof(*c->leaves));
	c->leaves[c->nleaves++] = (struct leaf){ pte_addr(e), (e & PTE_COUNTED) != 0 };
	c->owned += !(e & PTE_SHARED);
}

static void census_table(struct census *c, paddr_t pa, int level, unsigned lo,
			 unsigned hi);

/* The pointer e to a level-`level` table: count it, visit the table once. */
static void census_pointer(struct census *c, pte_t e, int level)
{
	for (size_t i = 0; i < c->ntables; i++) {
		if (c->tables[i].pa == pte_addr(e)) {
			c->tables[i].pointers++;
			c->tables[i].any_owned |= !pte_table_is_shared(e);
			return;
		}
	}
	c->tables = grow(c->tables, c->ntables, &c->tables_cap, sizeof(*c->tables));
	c->tables[c->ntables++] = (struct table_seen){ pte_addr(e), 1,
						       !pte_table_is_shared(e) };
	census_table(c, pte_addr(e), level, 0, VM_ENTRIES);
}

static void census_table(struct census *c, paddr_t pa, int level, unsigned lo,
			 unsigned hi)
{
	const pte_t *t = sim_phys_to_virt(&c->w->phys, pa);

	for (unsigned i = lo; i < hi; i++) {
		if (!pte_is_present(t[i]))
			continue;
		if (level > 0)
			census_pointer(c, t[i], level - 1);
		else
			census_leaf(c, t[i]);
	}
}

static int leaf_cmp(const void *a, const void *b)
{
	paddr_t x = ((const struct leaf *)a)->frame;
	paddr_t y = ((const struct leaf *)b)->frame;

	return x < y ? -1 : x > y;
}

/* Every frame's count is its number of leaves; totals match the table. */
static void check_frame_counts(struct world *w, struct census *c)
{
	struct vm_share_stats ss = vm_share_stats(&w->share);
	size_t frames = 0;
	uint64_t extra = 0;

	if (c->nleaves > 0)
		qsort(c->leaves, c->nleaves, sizeof(*c->leaves), leaf_cmp);
	for (size_t a = 0, b; a < c->nleaves; a = b) {
		bool all_counted = true;

		for (b = a; b < c->nleaves && c->leaves[b].frame == c->leaves[a].frame; b++)
			all_counted &= c->leaves[b].counted;
		if (!all_counted && b - a != 1)
			fail_msg("frame %#lx mapped %zu times, not all counted",
				 (unsigned long)c->leaves[a].frame, b - a);
		if (all_counted)
			assert_int_equal(vm_share_count(&w->share,
							c->leaves[a].frame),
					 b - a);
		frames += b - a > 1;
		extra += b - a - 1;
	}
	assert_int_equal(ss.frames, frames);
	assert_int_equal(ss.extra, extra);
}

/* Every table's count is its number of pointers; an owned pointer is the
 * only one; totals match the table set. */
static void check_table_counts(struct world *w, struct census *c)
{
	struct vm_share_stats ss = vm_share_stats(&w->share);
	size_t tables = 0;
	uint64_t extra = 0;

	for (size_t i = 0; i < c->ntables; i++) {
		struct table_seen *t = &c->tables[i];

		assert_int_equal(vm_share_table_count(&w->share, t->pa), t->pointers);
		if (t->any_owned && t->pointers != 1)
			fail_msg("table %#lx owned by one of %lu pointers",
				 (unsigned long)t->pa, (unsigned long)t->pointers);
		tables += t->pointers > 1;
		extra += t->pointers - 1;
	}
	assert_int_equal(ss.tables, tables);
	assert_int_equal(ss.table_extra, extra);
}

/* Frames in use == PML4s + descriptor pools + tables + owned leaves -
 * mappings beyond the first of each shared frame, everything counted
 * once. */
static void check_census(struct world *w)
{
	struct census c = { .w = w };
	struct vm_share_stats ss = vm_share_stats(&w->share);
	size_t pml4s = 0;

	for (int i = 0; i < MAX_SPACES; i++) {
		const struct vm_space *s;

		if (!w->live[i])
			continue;
		s = tables_of(w, i);
		pml4s += 1 + s->compact.held + (s->compact.dir != 0);
		census_table(&c, s->pml4, VM_TOP_LEVEL, vm_index(s->lo, VM_TOP_LEVEL),
			     vm_index(s->hi - 1, VM_TOP_LEVEL) + 1);
	}
	assert_int_equal(w->phys.in_use, pml4s + c.ntables + c.owned - ss.extra);
	check_frame_counts(w, &c);
	check_table_counts(w, &c);
	free(c.leaves);
	free(c.tables);
}

static void world_check(struct world *w)
{
	size_t nodes = 0;
	struct vm_share_stats ss = vm_share_stats(&w->share);
	const char *why = vm_share_check(&w->share);

	if (why)
		fail_msg("%s", why);
	for (int i = 0; i < MAX_SPACES; i++) {
		struct mm_stats st;

		if (!w->live[i])
			continue;
		why = mm_check_invariants(&w->sp[i], &st);
		if (why)
			fail_msg("space %d: %s (at %#lx)", i, why,
				 (unsigned long)st.vm.bad_va);
		nodes += st.vma_nodes;
	}
	assert_int_equal(w->pool.live, nodes);
	assert_int_equal(w->mem.bytes_out, ss.bytes);
	check_census(w);
}

/* Destroy every space: every frame, node and table byte must be back. */
static void world_end(struct world *w)
{
	world_check(w);
	for (int i = 0; i < MAX_SPACES; i++)
		if (w->live[i])
			world_kill(w, i);
	assert_int_equal(w->phys.in_use, 0);
	assert_int_equal(w->pool.live, 0);
	assert_int_equal(vm_share_stats(&w->share).bytes, 0);
	assert_int_equal(w->mem.bytes_out, 0);
	sim_phys_fini(&w->phys);
	free(w);
}

/* --- user accesses ------------------------------------------------------ */

static struct vm_state state_of(struct world *w, int i, vaddr_t va)
{
	struct vm_state st;

	assert_status(mm_query(&w->sp[i], va, &st), VM_OK);
	return st;
}

/* The fault a user access with pf meets at va, if it meets one. */
static enum vm_fault_result user_fault(struct world *w, int i, vaddr_t va,
				       unsigned pf)
{
	struct vm_state st = state_of(w, i, va);

	if (st.kind == VM_STATE_PRESENT &&
	    (!(pf & VM_PF_WRITE) || ((st.entry & PTE_RW) && !st.table_shared)))
		return VM_FAULT_HANDLED; /* the MMU lets it through */
	if (st.kind == VM_STATE_PRESENT)
		pf |= VM_PF_PRESENT;
	return mm_fault(&w->sp[i], va, pf | VM_PF_USER, NULL);
}

static uint64_t *user_word(struct world *w, int i, vaddr_t va)
{
	return sim_phys_to_virt(&w->phys, state_of(w, i, va).frame);
}

static void user_write(struct world *w, int i, vaddr_t va, uint64_t val)
{
	assert_fault(user_fault(w, i, va, VM_PF_WRITE), VM_FAULT_HANDLED);
	assert_true(state_of(w, i, va).entry & PTE_RW);
	assert_false(state_of(w, i, va).table_shared);
	*user_word(w, i, va) = val;
}

static uint64_t user_read(struct world *w, int i, vaddr_t va)
{
	assert_fault(user_fault(w, i, va, 0), VM_FAULT_HANDLED);
	return *user_word(w, i, va);
}

static vaddr_t reserve(struct world *w, int i, size_t npages, unsigned prot)
{
	vaddr_t va;

	assert_status(mm_reserve(&w->sp[i], npages, prot, &va), VM_OK);
	return va;
}

/* A write to the present page va of space i would take a copy first (of
 * the frame, or of the table fork shares, whose frames become COW). */
static bool copy_on_write(struct world *w, int i, vaddr_t va)
{
	struct vm_state st = state_of(w, i, va);

	return st.cow || (st.table_shared && (st.prot & VM_PROT_WRITE));
}

static paddr_t frame_of(struct world *w, int i, vaddr_t va)
{
	return state_of(w, i, va).frame;
}

static uint64_t copies(struct world *w)
{
	return vm_share_stats(&w->share).cow_copies;
}

static uint64_t in_place(struct world *w)
{
	return vm_share_stats(&w->share).cow_in_place;
}

/* Table frames of space i, which is all a fork may allocate. */
static size_t tables(struct world *w, int i)
{
	struct mm_stats st;

	assert_null(mm_check_invariants(&w->sp[i], &st));
	return st.vm.table_pages;
}

/* The frames of space i's descriptor pool (a spare stays after fork has
 * expanded every compact entry). */
static size_t descriptor_frames(struct world *w, int i)
{
	struct mm_stats st;

	assert_null(mm_check_invariants(&w->sp[i], &st));
	return st.vm.descriptor_pages;
}

/* --- tests -------------------------------------------------------------- */

static void fork_child_and_parent_see_their_own_writes_in(enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 8, RW);
	unsigned long allocs, invalidations;

	for (int i = 0; i < 8; i++)
		user_write(w, p, va + i * PAGE_SIZE, 100 + i);
	allocs = w->phys.allocs;
	invalidations = w->phys.invalidations;
	c = world_fork(w, p);
	if (shares_tables(w)) {
		/* the child's PML4; the parent's tables lose RW at once */
		assert_int_equal(w->phys.allocs - allocs, 1);
		assert_int_equal(w->phys.invalidations - invalidations, 1);
	} else {
		assert_int_equal(w->phys.allocs - allocs, tables(w, c));
		/* every downgraded page of the parent, and nothing else */
		assert_int_equal(w->phys.invalidations - invalidations, 8);
	}
	assert_true(copy_on_write(w, p, va) && copy_on_write(w, c, va));
	world_check(w);
	for (int i = 0; i < 8; i++)
		assert_int_equal(user_read(w, c, va + i * PAGE_SIZE), 100 + i);

	user_write(w, c, va, 7); /* shared: copied */
	assert_int_equal(copies(w), 1);
	assert_int_equal(user_read(w, p, va), 100);
	user_write(w, p, va, 8); /* the last mapping: in place */
	assert_int_equal(copies(w), 1);
	assert_int_equal(in_place(w), 1);
	assert_int_equal(user_read(w, c, va), 7);
	assert_int_equal(frame_of(w, p, va + PAGE_SIZE),
			 frame_of(w, c, va + PAGE_SIZE));
	world_check(w);

	/* protect keeps a shared page copy-on-write */
	assert_status(mm_protect(&w->sp[c], va, 8, RW | VM_PROT_EXEC), VM_OK);
	assert_true(copy_on_write(w, c, va + PAGE_SIZE));
	world_kill(w, p); /* the child's pages are now its own */
	user_write(w, c, va + PAGE_SIZE, 9);
	assert_int_equal(copies(w), 1);
	assert_int_equal(in_place(w), 2);
	world_end(w);
}
FORK_CASES(fork_child_and_parent_see_their_own_writes)

static void fork_read_only_pages_are_shared_not_copied_in(enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 4, RW);
	struct vm_state st;

	for (int i = 0; i < 4; i++)
		user_write(w, p, va + i * PAGE_SIZE, 50 + i);
	assert_status(mm_protect(&w->sp[p], va, 4, RO), VM_OK);
	c = world_fork(w, p);
	st = state_of(w, c, va);
	assert_int_equal(st.frame, frame_of(w, p, va));
	assert_false(st.cow);
	assert_int_equal(st.prot, RO);
	assert_fault(user_fault(w, c, va, VM_PF_WRITE), VM_FAULT_PROTECTION);
	assert_fault(user_fault(w, p, va, VM_PF_WRITE), VM_FAULT_PROTECTION);
	world_check(w);

	/* made writable again, a shared page is copy-on-write */
	assert_status(mm_protect(&w->sp[c], va, 4, RW), VM_OK);
	assert_true(copy_on_write(w, c, va));
	user_write(w, c, va, 1);
	assert_status(mm_protect(&w->sp[p], va, 4, RW), VM_OK);
	user_write(w, p, va, 2);
	assert_int_equal(copies(w), 1);
	assert_int_equal(in_place(w), 1);
	assert_int_equal(user_read(w, c, va + PAGE_SIZE), 51);
	world_end(w);
}
FORK_CASES(fork_read_only_pages_are_shared_not_copied)

static int provide_stamp(void *ctx, uint64_t page, void *dest)
{
	(void)ctx;
	memset(dest, 0, PAGE_SIZE);
	memcpy(dest, &page, sizeof(page));
	return 0;
}

/* The child's page va is in the parent's state (frame aside). */
static void assert_same_state(struct world *w, int p, int c, vaddr_t va)
{
	struct vm_state a = state_of(w, p, va), b = state_of(w, c, va);

	assert_int_equal(a.kind, b.kind);
	assert_int_equal(a.prot, b.prot);
	assert_int_equal(a.start, b.start);
	assert_int_equal(a.level, b.level);
	assert_int_equal(a.selector, b.selector);
	assert_int_equal(a.page, b.page);
}

static void fork_copies_reservations_images_and_guards_without_frames_in(
	enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t img, grd;
	unsigned long allocs;

	assert_status(vm_provider_register(SEL_STAMP, provide_stamp, NULL),
		      VM_OK);
	assert_status(mm_reserve_at(&w->sp[p], GIB, PAGES(GIB), RW), VM_OK);
	assert_status(mm_reserve_image(&w->sp[p], 4, RO, SEL_STAMP, 40, &img),
		      VM_OK);
	grd = reserve(w, p, 4, RW);
	assert_status(mm_guard(&w->sp[p], grd + PAGE_SIZE, 1), VM_OK);
	allocs = w->phys.allocs;
	c = world_fork(w, p);
	if (shares_tables(w)) {
		assert_int_equal(w->phys.allocs - allocs, 1);
		assert_int_equal(w->phys.in_use,
				 tables(w, p) + descriptor_frames(w, p) + 1);
	} else {
		assert_int_equal(w->phys.allocs - allocs, tables(w, c));
		assert_int_equal(w->phys.in_use, tables(w, p) + tables(w, c) +
						 descriptor_frames(w, p));
	}
	for (vaddr_t va = GIB; va < 2 * GIB; va += 256 * MIB)
		assert_same_state(w, p, c, va);
	for (int i = 0; i < 4; i++) {
		assert_same_state(w, p, c, img + i * PAGE_SIZE);
		assert_same_state(w, p, c, grd + i * PAGE_SIZE);
	}
	world_check(w);
	assert_int_equal(user_read(w, c, img + 2 * PAGE_SIZE), 42);
	assert_fault(user_fault(w, c, grd + PAGE_SIZE, 0), VM_FAULT_GUARD);
	assert_int_equal(state_of(w, p, img + 2 * PAGE_SIZE).kind,
			 VM_STATE_IMAGE);
	user_write(w, c, GIB + 3 * PAGE_SIZE, 1);
	assert_int_equal(state_of(w, p, GIB + 3 * PAGE_SIZE).kind,
			 VM_STATE_RESERVED);
	assert_int_equal(copies(w), 0);
	vm_provider_unregister(SEL_STAMP);
	world_end(w);
}
FORK_CASES(fork_copies_reservations_images_and_guards_without_frames)

static void fork_release_and_guard_drop_references_in(enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 4, RW), vb = reserve(w, p, 2, RW);

	for (int i = 0; i < 4; i++)
		user_write(w, p, va + i * PAGE_SIZE, i);
	user_write(w, p, vb, 1);
	c = world_fork(w, p);
	assert_status(mm_guard(&w->sp[c], va + PAGE_SIZE, 2), VM_OK);
	assert_status(mm_release(&w->sp[c], vb, 2), VM_OK);
	world_check(w);
	user_write(w, p, va + PAGE_SIZE, 5); /* the child let go: in place */
	user_write(w, p, vb, 6);
	assert_int_equal(in_place(w), 2);
	assert_int_equal(copies(w), 0);
	world_end(w);
}
FORK_CASES(fork_release_and_guard_drop_references)

#define CHAIN 8
#define CHAIN_PAGES 16

/* What generation g of the chain holds in page i. */
static uint64_t chain_value(int g, int i)
{
	return i >= 1 && i <= g ? (uint64_t)i * 100 : 1000 + (uint64_t)i;
}

static void chain_verify(struct world *w, const int *gen, vaddr_t va)
{
	for (int g = 0; g <= CHAIN; g++)
		if (w->live[gen[g]])
			for (int i = 0; i < CHAIN_PAGES; i++)
				assert_int_equal(user_read(w, gen[g],
							   va + i * PAGE_SIZE),
						 chain_value(g, i));
	world_check(w);
}

static void fork_chain_eight_deep_in(enum mm_design d)
{
	static const int kill_order[] = { 4, 0, 8, 1, 7, 2, 6, 3, 5 };
	struct world *w = world_new(d, 512);
	int gen[CHAIN + 1];
	vaddr_t va;

	gen[0] = world_root(w);
	va = reserve(w, gen[0], CHAIN_PAGES, RW);
	for (int i = 0; i < CHAIN_PAGES; i++)
		user_write(w, gen[0], va + i * PAGE_SIZE, chain_value(0, i));
	for (int g = 1; g <= CHAIN; g++) {
		gen[g] = world_fork(w, gen[g - 1]);
		user_write(w, gen[g], va + g * PAGE_SIZE, chain_value(g, g));
	}
	/* page 0 is shared by all nine, each written page by its subtree */
	assert_int_equal(vm_share_count(&w->share,
					frame_of(w, gen[0], va)),
			 CHAIN + 1);
	assert_int_equal(copies(w), CHAIN);
	chain_verify(w, gen, va);
	for (size_t k = 0; k < sizeof(kill_order) / sizeof(*kill_order); k++) {
		world_kill(w, gen[kill_order[k]]);
		chain_verify(w, gen, va);
	}
	world_end(w);
}
FORK_CASES(fork_chain_eight_deep)

#define TREE_PAGES 12
#define TREE_AREAS 5
#define AREA_PAGES 6

/* Areas each space reserves, releases and protects on its own, placed
 * across 2 MiB, 1 GiB and 512 GiB boundaries (tables at every level). */
static const vaddr_t tree_area_va[TREE_AREAS] = {
	64 * MIB - 3 * PAGE_SIZE, GIB - 2 * PAGE_SIZE,
	GIB + 5 * MIB, 512 * GIB - 3 * PAGE_SIZE, 700 * GIB,
};

struct area_model {
	bool reserved, writable;
	uint64_t page[AREA_PAGES];
};

struct tree {
	struct world *w;
	vaddr_t va;
	uint64_t expect[MAX_SPACES][TREE_PAGES];
	struct area_model area[MAX_SPACES][TREE_AREAS];
	uint64_t rng;
};

static int tree_pick_live(struct tree *t)
{
	for (;;) {
		int i = (int)(card1_rng_next(&t->rng) % MAX_SPACES);

		if (t->w->live[i])
			return i;
	}
}

static int tree_count(const struct tree *t)
{
	int n = 0;

	for (int i = 0; i < MAX_SPACES; i++)
		n += t->w->live[i];
	return n;
}

/* One random change to an area of space i, checked against the model. */
static void tree_area_step(struct tree *t, int i)
{
	int k = (int)(card1_rng_next(&t->rng) % TREE_AREAS);
	int page = (int)(card1_rng_next(&t->rng) % AREA_PAGES);
	unsigned op = (unsigned)(card1_rng_next(&t->rng) % 8);
	struct area_model *a = &t->area[i][k];
	struct mm_space *s = &t->w->sp[i];
	vaddr_t va = tree_area_va[k], pva = va + (vaddr_t)page * PAGE_SIZE;

	if (!a->reserved) {
		assert_status(mm_reserve_at(s, va, AREA_PAGES, RW), VM_OK);
		*a = (struct area_model){ .reserved = true, .writable = true };
	} else if (op == 0) {
		assert_status(mm_release(s, va, AREA_PAGES), VM_OK);
		a->reserved = false;
		assert_fault(user_fault(t->w, i, pva, 0), VM_FAULT_FREE);
	} else if (op == 1) {
		a->writable = !a->writable;
		assert_status(mm_protect(s, va, AREA_PAGES, a->writable ? RW : RO),
			      VM_OK);
	} else if (op < 5 && a->writable) {
		a->page[page] = card1_rng_next(&t->rng);
		user_write(t->w, i, pva, a->page[page]);
	} else if (op < 5) {
		assert_fault(user_fault(t->w, i, pva, VM_PF_WRITE),
			     VM_FAULT_PROTECTION);
	} else {
		assert_int_equal(user_read(t->w, i, pva), a->page[page]);
	}
}

/* One random fork, kill, write or read, or a change to an area. */
static void tree_step(struct tree *t)
{
	unsigned op = (unsigned)(card1_rng_next(&t->rng) % 16);
	int i = tree_pick_live(t);
	int page = (int)(card1_rng_next(&t->rng) % TREE_PAGES);
	vaddr_t va = t->va + (vaddr_t)page * PAGE_SIZE;

	if (op == 0 && tree_count(t) < MAX_SPACES) {
		int c = world_fork(t->w, i);

		memcpy(t->expect[c], t->expect[i], sizeof(t->expect[i]));
		memcpy(t->area[c], t->area[i], sizeof(t->area[i]));
	} else if (op == 1 && tree_count(t) > 1) {
		world_kill(t->w, i);
	} else if (op < 6) {
		t->expect[i][page] = card1_rng_next(&t->rng);
		user_write(t->w, i, va, t->expect[i][page]);
	} else if (op < 9) {
		assert_int_equal(user_read(t->w, i, va), t->expect[i][page]);
	} else {
		tree_area_step(t, i);
	}
}

static void tree_verify(struct tree *t)
{
	for (int i = 0; i < MAX_SPACES; i++) {
		for (int p = 0; t->w->live[i] && p < TREE_PAGES; p++)
			assert_int_equal(user_read(t->w, i, t->va + p * PAGE_SIZE),
					 t->expect[i][p]);
		for (int k = 0; t->w->live[i] && k < TREE_AREAS; k++)
			for (int p = 0; t->area[i][k].reserved && p < AREA_PAGES; p++)
				assert_int_equal(
					user_read(t->w, i, tree_area_va[k] + p * PAGE_SIZE),
					t->area[i][k].page[p]);
	}
}

/* Random trees of forks: writes, reserves, releases and protects on
 * every side, against a model of what each space holds; every frame and
 * table back once all have gone (world_end). */
static void fork_tree_of_random_forks_matches_a_reference_in(enum mm_design d)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct tree t = { .w = world_new(d, 4096), .rng = 0xf0f0f0f1 * seed };
		int root = world_root(t.w);

		t.va = reserve(t.w, root, TREE_PAGES, RW);
		for (int step = 0; step < 3000; step++) {
			tree_step(&t);
			if (step % 64 == 0)
				world_check(t.w);
		}
		tree_verify(&t);
		world_end(t.w);
	}
}
FORK_CASES(fork_tree_of_random_forks_matches_a_reference)

static void fork_costs_no_copies_until_written_in(enum mm_design d)
{
	const size_t touched = PAGES(16 * MIB);
	struct world *w = world_new(d, 2 * touched + 64);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, PAGES(64 * MIB), RW);
	unsigned long allocs;
	size_t before;

	for (size_t i = 0; i < touched; i++)
		user_write(w, p, va + i * PAGE_SIZE, i);
	allocs = w->phys.allocs;
	before = tables(w, p);
	c = world_fork(w, p);
	/* shared: the child's PML4; copied: one for one; and either way the
	 * tables of the parent's compact entries, which fork expands first
	 * (vm_compact.c) */
	assert_int_equal(w->phys.allocs - allocs,
			 (shares_tables(w) ? 1 : tables(w, c)) +
				 tables(w, p) - before);
	assert_int_equal(tables(w, c), tables(w, p));
	assert_int_equal(copies(w) + in_place(w), 0);
	world_check(w);
	for (size_t i = 0; i < touched; i++)
		user_write(w, p, va + i * PAGE_SIZE, ~(uint64_t)i);
	assert_int_equal(copies(w), touched); /* one copy per page written */
	assert_int_equal(in_place(w), 0);
	for (size_t i = 0; i < touched; i++)
		user_write(w, c, va + i * PAGE_SIZE, i + 1);
	assert_int_equal(copies(w), touched); /* the last writer: in place */
	assert_int_equal(in_place(w), touched);
	assert_int_equal(vm_share_stats(&w->share).frames, 0);
	/* the table of the reservation's untouched end stays shared */
	if (!shares_tables(w))
		assert_int_equal(vm_share_stats(&w->share).bytes, 0);
	user_write(w, c, va + touched * PAGE_SIZE, 1); /* a plain fill */
	assert_int_equal(copies(w) + in_place(w), 2 * touched);
	assert_int_equal(user_read(w, p, va + 5 * PAGE_SIZE), ~(uint64_t)5);
	assert_int_equal(user_read(w, c, va + 5 * PAGE_SIZE), 6);
	world_end(w);
}
FORK_CASES(fork_costs_no_copies_until_written)

/* A parent for the out-of-memory tests: pages in several tables, a
 * terabyte-sized reservation, a read-only page and an image. */
static int oom_parent(struct world *w, vaddr_t *va)
{
	int p = world_root(w);

	assert_status(mm_reserve_at(&w->sp[p], GIB - 2 * MIB, PAGES(4 * MIB),
				    RW),
		      VM_OK);
	assert_status(mm_reserve_at(&w->sp[p], 4 * GIB, PAGES(2 * GIB), RW),
		      VM_OK);
	*va = GIB - 2 * MIB;
	for (int i = 0; i < 4; i++)
		user_write(w, p, *va + (vaddr_t)i * MIB, 10 + i);
	user_write(w, p, 5 * GIB, 99);
	assert_status(mm_protect(&w->sp[p], *va + MIB, 1, RO), VM_OK);
	return p;
}

static void oom_parent_intact(struct world *w, int p, vaddr_t va)
{
	for (int i = 0; i < 4; i++)
		assert_int_equal(user_read(w, p, va + (vaddr_t)i * MIB), 10 + i);
	assert_int_equal(user_read(w, p, 5 * GIB), 99);
	assert_int_equal(vm_share_stats(&w->share).extra, 0);
	world_check(w);
}

enum starve { STARVE_FRAMES, STARVE_SHARE, STARVE_NODES };

static void starve(struct world *w, enum starve what, long n)
{
	sim_phys_fail_after(&w->phys, what == STARVE_FRAMES ? n : -1);
	w->mem.pool.fail_after = what == STARVE_SHARE ? n : -1;
	w->pool.fail_after = what == STARVE_NODES ? n : -1;
}

/* Fork p with n = 0, 1, ... allocations of one kind allowed, until it
 * succeeds; every failure must leave p intact and nothing leaked.
 * *failures receives how many forks failed. */
static int fork_with_shrinking_starvation(struct world *w, int p, vaddr_t va,
					  enum starve what, long *failures)
{
	int c;

	for (long n = 0;; n++) {
		enum vm_status st;

		starve(w, what, n);
		st = world_try_fork(w, p, &c);
		starve(w, what, -1);
		if (st == VM_OK) {
			*failures = n;
			return c;
		}
		assert_status(st, VM_ERR_NO_MEMORY);
		oom_parent_intact(w, p, va);
	}
}

static void fork_out_of_memory_during_fork_leaks_nothing_in(enum mm_design d)
{
	static const enum starve kinds[] = { STARVE_FRAMES, STARVE_SHARE,
					     STARVE_NODES };
	struct world *w = world_new(d, 256);
	vaddr_t va;
	int p = oom_parent(w, &va);

	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		long failures;
		int c = fork_with_shrinking_starvation(w, p, va, kinds[k],
						       &failures);

		/* frames: PML4 and each table; share: its first storage;
		 * nodes: one per VMA, Card 1 only */
		if (kinds[k] == STARVE_FRAMES)
			assert_int_equal(failures,
					 shares_tables(w) ? 1 : tables(w, p));
		else if (kinds[k] == STARVE_SHARE)
			assert_int_equal(failures, 1);
		else
			assert_int_equal(failures, d == MM_DESIGN_CARD1 ?
						   (long)w->pool.live / 2 : 0);
		world_check(w);
		assert_int_equal(user_read(w, c, va + 3 * MIB), 13);
		assert_int_equal(user_read(w, c, 5 * GIB), 99);
		world_kill(w, c);
		oom_parent_intact(w, p, va);
	}
	/* marks left by the failed forks cost no copy */
	user_write(w, p, va, 1);
	assert_int_equal(copies(w), 0);
	world_end(w);
}
FORK_CASES(fork_out_of_memory_during_fork_leaks_nothing)

static void fork_out_of_memory_in_a_cow_fault_changes_nothing_in(
	enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 1, RW);
	struct vm_state before;

	user_write(w, p, va, 3);
	c = world_fork(w, p);
	before = state_of(w, c, va);
	sim_phys_fail_after(&w->phys, 0);
	assert_fault(mm_fault(&w->sp[c], va,
			      VM_PF_USER | VM_PF_WRITE | VM_PF_PRESENT, NULL),
		     VM_FAULT_NO_MEMORY);
	assert_int_equal(state_of(w, c, va).entry, before.entry);
	/* shared tables: the table copy failed, nothing was counted yet */
	assert_int_equal(vm_share_count(&w->share, before.frame),
			 shares_tables(w) ? 1 : 2);
	assert_int_equal(state_of(w, c, va).table_shared, shares_tables(w));
	world_check(w);
	sim_phys_fail_after(&w->phys, -1);
	user_write(w, c, va, 4);
	assert_int_equal(copies(w), 1);
	assert_int_equal(user_read(w, p, va), 3);
	world_end(w);
}
FORK_CASES(fork_out_of_memory_in_a_cow_fault_changes_nothing)

static void fork_without_a_share_table_is_refused_in(enum mm_design d)
{
	struct world *w = world_new(d, 64);
	struct mm_env env = world_env(w);
	struct mm_space s, child;

	env.share = NULL;
	assert_status(mm_space_init_user(&s, d, &env, VM_USER_LO, VM_USER_HI,
					 NULL),
		      VM_OK);
	assert_status(mm_fork(&s, &child), VM_ERR_INVALID);
	assert_int_equal(w->phys.in_use, 1);
	mm_space_destroy(&s);
	world_end(w);
}
FORK_CASES(fork_without_a_share_table_is_refused)

static void expect_limits_usage(struct world *w, int i, struct vm_limits l,
				struct vm_usage u)
{
	assert_int_equal(mm_limits(&w->sp[i]).max_reserved, l.max_reserved);
	assert_int_equal(mm_limits(&w->sp[i]).max_present, l.max_present);
	assert_int_equal(mm_usage(&w->sp[i]).reserved, u.reserved);
	assert_int_equal(mm_usage(&w->sp[i]).present, u.present);
}

/* The child starts with the parent's limits and usage; at the present
 * limit a copy-on-write copy still succeeds (its page is counted). */
static void vm_fork_inherits_limits_and_usage_in(enum mm_design d)
{
	struct world *w = world_new(d, 256);
	struct vm_limits lim = { 8, 4 };
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 8, RW);

	for (int i = 0; i < 4; i++)
		user_write(w, p, va + i * PAGE_SIZE, 20 + i);
	mm_set_limits(&w->sp[p], lim);
	c = world_fork(w, p);
	world_check(w);
	expect_limits_usage(w, c, lim, (struct vm_usage){ 8, 4 });
	user_write(w, c, va, 30);
	assert_int_equal(copies(w), 1);
	assert_fault(user_fault(w, c, va + 4 * PAGE_SIZE, VM_PF_WRITE),
		     VM_FAULT_LIMIT);
	assert_fault(user_fault(w, p, va + 4 * PAGE_SIZE, 0), VM_FAULT_LIMIT);
	expect_limits_usage(w, p, lim, (struct vm_usage){ 8, 4 });
	assert_int_equal(user_read(w, p, va), 20);
	world_end(w);
}
FORK_CASES(vm_fork_inherits_limits_and_usage)

/* A parent over its limits (lowered below its usage) cannot fork: the
 * child would start over them.  Nothing is shared or allocated. */
static void vm_fork_over_the_limits_is_refused_in(enum mm_design d)
{
	struct world *w = world_new(d, 256);
	int p = world_root(w), c;
	vaddr_t va = reserve(w, p, 8, RW);
	size_t frames;

	for (int i = 0; i < 4; i++)
		user_write(w, p, va + i * PAGE_SIZE, i);
	frames = w->phys.in_use;
	mm_set_limits(&w->sp[p], (struct vm_limits){ 8, 3 });
	assert_status(world_try_fork(w, p, &c), VM_ERR_LIMIT);
	mm_set_limits(&w->sp[p], (struct vm_limits){ 7, VM_LIMIT_NONE });
	assert_status(world_try_fork(w, p, &c), VM_ERR_LIMIT);
	assert_int_equal(w->phys.in_use, frames);
	assert_int_equal(w->pool.live, d == MM_DESIGN_CARD1 ? 1 : 0);
	assert_int_equal(vm_share_stats(&w->share).frames, 0);
	assert_false(state_of(w, p, va).entry & PTE_COUNTED);
	world_check(w);
	mm_set_limits(&w->sp[p], (struct vm_limits){ 8, 4 });
	c = world_fork(w, p);
	assert_int_equal(user_read(w, c, va + 3 * PAGE_SIZE), 3);
	world_end(w);
}
FORK_CASES(vm_fork_over_the_limits_is_refused)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fork_child_and_parent_see_their_own_writes),
		cmocka_unit_test(fork_read_only_pages_are_shared_not_copied),
		cmocka_unit_test(fork_copies_reservations_images_and_guards_without_frames),
		cmocka_unit_test(fork_release_and_guard_drop_references),
		cmocka_unit_test(fork_chain_eight_deep),
		cmocka_unit_test(fork_tree_of_random_forks_matches_a_reference),
		cmocka_unit_test(fork_costs_no_copies_until_written),
		cmocka_unit_test(fork_out_of_memory_during_fork_leaks_nothing),
		cmocka_unit_test(fork_out_of_memory_in_a_cow_fault_changes_nothing),
		cmocka_unit_test(fork_without_a_share_table_is_refused),
		cmocka_unit_test(vm_fork_inherits_limits_and_usage),
		cmocka_unit_test(vm_fork_over_the_limits_is_refused),
	};

	return HOST_TAP_RUN(tests);
}
