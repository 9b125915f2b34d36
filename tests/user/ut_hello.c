/*
 * ut_hello - the smallest user program: prints its pid and arguments and
 * exits 0.  Proves the entry path (crt0, GETARGS, argv) and is the child
 * that ut_spawn_many and ut_syscall_robust spawn.
 *
 * With a first argument "expect=A,B,..." it also checks the words that
 * follow: they must be exactly A, B, ... in that order (the kernel's runner
 * passes "expect=one,two one two"), so that a lost, split or merged
 * argument fails instead of being printed.
 *
 * Pass rule: argv[argc] is NULL and, with expect=, the words match; exit 0.
 */
#include <stddef.h>

#include "lib/string.h"
#include "ut.h"
#include "user/runtime/start.h"
#include "user/runtime/sys.h"

#define EXPECT_PREFIX "expect="
#define WORD_MAX 64

/* Compares argv[2..argc-1] with the comma-separated list `want`. */
static void hello_check_words(int argc, char **argv, const char *want)
{
	int i = 2;

	for (const char *w = want; *w; i++) {
		char word[WORD_MAX];
		size_t n = 0;

		while (w[n] && w[n] != ',' && n < sizeof(word) - 1) {
			word[n] = w[n];
			n++;
		}
		word[n] = '\0';
		w += n + (w[n] == ',');
		if (!UT_CHECK(i < argc, "argv[%d] missing: want \"%s\"", i, word))
			return;
		UT_CHECK(strcmp(argv[i], word) == 0, "argv[%d] = \"%s\", want \"%s\"", i, argv[i],
			 word);
	}
	UT_CHECK(i == argc, "%d argument(s) more than expected", argc - i);
}

int main(int argc, char **argv)
{
	size_t prefix = strlen(EXPECT_PREFIX);
	bool expect = argc > 1 && strncmp(argv[1], EXPECT_PREFIX, prefix) == 0;

	ut_begin("ut_hello");
	ut_note("pid %lld, %d argument(s)", sys_getpid(), argc - 1);
	for (int i = 1; i < argc; i++)
		ut_note("argv[%d] = \"%s\"", i, argv[i]);
	UT_CHECK(argv[argc] == NULL, "argv[argc] is not NULL");
	if (expect)
		hello_check_words(argc, argv, argv[1] + prefix);
	return ut_end();
}
