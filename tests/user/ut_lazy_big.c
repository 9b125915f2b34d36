/*
 * ut_lazy_big - a program with 1 MiB of initialised read-only data that
 * touches one page of it.  Image pages are loaded on first touch, so the
 * kernel must have loaded only the few pages this run used (code, the one
 * data page, the stack is not an image page), not the 256 of the table.
 */
#include "ut.h"

#define TABLE_BYTES (1u << 20)
#define MAX_PAGES_LOADED 12 /* headers, .text, .rdata's one page, .data... */

/* A GNU range initialiser: 1 MiB of non-zero bytes in the file. */
static const volatile uint8_t table[TABLE_BYTES] = { [0 ... TABLE_BYTES - 1] = 0x5a };

int main(void)
{
	struct rdos_memstat st;

	ut_begin("ut_lazy_big");
	UT_CHECK(table[TABLE_BYTES / 2] == 0x5a, "table byte reads %u", table[TABLE_BYTES / 2]);
	ut_memstat(&st);
	ut_note("image pages loaded: %llu of more than %u", (unsigned long long)st.image_pages_loaded,
		TABLE_BYTES / 4096);
	UT_CHECK(st.image_pages_loaded > 0, "no image page counted as loaded");
	UT_CHECK(st.image_pages_loaded <= MAX_PAGES_LOADED, "%llu image pages loaded",
		 (unsigned long long)st.image_pages_loaded);
	return ut_end();
}
