/*
 * symbols.h - the kernel's own symbol table, generated at build time from
 * the first link pass (scripts/gen-symbols.sh), for symbolized backtraces.
 * Invariant: ksyms[0..ksyms_count) is sorted by address.
 */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
};

extern const struct ksym ksyms[];
extern const size_t ksyms_count;

/* The symbol containing addr, or NULL; *offset gets addr - symbol start. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#endif
