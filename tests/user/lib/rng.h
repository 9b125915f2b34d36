/*
 * rng.h - a small deterministic random generator for the user tests
 * (xorshift64*, seeded through splitmix64): the same seed gives the same
 * sequence on every run, so a failing run reproduces from the seed it
 * printed.  Not for anything that needs real randomness.
 */
#ifndef TESTS_USER_RNG_H
#define TESTS_USER_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* Invariant: state is never 0 (xorshift would stay at 0 forever). */
struct rng {
	uint64_t state;
};

/* Any seed, 0 included, gives a usable generator. */
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* A value in [0, n); n must be > 0.  The modulo bias is irrelevant for
 * tests. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* True with probability percent / 100. */
bool rng_chance(struct rng *r, unsigned percent);

#endif
