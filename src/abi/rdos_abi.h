/*
 * rdos_abi.h - the user/kernel ABI: the one header both the kernel and user
 * programs include.  Stable: numbers and layouts never change meaning; new
 * calls get new numbers.  Fixed-width types only (user programs are PE32+,
 * where `long` is 32 bits).  docs/abi.md explains each call.
 *
 * Calling convention: `int 0x80` with the call number in RAX and up to five
 * arguments in RDI, RSI, RDX, R10, R8.  The result comes back in RAX: a value
 * >= 0 is success, a value in [-4095, -1] is -RDOS_E*.  Every other register
 * except RCX and R11 is preserved.
 */
#ifndef RDOS_ABI_H
#define RDOS_ABI_H

#include <stdint.h>

#define RDOS_SYSCALL_VECTOR 0x80

enum rdos_syscall {
	RDOS_SYS_EXIT = 0,      /* (int32 status) -> does not return */
	RDOS_SYS_WRITE = 1,     /* (const char *buf, uint64 len) -> bytes written */
	RDOS_SYS_READ_LINE = 2, /* (char *buf, uint64 size) -> length, no '\n', NUL-terminated */
	RDOS_SYS_RESERVE = 3,   /* (uint64 npages, uint32 prot, uint64 fixed_addr or 0) -> address */
	RDOS_SYS_RELEASE = 4,   /* (uint64 addr, uint64 npages) -> 0 */
	RDOS_SYS_PROTECT = 5,   /* (uint64 addr, uint64 npages, uint32 prot) -> 0 */
	RDOS_SYS_SPAWN = 6,     /* (const char *name, const char *args, uint32 flags) -> pid */
	RDOS_SYS_WAIT = 7,      /* (int64 pid or -1 for any child, int32 *status) -> pid */
	RDOS_SYS_GETPID = 8,    /* () -> pid */
	RDOS_SYS_YIELD = 9,     /* () -> 0 */
	RDOS_SYS_SLEEP = 10,    /* (uint64 milliseconds) -> 0 */
	RDOS_SYS_MEMSTAT = 11,  /* (int64 pid or 0 for self, struct rdos_memstat *out) -> 0 */
	RDOS_SYS_PROCLIST = 12, /* (struct rdos_procinfo *out, uint64 max) -> count */
	RDOS_SYS_VMMAP = 13,    /* (int64 pid, uint64 from, struct rdos_vmrun *out, uint64 max) -> count */
	RDOS_SYS_GETARGS = 14,  /* (char *buf, uint64 size) -> length of the argument string */
	RDOS_SYS_FORK = 15,     /* () -> child's pid in the parent, 0 in the child */
	RDOS_SYS_LIMITS = 16,   /* (uint64 max_reserved, uint64 max_present, struct rdos_limits *out) -> 0 */
	RDOS_SYS_TICKS = 17,    /* () -> timer ticks since boot, RDOS_TICKS_PER_SECOND a second */
	RDOS_SYS_THREAD = 18,   /* (uint64 entry, uint64 arg, uint64 stack_top) -> thread number */
	RDOS_SYS_THREAD_EXIT = 19, /* () -> does not return; the last thread ends the process */
	RDOS_SYS_WAIT_INFO = 20, /* (int64 pid or -1, struct rdos_wait_info *out) -> pid */
	RDOS_SYS_GUARD = 21,    /* (uint64 addr, uint64 npages) -> 0 */
	RDOS_SYS_WORK = 22,     /* (int64 pid or 0 for self, struct rdos_work *out) -> 0 */
	RDOS_SYS_PAGEINFO = 23, /* (int64 pid or 0, uint64 addr, char *buf, uint64 size) -> length */
	RDOS_SYS_REPLAY = 24,   /* (const char *trace, struct rdos_replay *out) -> 0 */
	RDOS_SYS_COUNT
};

/* The rate of the clock TICKS reads (and SLEEP rounds up to). */
#define RDOS_TICKS_PER_SECOND 100

/* Protection bits for RESERVE and PROTECT (read is always allowed). */
#define RDOS_PROT_READ 0u
#define RDOS_PROT_WRITE 1u
#define RDOS_PROT_EXEC 4u

/* SPAWN flags: which virtual-memory design the child's address space uses. */
#define RDOS_SPAWN_DEFAULT 0u
#define RDOS_SPAWN_RDOS 1u  /* reservations in page-table entries */
#define RDOS_SPAWN_CARD1 2u /* classic per-process VMA tree */

/* Error codes, returned negated. */
enum rdos_error {
	RDOS_EFAULT = 1,  /* a pointer or buffer is not valid user memory */
	RDOS_EINVAL = 2,  /* an argument is out of range */
	RDOS_ENOMEM = 3,  /* out of physical memory */
	RDOS_ENOSPACE = 4, /* no free run of virtual addresses that large */
	RDOS_EBUSY = 5,   /* fixed address overlaps an existing reservation */
	RDOS_ENOENT = 6,  /* no program or process by that name or id */
	RDOS_ECHILD = 7,  /* no child to wait for */
	RDOS_ENOSYS = 8,  /* no such system call */
	RDOS_ENOEXEC = 9, /* the program image is malformed */
	RDOS_ERANGE = 10, /* not a whole reservation (release), or not inside
			     one (protect) */
	RDOS_ELIMIT = 11, /* a limit: too many processes (spawn, fork), too
			     many threads in one process (thread), or the
			     caller's own memory limits (reserve, spawn, fork;
			     LIMITS) */
};

/* Exit status of a process killed by the kernel (fault, bad instruction);
 * WAIT_INFO also says why (enum rdos_kill_cause). */
#define RDOS_STATUS_KILLED (-128)

/*
 * Why the kernel killed a process: one per page-fault result of the VM
 * core, and one for every other exception.  The detail that goes with it
 * (struct rdos_wait_info) is the faulting address for a page fault, the
 * vector (RDOS_VECTOR_*) for an exception, 0 otherwise.
 */
enum rdos_kill_cause {
	RDOS_KILL_NONE = 0,       /* not killed: the process exited */
	RDOS_KILL_OUTSIDE = 1,    /* page fault outside user space (a kernel address) */
	RDOS_KILL_UNRESERVED = 2, /* page fault where nothing is reserved */
	RDOS_KILL_GUARD = 3,      /* page fault on a guard page (stack overflow) */
	RDOS_KILL_PROTECTION = 4, /* write to read-only, execute on no-execute */
	RDOS_KILL_NO_MEMORY = 5,  /* no frame or page table left for the page */
	RDOS_KILL_IMAGE = 6,      /* an image page could not be loaded */
	RDOS_KILL_LIMIT = 7,      /* the page would pass the present-page limit (LIMITS) */
	RDOS_KILL_EXCEPTION = 8,  /* an exception other than a page fault */
};

/* A test program's exit status for "skipped: this machine cannot run the
 * test" (automake's 77).  A convention between test programs and their
 * runners; the kernel gives it no meaning. */
#define RDOS_STATUS_SKIP 77

/* x86 exception vectors, the detail of RDOS_KILL_EXCEPTION. */
#define RDOS_VECTOR_DIVIDE 0u
#define RDOS_VECTOR_INVALID_OPCODE 6u
#define RDOS_VECTOR_GENERAL_PROTECTION 13u

struct rdos_wait_info {
	int32_t status;  /* as WAIT's: EXIT's argument or RDOS_STATUS_KILLED */
	uint32_t cause;  /* enum rdos_kill_cause; RDOS_KILL_NONE unless killed */
	uint64_t detail; /* see enum rdos_kill_cause */
};

struct rdos_memstat {
	uint64_t frames_total;      /* system: usable frames */
	uint64_t frames_free;       /* system */
	uint64_t reserved_pages;    /* process: pages reserved, present or not */
	uint64_t present_pages;     /* process: pages with a frame */
	uint64_t page_table_pages;  /* process: page-table pages of its lower half */
	uint64_t image_pages_loaded; /* process: image pages loaded on demand */
	uint64_t design;            /* RDOS_SPAWN_RDOS or RDOS_SPAWN_CARD1 */
	uint64_t metadata_bytes;    /* process: VMA tree nodes (card1), or the
				       frames of its compact entries' descriptors (rdos) */
	uint64_t shared_frames;     /* system: frames shared by fork right now */
	uint64_t share_table_bytes; /* system: their reference-count table (0 if none) */
	uint64_t cow_copies;        /* system: copy-on-write faults that copied */
	uint64_t cow_in_place;      /* system: ... that made the page writable in place */
};

/*
 * WORK: what the VM core has done on a process's address space since it
 * started, counted by the core itself (src/mm/mm_work.h); read it before
 * and after a call, or a touch, to see what that cost.  Threads of one
 * process faulting at once may lose a count.
 */
struct rdos_work {
	uint64_t entries_read;    /* page-table entries read to decide */
	uint64_t entries_written; /* entries stored */
	uint64_t tables_visited;  /* page tables entered, the PML4 included */
	uint64_t nodes_visited;   /* VMA-tree nodes looked at (card1; 0 for rdos) */
	uint64_t frames_alloc;    /* frames taken: pages and page tables */
	uint64_t frames_freed;    /* frames given back */
};

/*
 * REPLAY: one address-space trace (a GRUB module "trace:NAME") replayed by
 * the kernel on a fresh space of each design: its areas reserved, their
 * resident pages touched, all released; per phase the operations, the
 * TSC cycles (rdtsc: under Bochs they count instructions, not time) and
 * the work the core counted.
 */
#define RDOS_REPLAY_NAME_MAX 48
enum rdos_replay_phase_id { RDOS_REPLAY_RESERVE, RDOS_REPLAY_TOUCH, RDOS_REPLAY_RELEASE,
			    RDOS_REPLAY_PHASES };

struct rdos_replay_phase {
	uint64_t ops;    /* areas reserved or released, pages touched */
	uint64_t cycles; /* rdtsc */
	struct rdos_work work;
};

struct rdos_replay_design {
	uint64_t design; /* RDOS_SPAWN_RDOS or RDOS_SPAWN_CARD1 */
	struct rdos_replay_phase phase[RDOS_REPLAY_PHASES];
	uint64_t table_bytes; /* page tables (and descriptor frames) once every
				 page is touched */
	uint64_t vma_bytes;   /* VMA-tree nodes then (card1) */
};

struct rdos_replay {
	uint64_t areas;   /* areas replayed: those that fit user space */
	uint64_t pages;   /* pages they reserve */
	uint64_t touched; /* pages touched */
	struct rdos_replay_design design[2]; /* rdos, then card1 */
};

/*
 * LIMITS: a process's own memory limits, in pages, and its usage now.  A
 * limit can only be lowered; RDOS_LIMIT_KEEP as an argument keeps it.
 * Children (SPAWN and FORK) start with their parent's limits.
 */
#define RDOS_LIMIT_KEEP UINT64_MAX

struct rdos_limits {
	uint64_t max_reserved_pages; /* RESERVE past it: -RDOS_ELIMIT */
	uint64_t max_present_pages;  /* a touch past it: the process is killed */
	uint64_t reserved_pages;     /* pages reserved now, present or not */
	uint64_t present_pages;      /* pages with a frame now */
};

#define RDOS_PROC_NAME_MAX 32

/* SPAWN's argument string: at most RDOS_ARGS_MAX - 1 characters and the
 * NUL (a longer one is -RDOS_EINVAL), so GETARGS's length is below it. */
#define RDOS_ARGS_MAX 256

struct rdos_procinfo {
	int64_t pid;
	int64_t parent;
	uint64_t state; /* 0 runnable, 1 blocked, 2 exited (zombie) */
	uint64_t present_pages;
	char name[RDOS_PROC_NAME_MAX];
};

/* One run of equal page states, for the shell's address-space map. */
enum rdos_page_kind {
	RDOS_PAGE_FREE = 0,
	RDOS_PAGE_RESERVED = 1,
	RDOS_PAGE_PRESENT = 2,
	RDOS_PAGE_IMAGE = 3,
	RDOS_PAGE_COW = 4,
	RDOS_PAGE_GUARD = 5,
};

struct rdos_vmrun {
	uint64_t start;
	uint64_t npages;
	uint32_t kind; /* enum rdos_page_kind */
	uint32_t prot; /* RDOS_PROT_* */
};

#endif
