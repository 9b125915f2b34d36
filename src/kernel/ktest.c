/*
 * ktest.c - the in-kernel test runner: KTAP on the consoles, a leak check
 * around every test, and the verdict through the emulator's exit port.
 *
 * Invariant: current_test is the test running now (NULL between tests), so
 * a panic in the middle of a test can still close the KTAP stream with that
 * test marked "not ok" and the final "ktest-end: FAIL" line.
 */
#include <stdarg.h>

#include "arch/x86_64/emulator.h"
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define TEST_NAME_MAX 64

extern const struct ktest __ktests_start[], __ktests_end[];

static const struct ktest *current_test;
static unsigned current_number, tests_planned, tests_passed, tests_failed;
static bool current_failed;
static const char *current_skip; /* reason, if the running test skipped */
static ktest_free_count_fn leak_counter;

bool ktest_mode(void)
{
	char only[TEST_NAME_MAX];

	return cmdline_has_flag("ktest") || cmdline_value("ktest", only, sizeof(only));
}

void ktest_set_leak_counter(ktest_free_count_fn fn)
{
	leak_counter = fn;
}

bool ktest_expect(bool cond, const char *expr, const char *file, int line)
{
	if (!cond) {
		kprintf("    # %s:%d: expected %s\n", file, line, expr);
		current_failed = true;
	}
	return cond;
}

void ktest_expect_eq(uint64_t a, uint64_t b, const char *expr_a,
		     const char *expr_b, const char *file, int line)
{
	if (a != b) {
		kprintf("    # %s:%d: expected %s == %s, got 0x%lx != 0x%lx\n", file,
			line, expr_a, expr_b, a, b);
		current_failed = true;
	}
}

void ktest_skip(const char *reason)
{
	current_skip = reason;
}

void ktest_note(const char *fmt, ...)
{
	va_list ap;

	kprintf("    # ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

static bool ktest_selected(const struct ktest *t, const char *only)
{
	if (only[0])
		return strcmp(t->name, only) == 0;
	return !t->manual;
}

static void ktest_finish(void)
{
	kprintf("# ktest: %u passed, %u failed\n", tests_passed, tests_failed);
	kprintf("ktest-end: %s\n", tests_failed == 0 && tests_passed == tests_planned ? "PASS" : "FAIL");
}

static void ktest_run_one(const struct ktest *t)
{
	uint64_t free_before = leak_counter ? leak_counter() : 0;

	current_test = t;
	current_failed = false;
	current_skip = NULL;
	current_number++;
	t->fn();
	if (leak_counter && leak_counter() != free_before) {
		kprintf("    # leak: %ld frames not returned\n",
			(long)(free_before - leak_counter()));
		current_failed = true;
	}
	kprintf("%sok %u %s", current_failed ? "not " : "", current_number, t->name);
	kprintf(current_skip && !current_failed ? " # SKIP %s\n" : "\n", current_skip);
	if (current_failed)
		tests_failed++;
	else
		tests_passed++;
	current_test = NULL;
}

void ktest_run(void)
{
	char only[TEST_NAME_MAX] = "";

	cmdline_value("ktest", only, sizeof(only));
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		tests_planned += ktest_selected(t, only);
	kprintf("KTAP version 1\n1..%u\n", tests_planned);
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		if (ktest_selected(t, only))
			ktest_run_one(t);
	ktest_finish();
	emulator_exit(tests_failed == 0 && tests_passed == tests_planned);
}

void ktest_report_crash(void)
{
	if (!current_test)
		return;
	kprintf("not ok %u %s # crashed\n", current_number, current_test->name);
	tests_failed++;
	current_test = NULL;
	ktest_finish();
}
