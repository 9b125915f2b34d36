/*
 * thread.c - thread_start (thread.h).
 *
 * The start record {fn, arg} sits at the very top of the new stack; the
 * kernel enters thread_entry with RCX pointing at it (the first argument
 * in the Microsoft x64 convention these programs are built for) and RSP
 * below it.
 */
#include "abi/rdos_abi.h"
#include "user/runtime/sys.h"
#include "user/runtime/thread.h"

struct thread_start_record {
	void (*fn)(void *);
	void *arg;
};

static void thread_entry(struct thread_start_record *start)
{
	start->fn(start->arg);
	sys_thread_exit();
}

int64_t thread_start(void (*fn)(void *), void *arg, uint64_t stack_pages)
{
	int64_t base = sys_reserve(stack_pages, RDOS_PROT_WRITE, 0);
	struct thread_start_record *start;
	int64_t r;

	if (base < 0)
		return base;
	start = (struct thread_start_record *)(uintptr_t)(base + stack_pages * USER_PAGE_SIZE) - 1;
	*start = (struct thread_start_record){ fn, arg };
	r = sys_thread((uintptr_t)thread_entry, (uintptr_t)start, (uintptr_t)start);
	if (r < 0)
		sys_release((uint64_t)base, stack_pages);
	return r;
}
