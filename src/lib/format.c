/*
 * format.c - the printf engine behind kprintf(), panic() and format_buf().
 *
 * One pass over the format string; each conversion is parsed into a spec and
 * emitted by a small function.  Nothing here allocates or can fail, so it is
 * safe to call from panic() and the fault handlers.
 */
#include <stdint.h>

#include "lib/format.h"

struct format_out {
	format_sink sink;
	void *ctx;
	size_t count;
};

struct format_spec {
	bool left_align;
	bool zero_pad;
	bool alternate; /* '#': 0x before hexadecimal */
	unsigned width;
	unsigned length; /* number of 'l' modifiers; 'z' counts as 2 */
};

static void out_char(struct format_out *out, char c)
{
	out->sink(out->ctx, c);
	out->count++;
}

static void out_padding(struct format_out *out, char c, unsigned n)
{
	while (n-- > 0)
		out_char(out, c);
}

static unsigned string_length(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	return n;
}

static void out_string(struct format_out *out, const struct format_spec *spec,
		       const char *s)
{
	unsigned len;

	if (!s)
		s = "(null)";
	len = string_length(s);
	if (!spec->left_align && spec->width > len)
		out_padding(out, ' ', spec->width - len);
	while (*s)
		out_char(out, *s++);
	if (spec->left_align && spec->width > len)
		out_padding(out, ' ', spec->width - len);
}

/* Emits an unsigned magnitude in base 10 or 16 with sign/prefix and padding. */
static void out_number(struct format_out *out, const struct format_spec *spec,
		       uint64_t value, unsigned base, bool upper,
		       const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	unsigned n = 0, prefix_len = string_length(prefix), total;

	do {
		buf[n++] = digits[value % base];
		value /= base;
	} while (value);
	total = n + prefix_len;

	if (!spec->left_align && !spec->zero_pad && spec->width > total)
		out_padding(out, ' ', spec->width - total);
	while (*prefix)
		out_char(out, *prefix++);
	if (!spec->left_align && spec->zero_pad && spec->width > total)
		out_padding(out, '0', spec->width - total);
	while (n > 0)
		out_char(out, buf[--n]);
	if (spec->left_align && spec->width > total)
		out_padding(out, ' ', spec->width - total);
}

static uint64_t arg_unsigned(const struct format_spec *spec, va_list *ap)
{
	if (spec->length >= 2)
		return va_arg(*ap, unsigned long long);
	if (spec->length == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct format_spec *spec, va_list *ap)
{
	if (spec->length >= 2)
		return va_arg(*ap, long long);
	if (spec->length == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *p, struct format_spec *spec)
{
	*spec = (struct format_spec){ 0 };
	for (;; p++) {
		if (*p == '-')
			spec->left_align = true;
		else if (*p == '0')
			spec->zero_pad = true;
		else if (*p == '#')
			spec->alternate = true;
		else
			break;
	}
	while (*p >= '0' && *p <= '9')
		spec->width = spec->width * 10 + (unsigned)(*p++ - '0');
	for (;; p++) {
		if (*p == 'l')
			spec->length++;
		else if (*p == 'z')
			spec->length = 2;
		else
			break;
	}
	return p;
}

static void out_conversion(struct format_out *out, const struct format_spec *spec,
			   char conv, va_list *ap)
{
	int64_t s;

	switch (conv) {
	case 'c':
		out_char(out, (char)va_arg(*ap, int));
		break;
	case 's':
		out_string(out, spec, va_arg(*ap, const char *));
		break;
	case 'd':
	case 'i':
		s = arg_signed(spec, ap);
		out_number(out, spec, s < 0 ? -(uint64_t)s : (uint64_t)s, 10,
			   false, s < 0 ? "-" : "");
		break;
	case 'u':
		out_number(out, spec, arg_unsigned(spec, ap), 10, false, "");
		break;
	case 'x':
	case 'X':
		out_number(out, spec, arg_unsigned(spec, ap), 16, conv == 'X',
			   spec->alternate ? "0x" : "");
		break;
	case 'p': {
		struct format_spec p = { .zero_pad = true, .width = 18 };
		out_number(out, &p, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	}
	default: /* '%%' and unknown conversions print themselves */
		out_char(out, conv);
		break;
	}
}

size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct format_out out = { sink, ctx, 0 };
	struct format_spec spec;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&out, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &spec);
		if (!*fmt)
			break;
		out_conversion(&out, &spec, *fmt++, &args);
	}
	va_end(args);
	return out.count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

size_t format_buf_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	size_t n = format_v(buf_put, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

size_t format_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_buf_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
