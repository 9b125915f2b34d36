/*
 * thread.h - kernel threads and the round-robin scheduler, shared by all
 * CPUs through one run queue.
 *
 * Rules: the kernel runs with interrupts disabled and under the kernel lock
 * (kernel_lock.h); user code runs with interrupts enabled, and each CPU's
 * timer preempts only user code.  Kernel code gives up the CPU only by
 * blocking (thread_block, thread_sleep) or exiting, so no spinlock but the
 * kernel lock is ever held across a switch.  Each CPU has an idle thread
 * that halts with interrupts on when nothing else can run; waking a thread
 * also wakes a halted CPU to run it.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/addr.h"

struct cpu;
struct process;
struct trap_frame;

enum thread_state { THREAD_RUNNABLE, THREAD_BLOCKED, THREAD_DEAD };

struct thread {
	uint64_t saved_rsp;      /* valid while not running */
	vaddr_t stack_base;      /* kernel stack reservation: guard page first */
	enum thread_state state;
	struct process *process; /* NULL for kernel threads */
	struct thread *next;     /* run queue or sleep list link */
	uint64_t wake_tick;      /* sleeping: when to wake */
	bool sleeping;           /* on the sleep list (linked through next) */
	struct thread *wait_next; /* on its process's queue of child waiters */
	void (*entry)(void *);   /* kernel threads: what they run */
	void *entry_arg;
};

/* The boot CPU's scheduler state (the boot thread becomes its current
 * thread) and the timer and IPI handlers. */
void sched_init(void);
/* An idle thread for application processor c, its current thread; returns
 * the stack pointer c starts on (the idle thread's stack). */
uint64_t sched_prepare_cpu(struct cpu *c);
/* An application processor, holding the kernel lock, becomes idle. */
__attribute__((noreturn)) void sched_run_idle(void);
/* The thread running now. */
struct thread *thread_current(void);
/* A user thread of process p that starts in ring 3 at entry with stack
 * pointer user_rsp.  NULL when out of memory or p has no free thread slot. */
struct thread *thread_create_user(struct process *p, vaddr_t entry, vaddr_t user_rsp);
/* The same, resuming in ring 3 with every register as in *frame (fork). */
struct thread *thread_create_user_frame(struct process *p, const struct trap_frame *frame);
/* A kernel thread (kmalloc'd; freed with its stack after it exits) that
 * runs entry(arg) with the kernel lock held, as all kernel code, then
 * exits.  NULL when out of memory. */
struct thread *thread_create_kernel(void (*entry)(void *), void *arg);
/* Marks the running thread blocked and runs others until thread_wake(). */
void thread_block(void);
/* Makes a blocked thread runnable (a sleeping one before its time). */
void thread_wake(struct thread *t);
void thread_sleep(uint64_t ticks);
void thread_yield(void);
/* Ends the running thread; its stack is freed after the switch away. */
__attribute__((noreturn)) void thread_exit(void);
uint64_t sched_ticks(void);

#endif
