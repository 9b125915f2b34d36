/*
 * panic.c - panic() for user programs (the contract is src/lib/panic.h):
 * the portable code compiled into the runtime (the heap) reports broken
 * invariants through it, and programs may call it too.
 *
 * A user panic is not a kernel matter: print one line and exit with
 * USER_PANIC_STATUS, which a parent or the test runner sees in WAIT.
 */
#include "lib/panic.h"

#include "lib/format.h"
#include "user/runtime/io.h"
#include "user/runtime/start.h"
#include "user/runtime/sys.h"

void panic(const char *fmt, ...)
{
	char msg[IO_PRINTF_CHUNK];
	va_list ap;

	va_start(ap, fmt);
	format_buf_v(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write, so that the line stays whole among other processes'. */
	printf("panic: pid %lld: %s\n", sys_getpid(), msg);
	sys_exit(USER_PANIC_STATUS);
}
