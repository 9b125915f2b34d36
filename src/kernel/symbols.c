/*
 * symbols.c - address-to-name lookup in the generated symbol table.
 */
#include "kernel/symbols.h"

extern const char __text_start[], __text_end[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count;

	if (addr < (uint64_t)(uintptr_t)__text_start ||
	    addr >= (uint64_t)(uintptr_t)__text_end || ksyms_count == 0)
		return NULL;
	/* Find the last symbol whose address is <= addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms[lo].addr;
	return ksyms[lo].name;
}
