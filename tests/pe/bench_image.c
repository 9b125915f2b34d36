/*
 * bench_image.c - the program of the PE loading benchmark
 * (tests/bench/bench_pe.c), linked with a big_table of 64 KiB to 16 MiB in
 * .rdata (gen-table.sh WORDS asm; tests/pe/pe.mk): a large image of which
 * a run uses one function.  The entry calls one_function, which reads the
 * table's first word, so a run touches the entry's page, one_function's
 * page and one page of the table, whatever the image's size.  The
 * benchmark finds those places by name in the image's COFF symbol table,
 * which GNU ld keeps.  Not a test sample: nothing runs it.
 */
#include "sample.h"

extern const uint32_t big_table[];

/* noinline: its own symbol, which the benchmark looks up. */
__attribute__((noinline)) int32_t one_function(void)
{
	/* volatile: read from the table, not folded by the compiler */
	return ((const volatile uint32_t *)big_table)[0] == 0x00010dceu ? 0 : 1;
}

void _start(void)
{
	sample_exit(one_function());
}
