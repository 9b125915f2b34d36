/*
 * mm_space.c - dispatch of the mm_* calls to the space's design.
 *
 * Every call maps one to one onto vm_<call> or card1_<call>, which take
 * the same arguments, so one macro writes the choice once.  A switch on
 * the design rather than a table of function pointers: there are two
 * designs, and the calls stay direct (inlinable, no indirect branches).
 * Every call that changes a space but a fault runs between the
 * environment's exclusive(begin) and exclusive(end) (vm.h, struct vm_env).
 */
#include "mm/mm_space.h"

#define MM_DISPATCH(s, call, ...)                                             \
	((s)->design == MM_DESIGN_CARD1                                       \
		 ? card1_##call(&(s)->card1, __VA_ARGS__)                     \
		 : vm_##call(&(s)->rdos, __VA_ARGS__))

/* MM_DISPATCH for a call that changes the space: inside the exclusion. */
#define MM_DISPATCH_EXCLUSIVE(s, call, ...)                                   \
	({                                                                    \
		enum vm_status st_;                                           \
		exclusive(s, true);                                           \
		st_ = MM_DISPATCH(s, call, __VA_ARGS__);                      \
		exclusive(s, false);                                          \
		st_;                                                          \
	})

/* The page-table side: the vm_space that holds the PML4, the environment
 * (work counts, the exclusion hook), usage and limits. */
static const struct vm_space *tables_of(const struct mm_space *s)
{
	return s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos;
}

static void exclusive(const struct mm_space *s, bool begin)
{
	const struct vm_space *t = tables_of(s);

	if (t->env.exclusive)
		t->env.exclusive(t->env.ctx, t, begin);
}

enum vm_status mm_space_init_user(struct mm_space *s, enum mm_design design,
				  const struct mm_env *env, vaddr_t lo,
				  vaddr_t hi, const struct vm_space *kernel)
{
	enum vm_status st;

	s->design = design;
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
	exclusive(parent, true);
	st = parent->design == MM_DESIGN_CARD1 ? card1_fork(&parent->card1, &child->card1)
					       : vm_fork(&parent->rdos, &child->rdos);
	exclusive(parent, false);
	return st;
}

void mm_space_destroy(struct mm_space *s)
{
	exclusive(s, true);
	if (s->design == MM_DESIGN_CARD1)
		card1_space_destroy(&s->card1);
	else
		vm_space_destroy(&s->rdos);
	exclusive(s, false);
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
	vm_set_limits(s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos,
		      limits);
}

enum vm_status mm_reserve(struct mm_space *s, size_t npages, unsigned prot,
			  vaddr_t *out_va)
{
	return MM_DISPATCH_EXCLUSIVE(s, reserve, npages, prot, out_va);
}

enum vm_status mm_reserve_at(struct mm_space *s, vaddr_t va, size_t npages,
			     unsigned prot)
{
	return MM_DISPATCH_EXCLUSIVE(s, reserve_at, va, npages, prot);
}

enum vm_status mm_reserve_image(struct mm_space *s, size_t npages,
				unsigned prot, unsigned sel,
				uint64_t first_page, vaddr_t *out_va)
{
	return MM_DISPATCH_EXCLUSIVE(s, reserve_image, npages, prot, sel, first_page,
				     out_va);
}

enum vm_status mm_reserve_image_at(struct mm_space *s, vaddr_t va,
				   size_t npages, unsigned prot, unsigned sel,
				   uint64_t first_page)
{
	return MM_DISPATCH_EXCLUSIVE(s, reserve_image_at, va, npages, prot, sel,
				     first_page);
}

enum vm_status mm_release(struct mm_space *s, vaddr_t va, size_t npages)
{
	return MM_DISPATCH_EXCLUSIVE(s, release, va, npages);
}

enum vm_status mm_protect(struct mm_space *s, vaddr_t va, size_t npages,
			  unsigned prot)
{
	return MM_DISPATCH_EXCLUSIVE(s, protect, va, npages, prot);
}

enum vm_status mm_guard(struct mm_space *s, vaddr_t va, size_t npages)
{
	return MM_DISPATCH_EXCLUSIVE(s, guard, va, npages);
}

enum vm_fault_result mm_fault(struct mm_space *s, vaddr_t va, unsigned pf,
			      struct vm_state *before)
{
	return MM_DISPATCH(s, fault, va, pf, before);
}

enum vm_status mm_query(const struct mm_space *s, vaddr_t va,
			struct vm_state *st)
{
	return MM_DISPATCH(s, query, va, st);
}

const char *mm_check_invariants(const struct mm_space *s,
				struct mm_stats *stats)
{
	struct card1_stats cs;
	const char *why;

	if (s->design != MM_DESIGN_CARD1) {
		struct vm_stats *vs = stats ? &stats->vm : NULL;

		if (stats)
			stats->vma_nodes = stats->vma_bytes = 0;
		return vm_check_invariants(&s->rdos, vs);
	}
	why = card1_check_invariants(&s->card1, &cs);
	if (stats)
		*stats = (struct mm_stats){ .vm = cs.vm,
					    .vma_nodes = cs.vma_nodes,
					    .vma_bytes = cs.vma_bytes };
	return why;
}
