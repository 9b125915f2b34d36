/*
 * testargs.c - the command-line words of testargs.h.
 */
#include "testargs.h"

#include <stdbool.h>

#include "lib/string.h"

/* Digit value in base 16, or 16 for "not a digit". */
static unsigned testargs_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 16;
}

/* False on an empty string, a non-digit or overflow. */
static bool testargs_parse(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned d = testargs_digit(*s);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

enum testargs_result testargs_u64(int argc, char **argv, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	enum testargs_result result = TESTARGS_ABSENT;
	uint64_t value = 0;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], key, klen) != 0 || argv[i][klen] != '=')
			continue;
		if (!testargs_parse(argv[i] + klen + 1, &value))
			return TESTARGS_BAD;
		result = TESTARGS_FOUND;
	}
	if (result == TESTARGS_FOUND)
		*out = value;
	return result;
}

bool testargs_has(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], word) == 0)
			return true;
	return false;
}
