/*
 * printk.h - the kernel printer: one printf-style call that writes to every
 * console (COM1, the screen if screen.h found one, port 0xE9: Bochs's and
 * QEMU's debug console).
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
/* Starts COM1; the screen comes later, from the boot information. */
void console_init(void);
/* Stops writing to the screen; serial and port 0xE9 go on. */
void console_quiet_screen(void);

/*
 * The consoles' recent output, for tests that check what was printed.
 * Every character printed is numbered, from 0 at boot; console_log_mark()
 * is the number the next one will get.  console_log_copy() copies what was
 * printed from number `from` on, at most size - 1 characters, NUL-
 * terminated; false if part of it is no longer kept (only the last
 * CONSOLE_LOG_SIZE are).  A character another CPU is printing meanwhile
 * may be missing.
 */
#define CONSOLE_LOG_SIZE 8192u
uint64_t console_log_mark(void);
bool console_log_copy(uint64_t from, char *buf, size_t size);

#endif
