/*
 * sim_phys.c - simulated physical memory for host tests (see sim_phys.h).
 *
 * Free frames sit on a stack, so allocation and free are O(1) even for the
 * large simulations of the benchmarks.  A broken contract (double free, a
 * foreign address, a write after free) panics: that is a bug in the code
 * under test, not a test outcome.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lib/panic.h"
#include "sim_phys.h"

#define SIM_FREED_BYTE 0xDB /* in free frames */
#define SIM_FRESH_BYTE 0xA5 /* in frames just handed out: not zeroed */

void sim_phys_init(struct sim_phys *p, size_t nframes)
{
	*p = (struct sim_phys){ .nframes = nframes, .fail_after = -1,
				.poison = true };
	p->mem = aligned_alloc(PAGE_SIZE, nframes * PAGE_SIZE);
	p->free_stack = malloc(nframes * sizeof(*p->free_stack));
	p->used = calloc(nframes, sizeof(*p->used));
	if (!p->mem || !p->free_stack || !p->used)
		panic("sim_phys_init: no host memory for %zu frames", nframes);
	pthread_mutex_init(&p->lock, NULL);
	memset(p->mem, SIM_FREED_BYTE, nframes * PAGE_SIZE);
	/* lowest address on top, so runs come out in address order */
	for (size_t i = 0; i < nframes; i++)
		p->free_stack[i] = nframes - 1 - i;
	p->nfree = nframes;
}

void sim_phys_fini(struct sim_phys *p)
{
	free(p->mem);
	free(p->free_stack);
	free(p->used);
	pthread_mutex_destroy(&p->lock);
	*p = (struct sim_phys){ 0 };
}

static void sim_lock(struct sim_phys *p)
{
	if (p->threads)
		pthread_mutex_lock(&p->lock);
}

static void sim_unlock(struct sim_phys *p)
{
	if (p->threads)
		pthread_mutex_unlock(&p->lock);
}

/* With threads, let another thread run after a frame is handed out or
 * looked up (every table visited): faults racing for one page or one
 * table then overlap even on a busy machine. */
static void sim_interleave(struct sim_phys *p)
{
	if (p->threads)
		sched_yield();
}

void sim_phys_fail_after(struct sim_phys *p, long n)
{
	p->fail_after = n;
}

static size_t frame_index(const struct sim_phys *p, paddr_t pa)
{
	size_t i = (pa - SIM_PHYS_BASE) >> PAGE_SHIFT;

	if (pa < SIM_PHYS_BASE || (pa & PAGE_MASK) || i >= p->nframes)
		panic("sim_phys: %#lx is not a simulated frame",
		      (unsigned long)pa);
	return i;
}

static void check_untouched(const struct sim_phys *p, size_t i)
{
	const unsigned char *f = p->mem + i * PAGE_SIZE;

	for (size_t b = 0; b < PAGE_SIZE; b++)
		if (f[b] != SIM_FREED_BYTE)
			panic("sim_phys: free frame %zu written at byte %zu",
			      i, b);
}

int sim_phys_alloc(struct sim_phys *p, paddr_t *out)
{
	size_t i;

	sim_lock(p);
	if (p->fail_after == 0 || p->nfree == 0) {
		sim_unlock(p);
		return -1;
	}
	if (p->fail_after > 0)
		p->fail_after--;
	i = p->free_stack[--p->nfree];
	if (p->poison) {
		check_untouched(p, i);
		memset(p->mem + i * PAGE_SIZE, SIM_FRESH_BYTE, PAGE_SIZE);
	}
	p->used[i] = true;
	p->in_use++;
	p->allocs++;
	sim_unlock(p);
	sim_interleave(p);
	*out = SIM_PHYS_BASE + ((paddr_t)i << PAGE_SHIFT);
	return 0;
}

void sim_phys_free(struct sim_phys *p, paddr_t pa)
{
	size_t i = frame_index(p, pa);

	sim_lock(p);
	if (!p->used[i])
		panic("sim_phys_free: double free of %#lx", (unsigned long)pa);
	p->used[i] = false;
	if (p->poison)
		memset(p->mem + i * PAGE_SIZE, SIM_FREED_BYTE, PAGE_SIZE);
	p->free_stack[p->nfree++] = i;
	p->in_use--;
	p->frees++;
	sim_unlock(p);
}

void *sim_phys_to_virt(struct sim_phys *p, paddr_t pa)
{
	size_t i = frame_index(p, pa);

	if (!p->used[i])
		panic("sim_phys_to_virt: %#lx is not allocated",
		      (unsigned long)pa);
	sim_interleave(p);
	return p->mem + i * PAGE_SIZE;
}

static void *env_to_virt(void *ctx, paddr_t pa)
{
	return sim_phys_to_virt(ctx, pa);
}

static int env_alloc(void *ctx, paddr_t *out)
{
	return sim_phys_alloc(ctx, out);
}

static void env_free(void *ctx, paddr_t pa)
{
	sim_phys_free(ctx, pa);
}

static void env_invalidate(void *ctx, paddr_t pml4, vaddr_t va)
{
	struct sim_phys *p = ctx;

	(void)pml4;
	sim_lock(p);
	p->invalidations++;
	p->last_invalidated = va;
	sim_unlock(p);
}

static void env_flush_space(void *ctx, paddr_t pml4)
{
	struct sim_phys *p = ctx;

	(void)pml4;
	sim_lock(p);
	p->invalidations++;
	p->space_flushes++;
	sim_unlock(p);
}

uintptr_t sim_phys_direct_map(const struct sim_phys *p)
{
	return (uintptr_t)p->mem - SIM_PHYS_BASE;
}

struct vm_env sim_phys_vm_env(struct sim_phys *p)
{
	return (struct vm_env){ .phys_to_virt = env_to_virt,
				.frame_alloc = env_alloc,
				.frame_free = env_free,
				.tlb_invalidate = env_invalidate,
				.tlb_flush_space = env_flush_space,
				.ctx = p };
}

void sim_vm_init(struct sim_vm *v, vaddr_t lo, vaddr_t hi, size_t nframes,
		 unsigned flags)
{
	struct vm_env env;

	sim_phys_init(&v->phys, nframes);
	env = sim_phys_vm_env(&v->phys);
	if (vm_space_init_user(&v->space, &env, lo, hi, NULL, flags) != VM_OK)
		panic("sim_vm_init: no frame for the PML4");
}

void sim_vm_fini(struct sim_vm *v)
{
	vm_space_destroy(&v->space);
	if (v->phys.in_use != 0)
		panic("sim_vm_fini: %zu frames leaked", v->phys.in_use);
	sim_phys_fini(&v->phys);
}

const char *sim_vm_check(struct sim_vm *v, struct vm_stats *stats)
{
	struct vm_stats local;
	struct vm_stats *st = stats ? stats : &local;
	const char *why = vm_check_invariants(&v->space, st);

	if (why)
		return why;
	if (v->phys.in_use !=
	    st->owned_frames + st->table_pages + st->descriptor_pages)
		return "frames in use != owned present pages + page tables + "
		       "descriptor frames";
	return NULL;
}
