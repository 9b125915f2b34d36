/*
 * cpu_protect.h - the CPU's own protections: which ones this CPU has, and
 * switching them on (SMEP, SMAP; NX and CR0.WP are on from boot.asm).
 */
#ifndef ARCH_CPU_PROTECT_H
#define ARCH_CPU_PROTECT_H

#include <stdbool.h>

struct cpu_protections {
	bool nx, smep, smap;
};

/* Enables SMEP and SMAP where the CPU has them (SMAP not with `nosmap` on
 * the command line, which must be parsed first) and prints one line naming
 * every protection and whether it is on, so a missing one is never silent.
 * cpu_protections().smap says whether SMAP is on, not whether CPUID has it. */
void cpu_protect_init(void);
struct cpu_protections cpu_protections(void);
/* The same protections on an application processor (silently: the boot
 * CPU's line already named them). */
void cpu_protect_init_ap(void);

#endif
