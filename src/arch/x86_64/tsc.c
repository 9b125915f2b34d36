/*
 * tsc.c - the time-stamp counter's properties (tsc.h).
 */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"

#define CPUID_EXT_MAX_LEAF 0x80000000u
#define CPUID_POWER_MGMT 0x80000007u
#define CPUID_POWER_INVARIANT_TSC (1u << 8)

bool tsc_invariant(void)
{
	uint32_t r[4];

	cpuid(CPUID_EXT_MAX_LEAF, 0, r);
	if (r[0] < CPUID_POWER_MGMT)
		return false;
	cpuid(CPUID_POWER_MGMT, 0, r);
	return r[3] & CPUID_POWER_INVARIANT_TSC;
}

uint64_t tsc_measure_hz(unsigned us)
{
	uint64_t t0;

	pit_start_countdown(us);
	t0 = rdtsc();
	while (!pit_expired())
		__builtin_ia32_pause();
	return (rdtsc() - t0) * 1000000 / us;
}
