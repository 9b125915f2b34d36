/*
 * host_panic.c - panic() for host builds of the portable core.
 *
 * On the host a broken invariant is a test failure: print the message the
 * kernel would have printed and abort, so the sanitizers and the test
 * framework report where it happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/panic.h"

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
