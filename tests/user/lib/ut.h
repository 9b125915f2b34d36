/*
 * ut.h - helpers shared by the user-mode test programs (tests/user/ut_*.c).
 *
 * A test program is one process judged by its exit status: 0 passes,
 * RDOS_STATUS_SKIP (ut_skip) skips, any other status fails; the killers (ut_kill_*) pass when the kernel kills
 * them (RDOS_STATUS_KILLED).  Each also prints one TAP line, indented as a
 * TAP subtest ("    ok - NAME" / "    not ok - NAME") so that it reads as
 * part of the kernel runner's own result for the program rather than being
 * counted twice; failures print "    # NAME: line N: ..." first.
 *
 * Usage: ut_begin("ut_x"); UT_CHECK(...); UT_EXPECT(...); return ut_end();
 */
#ifndef TESTS_USER_UT_H
#define TESTS_USER_UT_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/rdos_abi.h"

void ut_begin(const char *name);

/* Records a failure with the message unless ok; returns ok. */
#define UT_CHECK(ok, ...) ut_check((ok), __LINE__, __VA_ARGS__)
__attribute__((format(gnu_printf, 3, 4))) bool ut_check(bool ok, int line,
							 const char *fmt, ...);

/* Records a failure unless got == want, naming the expression and, for
 * negative values, the error (e.g. "-2 (EINVAL)"); returns got == want. */
#define UT_EXPECT(got, want) ut_expect((int64_t)(got), (int64_t)(want), __LINE__, #got)
bool ut_expect(int64_t got, int64_t want, int line, const char *expr);

/* Prints the TAP line; returns the exit status (0 when nothing failed). */
int ut_end(void);

/* Ends the test as skipped (this machine cannot run it): prints the TAP
 * line "ok - NAME # SKIP reason" and returns RDOS_STATUS_SKIP, which the
 * kernel's runner reports as a skip; after a failed check, ut_end()'s
 * failure instead. */
__attribute__((format(gnu_printf, 1, 2))) int ut_skip(const char *fmt, ...);

/* True once a check has failed: for helper processes (a test's forked
 * children, its workers) that exit with a status and leave the TAP line to
 * their parent. */
bool ut_failed(void);

/* Diagnostic line "    # NAME: ...", one write. */
__attribute__((format(gnu_printf, 1, 2))) void ut_note(const char *fmt, ...);

/*
 * Gives every page this process will touch during a measurement its frame
 * now: each page of the program image (written back where writable, so
 * that a later first write takes no frame) and UT_STACK_PREFAULT bytes of
 * stack.  After this, present_pages changes only by what the test does.
 */
#define UT_STACK_PREFAULT (16 * 1024)
void ut_prefault(void);

/* The caller's memory statistics; a failed call is a test failure and
 * leaves *out zeroed. */
void ut_memstat(struct rdos_memstat *out);

/* For a killer that lived through its fatal action: the failure line;
 * returns the exit status to use. */
int ut_killer_survived(const char *how);

#endif
