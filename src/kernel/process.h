/*
 * process.h - user processes: an address space, one thread, a parent, an
 * exit status.  Slot 0 is the kernel itself (pid 0), the parent of every
 * process the kernel spawns, so waiting works the same from the kernel
 * (tests, boot) and from user programs.
 *
 * Lifecycle: FREE -> RUNNING (spawn) -> ZOMBIE (exit: address space and
 * every frame already returned) -> FREE (the parent's wait, or at once when
 * nobody will wait).
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdint.h>

#include "abi/rdos_abi.h"
#include "kernel/program.h"
#include "arch/x86_64/trap.h"
#include "kernel/thread.h"
#include "mm/mm_space.h"

#define PROCESS_MAX 64
#define PROCESS_ARGS_MAX 256
/* Kernel-only spawn flag (tests): load the image away from its preferred
 * base, so that its base relocations must be applied. */
#define PROCESS_SPAWN_RELOCATE (1u << 16)

enum process_state { PROCESS_FREE, PROCESS_RUNNING, PROCESS_ZOMBIE };

struct process {
	int64_t pid;
	enum process_state state;
	char name[RDOS_PROC_NAME_MAX];
	char args[PROCESS_ARGS_MAX];
	struct process *parent;
	int32_t exit_status;
	struct thread *waiter; /* the thread blocked in wait(), if any */
	struct mm_space space;
	struct thread thread;
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
/* Waits for child pid (or any child with -1); stores its status. */
int64_t process_wait(int64_t pid, int32_t *status);
__attribute__((noreturn)) void process_exit(int32_t status);
/* Ends the running process after a fault it caused, with a one-line
 * diagnosis that starts with the pid and name. */
__attribute__((noreturn)) void process_kill_current(const char *reason);

struct process *process_current(void);
struct process *process_find(int64_t pid);
struct mm_space *process_space(struct process *p);
uint64_t process_list(struct rdos_procinfo *out, uint64_t max);

/* For thread.c: where a process's thread lives, and its release. */
struct thread *process_thread_slot(struct process *p);
void process_thread_freed(struct thread *t);

#endif
