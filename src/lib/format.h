/*
 * format.h - printf-style formatting into any character sink.
 *
 * The kernel printer, panic() and snprintf-like helpers share this one
 * engine.  Supported: %c %s %d %i %u %x %X %p %% with the flags '-', '0' and '#',
 * a field width, and the length modifiers l, ll, z.  %p prints 0x and 16 hex
 * digits.  Portable: also built into the host tests.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*format_sink)(void *ctx, char c);

/* Formats into sink; returns the number of characters produced. */
size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap);

/* Formats into buf (always NUL-terminated when size > 0); returns the length
 * the full output would have had, like C99 snprintf. */
__attribute__((format(printf, 3, 4))) size_t format_buf(char *buf, size_t size,
							  const char *fmt, ...);
size_t format_buf_v(char *buf, size_t size, const char *fmt, va_list ap);

#endif
