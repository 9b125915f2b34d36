/*
 * parallel.c - running one function on several CPUs at once (parallel.h).
 *
 * The caller makes one kernel thread per index and blocks; each thread, on
 * whichever CPU picks it up, gives the kernel lock up and waits at a start
 * line until all n have arrived.  A waiting thread keeps its CPU (it does
 * not yield), so the n threads end up on n different CPUs, and the caller's
 * own CPU runs one of them.  Then fn; then each takes the kernel lock back,
 * and the last one wakes the caller.
 *
 * Invariants: job.n and job.cancelled are written before any thread runs
 * (the caller holds the kernel lock until it blocks, and a thread starts
 * only with that lock); job.running changes only under the kernel lock, so
 * the caller's check and block cannot miss the last wake-up.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/kernel_lock.h"
#include "kernel/parallel.h"
#include "kernel/percpu.h"
#include "kernel/thread.h"
#include "kernel/tlb.h"
#include "lib/panic.h"

struct parallel_job {
	void (*fn)(unsigned i, void *arg);
	void *arg;
	unsigned n;           /* threads made */
	bool cancelled;       /* fewer than asked for: run nothing */
	unsigned arrived;     /* atomic: threads at the start line */
	unsigned running;     /* kernel lock: threads not yet finished */
	struct thread *waiter;
};

struct parallel_worker {
	struct parallel_job *job;
	unsigned index;
};

static void worker_main(void *p)
{
	struct parallel_worker *w = p;
	struct parallel_job *job = w->job;

	kernel_unlock();
	__atomic_add_fetch(&job->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&job->arrived, __ATOMIC_ACQUIRE) < job->n)
		tlb_wait_a_moment(); /* parallel.h: interrupts are off */
	if (!job->cancelled)
		job->fn(w->index, job->arg);
	kernel_lock();
	if (--job->running == 0)
		thread_wake(job->waiter);
}

bool parallel_run(unsigned n, void (*fn)(unsigned i, void *arg), void *arg)
{
	struct parallel_job job = { .fn = fn, .arg = arg, .waiter = thread_current() };
	struct parallel_worker workers[MAX_CPUS];

	ASSERT(kernel_lock_held() && n >= 1 && n <= cpus_online());
	while (job.n < n) {
		workers[job.n] = (struct parallel_worker){ &job, job.n };
		if (!thread_create_kernel(worker_main, &workers[job.n]))
			break;
		job.n++;
	}
	job.cancelled = job.n < n;
	job.running = job.n;
	while (job.running)
		thread_block();
	return !job.cancelled;
}
