/*
 * maps_trace.c - parsing one line of a .maps.csv trace (see maps_trace.h),
 * without the C library: the kernel parses GRUB modules with it.
 */
#include "lib/maps_trace.h"
#include "mm/vm.h"

/* The cursor over one line: [p, end). */
struct field_reader {
	const char *p, *end;
};

static int digit_value(char c, unsigned base)
{
	int v = c >= '0' && c <= '9'   ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10
				       : 99;

	return v < (int)base ? v : -1;
}

/* A number in base up to the next comma (consumed); false if the field
 * is empty, holds anything else or overflows. */
static bool read_number(struct field_reader *r, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	bool any = false;

	for (; r->p < r->end && *r->p != ','; r->p++) {
		int d = digit_value(*r->p, base);

		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
		any = true;
	}
	if (r->p < r->end)
		r->p++; /* the comma */
	*out = v;
	return any;
}

/* The text field up to the next comma (consumed): its start and length. */
static size_t read_text(struct field_reader *r, const char **text)
{
	*text = r->p;
	while (r->p < r->end && *r->p != ',')
		r->p++;
	if (r->p < r->end) {
		r->p++;
		return (size_t)(r->p - 1 - *text);
	}
	return (size_t)(r->p - *text);
}

bool trace_area_parse(const char *line, size_t len, struct trace_area *a)
{
	struct field_reader r = { line, line + len };
	uint64_t start, end, offset, rss_kb;
	const char *perms, *kind;
	size_t kind_len;

	if (!read_number(&r, 16, &start) || !read_number(&r, 16, &end) ||
	    read_text(&r, &perms) != 4 || !read_number(&r, 16, &offset))
		return false;
	kind_len = read_text(&r, &kind);
	if (!read_number(&r, 10, &rss_kb) || start >= end ||
	    ((start | end) & 0xfff))
		return false;
	*a = (struct trace_area){
		.start = start, .end = end, .pages = (end - start) >> 12,
		.touch_pages = rss_kb / 4, .file_page = offset >> 12,
		.read = perms[0] == 'r', .write = perms[1] == 'w',
		.exec = perms[2] == 'x',
		.file = kind_len == 4 && kind[0] == 'f' && kind[1] == 'i' &&
			kind[2] == 'l' && kind[3] == 'e',
		.in_user = start >= VM_USER_LO && end <= VM_USER_HI,
	};
	if (a->touch_pages > a->pages)
		a->touch_pages = a->pages;
	return true;
}
