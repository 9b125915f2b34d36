/*
 * percpu.h - what each CPU keeps for itself, reached through GS.
 *
 * In the kernel, GS's base is the running CPU's struct cpu (the entry code
 * swaps it in from ring 3 with swapgs), so this_cpu() is one load and never
 * needs a lock.  A field is written only by its own CPU, except where its
 * comment says otherwise; those fields are atomic.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "mm/addr.h"

#define MAX_CPUS 16

struct thread;
struct mm_space;

struct cpu {
	struct cpu *self;          /* gs:0 */
	struct gdt_cpu *gdt;       /* gs:GDT_CPU_GS_OFFSET */
	unsigned index;            /* 0 = the boot CPU */
	uint32_t apic_id;
	struct thread *current;    /* running thread; on no run queue */
	struct thread *idle;       /* runs when the run queue is empty */
	struct thread *dead;       /* exited here; stack freed after the switch */
	struct mm_space *user_space; /* whose tables CR3 holds; NULL: the kernel's */
	bool holds_kernel_lock;
	bool tlb_pending;          /* invalidated locally, not yet on other CPUs */
	bool tlb_pending_kernel;   /* ... and some of it in the kernel half */
	bool tlb_tables_pending;   /* user tables unlinked, not yet on other CPUs */
	paddr_t tlb_pending_pml4;  /* whose user half that was: 0 none yet,
				      TLB_ANY_SPACE several (tlb.c) */
	/* Read by other CPUs during a shootdown (kernel/tlb.c). */
	uint64_t tlb_generation;   /* atomic: last shootdown this CPU took */
	paddr_t loaded_pml4;       /* atomic: what CR3 holds; 0 not yet known */
	bool online;               /* atomic: set once, by the CPU itself */
	/* atomic: the space whose fault this CPU is resolving without the
	 * kernel lock (address_space.c), or NULL */
	const void *faulting_space;
	struct gdt_cpu arch;
};

_Static_assert(offsetof(struct cpu, gdt) == GDT_CPU_GS_OFFSET, "gdt.h's GS offset");

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* CPU number index (0 .. MAX_CPUS-1); its struct is zero until cpu_setup. */
struct cpu *cpu_by_index(unsigned index);
/* Loads this CPU's GDT and TSS and points GS at cpu_by_index(index). */
struct cpu *cpu_setup(unsigned index, uint32_t apic_id);
/* CPUs that have come online (the boot CPU included). */
unsigned cpus_online(void);

#endif
