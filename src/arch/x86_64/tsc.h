/*
 * tsc.h - the time-stamp counter: whether CPUID calls it invariant, and its
 * rate measured against the PIT, for turning rdtsc intervals into time
 * (the in-kernel benchmark, kbench.h).
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every power
 * state.  False where CPUID does not have that leaf. */
bool tsc_invariant(void);
/* TSC ticks per second over a PIT countdown of us microseconds (at most
 * 50 ms, pit.h), polled: needs no interrupt. */
uint64_t tsc_measure_hz(unsigned us);

#endif
