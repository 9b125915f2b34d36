/*
 * printk.c - kprintf() over the consoles.
 *
 * Output goes character by character to each console, unbuffered, so that a
 * message printed just before a crash is never lost.  The screen joins in
 * once screen_init has found one in the boot information (screen.c); until
 * then, output is on COM1 and port 0xE9 only.  Test runs silence
 * the screen after the banner: Bochs's term display writes every screen
 * change into a pseudo-terminal nobody reads, and blocks once it is full.  SMP: lines from several
 * CPUs may interleave until console output takes a lock (multiprocessor
 * issue); nothing here depends on that.
 */
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/serial.h"
#include "kernel/printk.h"
#include "kernel/screen.h"
#include "lib/format.h"

static bool screen_enabled = true;
/* console_log[n % CONSOLE_LOG_SIZE] is character n, for the last
 * CONSOLE_LOG_SIZE of the log_end printed so far. */
static char console_log[CONSOLE_LOG_SIZE];
static uint64_t log_end;

_Static_assert((CONSOLE_LOG_SIZE & (CONSOLE_LOG_SIZE - 1)) == 0,
	       "CONSOLE_LOG_SIZE is a power of two: n % size is a mask");

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	console_log[__atomic_fetch_add(&log_end, 1, __ATOMIC_RELAXED) % CONSOLE_LOG_SIZE] = c;
	serial_putc(c);
	if (screen_enabled)
		screen_putc(c);
	debugcon_putc(c);
}

void console_quiet_screen(void)
{
	kprintf("console: test run, further output on COM1 and port 0xE9 only\n");
	screen_enabled = false;
}

void console_init(void)
{
	serial_init();
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

uint64_t console_log_mark(void)
{
	return __atomic_load_n(&log_end, __ATOMIC_RELAXED);
}

bool console_log_copy(uint64_t from, char *buf, size_t size)
{
	uint64_t end = console_log_mark(), n = 0;
	bool whole;

	if (from > end)
		from = end;
	whole = end - from <= CONSOLE_LOG_SIZE;

	if (!whole)
		from = end - CONSOLE_LOG_SIZE;
	for (uint64_t i = from; i < end && n + 1 < size; i++)
		buf[n++] = console_log[i % CONSOLE_LOG_SIZE];
	buf[n] = '\0';
	return whole;
}
