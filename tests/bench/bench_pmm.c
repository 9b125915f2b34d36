/*
 * bench_pmm.c - nanoseconds per allocate+free pair of src/mm/pmm.c beside a
 * naive first-fit bitmap (naive_bitmap.c), on 16 GiB worth of frames.
 *
 * A benchmark, not a test: it prints a markdown table and judges nothing.
 * For each fill level both allocators get the same state: every frame
 * allocated, then a random subset freed, so free frames are scattered.  A
 * timed pair allocates one frame and frees a random allocated one (possibly
 * the new one), so the fill stays constant and free frames keep moving:
 * neither allocator can live off one hot word.  Random numbers are drawn
 * before the clock starts.  The "loop" column runs the same loop with a
 * do-nothing allocator whose free touches a random word of a 512 KiB array:
 * the cost of the harness and of the cache miss every random free pays,
 * which no allocator can go below.  Each cell is the best of REPEATS runs.
 *
 * Build without sanitizers: make build/bench/bench_pmm.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "mm/pmm.h"
#include "naive_bitmap.h"

#define NFRAMES ((16ull << 30) >> PAGE_SHIFT)
#define MAX_PAIRS (1u << 21)
#define MAX_SECONDS 0.3 /* per run: the naive scan at 99% is slow */
#define REPEATS 3

/* One allocator under test; frames are frame numbers here. */
struct bench_alloc {
	const char *name;
	void (*setup_all_used)(void);
	bool (*alloc)(uint64_t *frame);
	void (*free)(uint64_t frame);
};

static struct pmm bench_pmm_state;
static uint64_t *bench_pmm_meta;
static struct naive_bitmap bench_naive_state;
static uint64_t *bench_naive_words;

static void die(const char *what)
{
	fprintf(stderr, "bench_pmm: %s\n", what);
	exit(1);
}

static void pmm_setup_all_used(void)
{
	paddr_t f;

	pmm_init(&bench_pmm_state, bench_pmm_meta, NFRAMES << PAGE_SHIFT);
	pmm_add_usable(&bench_pmm_state, 0, NFRAMES << PAGE_SHIFT);
	while (pmm_alloc(&bench_pmm_state, &f) == PMM_OK)
		;
}

static bool pmm_alloc_frame(uint64_t *frame)
{
	paddr_t f;

	if (pmm_alloc(&bench_pmm_state, &f) != PMM_OK)
		return false;
	*frame = f >> PAGE_SHIFT;
	return true;
}

static void pmm_free_frame(uint64_t frame)
{
	if (pmm_free(&bench_pmm_state, frame << PAGE_SHIFT) != PMM_OK)
		die("pmm_free failed");
}

/* Allocating all frames one by one is quadratic for the naive scan; clear
 * the words directly instead. */
static void naive_setup_all_used(void)
{
	naive_bitmap_init(&bench_naive_state, bench_naive_words, NFRAMES);
	for (uint64_t i = 0; i < NFRAMES / 64; i++)
		bench_naive_words[i] = 0;
}

static bool naive_alloc_frame(uint64_t *frame)
{
	return naive_bitmap_alloc(&bench_naive_state, frame);
}

static void naive_free_frame(uint64_t frame)
{
	naive_bitmap_free(&bench_naive_state, frame);
}

static uint64_t loop_next;
static volatile uint64_t loop_sink;

static void loop_setup_all_used(void)
{
	loop_next = 0;
}

static bool loop_alloc_frame(uint64_t *frame)
{
	*frame = loop_next++ % NFRAMES;
	return true;
}

static void loop_free_frame(uint64_t frame)
{
	loop_sink += bench_naive_words[frame / 64];
}

enum { LOOP, PMM, NAIVE, NALLOCATORS };

static const struct bench_alloc allocators[NALLOCATORS] = {
	[LOOP] = { "loop", loop_setup_all_used, loop_alloc_frame,
		   loop_free_frame },
	[PMM] = { "pmm", pmm_setup_all_used, pmm_alloc_frame, pmm_free_frame },
	[NAIVE] = { "naive", naive_setup_all_used, naive_alloc_frame,
		    naive_free_frame },
};

static uint64_t rng_state = 42;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* frames[0..NFRAMES) becomes a random permutation (same seed every run). */
static void shuffle(uint32_t *frames)
{
	rng_state = 42;
	for (uint64_t i = 0; i < NFRAMES; i++)
		frames[i] = (uint32_t)i;
	for (uint64_t i = NFRAMES - 1; i > 0; i--) {
		uint64_t j = rnd() % (i + 1);
		uint32_t t = frames[i];

		frames[i] = frames[j];
		frames[j] = t;
	}
}

/*
 * Bring `a` to `fill_percent` with scattered free frames; returns how many
 * frames stay allocated, listed in frames[0..n).  The extra slot at frames[n]
 * holds the frame allocated by each timed pair.
 */
static uint64_t fill(const struct bench_alloc *a, uint32_t *frames,
		     unsigned fill_percent)
{
	uint64_t keep = NFRAMES * fill_percent / 100;

	shuffle(frames);
	a->setup_all_used();
	for (uint64_t i = keep; i < NFRAMES; i++)
		a->free(frames[i]);
	return keep;
}

/* Mean ns per alloc+free pair over one run of at most MAX_PAIRS pairs or
 * MAX_SECONDS. */
static double time_pairs(const struct bench_alloc *a, uint32_t *frames,
			 uint64_t n, const uint64_t *random)
{
	double start = bench_now_ns(), elapsed = 0;
	uint64_t pairs = 0;

	while (pairs < MAX_PAIRS && elapsed < MAX_SECONDS) {
		for (unsigned i = 0; i < 1024; i++, pairs++) {
			uint64_t f, victim, j = random[pairs] % (n + 1);

			if (!a->alloc(&f))
				die("allocation failed below 100% fill");
			frames[n] = (uint32_t)f;
			victim = frames[j];
			frames[j] = frames[n];
			a->free(victim);
		}
		elapsed = (bench_now_ns() - start) * 1e-9;
	}
	return elapsed * 1e9 / pairs;
}

static double best_time(const struct bench_alloc *a, uint32_t *frames,
			unsigned fill_percent, const uint64_t *random)
{
	double best = 1e30;

	for (int r = 0; r < REPEATS; r++) {
		uint64_t n = fill(a, frames, fill_percent);
		double ns = time_pairs(a, frames, n, random);

		best = ns < best ? ns : best;
	}
	return best;
}

int main(void)
{
	static const unsigned levels[] = { 0, 50, 90, 99 };
	uint32_t *frames = malloc((NFRAMES + 1) * sizeof(*frames));
	uint64_t *random = malloc(MAX_PAIRS * sizeof(*random));

	bench_pmm_meta = malloc(pmm_metadata_bytes(NFRAMES << PAGE_SHIFT));
	bench_naive_words = malloc(NFRAMES / 8);
	if (!frames || !random || !bench_pmm_meta || !bench_naive_words)
		die("out of memory");
	for (uint64_t i = 0; i < MAX_PAIRS; i++)
		random[i] = rnd();

	printf("16 GiB = %llu frames; pmm metadata %zu bytes, naive %llu bytes\n\n",
	       NFRAMES, pmm_metadata_bytes(NFRAMES << PAGE_SHIFT), NFRAMES / 8);
	printf("| fill | loop ns | pmm ns/pair | naive ns/pair | naive / pmm |\n");
	printf("|-----:|--------:|------------:|--------------:|------------:|\n");
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		double ns[NALLOCATORS];

		for (int k = 0; k < NALLOCATORS; k++)
			ns[k] = best_time(&allocators[k], frames, levels[l],
					  random);
		if (pmm_check_consistency(&bench_pmm_state))
			die(pmm_check_consistency(&bench_pmm_state));
		printf("| %3u%% | %7.1f | %11.1f | %13.1f | %10.1fx |\n",
		       levels[l], ns[LOOP], ns[PMM], ns[NAIVE],
		       ns[NAIVE] / ns[PMM]);
	}
	free(frames);
	free(random);
	free(bench_pmm_meta);
	free(bench_naive_words);
	return 0;
}
