/*
 * printk.c - kprintf() over the consoles.
 *
 * Output goes character by character to each console, unbuffered, so that a
 * message printed just before a crash is never lost.  Test runs silence
 * the screen after the banner: Bochs's term display writes every screen
 * change into a pseudo-terminal nobody reads, and blocks once it is full.  SMP: lines from several
 * CPUs may interleave until console output takes a lock (multiprocessor
 * issue); nothing here depends on that.
 */
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/vga.h"
#include "kernel/printk.h"
#include "lib/format.h"

static bool vga_enabled = true;

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
	if (vga_enabled)
		vga_putc(c);
	debugcon_putc(c);
}

void console_quiet_screen(void)
{
	kprintf("console: test run, further output on COM1 and port 0xE9 only\n");
	vga_enabled = false;
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
