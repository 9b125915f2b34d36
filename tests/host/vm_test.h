/*
 * vm_test.h - assertions shared by the vm host tests (cmocka).
 *
 * Header-only macros and one-line helpers: each test program includes it
 * after host_tap.h.  Status and fault codes are compared by name so that a
 * failure prints "VM_ERR_BUSY != VM_OK" instead of two numbers.
 */
#ifndef VM_TEST_H
#define VM_TEST_H

#include "mm/vm.h"
#include "sim_phys.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)
#define PAGES(bytes) ((size_t)((bytes) >> PAGE_SHIFT))

#define assert_status(expr, want)                                             \
	assert_string_equal(vm_status_name(expr), vm_status_name(want))

#define assert_fault(expr, want)                                              \
	assert_string_equal(vm_fault_result_name(expr),                       \
			    vm_fault_result_name(want))

/* Invariants hold and no frame leaked; fills *st_ if given. */
#define assert_sane_stats(v, st_)                                             \
	do {                                                                  \
		const char *why_ = sim_vm_check((v), (st_));                  \
		if (why_)                                                     \
			fail_msg("vm: %s (at %#lx)", why_,                    \
				 (unsigned long)(st_)->bad_va);               \
	} while (0)

#define assert_sane(v)                                                        \
	do {                                                                  \
		struct vm_stats st_;                                          \
		assert_sane_stats((v), &st_);                                 \
	} while (0)

/* The state of the page at va, which must be inside the range. */
static inline struct vm_state vm_test_state(struct sim_vm *v, vaddr_t va)
{
	struct vm_state st;

	assert_status(vm_query(&v->space, va, &st), VM_OK);
	return st;
}

#endif
