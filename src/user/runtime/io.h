/*
 * io.h - console output and input for user programs: printf over
 * RDOS_SYS_WRITE, snprintf into memory, read_line from the console.
 *
 * The formatting engine is the kernel's (src/lib/format.c): conversions
 * %c %s %d %i %u %x %X %p %% with flags '-', '0', '#', a width, and the
 * length modifiers l, ll, z.  On this target `long` is 32 bits, so 64-bit
 * values need %lld / %llu / %llx (int64_t, uint64_t) or %zu (size_t).
 * gnu_printf, not printf: mingw's compiler would otherwise check formats
 * against msvcrt's rules, which know no %zu.
 */
#ifndef USER_RUNTIME_IO_H
#define USER_RUNTIME_IO_H

#include <stddef.h>
#include <stdint.h>

/* Writes the formatted text with as few RDOS_SYS_WRITE calls as its length
 * allows (one for up to IO_PRINTF_CHUNK bytes), so that lines of
 * concurrent processes do not interleave.  Returns the number of
 * characters produced. */
#define IO_PRINTF_CHUNK 256
__attribute__((format(gnu_printf, 1, 2))) int printf(const char *fmt, ...);

/* s and a newline, in one write. */
int puts(const char *s);

/* C99 semantics: always NUL-terminated when size > 0; returns the length
 * the whole output would have had. */
__attribute__((format(gnu_printf, 3, 4))) int snprintf(char *buf, size_t size,
						       const char *fmt, ...);

/* One console line without its newline, NUL-terminated, truncated to
 * size - 1 characters; returns its length or -RDOS_E*.  Blocks. */
int64_t read_line(char *buf, size_t size);

#endif
