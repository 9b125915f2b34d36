/*
 * io.c - printf/puts/snprintf/read_line over the shared format engine
 * (src/lib/format.c) and the console system calls.
 *
 * printf collects its output in a buffer on the stack and writes it in
 * chunks: one system call per line in the common case, instead of one per
 * character, and no static buffer that a later caller could see half full.
 */
#include "user/runtime/io.h"

#include <stdarg.h>

#include "lib/format.h"
#include "user/runtime/sys.h"

struct io_chunk {
	char buf[IO_PRINTF_CHUNK];
	size_t len;
};

static void io_flush(struct io_chunk *c)
{
	if (c->len > 0)
		sys_write(c->buf, c->len);
	c->len = 0;
}

static void io_put(void *ctx, char ch)
{
	struct io_chunk *c = ctx;

	if (c->len == sizeof(c->buf))
		io_flush(c);
	c->buf[c->len++] = ch;
}

static int io_vprintf(const char *fmt, va_list ap)
{
	struct io_chunk c;
	size_t n;

	c.len = 0;
	n = format_v(io_put, &c, fmt, ap);
	io_flush(&c);
	return (int)n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = io_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_buf_v(buf, size, fmt, ap);
	va_end(ap);
	return (int)n;
}

int64_t read_line(char *buf, size_t size)
{
	return sys_read_line(buf, size);
}
