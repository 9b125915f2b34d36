/*
 * percpu.c - the per-CPU blocks and how a CPU finds its own (percpu.h).
 *
 * Static storage: bring-up of a CPU must not depend on the heap, and the
 * boot CPU sets itself up before any allocator exists.
 */
#include "arch/x86_64/cpu.h"
#include "kernel/percpu.h"
#include "lib/panic.h"


static struct cpu cpus[MAX_CPUS];

struct cpu *cpu_by_index(unsigned index)
{
	ASSERT(index < MAX_CPUS);
	return &cpus[index];
}

struct cpu *cpu_setup(unsigned index, uint32_t apic_id)
{
	struct cpu *c = cpu_by_index(index);

	c->self = c;
	c->gdt = &c->arch;
	c->index = index;
	c->apic_id = apic_id;
	gdt_init(&c->arch); /* loading GS's selector clears its base: set it after */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* ring 3's GS base, swapped in on exit */
	return c;
}

unsigned cpus_online(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE);
	return n;
}
