/*
 * mm_space.c - dispatch of the mm_* calls to the space's design, under the
 * space's lock (mm_space.h: who is a reader, who a writer, who drains).
 *
 * Every call maps one to one onto vm_<call> or card1_<call>, which take
 * the same arguments, so one macro writes the choice once.  A switch on
 * the design rather than a table of function pointers: there are two
 * designs, and the calls stay direct (inlinable, no indirect branches).
 */
#include "mm/mm_space.h"

#define MM_DISPATCH(s, call, ...)                                             \
	((s)->design == MM_DESIGN_CARD1                                       \
		 ? card1_##call(&(s)->card1, __VA_ARGS__)                     \
		 : vm_##call(&(s)->rdos, __VA_ARGS__))

/* Whether a writer must wait out the kernel's lockless faults first. */
enum mm_change { MM_ADD_ONLY, MM_DRAIN };

/* MM_DISPATCH for a call that changes the space: as a writer. */
#define MM_DISPATCH_WRITER(s, how, call, ...)                                 \
	({                                                                    \
		enum vm_status st_;                                           \
		change_begin(s, how);                                         \
		st_ = MM_DISPATCH(s, call, __VA_ARGS__);                      \
		change_end(s);                                                \
		st_;                                                          \
	})

/* MM_DISPATCH for a call that reads the space or faults: as a reader. */
#define MM_DISPATCH_READER(s, call, ...)                                      \
	({                                                                    \
		__typeof__(MM_DISPATCH(s, call, __VA_ARGS__)) r_;             \
		reader_begin(s);                                              \
		r_ = MM_DISPATCH(s, call, __VA_ARGS__);                       \
		reader_end(s);                                                \
		r_;                                                           \
	})

/* The page-table side: the vm_space that holds the PML4, the environment
 * (work counts, the kernel's hooks), usage and limits. */
static const struct vm_space *tables_of(const struct mm_space *s)
{
	return s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos;
}

/* The lock and the draining flag are not part of what a const space
 * promises to leave alone: a check of a const space still excludes
 * changes and faults. */
static struct mm_space *lockable(const struct mm_space *s)
{
	return (struct mm_space *)s;
}

static void reader_begin(const struct mm_space *s)
{
	const struct vm_env *env = &tables_of(s)->env;

	mm_lock_read(&lockable(s)->lock, env->relax, env->ctx);
}

static void reader_end(const struct mm_space *s)
{
	mm_unlock_read(&lockable(s)->lock);
}

/* draining is stored before the lockless faults are looked at, sequentially
 * consistent, as such a fault stores its mark before it loads draining. */
static void change_begin(const struct mm_space *s, enum mm_change how)
{
	const struct vm_space *t = tables_of(s);

	mm_lock_write(&lockable(s)->lock, t->env.relax, t->env.ctx);
	if (how == MM_DRAIN && t->env.drain_faults) {
		__atomic_store_n(&lockable(s)->draining, true, __ATOMIC_SEQ_CST);
		t->env.drain_faults(t->env.ctx, t);
	}
}

static void change_end(const struct mm_space *s)
{
	__atomic_store_n(&lockable(s)->draining, false, __ATOMIC_RELEASE);
	mm_unlock_write(&lockable(s)->lock);
}

static void lock_init(struct mm_space *s)
{
	s->lock = (struct mm_lock)MM_LOCK_INIT;
	s->draining = false;
}

enum vm_status mm_space_init_user(struct mm_space *s, enum mm_design design,
				  const struct mm_env *env, vaddr_t lo,
				  vaddr_t hi, const struct vm_space *kernel)
{
	enum vm_status st;

	s->design = design;
	lock_init(s);
	if (design == MM_DESIGN_CARD1) {
		st = card1_space_init_user(&s->card1, &env->vm, &env->nodes,
					   lo, hi, kernel);
		s->card1.pt.share = env->share;
	} else {
		st = vm_space_init_user(&s->rdos, &env->vm, lo, hi, kernel, 0);
		s->rdos.share = env->share;
	}
	return st;
}

/* Fork write-protects the parent's pages: no fault of the parent runs
 * meanwhile. */
enum vm_status mm_fork(struct mm_space *parent, struct mm_space *child)
{
	enum vm_status st;

	child->design = parent->design;
	lock_init(child);
	change_begin(parent, MM_DRAIN);
	st = parent->design == MM_DESIGN_CARD1 ? card1_fork(&parent->card1, &child->card1)
					       : vm_fork(&parent->rdos, &child->rdos);
	change_end(parent);
	return st;
}

void mm_space_destroy(struct mm_space *s)
{
	change_begin(s, MM_DRAIN);
	if (s->design == MM_DESIGN_CARD1)
		card1_space_destroy(&s->card1);
	else
		vm_space_destroy(&s->rdos);
	change_end(s);
}

const struct mm_work *mm_space_work(const struct mm_space *s)
{
	return tables_of(s)->env.work;
}

paddr_t mm_space_pml4(const struct mm_space *s)
{
	return tables_of(s)->pml4;
}

struct vm_usage mm_usage(const struct mm_space *s)
{
	return vm_usage(tables_of(s));
}

struct vm_limits mm_limits(const struct mm_space *s)
{
	return tables_of(s)->limits;
}

void mm_set_limits(struct mm_space *s, struct vm_limits limits)
{
	change_begin(s, MM_ADD_ONLY);
	vm_set_limits(s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos,
		      limits);
	change_end(s);
}

enum vm_status mm_reserve(struct mm_space *s, size_t npages, unsigned prot,
			  vaddr_t *out_va)
{
	return MM_DISPATCH_WRITER(s, MM_ADD_ONLY, reserve, npages, prot, out_va);
}

enum vm_status mm_reserve_at(struct mm_space *s, vaddr_t va, size_t npages,
			     unsigned prot)
{
	return MM_DISPATCH_WRITER(s, MM_ADD_ONLY, reserve_at, va, npages, prot);
}

enum vm_status mm_reserve_image(struct mm_space *s, size_t npages,
				unsigned prot, unsigned sel,
				uint64_t first_page, vaddr_t *out_va)
{
	return MM_DISPATCH_WRITER(s, MM_ADD_ONLY, reserve_image, npages, prot, sel, first_page,
				     out_va);
}

enum vm_status mm_reserve_image_at(struct mm_space *s, vaddr_t va,
				   size_t npages, unsigned prot, unsigned sel,
				   uint64_t first_page)
{
	return MM_DISPATCH_WRITER(s, MM_ADD_ONLY, reserve_image_at, va, npages, prot, sel,
				     first_page);
}

enum vm_status mm_release(struct mm_space *s, vaddr_t va, size_t npages)
{
	return MM_DISPATCH_WRITER(s, MM_DRAIN, release, va, npages);
}

enum vm_status mm_protect(struct mm_space *s, vaddr_t va, size_t npages,
			  unsigned prot)
{
	return MM_DISPATCH_WRITER(s, MM_DRAIN, protect, va, npages, prot);
}

enum vm_status mm_guard(struct mm_space *s, vaddr_t va, size_t npages)
{
	return MM_DISPATCH_WRITER(s, MM_DRAIN, guard, va, npages);
}

enum vm_fault_result mm_fault(struct mm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before)
{
	enum vm_fault_result r;

	reader_begin(s);
	r = MM_DISPATCH(s, fault, va, pf, before);
	/* A fault that expanded a compact entry retired its descriptor; the
	 * last reader out may reuse it: any fault that could still read it
	 * began before the entry changed and holds the lock too, and those
	 * that come later read the table (smp.md). */
	if (s->design == MM_DESIGN_RDOS && mm_lock_sole_reader(&s->lock))
		vm_compact_reclaim(&s->rdos);
	reader_end(s);
	return r;
}

bool mm_fault_first_touch_unlocked(struct mm_space *s, vaddr_t va, unsigned pf)
{
	return MM_DISPATCH(s, fault_first_touch, va, pf);
}

bool mm_fault_first_touch(struct mm_space *s, vaddr_t va, unsigned pf)
{
	bool done;

	reader_begin(s);
	done = mm_fault_first_touch_unlocked(s, va, pf);
	reader_end(s);
	return done;
}

enum vm_status mm_query(const struct mm_space *s, vaddr_t va,
			struct vm_state *st)
{
	return MM_DISPATCH_READER(s, query, va, st);
}

const char *mm_check_invariants(const struct mm_space *s,
				struct mm_stats *stats)
{
	struct card1_stats cs;
	const char *why;

	/* as a draining writer: the usage counters must hold still */
	change_begin(s, MM_DRAIN);
	if (s->design != MM_DESIGN_CARD1) {
		struct vm_stats *vs = stats ? &stats->vm : NULL;

		if (stats)
			stats->vma_nodes = stats->vma_bytes = 0;
		why = vm_check_invariants(&s->rdos, vs);
	} else {
		why = card1_check_invariants(&s->card1, &cs);
		if (stats)
			*stats = (struct mm_stats){ .vm = cs.vm,
						    .vma_nodes = cs.vma_nodes,
						    .vma_bytes = cs.vma_bytes };
	}
	change_end(s);
	return why;
}
