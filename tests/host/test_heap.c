/*
 * test_heap.c - unit tests of the kernel heap (src/mm/heap*.c) on the host.
 *
 * Every test gets a fresh heap on a counting page source (host_page_source)
 * and must free what it allocates: the teardown runs heap_check(), trims
 * the heap and fails the test if any page is still out, so every test is
 * also a leak test.  Detection tests (double free, use after free, bad
 * pointers) run the fatal call in a fork()ed child and pass when the child
 * dies of SIGABRT - what the host panic() does - with the expected message.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_page_source.h"
#include "host_tap.h"
#include "mm/addr.h"
#include "mm/heap.h"

struct fixture {
	struct host_pages pages;
	struct heap heap;
};

static int heap_test_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	heap_init(&f->heap, "test", host_pages_source(&f->pages));
	*state = f;
	return 0;
}

/* The leak check: a test that leaves an object or a page behind fails. */
static int heap_test_teardown(void **state)
{
	struct fixture *f = *state;
	struct heap_stats st;
	int rc = 0;

	heap_check(&f->heap);
	heap_get_stats(&f->heap, &st);
	if (st.objects_in_use != 0 || st.bytes_in_use != 0 ||
	    st.pages_held != f->pages.pages_out) {
		fprintf(stderr, "teardown: %zu objects, %zu bytes in use; heap holds "
				"%zu pages, source lent %zu\n",
			st.objects_in_use, st.bytes_in_use, st.pages_held,
			f->pages.pages_out);
		rc = -1;
	}
	heap_trim(&f->heap);
	if (f->pages.pages_out != 0 || f->pages.runs_out != 0) {
		fprintf(stderr, "teardown: %zu pages in %zu runs not returned\n",
			f->pages.pages_out, f->pages.runs_out);
		rc = -1;
	}
	free(f);
	return rc;
}

static struct heap_stats stats_of(struct heap *h)
{
	struct heap_stats st;

	heap_get_stats(h, &st);
	return st;
}

/* ---- sizes, classes, alignment ------------------------------------------ */

static void heap_classes_serve_sizes_up_to_their_own(void **state)
{
	struct fixture *f = *state;
	size_t lower = 1;

	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		size_t size = f->heap.classes[i].size;
		void *lo = heap_alloc(&f->heap, lower);
		void *hi = heap_alloc(&f->heap, size);

		assert_non_null(lo);
		assert_non_null(hi);
		assert_int_equal(heap_usable_size(&f->heap, lo), size);
		assert_int_equal(heap_usable_size(&f->heap, hi), size);
		assert_int_equal(stats_of(&f->heap).classes[i].objects_in_use, 2);
		heap_check(&f->heap);
		heap_free(&f->heap, lo);
		heap_free(&f->heap, hi);
		lower = size + 1;
	}
}

static void heap_boundary_sizes_get_the_expected_room(void **state)
{
	struct fixture *f = *state;
	static const struct {
		size_t request, usable;
	} cases[] = {
		{ 1, 16 },
		{ 16, 16 },
		{ 17, 32 },
		{ 2048, 2048 },
		{ 2049, PAGE_SIZE - 16 },          /* large: one page, header */
		{ PAGE_SIZE - 16, PAGE_SIZE - 16 },
		{ PAGE_SIZE, 2 * PAGE_SIZE - 16 }, /* the header costs a page */
		{ 3 * PAGE_SIZE + 5, 4 * PAGE_SIZE - 16 },
		{ 100 * PAGE_SIZE, 101 * PAGE_SIZE - 16 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *p = heap_alloc(&f->heap, cases[i].request);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
		assert_int_equal(heap_usable_size(&f->heap, p), cases[i].usable);
		memset(p, 0x5a, cases[i].usable); /* all of it is ours (ASan) */
		heap_free(&f->heap, p);
	}
}

static void heap_zero_size_gives_distinct_minimum_objects(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->heap, 0);
	void *b = heap_alloc(&f->heap, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(heap_usable_size(&f->heap, a), 16);
	heap_free(&f->heap, a);
	heap_free(&f->heap, b);
}

enum { MIXED_COUNT = 600, MIXED_LARGE = 20 };

/* The i-th of MIXED_COUNT sizes: small ones in steps of 7, then large ones. */
static size_t mixed_size(size_t i)
{
	size_t first_large = MIXED_COUNT - MIXED_LARGE;

	if (i < first_large)
		return i * 7 + 1;
	return (i - first_large) * 1500 + HEAP_SMALL_MAX + 1;
}

static void heap_objects_are_aligned_and_hold_their_bytes(void **state)
{
	struct fixture *f = *state;
	unsigned char *p[MIXED_COUNT];

	for (size_t i = 0; i < MIXED_COUNT; i++) {
		size_t size = mixed_size(i);

		p[i] = heap_alloc(&f->heap, size);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % HEAP_ALIGN, 0);
		memset(p[i], (int)(i & 0xff), size);
	}
	heap_check(&f->heap);
	for (size_t i = 0; i < MIXED_COUNT; i++) {
		size_t size = mixed_size(i);

		for (size_t k = 0; k < size; k++)
			assert_int_equal(p[i][k], i & 0xff);
		heap_free(&f->heap, p[i]);
	}
}

/* ---- reuse and giving pages back ---------------------------------------- */

static void heap_freed_object_is_handed_out_again(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->heap, 100);
	void *b = heap_alloc(&f->heap, 100);

	heap_free(&f->heap, a);
	assert_ptr_equal(heap_alloc(&f->heap, 100), a);
	heap_free(&f->heap, a);
	heap_free(&f->heap, b);
}

static void heap_free_of_null_does_nothing(void **state)
{
	struct fixture *f = *state;

	heap_free(&f->heap, NULL);
	assert_int_equal(f->pages.calls, 0);
}

/* Fills three slabs of each class, frees everything: only the spares stay. */
static void heap_empty_slabs_go_back_but_one_spare(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		const struct heap_class *c = &f->heap.classes[i];
		size_t n = 3 * (size_t)c->slab_objects;
		void **p = calloc(n, sizeof(*p));

		assert_non_null(p);
		for (size_t k = 0; k < n; k++)
			assert_non_null(p[k] = heap_alloc(&f->heap, c->size));
		assert_int_equal(stats_of(&f->heap).classes[i].slabs, 3);
		for (size_t k = 0; k < n; k++)
			heap_free(&f->heap, p[k]);
		assert_int_equal(stats_of(&f->heap).classes[i].slabs, 1);
		assert_int_equal(stats_of(&f->heap).classes[i].pages, c->slab_pages);
		heap_check(&f->heap);
		free(p);
	}
	heap_trim(&f->heap);
	assert_int_equal(stats_of(&f->heap).pages_held, 0);
	assert_int_equal(f->pages.pages_out, 0);
}

static void heap_big_classes_use_multi_page_slabs(void **state)
{
	struct fixture *f = *state;
	const struct heap_class *top = &f->heap.classes[HEAP_CLASS_COUNT - 1];

	/* 1/8 waste at most: a 2 KiB object alone in a page would waste half. */
	assert_true(top->slab_pages > 1);
	for (size_t i = 0; i < HEAP_CLASS_COUNT; i++) {
		const struct heap_class *c = &f->heap.classes[i];

		assert_true((size_t)c->slab_objects * c->size * 8 >=
			    (size_t)c->slab_pages * PAGE_SIZE * 7);
	}
}

static void heap_large_object_gives_its_pages_back_on_free(void **state)
{
	struct fixture *f = *state;
	void *p = heap_alloc(&f->heap, 5 * PAGE_SIZE);
	size_t table = stats_of(&f->heap).table_pages;

	assert_non_null(p);
	assert_int_equal(stats_of(&f->heap).large_pages, 6);
	assert_int_equal(f->pages.pages_out, 6 + table);
	heap_free(&f->heap, p);
	assert_int_equal(f->pages.pages_out, table);
	assert_int_equal(stats_of(&f->heap).large_objects, 0);
}

static void heap_stats_agree_with_the_page_source(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->heap, 40);
	void *b = heap_alloc(&f->heap, 3000);
	void *c = heap_alloc(&f->heap, 48);
	struct heap_stats st = stats_of(&f->heap);

	assert_int_equal(st.objects_in_use, 3);
	assert_int_equal(st.bytes_in_use, 48 + (PAGE_SIZE - 16) + 48);
	assert_int_equal(st.classes[2].objects_in_use, 2); /* the 48-byte class */
	assert_int_equal(st.large_objects, 1);
	assert_int_equal(st.pages_held, f->pages.pages_out);
	heap_free(&f->heap, a);
	heap_free(&f->heap, b);
	heap_free(&f->heap, c);
}

/* ---- out of memory ------------------------------------------------------ */

static void heap_out_of_pages_returns_null_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	enum { MAX = 4096 };
	void **p = calloc(MAX, sizeof(*p));
	size_t n = 0;
	struct heap_stats before, after;

	assert_non_null(p);
	f->pages.limit_pages = 12;
	while (n < MAX && (p[n] = heap_alloc(&f->heap, 64)) != NULL)
		n++;
	assert_true(n > 0 && n < MAX);
	before = stats_of(&f->heap);
	assert_null(heap_alloc(&f->heap, 64));
	assert_null(heap_alloc(&f->heap, 2 * PAGE_SIZE));
	assert_null(heap_alloc(&f->heap, 1024));
	after = stats_of(&f->heap);
	assert_memory_equal(&before, &after, sizeof(before));
	heap_check(&f->heap);
	heap_free(&f->heap, p[0]); /* room again: the heap still works */
	assert_non_null(p[0] = heap_alloc(&f->heap, 64));
	for (size_t k = 0; k < n; k++)
		heap_free(&f->heap, p[k]);
	free(p);
}

/* The page table must grow first; if that fails the allocation fails and
 * the table keeps its old storage. */
static void heap_table_growth_failure_returns_null(void **state)
{
	struct fixture *f = *state;
	enum { N = HEAP_TABLE_MIN_SLOTS / 2 };
	void *p[N];
	void *q;
	size_t table;

	for (size_t i = 0; i < N; i++)
		assert_non_null(p[i] = heap_alloc(&f->heap, PAGE_SIZE / 2 * 3));
	table = stats_of(&f->heap).table_pages;
	f->pages.limit_pages = f->pages.pages_out + 1; /* pages, no new table */
	assert_null(heap_alloc(&f->heap, 3000));
	assert_int_equal(stats_of(&f->heap).table_pages, table);
	heap_check(&f->heap);
	f->pages.limit_pages = 0;
	q = heap_alloc(&f->heap, 3000);
	assert_non_null(q);
	assert_true(stats_of(&f->heap).table_pages > table);
	heap_free(&f->heap, q);
	for (size_t i = 0; i < N; i++)
		heap_free(&f->heap, p[i]);
}

static void heap_first_allocation_fails_cleanly(void **state)
{
	struct fixture *f = *state;

	f->pages.fail_every = 1;
	assert_null(heap_alloc(&f->heap, 8));
	assert_null(heap_alloc(&f->heap, 9000));
	assert_int_equal(f->pages.pages_out, 0);
	assert_int_equal(stats_of(&f->heap).pages_held, 0);
}

static void heap_impossible_sizes_return_null(void **state)
{
	struct fixture *f = *state;

	f->pages.limit_pages = 1000; /* the host could not lend 2^52 pages */
	assert_null(heap_alloc(&f->heap, SIZE_MAX));
	assert_null(heap_alloc(&f->heap, SIZE_MAX - PAGE_SIZE));
	assert_null(heap_alloc(&f->heap, SIZE_MAX / 2));
}

/* ---- detection: the fatal call runs in a child -------------------------- */

enum fatal_op { FATAL_FREE, FATAL_ALLOC, FATAL_CHECK };

/* Runs op in a child; passes if it panics (SIGABRT) printing needle. */
static void expect_panic(struct heap *h, enum fatal_op op, void *p, size_t size,
			 const char *needle)
{
	char out[2048];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		if (op == FATAL_FREE)
			heap_free(h, p);
		else if (op == FATAL_ALLOC)
			heap_alloc(h, size);
		else
			heap_check(h);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("child did not panic (status 0x%x); output: %s", status, out);
	if (strstr(out, needle) == NULL)
		fail_msg("panic message \"%s\" lacks \"%s\"", out, needle);
}

static void expect_bad_free(struct heap *h, void *p)
{
	char needle[128];

	snprintf(needle, sizeof(needle),
		 "heap_free: %p is not an allocated object (double free?) in heap test",
		 p);
	expect_panic(h, FATAL_FREE, p, 0, needle);
}

static void heap_double_free_of_small_object_panics(void **state)
{
	struct fixture *f = *state;
	void *keep = heap_alloc(&f->heap, 64); /* keeps the slab alive */
	void *p = heap_alloc(&f->heap, 64);

	heap_free(&f->heap, p);
	expect_bad_free(&f->heap, p);
	heap_free(&f->heap, keep);
	expect_bad_free(&f->heap, p); /* now in the spare slab */
}

static void heap_double_free_of_large_object_panics(void **state)
{
	struct fixture *f = *state;
	void *p = heap_alloc(&f->heap, 10000);

	heap_free(&f->heap, p);
	expect_bad_free(&f->heap, p);
}

static void heap_free_of_interior_pointer_panics(void **state)
{
	struct fixture *f = *state;
	char *small = heap_alloc(&f->heap, 96);
	char *large = heap_alloc(&f->heap, 3 * PAGE_SIZE);

	expect_bad_free(&f->heap, small + 16);
	expect_bad_free(&f->heap, small + 96 * 2); /* an object never allocated */
	expect_bad_free(&f->heap, large + 16);
	expect_bad_free(&f->heap, large + PAGE_SIZE); /* a later page */
	expect_bad_free(&f->heap, large - 16);        /* the header */
	heap_free(&f->heap, small);
	heap_free(&f->heap, large);
}

static void heap_free_of_slab_header_panics(void **state)
{
	struct fixture *f = *state;
	char *p = heap_alloc(&f->heap, 16);

	expect_bad_free(&f->heap, (void *)((uintptr_t)p & ~(uintptr_t)PAGE_MASK));
	heap_free(&f->heap, p);
}

static void heap_free_of_foreign_pointer_panics(void **state)
{
	struct fixture *f = *state;
	int on_stack;
	void *other = malloc(64);

	expect_bad_free(&f->heap, &on_stack);
	expect_bad_free(&f->heap, other);
	free(other);
}

static void heap_corrupted_slab_header_panics(void **state)
{
	struct fixture *f = *state;
	char *p = heap_alloc(&f->heap, 32);
	uint32_t *magic = (uint32_t *)((uintptr_t)p & ~(uintptr_t)PAGE_MASK);
	uint32_t saved = *magic;

	*magic = 0xdeadbeef;
	expect_panic(&f->heap, FATAL_FREE, p, 0, "is corrupted (magic 0xdeadbeef)");
	expect_panic(&f->heap, FATAL_CHECK, NULL, 0, "bad magic 0xdeadbeef");
	*magic = saved;
	heap_free(&f->heap, p);
}

static void heap_write_after_free_panics_on_reuse(void **state)
{
	struct fixture *f = *state;
	unsigned char *p;
	void *keep;

	if (!HEAP_JUNK_CHECK)
		skip();
	p = heap_alloc(&f->heap, 128);
	keep = heap_alloc(&f->heap, 128);
	heap_free(&f->heap, p);
	p[77] = 0;
	expect_panic(&f->heap, FATAL_ALLOC, NULL, 128,
		     "use after free in heap test");
	expect_panic(&f->heap, FATAL_CHECK, NULL, 0, "byte 77 is 0x0, not junk 0x6b");
	p[77] = HEAP_JUNK;
	heap_free(&f->heap, keep);
}

static void heap_freed_objects_hold_junk(void **state)
{
	struct fixture *f = *state;
	unsigned char *p;
	void *keep;

	if (!HEAP_JUNK_CHECK)
		skip();
	p = heap_alloc(&f->heap, 256);
	keep = heap_alloc(&f->heap, 256);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(p[i], HEAP_JUNK); /* handed out as junk too */
	memset(p, 0, 256);
	heap_free(&f->heap, p);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(p[i], HEAP_JUNK);
	heap_free(&f->heap, keep);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, heap_test_setup, heap_test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(heap_classes_serve_sizes_up_to_their_own),
		T(heap_boundary_sizes_get_the_expected_room),
		T(heap_zero_size_gives_distinct_minimum_objects),
		T(heap_objects_are_aligned_and_hold_their_bytes),
		T(heap_freed_object_is_handed_out_again),
		T(heap_free_of_null_does_nothing),
		T(heap_empty_slabs_go_back_but_one_spare),
		T(heap_big_classes_use_multi_page_slabs),
		T(heap_large_object_gives_its_pages_back_on_free),
		T(heap_stats_agree_with_the_page_source),
		T(heap_out_of_pages_returns_null_and_changes_nothing),
		T(heap_table_growth_failure_returns_null),
		T(heap_first_allocation_fails_cleanly),
		T(heap_impossible_sizes_return_null),
		T(heap_double_free_of_small_object_panics),
		T(heap_double_free_of_large_object_panics),
		T(heap_free_of_interior_pointer_panics),
		T(heap_free_of_slab_header_panics),
		T(heap_free_of_foreign_pointer_panics),
		T(heap_corrupted_slab_header_panics),
		T(heap_write_after_free_panics_on_reuse),
		T(heap_freed_objects_hold_junk),
	};

	return HOST_TAP_RUN(tests);
}
