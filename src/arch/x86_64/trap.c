/*
 * trap.c - dispatch of every interrupt and exception, and the report of a
 * fatal one.
 *
 * Handlers are registered per vector.  A vector without a handler is fatal:
 * the full register state and a symbolized backtrace are printed, then the
 * kernel halts (or, in test mode, ends the emulator with a failure).  User
 * faults are routed to the process layer through the handlers it registers,
 * never here.
 *
 * Locking: a handler runs with the kernel lock (kernel/kernel_lock.h),
 * taken here when the interrupted code did not hold it (ring 3, or the idle
 * loop's halt) and given back on the way out; a context switch inside the
 * handler hands the lock on, and whoever returns through this frame gives
 * it up.  Lockless vectors (shootdown, wake-up, stop, panic, NMI, double
 * fault) must work while another CPU holds the lock, or while this one
 * does in the middle of an update.  A vector may also have a fast path,
 * tried first without the lock; if it declines, the handler runs as usual
 * (page faults: address_space_fault_lockless).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "kernel/kernel_lock.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

#define TRAP_VECTORS 256

static trap_handler trap_handlers[TRAP_VECTORS];
static bool lockless[TRAP_VECTORS] = {
	[VEC_NMI] = true, [VEC_DOUBLE_FAULT] = true, [VEC_PANIC] = true,
};
static trap_handler user_exception_handler;
static trap_handler user_return_hook;
static trap_fast_path fast_paths[TRAP_VECTORS];
/* Entries that reached trap_dispatch with RFLAGS.AC set: 0 while SMAP is
 * on, since isr.asm clears AC at every entry. */
static uint64_t entries_with_ac;

static const char *const exception_names[VEC_EXCEPTION_COUNT] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *trap_name(unsigned vector)
{
	if (vector < VEC_EXCEPTION_COUNT)
		return exception_names[vector];
	if (vector == VEC_PANIC)
		return "panic";
	return "interrupt";
}

void trap_set_handler(unsigned vector, trap_handler handler)
{
	trap_handlers[vector] = handler;
}

bool trap_from_user(const struct trap_frame *frame)
{
	return (frame->cs & 3) == 3;
}

void trap_dump(const struct trap_frame *f)
{
	kprintf("RIP=");
	symbol_print(f->rip);
	kprintf(" CS=%lx RFLAGS=%016lx\n", f->cs, f->rflags);
	kprintf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx SS=%lx\n", read_cr0(),
		read_cr2(), read_cr3(), read_cr4(), f->ss);
	backtrace_print(f->rip, f->rbp, f->rsp);
}

void trap_fatal(struct trap_frame *f)
{
	if (f->vector != VEC_PANIC)
		kprintf("\nFATAL: %s (vector %lu) error code %lx at %s level, CR2=%016lx\n",
			trap_name((unsigned)f->vector), f->vector, f->error_code,
			trap_from_user(f) ? "user" : "kernel", read_cr2());
	trap_dump(f);
	panic_halt();
}

void trap_set_lockless_handler(unsigned vector, trap_handler handler)
{
	lockless[vector] = true;
	trap_handlers[vector] = handler;
}

void trap_set_fast_path(unsigned vector, trap_fast_path try_first)
{
	fast_paths[vector] = try_first;
}

void trap_set_user_return_hook(trap_handler hook)
{
	user_return_hook = hook;
}

void trap_set_user_exception_handler(trap_handler handler)
{
	user_exception_handler = handler;
}

uint64_t trap_entries_with_ac(void)
{
	return __atomic_load_n(&entries_with_ac, __ATOMIC_RELAXED);
}

static void dispatch_locked(struct trap_frame *frame)
{
	trap_handler handler = trap_handlers[frame->vector];

	if (handler)
		handler(frame);
	else if (user_exception_handler && trap_from_user(frame) &&
		 frame->vector < VEC_EXCEPTION_COUNT)
		user_exception_handler(frame);
	else
		trap_fatal(frame);
}

void trap_dispatch(struct trap_frame *frame)
{
	bool took;

	if (read_rflags() & RFLAGS_AC)
		__atomic_add_fetch(&entries_with_ac, 1, __ATOMIC_RELAXED);
	if (lockless[frame->vector]) {
		if (!trap_handlers[frame->vector])
			trap_fatal(frame);
		trap_handlers[frame->vector](frame);
		return;
	}
	if (fast_paths[frame->vector] && fast_paths[frame->vector](frame))
		return;
	took = !kernel_lock_held();
	if (took)
		kernel_lock();
	dispatch_locked(frame);
	if (user_return_hook && trap_from_user(frame))
		user_return_hook(frame);
	if (took)
		kernel_unlock();
}
