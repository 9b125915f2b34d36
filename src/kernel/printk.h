/*
 * printk.h - the kernel printer: one printf-style call that writes to every
 * console (COM1, VGA text, Bochs's port 0xE9).
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stdbool.h>

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
void console_init(void);
/* Stops writing to the VGA screen; serial and port 0xE9 go on. */
void console_quiet_screen(void);

#endif
