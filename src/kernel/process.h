/*
 * process.h - user processes: an address space, up to PROCESS_THREADS_MAX
 * threads, a parent, an exit status.  Slot 0 is the kernel itself (pid 0),
 * the parent of every process the kernel spawns, so waiting works the same
 * from the kernel (tests, boot) and from user programs.
 *
 * Lifecycle: FREE -> RUNNING (spawn) -> ZOMBIE (the last thread has ended:
 * address space and every frame already returned) -> FREE (the parent's
 * wait, or at once when nobody will wait).  A process ends when its last
 * thread ends (THREAD_EXIT) or when one thread exits or is killed: that
 * marks the process exiting, and every other thread ends the next time it
 * would return to ring 3 (within a timer tick if it is running, at once if
 * it is blocked: it is woken).  A thread slot is free when its process
 * field is NULL.
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/rdos_abi.h"
#include "kernel/program.h"
#include "arch/x86_64/trap.h"
#include "kernel/thread.h"
#include "mm/mm_space.h"

#define PROCESS_MAX 64
#define PROCESS_THREADS_MAX 16
/* Kernel-only spawn flag (tests): load the image away from its preferred
 * base, so that its base relocations must be applied. */
#define PROCESS_SPAWN_RELOCATE (1u << 16)

enum process_state { PROCESS_FREE, PROCESS_RUNNING, PROCESS_ZOMBIE };

struct process {
	int64_t pid;
	enum process_state state;
	char name[RDOS_PROC_NAME_MAX];
	char args[RDOS_ARGS_MAX];
	struct process *parent;
	int32_t exit_status;
	uint32_t kill_cause;    /* enum rdos_kill_cause, set with exit_status */
	uint64_t kill_detail;   /* its detail (rdos_abi.h) */
	bool exiting;           /* every thread ends before it returns to ring 3 */
	unsigned live_threads;  /* threads not yet ended */
	struct thread *child_waiters; /* blocked in process_wait, through wait_next */
	struct mm_space space;
	/* What the VM core did on space (mm/mm_work.h), for WORK: plain
	 * adds, so threads faulting at once may lose a count */
	struct mm_work work;
	struct thread threads[PROCESS_THREADS_MAX];
	struct program_image *image; /* the loaded PE, shared with forked children */
};

void process_init(void);
/* Starts program `name` with argument string args as a child of the
 * running process (or of the kernel).  Returns the pid or -RDOS_E*. */
int64_t process_spawn(const char *name, const char *args, uint32_t flags);
/* Copies the running process (fork): the child resumes from the same
 * system call with frame's registers and RAX 0.  Returns the child's pid or
 * -RDOS_E*. */
int64_t process_fork(const struct trap_frame *frame);
/* Waits for child pid (or any child with -1); stores its status (and, in
 * the _info form, why it was killed).  Returns its pid or -RDOS_ECHILD. */
int64_t process_wait(int64_t pid, int32_t *status);
int64_t process_wait_info(int64_t pid, struct rdos_wait_info *info);
/* Ends the whole process with status: this thread now, the others on
 * their way back to ring 3. */
__attribute__((noreturn)) void process_exit(int32_t status);
/* Starts a thread of the running process at entry in ring 3 with RCX =
 * arg and RSP = stack_top - 40 (a call's return address and the 32-byte
 * home area of the Microsoft x64 convention, which PE code follows).
 * Returns the thread's number (>= 1) or -RDOS_E*. */
int64_t process_thread_start(vaddr_t entry, uint64_t arg, vaddr_t stack_top);
/* Ends the running thread; the last one ends the process with status 0. */
__attribute__((noreturn)) void process_thread_exit(void);
/* Whether the running thread should stop what it waits for: its process
 * is exiting. */
bool process_exiting(void);
/* Ends the running process after a fault it caused: status
 * RDOS_STATUS_KILLED, cause and detail for its parent's WAIT_INFO (the
 * first ending of a process wins, as for EXIT), and a one-line diagnosis
 * on the console that starts with the pid and name. */
__attribute__((noreturn)) void process_kill_current(enum rdos_kill_cause cause, uint64_t detail,
						    const char *reason);

struct process *process_current(void);
struct process *process_find(int64_t pid);
struct mm_space *process_space(struct process *p);
uint64_t process_list(struct rdos_procinfo *out, uint64_t max);

/* For thread.c: where a process's thread lives, and its release. */
struct thread *process_thread_slot(struct process *p);
void process_thread_freed(struct thread *t);

#endif
