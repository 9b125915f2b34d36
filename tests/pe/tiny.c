/*
 * tiny.c - the smallest sample: code, a little initialised data, no
 * absolute addresses (x86-64 code reaches data RIP-relative), so lld emits
 * no relocation table for it.
 */
#include "sample.h"

static volatile int32_t answer = 42;

static int32_t check(void)
{
	return answer == 42 ? 0 : 1;
}

void _start(void)
{
	sample_exit(check());
}
