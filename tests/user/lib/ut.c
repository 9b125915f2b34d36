/*
 * ut.c - the user test helpers of ut.h: checks and the TAP line, and the
 * prefaulting that makes page counts exact.
 */
#include "ut.h"

#include <stdarg.h>

#include "image.h"
#include "lib/format.h"
#include "lib/string.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

static const char *ut_name = "?";
static int ut_failures;

void ut_begin(const char *name)
{
	ut_name = name;
	ut_failures = 0;
}

static void ut_vnote(const char *fmt, va_list ap)
{
	char msg[IO_PRINTF_CHUNK];

	format_buf_v(msg, sizeof(msg), fmt, ap);
	printf("    # %s: %s\n", ut_name, msg);
}

void ut_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ut_vnote(fmt, ap);
	va_end(ap);
}

bool ut_check(bool ok, int line, const char *fmt, ...)
{
	char msg[IO_PRINTF_CHUNK];
	va_list ap;

	if (ok)
		return true;
	ut_failures++;
	va_start(ap, fmt);
	format_buf_v(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ut_note("line %d: %s", line, msg);
	return false;
}

bool ut_expect(int64_t got, int64_t want, int line, const char *expr)
{
	return ut_check(got == want, line, "%s = %lld (%s), want %lld (%s)", expr,
			got, got < 0 ? sys_error_name(got) : "ok", want,
			want < 0 ? sys_error_name(want) : "ok");
}

int ut_end(void)
{
	if (ut_failures == 0) {
		printf("    ok - %s\n", ut_name);
		return 0;
	}
	printf("    not ok - %s # %d check(s) failed\n", ut_name, ut_failures);
	return 1;
}

int ut_skip(const char *fmt, ...)
{
	char reason[IO_PRINTF_CHUNK];
	va_list ap;

	if (ut_failures != 0)
		return ut_end();
	va_start(ap, fmt);
	format_buf_v(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("    ok - %s # SKIP %s\n", ut_name, reason);
	return RDOS_STATUS_SKIP;
}

bool ut_failed(void)
{
	return ut_failures != 0;
}

void ut_memstat(struct rdos_memstat *out)
{
	int64_t r = sys_memstat(0, out);

	if (!UT_EXPECT(r, 0))
		memset(out, 0, sizeof(*out));
}

int ut_killer_survived(const char *how)
{
	UT_CHECK(false, "survived: %s", how);
	return ut_end();
}

/* ---- prefaulting ---------------------------------------------------------- */

/* The kernel refuses images with more sections than this (docs/pe-loading.md). */
#define UT_IMAGE_SECTIONS_MAX 16

static void prefault_range(volatile uint8_t *p, uint32_t size, bool write)
{
	for (uint32_t off = 0; off < size; off += USER_PAGE_SIZE) {
		uint8_t v = p[off];

		if (write)
			p[off] = v;
	}
}

/* Discardable sections (.reloc) need not be mapped: they are skipped. */
static void prefault_image(void)
{
	struct image_section sec[UT_IMAGE_SECTIONS_MAX];
	unsigned n = image_sections(sec, UT_IMAGE_SECTIONS_MAX);

	prefault_range((volatile uint8_t *)image_base(), 1, false);
	for (unsigned i = 0; i < n && i < UT_IMAGE_SECTIONS_MAX; i++)
		if (!(sec[i].flags & IMAGE_SCN_MEM_DISCARDABLE))
			prefault_range((volatile uint8_t *)image_base() + sec[i].vaddr, sec[i].vsize,
				       sec[i].flags & IMAGE_SCN_MEM_WRITE);
}

/* The frame is larger than a page, so gcc probes it page by page with
 * ___chkstk_ms on the way in: that is the prefault.  The empty asm that
 * takes the array's address keeps the frame from being optimised away. */
__attribute__((noinline)) static void prefault_stack(void)
{
	uint8_t pad[UT_STACK_PREFAULT];

	__asm__ volatile("" : : "r"(pad) : "memory");
}

void ut_prefault(void)
{
	prefault_image();
	prefault_stack();
}
