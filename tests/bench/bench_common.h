/*
 * bench_common.h - what every host benchmark shares: a monotonic clock, a
 * seeded random sequence, the median of repeated runs, and rows of the
 * tradeoff study's CSV.
 *
 * The CSV (docs/tradeoffs.csv) has exactly the columns
 *   workload,design,metric,value,unit
 * and every figure of docs/tradeoffs.md is generated from it
 * (scripts/bench-report.py).  A benchmark program prints rows without the
 * header; scripts/run-bench.sh adds the header and the run's description
 * (quoting those text values).  The programs' names never contain a comma
 * or a quote, so their rows need no quoting.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)

/* Timed runs of each measurement; the CSV holds their median. */
#define BENCH_REPS 7

double bench_now_ns(void);

/* ns since *mark; *mark moves to now. */
double bench_lap(double *mark);

/* What one reading of the clock costs: the floor under any single timed
 * operation. */
double bench_clock_read_ns(void);

/* xorshift64: the same seed gives the same sequence on every machine. */
struct bench_rng {
	uint64_t state; /* never 0 */
};

struct bench_rng bench_rng_seed(uint64_t seed);
uint64_t bench_rand(struct bench_rng *r);
/* Uniform enough in [0, n) for n far below 2^64; n > 0. */
size_t bench_rand_below(struct bench_rng *r, size_t n);

/* Median of v[0..n) (n > 0); reorders v. */
double bench_median(double *v, int n);

/* One CSV row; value printed exactly for integers up to 2^53. */
void bench_row(const char *workload, const char *design, const char *metric,
	       double value, const char *unit);

#endif
