/*
 * host_tap.h - run a cmocka group with TAP output.
 *
 * Every host test program ends its main() with HOST_TAP_RUN(tests); the
 * output is TAP so that scripts/run-tests.sh can count results the same way
 * for every level.  Test function names carry their subsystem prefix
 * (pmm_, vm_, heap_, boot_, ...), which is what TAP shows.
 */
#ifndef HOST_TAP_H
#define HOST_TAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define HOST_TAP_RUN(tests)                                                   \
	(cmocka_set_message_output(CM_OUTPUT_TAP),                             \
	 cmocka_run_group_tests(tests, NULL, NULL))

#endif
