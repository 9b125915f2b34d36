/*
 * ktest.h - in-kernel tests that register themselves.
 *
 * A test is a function defined with KTEST(name); the name must start with
 * its subsystem (boot_, pmm_, vm_, heap_, ...).  Tests live in the .ktests
 * section, so adding a file under tests/kernel/ is all it takes.  Results go
 * to the serial console as KTAP; the run ends with the line
 * "ktest-end: PASS" or "ktest-end: FAIL" and the emulator exit status.
 *
 * KTEST_MANUAL tests run only when named on the command line (ktest=NAME):
 * they exist to prove that the harness notices failures and crashes.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest {
	const char *name;
	void (*fn)(void);
	bool manual;
};

#define KTEST_DEFINE(name_, manual_)                                           \
	static void name_(void);                                               \
	static const struct ktest ktest_##name_                                \
		__attribute__((used, section(".ktests"), aligned(8))) = {      \
			#name_, name_, manual_                                 \
		};                                                             \
	static void name_(void)

#define KTEST(name_) KTEST_DEFINE(name_, false)
#define KTEST_MANUAL(name_) KTEST_DEFINE(name_, true)

/* Records a failed expectation (the test goes on); returns cond. */
bool ktest_expect(bool cond, const char *expr, const char *file, int line);
void ktest_expect_eq(uint64_t a, uint64_t b, const char *expr_a,
		     const char *expr_b, const char *file, int line);

#define KT_EXPECT(cond) ktest_expect((cond), #cond, __FILE__, __LINE__)
#define KT_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!KT_EXPECT(cond))                                          \
			return;                                                \
	} while (0)
#define KT_EXPECT_EQ(a, b)                                                     \
	ktest_expect_eq((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)

/* Ends the running test as skipped (KTAP "# SKIP reason"): for a test of a
 * feature this machine does not have. */
void ktest_skip(const char *reason);

/* Prints a "# ..." diagnostic line inside the running test's output. */
__attribute__((format(printf, 1, 2))) void ktest_note(const char *fmt, ...);

/* Runs every test (or only the one named by ktest=NAME) and exits. */
__attribute__((noreturn)) void ktest_run(void);
bool ktest_mode(void);
/* Called on panic: reports the running test as crashed and ends the KTAP. */
void ktest_report_crash(void);

/* Called around each test; a frame-count difference is a leak. */
typedef uint64_t (*ktest_free_count_fn)(void);
void ktest_set_leak_counter(ktest_free_count_fn fn);

#endif
