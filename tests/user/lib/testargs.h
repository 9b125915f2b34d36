/*
 * testargs.h - "key=value" words on a test program's command line, e.g.
 * `ut_fuzz seed=7 count=100000`: how the kernel's runner (or a person at
 * the shell) tunes a test without rebuilding it.
 */
#ifndef TESTS_USER_TESTARGS_H
#define TESTS_USER_TESTARGS_H

#include <stdbool.h>
#include <stdint.h>

enum testargs_result {
	TESTARGS_ABSENT = 0, /* no word "key=..." */
	TESTARGS_FOUND = 1,  /* *out holds the value */
	TESTARGS_BAD = -1,   /* "key=" followed by something not a number */
};

/* Looks for the word "key=N" in argv[1..argc-1]; N is decimal or 0x-hex,
 * at most 64 bits.  The last such word wins.  *out is written only when
 * the result is TESTARGS_FOUND. */
enum testargs_result testargs_u64(int argc, char **argv, const char *key, uint64_t *out);

/* True if some argv[1..argc-1] is exactly word. */
bool testargs_has(int argc, char **argv, const char *word);

#endif
