/*
 * ut.c - the user test helpers of ut.h: checks and the TAP line, and the
 * prefaulting that makes page counts exact.
 */
#include "ut.h"

#include <stdarg.h>

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

/* The image's own PE headers, as the linker laid them out at __ImageBase:
 * only the fields needed to find the sections. */
#define PE_LFANEW_OFFSET 0x3c        /* DOS header: offset of "PE\0\0" */
#define PE_COFF_HEADER_SIZE 24       /* signature + COFF file header */
#define PE_COFF_NSECTIONS_OFFSET 6   /* from the signature */
#define PE_COFF_OPTSIZE_OFFSET 20
#define PE_SECTION_HEADER_SIZE 40
#define PE_SECTION_VSIZE_OFFSET 8
#define PE_SECTION_VADDR_OFFSET 12
#define PE_SECTION_FLAGS_OFFSET 36
#define PE_SCN_MEM_DISCARDABLE 0x02000000u
#define PE_SCN_MEM_WRITE 0x80000000u

/* Defined by the linker: the first byte of this program's image. */
extern const uint8_t __ImageBase[];

static uint32_t pe_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t pe_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

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
	const uint8_t *pe = __ImageBase + pe_u32(__ImageBase + PE_LFANEW_OFFSET);
	uint16_t nsections = pe_u16(pe + PE_COFF_NSECTIONS_OFFSET);
	const uint8_t *sec = pe + PE_COFF_HEADER_SIZE + pe_u16(pe + PE_COFF_OPTSIZE_OFFSET);

	prefault_range((volatile uint8_t *)__ImageBase, 1, false);
	for (uint16_t i = 0; i < nsections; i++, sec += PE_SECTION_HEADER_SIZE) {
		uint32_t flags = pe_u32(sec + PE_SECTION_FLAGS_OFFSET);

		if (flags & PE_SCN_MEM_DISCARDABLE)
			continue;
		prefault_range((volatile uint8_t *)__ImageBase +
				       pe_u32(sec + PE_SECTION_VADDR_OFFSET),
			       pe_u32(sec + PE_SECTION_VSIZE_OFFSET),
			       flags & PE_SCN_MEM_WRITE);
	}
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
