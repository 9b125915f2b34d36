/*
 * trap.c - the names of the vectors, and the report of a fatal trap: the
 * full register state and a symbolized backtrace, then the kernel halts
 * (or, in test mode, ends the emulator with a failure).
 *
 * Which handler a trap reaches, and under which lock, is kernel policy
 * (kernel/trap_dispatch.c); nothing here decides it.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

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
