/*
 * syscall.c - the system calls of src/abi/rdos_abi.h, entered by int 0x80.
 *
 * Every argument is untrusted: pointers and lengths go through usercopy.c,
 * sizes are bounded before any work, and every failure is an error code
 * (RDOS_E*), never a kernel fault.  One function per call; the table maps
 * numbers to them.
 */
#include <stddef.h>

#include "abi/rdos_abi.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/console_in.h"
#include "kernel/frames.h"
#include "kernel/kmalloc.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "kernel/pte_explain.h"
#include "kernel/syscall.h"
#include "kernel/tlb.h"
#include "kernel/trace_replay.h"
#include "kernel/trap_dispatch.h"
#include "kernel/usercopy.h"
#include "kernel/vmmap.h"
#include "lib/panic.h"
#include "lib/string.h"

#define WRITE_CHUNK 256
#define WRITE_MAX (1u << 20)
#define RESERVE_MAX_PAGES (1ull << 35) /* the whole user half */
#define SLEEP_MAX_MS (3600u * 1000u)
#define PROCLIST_MAX PROCESS_MAX
#define VMMAP_MAX 128
#define PAGEINFO_TEXT_MAX 2048 /* a page's explanation takes about 700 */

typedef int64_t (*syscall_fn)(const struct trap_frame *f);

static int64_t sys_exit(const struct trap_frame *f)
{
	process_exit((int32_t)f->rdi);
}

static int64_t sys_write(const struct trap_frame *f)
{
	char chunk[WRITE_CHUNK];
	uint64_t buf = f->rdi, len = f->rsi;

	if (user_buffer_check(buf, len, false))
		return -RDOS_EFAULT;
	if (len > WRITE_MAX)
		return -RDOS_EINVAL;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < WRITE_CHUNK ? len - done : WRITE_CHUNK;

		if (copy_from_user(chunk, buf + done, n))
			return -RDOS_EFAULT;
		for (uint64_t i = 0; i < n; i++)
			kprintf("%c", chunk[i]);
		done += n;
	}
	return (int64_t)len;
}

static int64_t sys_read_line(const struct trap_frame *f)
{
	char line[WRITE_CHUNK];
	uint64_t buf = f->rdi, size = f->rsi, n;

	if (size == 0)
		return -RDOS_EINVAL;
	if (user_buffer_check(buf, size, true))
		return -RDOS_EFAULT;
	n = console_read_line(line, size < sizeof(line) ? size : sizeof(line));
	return copy_to_user(buf, line, n + 1) ? -RDOS_EFAULT : (int64_t)n;
}

static bool prot_from_user(uint64_t prot, unsigned *out)
{
	if (prot & ~(uint64_t)(RDOS_PROT_WRITE | RDOS_PROT_EXEC))
		return false;
	*out = VM_PROT_USER | (prot & RDOS_PROT_WRITE ? VM_PROT_WRITE : 0) |
	       (prot & RDOS_PROT_EXEC ? VM_PROT_EXEC : 0);
	return true;
}

static bool pages_ok(uint64_t addr, uint64_t npages)
{
	return npages > 0 && npages <= RESERVE_MAX_PAGES && (addr & PAGE_MASK) == 0 &&
	       user_range_ok(addr, npages * PAGE_SIZE);
}

static int64_t sys_reserve(const struct trap_frame *f)
{
	struct mm_space *s = process_space(process_current());
	uint64_t npages = f->rdi, fixed = f->rdx;
	unsigned prot;
	vaddr_t va = fixed;

	if (npages == 0 || npages > RESERVE_MAX_PAGES || !prot_from_user(f->rsi, &prot))
		return -RDOS_EINVAL;
	if (fixed && !pages_ok(fixed, npages))
		return -RDOS_EINVAL;
	if (fixed)
		return address_space_error(mm_reserve_at(s, fixed, npages, prot)) ?: (int64_t)fixed;
	return address_space_error(mm_reserve(s, npages, prot, &va)) ?: (int64_t)va;
}

static int64_t sys_release(const struct trap_frame *f)
{
	if (!pages_ok(f->rdi, f->rsi))
		return -RDOS_EINVAL;
	return address_space_error(mm_release(process_space(process_current()), f->rdi, f->rsi));
}

static int64_t sys_protect(const struct trap_frame *f)
{
	unsigned prot;

	if (!pages_ok(f->rdi, f->rsi) || !prot_from_user(f->rdx, &prot))
		return -RDOS_EINVAL;
	return address_space_error(mm_protect(process_space(process_current()), f->rdi, f->rsi, prot));
}

static int64_t sys_guard(const struct trap_frame *f)
{
	if (!pages_ok(f->rdi, f->rsi))
		return -RDOS_EINVAL;
	return address_space_error(mm_guard(process_space(process_current()), f->rdi, f->rsi));
}

static int64_t sys_spawn(const struct trap_frame *f)
{
	char name[RDOS_PROC_NAME_MAX], args[RDOS_ARGS_MAX];
	int64_t err = string_from_user(name, f->rdi, sizeof(name));

	if (!err)
		err = string_from_user(args, f->rsi, sizeof(args));
	if (err)
		return err;
	if (f->rdx > RDOS_SPAWN_CARD1)
		return -RDOS_EINVAL;
	return process_spawn(name, args, (uint32_t)f->rdx);
}

/* WAIT stores the status alone, WAIT_INFO the whole record, whose first
 * field is the status. */
static int64_t wait_and_store(const struct trap_frame *f, uint64_t size)
{
	struct rdos_wait_info info = { 0 };
	uint64_t out = f->rsi;
	int64_t pid;

	if (user_buffer_check(out, size, true))
		return -RDOS_EFAULT;
	pid = process_wait_info((int64_t)f->rdi, &info);
	if (pid >= 0 && copy_to_user(out, &info, size))
		return -RDOS_EFAULT;
	return pid;
}

_Static_assert(offsetof(struct rdos_wait_info, status) == 0, "WAIT stores a prefix of WAIT_INFO's");

static int64_t sys_wait(const struct trap_frame *f)
{
	return wait_and_store(f, sizeof(int32_t));
}

static int64_t sys_wait_info(const struct trap_frame *f)
{
	return wait_and_store(f, sizeof(struct rdos_wait_info));
}

static int64_t sys_fork(const struct trap_frame *f)
{
	return process_fork(f);
}

static int64_t sys_thread(const struct trap_frame *f)
{
	return process_thread_start(f->rdi, f->rsi, f->rdx);
}

static int64_t sys_thread_exit(const struct trap_frame *f)
{
	(void)f;
	process_thread_exit();
}

static int64_t sys_getpid(const struct trap_frame *f)
{
	(void)f;
	return process_current()->pid;
}

static int64_t sys_yield(const struct trap_frame *f)
{
	(void)f;
	thread_yield();
	return 0;
}

static int64_t sys_ticks(const struct trap_frame *f)
{
	(void)f;
	return (int64_t)sched_ticks();
}

static int64_t sys_sleep(const struct trap_frame *f)
{
	if (f->rdi > SLEEP_MAX_MS)
		return -RDOS_EINVAL;
	thread_sleep((f->rdi * TIMER_HZ + 999) / 1000);
	return 0;
}

static struct process *target_process(int64_t pid)
{
	struct process *p = pid == 0 ? process_current() : process_find(pid);

	return p && p->state == PROCESS_RUNNING && p->pid != 0 ? p : NULL;
}

static int64_t sys_memstat(const struct trap_frame *f)
{
	struct process *p = target_process((int64_t)f->rdi);
	struct pmm_counters c;
	struct rdos_memstat st;

	/* Free frames as they settle: the heap's spare slabs (Card 1's VMA
	 * nodes, fork's table) are a cache, and a test comparing counts
	 * would take them for a leak. */
	kmalloc_trim();
	c = frame_counters();
	st = (struct rdos_memstat){ .frames_total = c.usable, .frames_free = c.free };

	if (user_buffer_check(f->rsi, sizeof(st), true))
		return -RDOS_EFAULT;
	if (!p)
		return -RDOS_ENOENT;
	vmmap_stats(&p->space, &st);
	st.image_pages_loaded = p->image ? p->image->pages_loaded : 0;
	address_space_share_stats(&st);
	st.design = p->space.design == MM_DESIGN_CARD1 ? RDOS_SPAWN_CARD1 : RDOS_SPAWN_RDOS;
	return copy_to_user(f->rsi, &st, sizeof(st));
}

_Static_assert(sizeof(struct rdos_work) == sizeof(struct mm_work),
	       "WORK reports every count of struct mm_work");

static int64_t sys_work(const struct trap_frame *f)
{
	struct process *p = target_process((int64_t)f->rdi);
	struct rdos_work out;

	if (user_buffer_check(f->rsi, sizeof(out), true))
		return -RDOS_EFAULT;
	if (!p)
		return -RDOS_ENOENT;
	out = (struct rdos_work){
		.entries_read = p->work.entries_read,
		.entries_written = p->work.entries_written,
		.tables_visited = p->work.tables_visited,
		.nodes_visited = p->work.nodes_visited,
		.frames_alloc = p->work.frames_alloc,
		.frames_freed = p->work.frames_freed,
	};
	return copy_to_user(f->rsi, &out, sizeof(out));
}

static int64_t sys_proclist(const struct trap_frame *f)
{
	struct rdos_procinfo list[PROCLIST_MAX];
	uint64_t max = f->rsi < PROCLIST_MAX ? f->rsi : PROCLIST_MAX;
	uint64_t n;

	if (user_array_check(f->rdi, f->rsi, sizeof(list[0]), true))
		return -RDOS_EFAULT;
	n = process_list(list, max);
	return copy_to_user(f->rdi, list, n * sizeof(list[0])) ?: (int64_t)n;
}

static int64_t sys_vmmap(const struct trap_frame *f)
{
	struct rdos_vmrun runs[VMMAP_MAX];
	struct process *p = target_process((int64_t)f->rdi);
	uint64_t max = f->r10 < VMMAP_MAX ? f->r10 : VMMAP_MAX, n;

	if (user_array_check(f->rdx, f->r10, sizeof(runs[0]), true))
		return -RDOS_EFAULT;
	if (!p)
		return -RDOS_ENOENT;
	n = vmmap_runs(&p->space, f->rsi, runs, max);
	return copy_to_user(f->rdx, runs, n * sizeof(runs[0])) ?: (int64_t)n;
}

/* GETARGS's rules for the text: a truncated copy, the whole length. */
static int64_t sys_pageinfo(const struct trap_frame *f)
{
	char text[PAGEINFO_TEXT_MAX];
	struct process *p = target_process((int64_t)f->rdi);
	uint64_t va = f->rsi, buf = f->rdx, size = f->r10, len, n;

	if (size > 0 && user_buffer_check(buf, size, true))
		return -RDOS_EFAULT;
	if (!p)
		return -RDOS_ENOENT;
	if (va < USER_SPACE_START || va >= USER_SPACE_END)
		return -RDOS_EINVAL;
	len = pte_explain(&p->space, va, text, sizeof(text));
	if (size == 0)
		return (int64_t)len;
	n = len < size - 1 ? len : size - 1;
	if (n > sizeof(text) - 1)
		n = sizeof(text) - 1;
	if (copy_to_user(buf, text, n) || copy_to_user(buf + n, "", 1))
		return -RDOS_EFAULT;
	return (int64_t)len;
}

/* Long: both designs replay the whole trace while this thread holds the
 * kernel lock (docs/abi.md says so). */
static int64_t sys_replay(const struct trap_frame *f)
{
	char name[RDOS_REPLAY_NAME_MAX];
	struct rdos_replay out;
	int64_t err = string_from_user(name, f->rdi, sizeof(name));

	if (err)
		return err;
	if (user_buffer_check(f->rsi, sizeof(out), true))
		return -RDOS_EFAULT;
	err = trace_compare(name, &out);
	return err ?: copy_to_user(f->rsi, &out, sizeof(out));
}

/* A limit in an argument: the new value, or the old one for KEEP; false if
 * it would raise the limit. */
static bool lowered(uint64_t arg, uint64_t old, uint64_t *out)
{
	*out = arg == RDOS_LIMIT_KEEP ? old : arg;
	return *out <= old;
}

static int64_t sys_limits(const struct trap_frame *f)
{
	struct mm_space *s = process_space(process_current());
	struct vm_limits now = mm_limits(s), want;
	struct vm_usage u;
	struct rdos_limits out;

	if (user_buffer_check(f->rdx, sizeof(out), true))
		return -RDOS_EFAULT;
	if (!lowered(f->rdi, now.max_reserved, &want.max_reserved) ||
	    !lowered(f->rsi, now.max_present, &want.max_present))
		return -RDOS_EINVAL;
	/* out is written first: a failed copy changes nothing */
	u = mm_usage(s);
	out = (struct rdos_limits){ want.max_reserved, want.max_present, u.reserved, u.present };
	if (copy_to_user(f->rdx, &out, sizeof(out)))
		return -RDOS_EFAULT;
	mm_set_limits(s, want);
	return 0;
}

static int64_t sys_getargs(const struct trap_frame *f)
{
	const char *args = process_current()->args;
	uint64_t len = strlen(args), size = f->rsi;

	if (size == 0)
		return (int64_t)len;
	if (user_buffer_check(f->rdi, size, true))
		return -RDOS_EFAULT;
	if (size > len + 1)
		size = len + 1;
	if (copy_to_user(f->rdi, args, size - 1) || copy_to_user(f->rdi + size - 1, "", 1))
		return -RDOS_EFAULT;
	return (int64_t)len;
}

static const syscall_fn syscall_table[RDOS_SYS_COUNT] = {
	[RDOS_SYS_EXIT] = sys_exit,	      [RDOS_SYS_WRITE] = sys_write,
	[RDOS_SYS_READ_LINE] = sys_read_line, [RDOS_SYS_RESERVE] = sys_reserve,
	[RDOS_SYS_RELEASE] = sys_release,     [RDOS_SYS_PROTECT] = sys_protect,
	[RDOS_SYS_SPAWN] = sys_spawn,	      [RDOS_SYS_WAIT] = sys_wait,
	[RDOS_SYS_GETPID] = sys_getpid,	      [RDOS_SYS_YIELD] = sys_yield,
	[RDOS_SYS_SLEEP] = sys_sleep,	      [RDOS_SYS_MEMSTAT] = sys_memstat,
	[RDOS_SYS_PROCLIST] = sys_proclist,   [RDOS_SYS_VMMAP] = sys_vmmap,
	[RDOS_SYS_GETARGS] = sys_getargs,     [RDOS_SYS_FORK] = sys_fork,
	[RDOS_SYS_LIMITS] = sys_limits,
	[RDOS_SYS_TICKS] = sys_ticks,
	[RDOS_SYS_THREAD] = sys_thread,
	[RDOS_SYS_THREAD_EXIT] = sys_thread_exit,
	[RDOS_SYS_WAIT_INFO] = sys_wait_info,
	[RDOS_SYS_GUARD] = sys_guard,
	[RDOS_SYS_WORK] = sys_work,
	[RDOS_SYS_PAGEINFO] = sys_pageinfo,
	[RDOS_SYS_REPLAY] = sys_replay,
};

_Static_assert(TIMER_HZ == RDOS_TICKS_PER_SECOND, "TICKS reads the timer the ABI promises");

static void syscall_entry(struct trap_frame *f)
{
	uint64_t n = f->rax;

	if (!trap_from_user(f))
		panic("syscall_entry: int 0x80 from the kernel at %lx", f->rip);
	f->rax = n < RDOS_SYS_COUNT ? (uint64_t)syscall_table[n](f) : (uint64_t)-RDOS_ENOSYS;
}

/*
 * Reserve and release run without the kernel lock: they touch only the
 * caller's space, which its own lock protects (mm_space.h), and the frame
 * allocator, which has its own.  The process cannot be torn down meanwhile
 * (this thread is one of its live threads).  What this CPU invalidated is
 * shot down before the thread returns to ring 3, as kernel_unlock() would.
 */
static bool syscall_fast_path(struct trap_frame *f)
{
	if (!trap_from_user(f) || (f->rax != RDOS_SYS_RESERVE && f->rax != RDOS_SYS_RELEASE))
		return false;
	f->rax = (uint64_t)syscall_table[f->rax](f);
	tlb_shootdown_pending();
	return true;
}

#define OPCODE_INT_IMM8 0xCDu

/*
 * A hypervisor that runs the guest in KVM's instruction emulator, which
 * cannot emulate INT n in long mode (KVM on PVM, docs/emulators.md), turns
 * a user's int 0x80 into #UD at that instruction.  This takes such a #UD
 * for the system call it stands for: RIP past the instruction and the
 * vector the CPU would have delivered, dispatched again (fast path and
 * all).  Any other #UD is left to the usual handling; on a CPU, or under
 * TCG, int 0x80 never raises #UD and this never matches.
 */
static bool int80_delivered_as_invalid_opcode(struct trap_frame *f)
{
	uint8_t insn[2];

	if (!trap_from_user(f) || copy_from_user(insn, f->rip, sizeof(insn)) != 0 ||
	    insn[0] != OPCODE_INT_IMM8 || insn[1] != RDOS_SYSCALL_VECTOR)
		return false;
	f->rip += sizeof(insn);
	f->vector = RDOS_SYSCALL_VECTOR;
	trap_dispatch(f);
	return true;
}

void syscall_init(void)
{
	trap_set_handler(RDOS_SYSCALL_VECTOR, syscall_entry);
	trap_set_fast_path(RDOS_SYSCALL_VECTOR, syscall_fast_path);
	trap_set_fast_path(VEC_INVALID_OPCODE, int80_delivered_as_invalid_opcode);
	idt_allow_user(RDOS_SYSCALL_VECTOR);
}
