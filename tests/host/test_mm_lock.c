/*
 * test_mm_lock.c - the address-space reader-writer lock (mm/mm_lock.h)
 * under real threads.
 *
 * Writers bump two counters that readers check are equal: a reader that
 * ever sees them differ ran beside a writer.  A reader count held in a
 * plain variable by the readers' own atomic adds must read zero whenever
 * a writer holds the lock.  And a writer must get in while readers keep
 * coming (the WANTED bit): otherwise the test would hang, so the readers
 * stop only once the writers are done.  And the other way round, a reader
 * that waited behind a writer goes in before the next writer.  The writers start only once every
 * reader has been inside once: a waiting writer may keep readers out for
 * its whole run (that is the point of WANTED), and on a machine with fewer
 * cores than threads the writers could otherwise finish before any reader
 * ran, leaving nothing tested.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

#include "host_tap.h"
#include "mm/mm_lock.h"

#define READERS 3
#define WRITERS 2
#define WRITES_EACH 20000

struct shared {
	struct mm_lock lock;
	uint64_t a, b;           /* equal outside a writer's section */
	int readers_inside;      /* atomic */
	int readers_started;     /* atomic: readers that have been inside once */
	int writers_done;        /* atomic */
	int torn_reads;          /* atomic: a reader saw a != b */
	int writer_saw_readers;  /* atomic */
	uint64_t reads;          /* atomic */
};

static void *reader(void *arg)
{
	struct shared *s = arg;
	bool started = false;

	while (!started ||
	       __atomic_load_n(&s->writers_done, __ATOMIC_ACQUIRE) < WRITERS) {
		mm_lock_read(&s->lock, NULL, NULL);
		__atomic_add_fetch(&s->readers_inside, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&s->a, __ATOMIC_RELAXED) !=
		    __atomic_load_n(&s->b, __ATOMIC_RELAXED))
			__atomic_add_fetch(&s->torn_reads, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&s->readers_inside, 1, __ATOMIC_RELAXED);
		mm_unlock_read(&s->lock);
		__atomic_add_fetch(&s->reads, 1, __ATOMIC_RELAXED);
		if (!started)
			__atomic_add_fetch(&s->readers_started, 1, __ATOMIC_RELEASE);
		started = true;
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct shared *s = arg;

	while (__atomic_load_n(&s->readers_started, __ATOMIC_ACQUIRE) < READERS)
		sched_yield();
	for (int i = 0; i < WRITES_EACH; i++) {
		mm_lock_write(&s->lock, NULL, NULL);
		if (__atomic_load_n(&s->readers_inside, __ATOMIC_RELAXED))
			__atomic_add_fetch(&s->writer_saw_readers, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&s->a, s->a + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&s->b, s->b + 1, __ATOMIC_RELAXED);
		mm_unlock_write(&s->lock);
	}
	__atomic_add_fetch(&s->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void vm_lock_excludes_writers_from_readers_and_each_other(void **state)
{
	static struct shared s = { .lock = MM_LOCK_INIT };
	pthread_t t[READERS + WRITERS];

	(void)state;
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &s), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[READERS + i], NULL, writer, &s), 0);
	for (int i = 0; i < READERS + WRITERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(s.torn_reads, 0);
	assert_int_equal(s.writer_saw_readers, 0);
	assert_int_equal(s.a, (uint64_t)WRITERS * WRITES_EACH); /* no lost update */
	assert_int_equal(s.b, s.a);
	assert_true(s.reads >= READERS);
	assert_int_equal(s.lock.word, 0);
}

static void vm_lock_readers_share_it(void **state)
{
	struct mm_lock l = MM_LOCK_INIT;

	(void)state;
	mm_lock_read(&l, NULL, NULL);
	mm_lock_read(&l, NULL, NULL); /* a second reader does not wait */
	assert_int_equal(l.word, 2 * MM_LOCK_READER);
	mm_unlock_read(&l);
	mm_unlock_read(&l);
	mm_lock_write(&l, NULL, NULL);
	assert_int_equal(l.word, MM_LOCK_HELD);
	mm_unlock_write(&l);
	assert_int_equal(l.word, 0);
}

struct turn {
	struct mm_lock lock;
	int entered; /* atomic */
};

static void *reader_once(void *arg)
{
	struct turn *t = arg;

	mm_lock_read(&t->lock, NULL, NULL);
	__atomic_store_n(&t->entered, 1, __ATOMIC_RELAXED);
	mm_unlock_read(&t->lock);
	return NULL;
}

/* A thread that reserves and releases in a loop must not starve a fault:
 * a reader that found a writer inside claims the next turn, and the
 * writer's next lock waits until that reader has been in. */
static void vm_lock_reader_behind_a_writer_goes_before_the_next_writer(
	void **state)
{
	static struct turn t = { .lock = MM_LOCK_INIT };
	pthread_t r;

	(void)state;
	mm_lock_write(&t.lock, NULL, NULL);
	assert_int_equal(pthread_create(&r, NULL, reader_once, &t), 0);
	for (long i = 0; i < 100000000 &&
			 !(__atomic_load_n(&t.lock.word, __ATOMIC_ACQUIRE) &
			   MM_LOCK_TURN);
	     i++)
		sched_yield(); /* until the reader waits behind us */
	assert_true(t.lock.word & MM_LOCK_TURN);
	mm_unlock_write(&t.lock);
	mm_lock_write(&t.lock, NULL, NULL);
	assert_int_equal(__atomic_load_n(&t.entered, __ATOMIC_RELAXED), 1);
	mm_unlock_write(&t.lock);
	assert_int_equal(pthread_join(r, NULL), 0);
	assert_int_equal(t.lock.word, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_lock_readers_share_it),
		cmocka_unit_test(vm_lock_excludes_writers_from_readers_and_each_other),
		cmocka_unit_test(vm_lock_reader_behind_a_writer_goes_before_the_next_writer),
	};

	return HOST_TAP_RUN(tests);
}
