/*
 * thread.c - threads, the run queue, sleeping and the timer tick.
 *
 * Invariants (all under the kernel lock): each CPU's current thread is
 * running there and is on no list; every other runnable thread except the
 * idle threads is on the one run queue exactly once; sleeping threads are
 * on the sleep list and blocked.  A dead thread's stack is freed by the
 * next thread to run on its CPU (finish_switch), never by itself.  Kernel
 * threads (the idle threads among them) run on the kernel's own page
 * tables, so that no CPU keeps a user PML4 loaded that its process, running
 * on another CPU, might free.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/kernel_lock.h"
#include "kernel/kmalloc.h"
#include "kernel/percpu.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "kernel/tlb.h"
#include "kernel/trap_dispatch.h"
#include "lib/panic.h"
#include "lib/string.h"

#define KERNEL_STACK_PAGES 4

void context_switch(uint64_t *save_rsp, uint64_t load_rsp);
void thread_start_trampoline(void);

static struct thread boot_thread = { .state = THREAD_RUNNABLE };
static struct thread idle_threads[MAX_CPUS]; /* by CPU index */
/* run_head is written under the kernel lock and also read without it,
 * atomically, by ticks and idle CPUs deciding whether they need the lock */
static struct thread *run_head, *run_tail, *sleepers;
static uint64_t ticks; /* written by CPU 0's timer; atomic for readers */

static void run_queue_push(struct thread *t)
{
	t->next = NULL;
	if (run_tail)
		run_tail->next = t;
	else
		__atomic_store_n(&run_head, t, __ATOMIC_RELEASE);
	run_tail = t;
}

static struct thread *run_queue_pop(void)
{
	struct thread *t = run_head;

	if (t) {
		__atomic_store_n(&run_head, t->next, __ATOMIC_RELAXED);
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
	struct cpu *c = this_cpu();

	if (c->dead) {
		struct thread *t = c->dead;

		stack_free(t);
		if (t->process)
			process_thread_freed(t);
		else
			kfree(t); /* kernel thread; the boot and idle threads never die */
		c->dead = NULL;
	}
}

static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;

	if (prev->state == THREAD_RUNNABLE && prev != c->idle)
		run_queue_push(prev);
	next = run_queue_pop();
	if (!next)
		next = c->idle;
	if (next == prev)
		return;
	if (prev->state == THREAD_DEAD)
		c->dead = prev;
	c->current = next;
	if (next->process) {
		tss_set_kernel_stack(stack_top(next));
		address_space_activate(process_space(next->process));
	} else if (address_space_current()) {
		address_space_activate(NULL);
	}
	context_switch(&prev->saved_rsp, next->saved_rsp);
	finish_switch();
}

/* A new user thread's first instructions in the kernel: it leaves for
 * ring 3 from here, so it gives the kernel lock up. */
void thread_first_run(void)
{
	finish_switch();
	kernel_unlock();
}

static bool threads_waiting(void)
{
	return __atomic_load_n(&run_head, __ATOMIC_ACQUIRE) != NULL;
}

/* Halts until a thread is queued: a wake-up IPI ends the halt at once (one
 * that slips in before the halt, within a tick), and ticks that find
 * nothing queued halt again without the kernel lock. */
static void halt_until_work(void)
{
	do {
		interrupts_enable();
		cpu_halt();
		interrupts_disable();
	} while (!threads_waiting());
}

/* Entered with the kernel lock held, as after any switch. */
static __attribute__((noreturn)) void idle_loop(void)
{
	finish_switch();
	for (;;) {
		schedule();
		tlb_settle(); /* nothing waits on a halted CPU */
		kernel_unlock();
		halt_until_work();
		kernel_lock();
	}
}

/* Another CPU that is halted in its idle loop, or NULL. */
static struct cpu *idle_cpu_other_than(const struct cpu *self)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *o = cpu_by_index(i);

		if (o != self && __atomic_load_n(&o->online, __ATOMIC_ACQUIRE) &&
		    o->current == o->idle)
			return o;
	}
	return NULL;
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

/* A kernel thread's first switch "returns" into start, which never returns. */
static void stack_prepare_kernel(struct thread *t, __attribute__((noreturn)) void (*start)(void))
{
	uint64_t *sp = (uint64_t *)(uintptr_t)stack_top(t);

	*--sp = 0; /* start's return address: the backtrace ends here */
	stack_push_switch_frame(t, sp, start);
}

struct thread *thread_create_user_frame(struct process *p, const struct trap_frame *frame)
{
	struct thread *t = process_thread_slot(p);

	if (!t)
		return NULL;
	*t = (struct thread){ .state = THREAD_RUNNABLE, .process = p };
	if (!stack_alloc(t)) {
		t->process = NULL; /* the slot stays free */
		return NULL;
	}
	stack_prepare(t, frame);
	t->state = THREAD_BLOCKED;
	thread_wake(t);
	return t;
}

struct thread *thread_create_user(struct process *p, vaddr_t entry, vaddr_t user_rsp)
{
	struct trap_frame frame = {
		.rip = entry, .cs = USER_CS, .rflags = RFLAGS_IF, .rsp = user_rsp, .ss = USER_DS,
	};

	return thread_create_user_frame(p, &frame);
}

/* A kernel thread's first switch "returns" here, with the kernel lock. */
static __attribute__((noreturn)) void kernel_thread_start(void)
{
	struct thread *self;

	finish_switch();
	self = this_cpu()->current;
	self->entry(self->entry_arg);
	thread_exit();
}

struct thread *thread_create_kernel(void (*entry)(void *), void *arg)
{
	struct thread *t = kmalloc(sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct thread){ .state = THREAD_BLOCKED, .entry = entry, .entry_arg = arg };
	if (!stack_alloc(t)) {
		kfree(t);
		return NULL;
	}
	stack_prepare_kernel(t, kernel_thread_start);
	thread_wake(t);
	return t;
}

/* Unlinks the sleeper at *link (so that thread_wake need not look). */
static void sleep_list_unlink(struct thread **link)
{
	struct thread *t = *link;

	*link = t->next;
	t->sleeping = false;
}

/* A sleeper woken before its time (its process is exiting). */
static void sleep_list_remove(struct thread *t)
{
	struct thread **link = &sleepers;

	while (*link != t)
		link = &(*link)->next;
	sleep_list_unlink(link);
}

static void wake_sleepers(void)
{
	struct thread **link = &sleepers;
	uint64_t now = sched_ticks();

	while (*link) {
		struct thread *t = *link;

		if (t->wake_tick <= now) {
			sleep_list_unlink(link);
			thread_wake(t);
		} else {
			link = &t->next;
		}
	}
}

/* Every CPU's timer preempts its user code; CPU 0's also keeps time. */
static void timer_tick(struct trap_frame *frame)
{
	lapic_eoi();
	if (this_cpu()->index == 0) {
		__atomic_store_n(&ticks, ticks + 1, __ATOMIC_RELAXED);
		wake_sleepers();
	}
	if (trap_from_user(frame))
		schedule();
}

/*
 * A tick with nothing to do leaves the kernel lock alone: on a CPU other
 * than CPU 0 (which keeps time), with no thread waiting to run, and, from
 * ring 3, no reason for the thread to end.  All CPUs' timers run at the
 * same rate, so taking the lock on every tick had them all queue for it at
 * once, every tick; under TCG's round-robin vCPUs the queue took longer
 * than a tick, and a thread that returned to ring 3 met the next tick
 * before its first instruction, forever (docs/smp.md).
 */
static bool tick_without_lock(struct trap_frame *frame)
{
	if (this_cpu()->index == 0 || threads_waiting() ||
	    (trap_from_user(frame) && process_exiting()))
		return false;
	lapic_eoi();
	return true;
}

/* The wake-up IPI only has to end the halt: the idle loop then schedules. */
static void wake_from_halt(struct trap_frame *frame)
{
	(void)frame;
	lapic_eoi();
}

/* An idle thread for CPU c, with its stack; c's current until it has
 * something else to run. */
static struct thread *idle_create(struct cpu *c)
{
	struct thread *t = &idle_threads[c->index];

	*t = (struct thread){ .state = THREAD_RUNNABLE };
	if (!stack_alloc(t))
		panic("sched: no memory for CPU %u's idle stack", c->index);
	c->idle = t;
	return t;
}

void sched_init(void)
{
	struct cpu *c = this_cpu();
	struct thread *idle = idle_create(c);

	c->current = &boot_thread;
	stack_prepare_kernel(idle, idle_loop);
	trap_set_handler(VEC_LAPIC_TIMER, timer_tick);
	trap_set_fast_path(VEC_LAPIC_TIMER, tick_without_lock);
	trap_set_lockless_handler(VEC_RESCHEDULE, wake_from_halt);
}

uint64_t sched_prepare_cpu(struct cpu *c)
{
	struct thread *idle = idle_create(c);

	c->current = idle;
	return stack_top(idle);
}

void sched_run_idle(void)
{
	idle_loop();
}

struct thread *thread_current(void)
{
	return this_cpu()->current;
}

void thread_block(void)
{
	this_cpu()->current->state = THREAD_BLOCKED;
	schedule();
}

void thread_wake(struct thread *t)
{
	struct cpu *idle;

	if (t->state != THREAD_BLOCKED)
		return;
	if (t->sleeping)
		sleep_list_remove(t);
	t->state = THREAD_RUNNABLE;
	run_queue_push(t);
	idle = idle_cpu_other_than(this_cpu());
	if (idle)
		lapic_send_ipi(idle->apic_id, VEC_RESCHEDULE);
}

void thread_sleep(uint64_t n)
{
	struct thread *self = this_cpu()->current;

	self->wake_tick = sched_ticks() + (n ? n : 1);
	self->next = sleepers;
	self->sleeping = true;
	sleepers = self;
	thread_block();
}

void thread_yield(void)
{
	schedule();
}

void thread_exit(void)
{
	this_cpu()->current->state = THREAD_DEAD;
	schedule();
	panic("thread_exit: a dead thread was scheduled");
}

uint64_t sched_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}
