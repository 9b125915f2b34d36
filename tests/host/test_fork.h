/*
 * test_fork.h - fixtures of the fork and frame-share host tests: a
 * memory source for the share table over malloc that counts what is out
 * and can be told to fail, and a frame-share table drawing on it.
 * Included after host_tap.h.
 */
#ifndef TEST_FORK_H
#define TEST_FORK_H

#include "lib/panic.h"
#include "mm/vm_share.h"
#include "test_card1.h"

/* The node pool of test_card1.h, counting bytes as well. */
struct share_source {
	struct card1_pool pool; /* live: runs out; fail_after as there */
	size_t bytes_out;       /* handed out and not freed */
};

static inline void *share_source_alloc(void *ctx, size_t bytes)
{
	struct share_source *m = ctx;
	void *p = card1_pool_alloc(&m->pool, bytes);

	if (p)
		m->bytes_out += bytes;
	return p;
}

static inline void share_source_free(void *ctx, void *p, size_t bytes)
{
	struct share_source *m = ctx;

	if (m->bytes_out < bytes)
		panic("share_source_free: %zu bytes never handed out", bytes);
	m->bytes_out -= bytes;
	card1_pool_free(&m->pool, p);
}

/* An empty table t drawing on m (which this resets). */
static inline void share_setup(struct vm_share *t, struct share_source *m)
{
	struct vm_share_mem mem = { share_source_alloc, share_source_free, m, NULL };

	*m = (struct share_source){ .pool.fail_after = -1 };
	vm_share_init(t, &mem);
}

#endif
