/*
 * console_in.c - console input (console_in.h): queued text first, then
 * COM1, polled.
 *
 * Invariant: fed[fed_next..fed_end) is the queued text not read yet; the
 * queue starts over at 0 whenever it is empty.  Under the kernel lock
 * (kernel_lock.h): no lock of its own.
 */
#include "arch/x86_64/serial.h"
#include "kernel/console_in.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "kernel/thread.h"
#include "lib/string.h"

#define CONSOLE_FEED_MAX 512

static char fed[CONSOLE_FEED_MAX];
static size_t fed_next, fed_end;
static uint64_t lines_wanted;

bool console_in_feed(const char *text)
{
	size_t n = strlen(text);

	if (fed_next == fed_end)
		fed_next = fed_end = 0;
	if (n > sizeof(fed) - fed_end)
		return false;
	memcpy(fed + fed_end, text, n);
	fed_end += n;
	return true;
}

uint64_t console_in_lines_wanted(void)
{
	return lines_wanted;
}

/* The next character, queued or from COM1; polls COM1 a tick apart (its
 * interrupt is not used: the 8259s are masked, see pic.h). */
static char console_read_char(void)
{
	int c;

	for (;;) {
		if (fed_next < fed_end)
			return fed[fed_next++];
		if ((c = serial_try_getc()) >= 0)
			return c == '\r' ? '\n' : (char)c;
		if (process_exiting())
			return '\n'; /* the reader is ending: the line is done */
		thread_sleep(1);
	}
}

size_t console_read_line(char *line, size_t size)
{
	size_t n = 0;
	char c;

	lines_wanted++;
	while ((c = console_read_char()) != '\n') {
		if ((c == '\b' || c == 0x7f) && n > 0) {
			n--;
			kprintf("\b \b");
		} else if (c >= ' ' && n + 1 < size) {
			line[n++] = c;
			kprintf("%c", c);
		}
	}
	kprintf("\n");
	line[n] = '\0';
	return n;
}
