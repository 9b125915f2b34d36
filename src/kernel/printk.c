/*
 * printk.c - kprintf() over the consoles.
 *
 * Output goes character by character to each console, unbuffered, so that a
 * message printed just before a crash is never lost.  SMP: lines from several
 * CPUs may interleave until console output takes a lock (multiprocessor
 * issue); nothing here depends on that.
 */
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/vga.h"
#include "kernel/printk.h"
#include "lib/format.h"

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
	vga_putc(c);
	debugcon_putc(c);
}

void console_init(void)
{
	serial_init();
	vga_init();
}

void kvprintf(const char *fmt, va_list ap)
{
	format_v(console_putc, NULL, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
