/*
 * test_card1.h - fixtures shared by the card1 host tests: a VMA node pool
 * over malloc that counts live nodes and can be told to fail, and an
 * mm_space of either design over simulated memory whose check proves
 * that no frame and no node leaked.
 *
 * Also the random numbers both tests draw.  Header-only (static inline),
 * included after host_tap.h.
 */
#ifndef TEST_CARD1_H
#define TEST_CARD1_H

#include <stdlib.h>
#include <string.h>

#include "lib/panic.h"
#include "mm/mm_space.h"
#include "sim_phys.h"

/* xorshift64: fixed nonzero seeds give the same run everywhere. */
static inline uint64_t card1_rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

struct card1_pool {
	size_t live;      /* nodes handed out and not freed */
	long fail_after;  /* allocations left before failing; -1: never */
};

static inline void *card1_pool_alloc(void *ctx, size_t size)
{
	struct card1_pool *p = ctx;
	void *node;

	if (p->fail_after == 0)
		return NULL;
	if (p->fail_after > 0)
		p->fail_after--;
	node = malloc(size);
	if (!node)
		panic("card1_pool_alloc: host out of memory");
	/* like kmalloc: the node is not zeroed */
	memset(node, 0xA5, size);
	p->live++;
	return node;
}

static inline void card1_pool_free(void *ctx, void *node)
{
	struct card1_pool *p = ctx;

	p->live--;
	free(node);
}

/* One space of either design with its own frames and nodes. */
struct card1_sim {
	struct sim_phys phys;
	struct card1_pool pool;
	struct mm_space space;
};

/* A user space over [lo, hi) with nframes frames; panics if it cannot. */
static inline void card1_sim_init(struct card1_sim *v, enum mm_design design,
				  vaddr_t lo, vaddr_t hi, size_t nframes)
{
	struct mm_env env;

	sim_phys_init(&v->phys, nframes);
	v->pool = (struct card1_pool){ .fail_after = -1 };
	env = (struct mm_env){
		.vm = sim_phys_vm_env(&v->phys),
		.nodes = { .alloc = card1_pool_alloc, .free = card1_pool_free,
			   .ctx = &v->pool },
	};
	if (mm_space_init_user(&v->space, design, &env, lo, hi, NULL) != VM_OK)
		panic("card1_sim_init: no frame for the PML4");
}

/* Let the next n frame and node allocations succeed, then fail; n < 0:
 * never fail. */
static inline void card1_sim_fail_after(struct card1_sim *v, long frames,
					long nodes)
{
	sim_phys_fail_after(&v->phys, frames);
	v->pool.fail_after = nodes;
}

/* Destroy the space; panics unless every frame and node came back. */
static inline void card1_sim_fini(struct card1_sim *v)
{
	mm_space_destroy(&v->space);
	if (v->phys.in_use != 0 || v->pool.live != 0)
		panic("card1_sim_fini: %zu frames, %zu nodes leaked",
		      v->phys.in_use, v->pool.live);
	sim_phys_fini(&v->phys);
}

/*
 * NULL if the space's invariants hold, the frames in use are exactly its
 * tables and present pages, and the live nodes are exactly its VMAs.
 */
static inline const char *card1_sim_check(struct card1_sim *v,
					  struct mm_stats *st)
{
	const char *why = mm_check_invariants(&v->space, st);

	if (why)
		return why;
	if (v->phys.in_use != st->vm.owned_frames + st->vm.table_pages +
				      st->vm.descriptor_pages)
		return "frames in use != owned present pages + page tables + "
		       "descriptor frames";
	if (v->pool.live != st->vma_nodes)
		return "VMA nodes in use != VMAs in the tree";
	return NULL;
}

#define assert_card1_sane_stats(v, st_)                                       \
	do {                                                                  \
		const char *why_ = card1_sim_check((v), (st_));               \
		if (why_)                                                     \
			fail_msg("card1: %s (at %#lx)", why_,                 \
				 (unsigned long)(st_)->vm.bad_va);            \
	} while (0)

/* A cmocka test `name` that runs name_in(design) once per design. */
#define BOTH_DESIGNS(name)                                                    \
	static void name(void **state)                                        \
	{                                                                     \
		(void)state;                                                  \
		name##_in(MM_DESIGN_RDOS);                                    \
		name##_in(MM_DESIGN_CARD1);                                   \
	}

#define assert_card1_sane(v)                                                  \
	do {                                                                  \
		struct mm_stats st_;                                          \
		assert_card1_sane_stats((v), &st_);                           \
	} while (0)

#endif
