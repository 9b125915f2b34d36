/*
 * start.c - from the kernel's entry to main(): argument string -> argv.
 *
 * The argument string and argv live in one reservation of their own, not in
 * the malloc heap, so that a program starts with an empty heap: tests can
 * then require that freeing everything gives every heap page back.
 */
#include "user/runtime/start.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/runtime/sys.h"

static bool args_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Splits s in place into words: runs of characters other than space and
 * tab; a double-quoted part belongs to its word without the quotes ("a b"
 * is one word, an unterminated quote runs to the end).  Stores up to max
 * word pointers in words and returns the number of words found (which may
 * exceed max: the rest are not stored).
 */
static int args_split(char *s, char **words, int max)
{
	char *out = s;
	int n = 0;

	for (;;) {
		bool quoted = false;

		while (args_is_blank(*s))
			s++;
		if (*s == '\0')
			return n;
		if (n < max)
			words[n] = out;
		n++;
		for (; *s != '\0' && (quoted || !args_is_blank(*s)); s++) {
			if (*s == '"')
				quoted = !quoted;
			else
				*out++ = *s;
		}
		/* out never passes s, so the terminator overwrites only a
		 * character already copied or the separator. */
		if (*s != '\0')
			s++;
		*out++ = '\0';
	}
}

/*
 * argv for an argument string of len characters: the pointer array, then
 * the string.  A string of len characters has at most len / 2 + 1 words;
 * one more slot for argv[0] and one for the terminating NULL.
 */
static char **args_load(int *argc)
{
	static char empty[] = "";
	static char *no_args[] = { empty, NULL };
	int64_t len = sys_getargs(NULL, 0);
	uint64_t slots, bytes;
	int64_t base;
	char **argv;
	char *s;

	if (len < 0)
		return *argc = 1, no_args;
	slots = (uint64_t)len / 2 + 3;
	bytes = slots * sizeof(char *) + (uint64_t)len + 1;
	base = sys_reserve((bytes + USER_PAGE_SIZE - 1) / USER_PAGE_SIZE,
			   RDOS_PROT_WRITE, 0);
	if (base < 0)
		return *argc = 1, no_args;
	argv = (char **)(uintptr_t)base;
	s = (char *)(argv + slots);
	sys_getargs(s, (uint64_t)len + 1);
	argv[0] = empty;
	*argc = 1 + args_split(s, argv + 1, (int)slots - 2);
	argv[*argc] = NULL;
	return argv;
}

/* Referenced by the call that mingw's gcc places at the top of main() to
 * run C++ constructors; a C program has none. */
void __main(void)
{
}

static uint64_t entry_tsc;

uint64_t runtime_entry_tsc(void)
{
	return entry_tsc;
}

void runtime_start(uint64_t tsc)
{
	int argc;
	char **argv;

	entry_tsc = tsc;
	argv = args_load(&argc);

	sys_exit(main(argc, argv));
}
