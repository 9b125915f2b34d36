/*
 * panic.h - the one way portable code reports a broken invariant.
 *
 * The kernel implements panic() with a register dump and a symbolized
 * backtrace (src/kernel/panic.c); host test programs implement it by printing
 * the message and aborting (tests/host/host_panic.c).  Neither returns.
 */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Always-on assertion: the condition is an invariant, not an input check. */
#define ASSERT(cond)                                                          \
	do {                                                                  \
		if (!(cond))                                                  \
			panic("%s:%d: %s: assertion failed: %s", __FILE__,    \
			      __LINE__, __func__, #cond);                     \
	} while (0)

#endif
