/*
 * panic.c - the end of the line for a broken kernel invariant.
 *
 * panic() prints its message, then raises VEC_PANIC so that the trap path
 * captures every register exactly as at the call, prints them with a
 * symbolized backtrace (trap.c) and calls panic_halt().  A panic inside a
 * panic only prints its message: the first report is the one that matters.
 */
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/layout.h"
#include "kernel/ktest.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/symbols.h"
#include "lib/panic.h"

#define BACKTRACE_MAX_DEPTH 32

static int panic_depth;

void symbol_print(uint64_t addr)
{
	uint64_t offset;
	const char *name = symbol_lookup(addr, &offset);

	if (name)
		kprintf("%p %s+0x%lx", (void *)addr, name, offset);
	else
		kprintf("%p ?", (void *)addr);
}

/* A frame pointer we may dereference: 8-byte aligned, in the kernel half. */
static bool frame_pointer_ok(uint64_t rbp)
{
	return rbp >= DIRECT_MAP_BASE && (rbp & 7) == 0 && rbp < ~0ull - 16;
}

static void backtrace_line(int depth, uint64_t addr, const char *note)
{
	kprintf("  #%-2d ", depth);
	symbol_print(addr);
	kprintf("%s\n", note);
}

static bool is_text_address(uint64_t addr)
{
	uint64_t offset;

	return symbol_lookup(addr, &offset) != NULL;
}

void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t rsp)
{
	int depth = 1;

	kprintf("backtrace:\n");
	backtrace_line(0, rip, "");
	/* gcc gives leaf functions no frame, so a fault inside one leaves its
	 * caller's return address on top of the stack, outside the RBP chain. */
	if (frame_pointer_ok(rsp) && frame_pointer_ok(rbp)) {
		uint64_t top = *(const uint64_t *)(uintptr_t)rsp;

		if (is_text_address(top) && top != ((const uint64_t *)(uintptr_t)rbp)[1])
			backtrace_line(depth++, top, " (stack top: caller of a frameless function)");
	}
	for (; depth < BACKTRACE_MAX_DEPTH && frame_pointer_ok(rbp); depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		if (frame[1] == 0)
			break;
		backtrace_line(depth, frame[1], "");
		rbp = frame[0];
	}
}

void panic_halt(void)
{
	smp_stop_others();
	ktest_report_crash();
	kprintf("kernel halted\n");
	if (ktest_mode())
		emulator_exit(false);
	interrupts_disable();
	for (;;)
		cpu_halt();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	interrupts_disable();
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	if (panic_depth++ == 0 && idt_ready())
		cpu_raise_panic_vector();
	backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), read_rbp(), 0);
	panic_halt();
}
