/*
 * ut_shell - the shell in batch mode (`shell -c "..."`), as a child:
 * built-ins and a program in one line exit 0; an unknown program makes the
 * status 1; `exit N` gives N; a killed child is reported, not fatal.
 *
 * Pass rule: every child shell ends with the expected status; exit 0.
 */
#include "ut.h"
#include "user/runtime/sys.h"

struct shell_case {
	const char *args;
	int32_t status;
};

static const struct shell_case shell_cases[] = {
	{ "-c \"help; ps; mem; map; ut_hello one two; rdos ut_hello three\"", 0 },
	{ "-c \"mem 1; ut_hello; no_such_program\"", 1 },
	{ "-c \"ut_kill_div0\"", 1 },
	{ "-c \"ut_hello; exit 5; no_such_program\"", 5 },
	{ "-c \"map x\"", 1 },
};

int main(void)
{
	ut_begin("ut_shell");
	for (unsigned i = 0; i < sizeof(shell_cases) / sizeof(shell_cases[0]); i++) {
		const struct shell_case *c = &shell_cases[i];
		int64_t pid = sys_spawn("shell", c->args, RDOS_SPAWN_DEFAULT);
		int32_t status = -1;

		if (!UT_CHECK(pid > 0, "spawn shell %s: %s", c->args, sys_error_name(pid)))
			continue;
		UT_EXPECT(sys_wait(pid, &status), pid);
		UT_CHECK(status == c->status, "shell %s exited with %d, want %d", c->args,
			 (int)status, (int)c->status);
	}
	return ut_end();
}
