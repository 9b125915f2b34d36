/*
 * ut_hello - the smallest user program: prints its pid and arguments and
 * exits 0.  Proves the entry path (crt0, GETARGS, argv) and is the child
 * that ut_spawn_many and ut_syscall_robust spawn.
 */
#include <stddef.h>

#include "ut.h"
#include "user/runtime/start.h"
#include "user/runtime/sys.h"

int main(int argc, char **argv)
{
	ut_begin("ut_hello");
	ut_note("pid %lld, %d argument(s)", sys_getpid(), argc - 1);
	for (int i = 1; i < argc; i++)
		ut_note("argv[%d] = \"%s\"", i, argv[i]);
	UT_CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
	return ut_end();
}
