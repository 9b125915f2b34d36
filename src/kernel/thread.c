/*
 * thread.c - threads, the run queue, sleeping and the timer tick.
 *
 * Invariants: `current` is running and is on no list; every other runnable
 * thread except the idle thread is on the run queue exactly once; sleeping
 * threads are on the sleep list and blocked.  A dead thread's stack is
 * freed by the next thread to run (finish_switch), never by itself.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "lib/panic.h"
#include "lib/string.h"

#define KERNEL_STACK_PAGES 4

void context_switch(uint64_t *save_rsp, uint64_t load_rsp);
void thread_start_trampoline(void);

static struct thread boot_thread = { .state = THREAD_RUNNABLE };
static struct thread idle_thread_storage;
static struct thread *current = &boot_thread;
static struct thread *idle_thread;
static struct thread *run_head, *run_tail, *sleepers, *dead_thread;
static uint64_t ticks;

static void run_queue_push(struct thread *t)
{
	t->next = NULL;
	if (run_tail)
		run_tail->next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *run_queue_pop(void)
{
	struct thread *t = run_head;

	if (t) {
		run_head = t->next;
		if (!run_head)
			run_tail = NULL;
	}
	return t;
}

static uint64_t stack_top(const struct thread *t)
{
	return t->stack_base + (KERNEL_STACK_PAGES + 1) * PAGE_SIZE;
}

static void stack_free(struct thread *t)
{
	if (kernel_release(t->stack_base, KERNEL_STACK_PAGES + 1) != VM_OK)
		panic("thread: kernel stack %lx not released", t->stack_base);
}

/* Runs on the new thread's stack right after every switch. */
static void finish_switch(void)
{
	if (dead_thread) {
		stack_free(dead_thread);
		process_thread_freed(dead_thread);
		dead_thread = NULL;
	}
}

static void schedule(void)
{
	struct thread *prev = current, *next;

	if (prev->state == THREAD_RUNNABLE && prev != idle_thread)
		run_queue_push(prev);
	next = run_queue_pop();
	if (!next)
		next = idle_thread;
	if (next == prev)
		return;
	if (prev->state == THREAD_DEAD)
		dead_thread = prev;
	current = next;
	if (next->process) {
		tss_set_kernel_stack(stack_top(next));
		address_space_activate(process_space(next->process));
	}
	context_switch(&prev->saved_rsp, next->saved_rsp);
	finish_switch();
}

void thread_first_run(void)
{
	finish_switch();
}

static __attribute__((noreturn)) void idle_loop(void)
{
	for (;;) {
		interrupts_enable();
		cpu_halt();
		interrupts_disable();
		schedule();
	}
}

/* Kernel stack with a guard page below it, committed so it never faults. */
static bool stack_alloc(struct thread *t)
{
	if (kernel_reserve(KERNEL_STACK_PAGES + 1, VM_PROT_WRITE, &t->stack_base) != VM_OK)
		return false;
	if (kernel_guard(t->stack_base, 1) != VM_OK ||
	    kernel_commit(t->stack_base + PAGE_SIZE, KERNEL_STACK_PAGES) != VM_OK) {
		stack_free(t);
		return false;
	}
	return true;
}

/* Makes sp look like a stack that called context_switch from `resume`. */
static void stack_push_switch_frame(struct thread *t, uint64_t *sp, void (*resume)(void))
{
	*--sp = (uint64_t)(uintptr_t)resume;
	for (int i = 0; i < 6; i++) /* rbp rbx r12 r13 r14 r15 */
		*--sp = 0;
	t->saved_rsp = (uint64_t)(uintptr_t)sp;
}

/* A user thread's first switch "returns" into the trampoline, which leaves
 * through trap_return with *frame. */
static void stack_prepare(struct thread *t, const struct trap_frame *frame)
{
	uint64_t *sp = (uint64_t *)(uintptr_t)stack_top(t);

	sp -= sizeof(*frame) / 8;
	memcpy(sp, frame, sizeof(*frame));
	stack_push_switch_frame(t, sp, thread_start_trampoline);
}

struct thread *thread_create_user_frame(struct process *p, const struct trap_frame *frame)
{
	struct thread *t = process_thread_slot(p);

	*t = (struct thread){ .state = THREAD_RUNNABLE, .process = p };
	if (!stack_alloc(t))
		return NULL;
	stack_prepare(t, frame);
	run_queue_push(t);
	return t;
}

struct thread *thread_create_user(struct process *p, vaddr_t entry, vaddr_t user_rsp)
{
	struct trap_frame frame = {
		.rip = entry, .cs = USER_CS, .rflags = RFLAGS_IF, .rsp = user_rsp, .ss = USER_DS,
	};

	return thread_create_user_frame(p, &frame);
}

static void timer_tick(struct trap_frame *frame)
{
	struct thread **link = &sleepers;

	ticks++;
	pic_end_of_interrupt(IRQ_TIMER);
	while (*link) {
		struct thread *t = *link;

		if (t->wake_tick <= ticks) {
			*link = t->next;
			thread_wake(t);
		} else {
			link = &t->next;
		}
	}
	if (trap_from_user(frame))
		schedule();
}

static void ignore_spurious(struct trap_frame *frame)
{
	(void)frame;
}

void sched_init(void)
{
	uint64_t *sp;

	idle_thread = &idle_thread_storage;
	*idle_thread = (struct thread){ .state = THREAD_RUNNABLE };
	if (!stack_alloc(idle_thread))
		panic("sched_init: no memory for the idle thread");
	sp = (uint64_t *)(uintptr_t)stack_top(idle_thread);
	*--sp = 0; /* idle_loop's return address: the backtrace ends here */
	stack_push_switch_frame(idle_thread, sp, (void (*)(void))idle_loop);
	trap_set_handler(IRQ_BASE_VECTOR + IRQ_TIMER, timer_tick);
	trap_set_handler(IRQ_BASE_VECTOR + 7, ignore_spurious);
	trap_set_handler(IRQ_BASE_VECTOR + 15, ignore_spurious);
	pic_timer_init();
}

struct thread *thread_current(void)
{
	return current;
}

void thread_block(void)
{
	current->state = THREAD_BLOCKED;
	schedule();
}

void thread_wake(struct thread *t)
{
	if (t->state != THREAD_BLOCKED)
		return;
	t->state = THREAD_RUNNABLE;
	run_queue_push(t);
}

void thread_sleep(uint64_t n)
{
	current->wake_tick = ticks + (n ? n : 1);
	current->next = sleepers;
	sleepers = current;
	thread_block();
}

void thread_yield(void)
{
	schedule();
}

void thread_exit(void)
{
	current->state = THREAD_DEAD;
	schedule();
	panic("thread_exit: a dead thread was scheduled");
}

uint64_t sched_ticks(void)
{
	return ticks;
}
