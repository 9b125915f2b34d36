/*
 * process.c - the process table, spawn, exit, wait and kill.
 *
 * Invariants: a RUNNING or ZOMBIE process has a parent (the kernel is
 * process 0, RUNNING forever); a ZOMBIE holds no frames and no page tables;
 * a process whose parent will never wait is freed at exit, not left as a
 * zombie.  The table and every process in it are under the kernel lock
 * (kernel_lock.h).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "kernel/trap_dispatch.h"
#include "lib/format.h"
#include "lib/panic.h"
#include "lib/string.h"

#define USER_STACK_PAGES 64

static struct process table[PROCESS_MAX];
static int64_t next_pid = 1;

static struct process *kernel_process(void)
{
	return &table[0];
}

static void copy_string(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* An exception in ring 3 with no handler of its own: the process dies. */
static void kill_on_user_exception(struct trap_frame *frame)
{
	char line[96];

	format_buf(line, sizeof(line), "%s (vector %lu) at rip %p", trap_name((unsigned)frame->vector),
		   frame->vector, (void *)frame->rip);
	process_kill_current(RDOS_KILL_EXCEPTION, frame->vector, line);
}

/* Every return to ring 3 passes here: a thread of an exiting process ends
 * instead. */
static void end_thread_if_exiting(struct trap_frame *frame)
{
	(void)frame;
	if (process_current()->exiting)
		process_thread_exit();
}

void process_init(void)
{
	trap_set_user_exception_handler(kill_on_user_exception);
	trap_set_user_return_hook(end_thread_if_exiting);
	table[0] = (struct process){ .pid = 0, .state = PROCESS_RUNNING };
	copy_string(table[0].name, "kernel", sizeof(table[0].name));
}

struct process *process_current(void)
{
	struct thread *t = thread_current();

	return t->process ? t->process : kernel_process();
}

struct process *process_find(int64_t pid)
{
	for (unsigned i = 0; i < PROCESS_MAX; i++)
		if (table[i].state != PROCESS_FREE && table[i].pid == pid)
			return &table[i];
	return NULL;
}

struct mm_space *process_space(struct process *p)
{
	return p == kernel_process() ? NULL : &p->space;
}

struct thread *process_thread_slot(struct process *p)
{
	for (unsigned i = 0; i < PROCESS_THREADS_MAX; i++)
		if (!p->threads[i].process)
			return &p->threads[i];
	return NULL;
}

static struct process *process_alloc(void)
{
	for (unsigned i = 1; i < PROCESS_MAX; i++)
		if (table[i].state == PROCESS_FREE)
			return &table[i];
	return NULL;
}

/* A stack of USER_STACK_PAGES with a guard page below; returns its top. */
static int64_t stack_reserve(struct mm_space *s, vaddr_t *top)
{
	vaddr_t base;
	enum vm_status st = mm_reserve(s, USER_STACK_PAGES + 1, VM_PROT_WRITE | VM_PROT_USER, &base);

	if (st != VM_OK)
		return address_space_error(st);
	if (mm_guard(s, base, 1) != VM_OK)
		panic("stack_reserve: guard on a fresh reservation failed");
	*top = base + (USER_STACK_PAGES + 1) * PAGE_SIZE;
	return 0;
}

static enum mm_design design_of(uint32_t spawn_flags)
{
	uint32_t design = spawn_flags & ~PROCESS_SPAWN_RELOCATE;

	if (design == RDOS_SPAWN_CARD1)
		return MM_DESIGN_CARD1;
	if (design == RDOS_SPAWN_RDOS)
		return MM_DESIGN_RDOS;
	return address_space_default_design();
}

/* A process starts with its parent's limits, the kernel's children with
 * the defaults; so a process can never give its children more. */
static struct vm_limits inherited_limits(struct process *parent)
{
	struct mm_space *s = process_space(parent);

	return s ? mm_limits(s) : address_space_default_limits();
}

/* Address space, program image, stack and thread of a new process. */
static int64_t process_build(struct process *p, const char *name, uint32_t flags)
{
	vaddr_t entry, stack_top = 0; /* set when err stays 0 */
	int64_t err;

	if (address_space_create_counted(&p->space, design_of(flags), &p->work) != VM_OK)
		return -RDOS_ENOMEM;
	mm_set_limits(&p->space, inherited_limits(p->parent));
	err = program_load(&p->space, name, &p->image, flags & PROCESS_SPAWN_RELOCATE, &entry);
	if (err == 0)
		err = stack_reserve(&p->space, &stack_top);
	/* RSP as if the entry point had just been called: 16n - 8 */
	if (err == 0 && !thread_create_user(p, entry, stack_top - 8))
		err = -RDOS_ENOMEM;
	if (err == 0)
		p->live_threads = 1;
	if (err != 0) {
		program_unload(p->image);
		mm_space_destroy(&p->space);
	}
	return err;
}

int64_t process_spawn(const char *name, const char *args, uint32_t flags)
{
	struct process *p = process_alloc();
	int64_t err;

	if (!p)
		return -RDOS_ELIMIT;
	*p = (struct process){ .pid = next_pid, .state = PROCESS_RUNNING,
			       .parent = process_current() };
	copy_string(p->name, name, sizeof(p->name));
	copy_string(p->args, args ? args : "", sizeof(p->args));
	err = process_build(p, name, flags);
	if (err != 0) {
		p->state = PROCESS_FREE;
		return err;
	}
	next_pid++;
	return p->pid;
}

int64_t process_fork(const struct trap_frame *frame)
{
	struct process *parent = process_current(), *child = process_alloc();
	struct trap_frame child_frame = *frame;
	enum vm_status st;

	if (!child)
		return -RDOS_ELIMIT;
	*child = (struct process){ .pid = next_pid, .state = PROCESS_RUNNING, .parent = parent,
				   .image = parent->image };
	copy_string(child->name, parent->name, sizeof(child->name));
	copy_string(child->args, parent->args, sizeof(child->args));
	st = mm_fork(&parent->space, &child->space);
	if (st != VM_OK) {
		child->state = PROCESS_FREE;
		return address_space_error(st);
	}
	/* the fork's own work stays the parent's; the child counts its own */
	address_space_count_work(&child->space, &child->work);
	child_frame.rax = 0; /* fork returns 0 in the child, in its only thread */
	if (!thread_create_user_frame(child, &child_frame)) {
		mm_space_destroy(&child->space);
		child->state = PROCESS_FREE;
		return -RDOS_ENOMEM;
	}
	child->live_threads = 1;
	program_share(child->image);
	return next_pid++;
}

static void orphan_children(struct process *p)
{
	for (unsigned i = 1; i < PROCESS_MAX; i++) {
		struct process *c = &table[i];

		if (c->state == PROCESS_FREE || c->parent != p)
			continue;
		if (c->state == PROCESS_ZOMBIE)
			c->state = PROCESS_FREE;
		else
			c->parent = NULL; /* nobody will wait: freed at its exit */
	}
}

/* A child of p ended: every thread waiting for one looks again.  (The
 * kernel's own threads wait on slot 0 like any process's.) */
static void wake_child_waiters(struct process *p)
{
	struct thread *t = p->child_waiters, *next;

	p->child_waiters = NULL;
	for (; t; t = next) {
		next = t->wait_next;
		t->wait_next = NULL;
		thread_wake(t);
	}
}

static void child_waiters_remove(struct process *p, struct thread *t)
{
	struct thread **link = &p->child_waiters;

	while (*link && *link != t)
		link = &(*link)->wait_next;
	if (*link)
		*link = t->wait_next;
	t->wait_next = NULL;
}

/* p is exiting: its blocked threads wake up to end. */
static void wake_all_threads(struct process *p)
{
	for (unsigned i = 0; i < PROCESS_THREADS_MAX; i++)
		if (p->threads[i].process)
			thread_wake(&p->threads[i]);
}

/* The last thread is ending: give everything back and tell the parent. */
static void process_teardown(struct process *p)
{
	address_space_activate(NULL);
	program_unload(p->image);
	mm_space_destroy(&p->space);
	orphan_children(p);
	p->state = PROCESS_ZOMBIE;
	if (p->parent)
		wake_child_waiters(p->parent);
}

void process_thread_exit(void)
{
	struct process *p = process_current();

	ASSERT(p != kernel_process() && p->live_threads > 0);
	if (--p->live_threads == 0)
		process_teardown(p);
	thread_exit();
}

/* The first ending of a process sets its status; the threads end. */
__attribute__((noreturn)) static void process_end(int32_t status, enum rdos_kill_cause cause,
						  uint64_t detail)
{
	struct process *p = process_current();

	ASSERT(p != kernel_process());
	if (!p->exiting) {
		__atomic_store_n(&p->exiting, true, __ATOMIC_RELAXED);
		p->exit_status = status;
		p->kill_cause = cause;
		p->kill_detail = detail;
		wake_all_threads(p);
	}
	process_thread_exit();
}

void process_exit(int32_t status)
{
	process_end(status, RDOS_KILL_NONE, 0);
}

bool process_exiting(void)
{
	/* also read without the kernel lock, by a tick (thread.c) */
	return __atomic_load_n(&process_current()->exiting, __ATOMIC_RELAXED);
}

int64_t process_thread_start(vaddr_t entry, uint64_t arg, vaddr_t stack_top)
{
	struct process *p = process_current();
	struct trap_frame frame = {
		.rip = entry, .cs = USER_CS, .rflags = RFLAGS_IF, .rcx = arg,
		.rsp = stack_top - 40, .ss = USER_DS,
	};
	struct thread *t;

	if (entry >= USER_SPACE_END || stack_top > USER_SPACE_END || stack_top < PAGE_SIZE ||
	    (stack_top & 15) != 0)
		return -RDOS_EINVAL;
	if (!process_thread_slot(p))
		return -RDOS_ELIMIT;
	t = thread_create_user_frame(p, &frame);
	if (!t)
		return -RDOS_ENOMEM;
	p->live_threads++;
	return t - p->threads + 1; /* numbered from 1: 0 is never a thread */
}

void process_thread_freed(struct thread *t)
{
	struct process *p = t->process;

	t->process = NULL;
	if (p && p->state == PROCESS_ZOMBIE && !p->parent && p->live_threads == 0)
		p->state = PROCESS_FREE;
}

void process_kill_current(enum rdos_kill_cause cause, uint64_t detail, const char *reason)
{
	struct process *p = process_current();

	kprintf("pid %ld (%s) killed: %s\n", p->pid, p->name, reason);
	process_end(RDOS_STATUS_KILLED, cause, detail);
}

static struct process *find_child(struct process *parent, int64_t pid, bool zombie_only)
{
	for (unsigned i = 1; i < PROCESS_MAX; i++) {
		struct process *c = &table[i];

		if (c->state == PROCESS_FREE || c->parent != parent)
			continue;
		if ((pid == -1 || c->pid == pid) && (!zombie_only || c->state == PROCESS_ZOMBIE))
			return c;
	}
	return NULL;
}

int64_t process_wait_info(int64_t pid, struct rdos_wait_info *info)
{
	struct process *self = process_current(), *child;

	if (!find_child(self, pid, false))
		return -RDOS_ECHILD;
	while (!(child = find_child(self, pid, true))) {
		struct thread *me = thread_current();

		if (self->exiting)
			return -RDOS_ECHILD; /* never seen: the thread ends on its way out */
		if (!find_child(self, pid, false))
			return -RDOS_ECHILD; /* another thread reaped it */
		me->wait_next = self->child_waiters;
		self->child_waiters = me;
		thread_block();
		child_waiters_remove(self, me); /* woken to end, not by a child */
	}
	*info = (struct rdos_wait_info){ .status = child->exit_status, .cause = child->kill_cause,
					 .detail = child->kill_detail };
	pid = child->pid;
	child->state = PROCESS_FREE;
	return pid;
}

int64_t process_wait(int64_t pid, int32_t *status)
{
	struct rdos_wait_info info;

	pid = process_wait_info(pid, &info);
	if (pid >= 0)
		*status = info.status;
	return pid;
}

static bool all_threads_blocked(const struct process *p)
{
	for (unsigned i = 0; i < PROCESS_THREADS_MAX; i++)
		if (p->threads[i].process && p->threads[i].state != THREAD_BLOCKED)
			return false;
	return true;
}

uint64_t process_list(struct rdos_procinfo *out, uint64_t max)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < PROCESS_MAX && n < max; i++) {
		const struct process *p = &table[i];
		bool user = p != kernel_process() && p->state == PROCESS_RUNNING;

		if (p->state == PROCESS_FREE)
			continue;
		out[n] = (struct rdos_procinfo){
			.pid = p->pid, .parent = p->parent ? p->parent->pid : -1,
			.state = p->state == PROCESS_ZOMBIE ? 2 : user && all_threads_blocked(p),
			.present_pages = user ? mm_usage(&p->space).present : 0,
		};
		copy_string(out[n].name, p->name, sizeof(out[n].name));
		n++;
	}
	return n;
}
