/*
 * bench_common.c - clock, random sequence, median and CSV rows of the host
 * benchmarks (see bench_common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_common.h"
#include "lib/panic.h"

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_lap(double *mark)
{
	double now = bench_now_ns(), ns = now - *mark;

	*mark = now;
	return ns;
}

double bench_clock_read_ns(void)
{
	const int reads = 100000;
	double start = bench_now_ns();

	for (int i = 1; i < reads; i++)
		bench_now_ns();
	return (bench_now_ns() - start) / reads;
}

struct bench_rng bench_rng_seed(uint64_t seed)
{
	/* xorshift stays at 0 forever once there */
	return (struct bench_rng){ .state = seed ? seed : 88172645463325252ULL };
}

uint64_t bench_rand(struct bench_rng *r)
{
	r->state ^= r->state << 13;
	r->state ^= r->state >> 7;
	r->state ^= r->state << 17;
	return r->state;
}

size_t bench_rand_below(struct bench_rng *r, size_t n)
{
	return (size_t)(bench_rand(r) % n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	ASSERT(n > 0);
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_row(const char *workload, const char *design, const char *metric,
	       double value, const char *unit)
{
	printf("%s,%s,%s,%.15g,%s\n", workload, design, metric, value, unit);
}
