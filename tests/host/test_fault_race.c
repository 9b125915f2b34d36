/*
 * test_fault_race.c - faults on one space from several threads at once,
 * in both designs: faults are the readers of a space's lock (vm.h,
 * card1.h), so they must race safely with each other.  Half the batches
 * make every block's entry compact in rdos (batch_reserve), so that the
 * first faults race to expand it as others race to split.
 *
 * A round: THREADS threads leave a barrier together and each faults the
 * same SHARED pages in the same order, then one page of its own beside
 * them, all in a 1 GiB block no fault has touched yet, so that the tables
 * on the way (and, in a batch's first round, those of a new 512 GiB
 * block) are raced for as well as the leaves.  After a batch of rounds,
 * with the threads parked at the barrier (the writer side of the lock),
 * the main thread checks every fault's result and every page's state,
 * the invariants (usage present = present leaves; Card 1: no empty
 * table) and that the frames in use are exactly tables + present pages:
 * a page installed twice, or a table linked over another, leaks a frame.
 * Then it releases the batch's reservation; destroy at the end must give
 * back every frame.  The second test squeezes every batch, by the present
 * limit or by frames that run out: a fault may then be refused, and a
 * refused fault must have changed nothing.
 *
 * Races happen only where threads overlap, and a thread woken at a
 * barrier may well finish its round before the next one wakes; so the
 * simulated memory runs with threads set, which yields after every frame
 * it hands out: a fault that has taken its frame lets the others reach
 * the same page before it installs.  The frames freed by faults that lost
 * a race are printed as a TAP diagnostic, and none at all fails the test.
 * Replacing Card 1's leaf compare-and-swap by a plain store fails it
 * (tried: a frame leaks per double install, usage.present runs ahead).
 */
#include <pthread.h>
#include <stdio.h>

#include "host_tap.h"
#include "test_card1.h"
#include "vm_test.h"

#define THREADS 4
#define SHARED 32 /* pages every thread faults in a round */
#define ROUNDS 16 /* per batch: one 1 GiB block each */
#define BATCHES 8 /* each one reservation in its own 512 GiB block */
#define FRAMES 2048
#define RW (VM_PROT_WRITE | VM_PROT_USER)
#define RESULTS (VM_FAULT_LIMIT + 1)
#define BATCH_PAGES (ROUNDS * (SHARED + THREADS))
#define BATCH_FAULTS (ROUNDS * THREADS * (SHARED + 1))

/* What a batch runs against: the present limit and the frames handed
 * out before the simulation fails (-1: never). */
struct squeeze {
	uint64_t max_present;
	long frames;
};

static const struct squeeze unsqueezed = { VM_LIMIT_NONE, -1 };

/* Alternately: half the batch's pages may be present; frames for about
 * five of its sixteen rounds (tables, pages and racers' lost frames). */
static const struct squeeze squeezes[2] = {
	{ BATCH_PAGES / 2, -1 },
	{ VM_LIMIT_NONE, 5 * (1 + SHARED + SHARED + THREADS) },
};

struct race {
	struct card1_sim sim;
	pthread_barrier_t start, done; /* of a round: racers and main */
	vaddr_t block; /* the round's 1 GiB block; 0: racers stop */
	unsigned long results[RESULTS]; /* faults per result, atomic */
};

struct racer {
	struct race *race;
	unsigned id;
};

/* Shared page j of a block: each in its own page table. */
static vaddr_t shared_page(vaddr_t block, unsigned j)
{
	return block + j * (2 * MIB + PAGE_SIZE);
}

/* Thread id's page: beside shared page 0, in its page table. */
static vaddr_t own_page(vaddr_t block, unsigned id)
{
	return block + (1 + id) * PAGE_SIZE;
}

static void fault_counted(struct race *r, vaddr_t va)
{
	enum vm_fault_result res =
		mm_fault(&r->sim.space, va, VM_PF_WRITE | VM_PF_USER, NULL);

	__atomic_fetch_add(&r->results[res], 1, __ATOMIC_RELAXED);
}

/* Rounds until the main thread posts block 0. */
static void *racer_run(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->race;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->block == 0)
			return NULL;
		for (unsigned j = 0; j < SHARED; j++)
			fault_counted(r, shared_page(r->block, j));
		fault_counted(r, own_page(r->block, me->id));
		pthread_barrier_wait(&r->done);
	}
}

/* Run one round on block with every racer (block 0: stop them). */
static void round_run(struct race *r, vaddr_t block)
{
	r->block = block;
	pthread_barrier_wait(&r->start);
	if (block)
		pthread_barrier_wait(&r->done);
}

/* 1 if the page at va is present, 0 if still just reserved. */
static unsigned page_present(struct race *r, vaddr_t va)
{
	struct vm_state st;

	assert_status(mm_query(&r->sim.space, va, &st), VM_OK);
	if (st.kind != VM_STATE_PRESENT && st.kind != VM_STATE_RESERVED)
		fail_msg("page %#lx neither present nor reserved after the race",
			 (unsigned long)va);
	return st.kind == VM_STATE_PRESENT;
}

/*
 * Every fault of the batch at base HANDLED or refused as sq allows, and
 * every page present unless refused; invariants hold, nothing leaked.
 */
static void batch_check(struct race *r, vaddr_t base,
			const struct squeeze *sq)
{
	unsigned long refused = r->results[VM_FAULT_LIMIT] +
				r->results[VM_FAULT_NO_MEMORY];
	unsigned long present = 0;
	struct mm_stats st;

	assert_int_equal(r->results[VM_FAULT_HANDLED] + refused, BATCH_FAULTS);
	assert_true((refused != 0) == (sq != &unsqueezed));
	for (unsigned k = 0; k < ROUNDS; k++) {
		for (unsigned j = 0; j < SHARED; j++)
			present += page_present(r, shared_page(base + k * GIB, j));
		for (unsigned id = 0; id < THREADS; id++)
			present += page_present(r, own_page(base + k * GIB, id));
	}
	assert_card1_sane_stats(&r->sim, &st);
	assert_int_equal(st.vm.present_pages, present);
	assert_int_equal(mm_usage(&r->sim.space).present, present);
	assert_true(present <= sq->max_present);
	if (sq == &unsqueezed)
		assert_int_equal(present, BATCH_PAGES);
}

/*
 * The batch's reservations: one of all its rounds' blocks, each a whole
 * 1 GiB entry in rdos; or (compact) one per round, a page short of its
 * block, so that each block's entry is compact in rdos (mm/vm_compact.c)
 * and the racers' first faults race to expand it.
 */
static void batch_reserve(struct race *r, vaddr_t base, bool compact)
{
	for (unsigned k = 0; compact && k < ROUNDS; k++)
		assert_status(mm_reserve_at(&r->sim.space, base + k * GIB,
					    PAGES(GIB) - 1, RW),
			      VM_OK);
	if (!compact)
		assert_status(mm_reserve_at(&r->sim.space, base,
					    PAGES(ROUNDS * GIB), RW),
			      VM_OK);
}

static void batch_release(struct race *r, vaddr_t base, bool compact)
{
	for (unsigned k = 0; compact && k < ROUNDS; k++)
		assert_status(mm_release(&r->sim.space, base + k * GIB,
					 PAGES(GIB) - 1),
			      VM_OK);
	if (!compact)
		assert_status(mm_release(&r->sim.space, base,
					 PAGES(ROUNDS * GIB)),
			      VM_OK);
}

/* One batch: reserve, ROUNDS rounds under sq, check, release; the
 * frames freed meanwhile (by faults that lost a race) are returned. */
static unsigned long batch_run(struct race *r, vaddr_t base,
			       const struct squeeze *sq, bool compact)
{
	unsigned long frees = r->sim.phys.frees;
	unsigned long lost;

	memset(r->results, 0, sizeof(r->results));
	batch_reserve(r, base, compact);
	mm_set_limits(&r->sim.space, (struct vm_limits){
		VM_LIMIT_NONE, sq->max_present });
	sim_phys_fail_after(&r->sim.phys, sq->frames);
	for (unsigned k = 0; k < ROUNDS; k++)
		round_run(r, base + k * GIB);
	sim_phys_fail_after(&r->sim.phys, -1);
	lost = r->sim.phys.frees - frees;
	batch_check(r, base, sq);
	mm_set_limits(&r->sim.space, (struct vm_limits){ VM_LIMIT_NONE,
							  VM_LIMIT_NONE });
	batch_release(r, base, compact);
	assert_card1_sane(&r->sim);
	return lost;
}

/* BATCHES batches in design d, squeezed as squeezed says. */
static void race_in(enum mm_design d, bool squeezed)
{
	/* one per design and kind: a failed check leaves its racers parked */
	static struct race races[2][2];
	struct race *r = &races[d][squeezed];
	struct racer racers[THREADS];
	pthread_t tid[THREADS];
	unsigned long lost = 0;

	card1_sim_init(&r->sim, d, VM_USER_LO, VM_USER_HI, FRAMES);
	r->sim.phys.threads = true;
	pthread_barrier_init(&r->start, NULL, THREADS + 1);
	pthread_barrier_init(&r->done, NULL, THREADS + 1);
	for (unsigned i = 0; i < THREADS; i++) {
		racers[i] = (struct racer){ .race = r, .id = i };
		pthread_create(&tid[i], NULL, racer_run, &racers[i]);
	}
	for (unsigned b = 1; b <= BATCHES; b++)
		lost += batch_run(r, b * 512 * GIB,
				  squeezed ? &squeezes[b % 2] : &unsqueezed,
				  b % 4 >= 2);
	round_run(r, 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&r->start);
	pthread_barrier_destroy(&r->done);
	printf("# %s: %lu frames freed by faults that lost a race\n",
	       d == MM_DESIGN_CARD1 ? "card1" : "rdos", lost);
	if (lost == 0)
		fail_msg("no fault lost a race: the races were not run");
	card1_sim_fini(&r->sim); /* panics unless every frame came back */
}

static void vm_faults_race_on_shared_pages(void **state)
{
	(void)state;
	race_in(MM_DESIGN_RDOS, false);
}

static void card1_faults_race_on_shared_pages(void **state)
{
	(void)state;
	race_in(MM_DESIGN_CARD1, false);
}

static void vm_faults_race_out_of_frames_and_over_the_limit(void **state)
{
	(void)state;
	race_in(MM_DESIGN_RDOS, true);
}

static void card1_faults_race_out_of_frames_and_over_the_limit(void **state)
{
	(void)state;
	race_in(MM_DESIGN_CARD1, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_faults_race_on_shared_pages),
		cmocka_unit_test(card1_faults_race_on_shared_pages),
		cmocka_unit_test(vm_faults_race_out_of_frames_and_over_the_limit),
		cmocka_unit_test(card1_faults_race_out_of_frames_and_over_the_limit),
	};

	return HOST_TAP_RUN(tests);
}
