/*
 * cpu_protect.c - SMEP (the kernel never executes user pages) and SMAP (the
 * kernel touches user pages only inside probe_copy, between STAC and CLAC).
 *
 * smap_enabled is read by asm/probe.asm and asm/isr.asm: STAC and CLAC are
 * invalid opcodes on a CPU without SMAP, so they run only when it is on.
 *
 * `nosmap` on the kernel command line leaves SMAP off although CPUID has
 * it, so that no STAC or CLAC ever runs: for hypervisors that pass the
 * host's CPUID through but cannot execute those instructions (this
 * project's KVM hosts, docs/emulators.md: CLAC there ends the virtual
 * machine with a KVM internal error, not a guest fault the kernel could
 * catch, so the kernel cannot find out for itself).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_protect.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"

#define CPUID_MAX_LEAF 0u
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_NX (1u << 20)
#define CPUID_STRUCTURED 7u
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)

bool smap_enabled;
static struct cpu_protections active;

void cpu_protect_init(void)
{
	uint32_t r[4];
	bool smap_cpu;

	cpuid(CPUID_EXT_FEATURES, 0, r);
	active.nx = r[3] & CPUID_EXT_NX; /* boot.asm turned EFER.NXE on then */
	/* Leaf 7 only where CPUID has it: a higher leaf than the CPU's
	 * highest returns that leaf's data (Intel), not zeroes. */
	cpuid(CPUID_MAX_LEAF, 0, r);
	if (r[0] >= CPUID_STRUCTURED)
		cpuid(CPUID_STRUCTURED, 0, r);
	else
		r[1] = 0;
	active.smep = r[1] & CPUID7_EBX_SMEP;
	smap_cpu = r[1] & CPUID7_EBX_SMAP;
	active.smap = smap_cpu && !cmdline_has_flag("nosmap");
	write_cr4(read_cr4() | (active.smep ? CR4_SMEP : 0) | (active.smap ? CR4_SMAP : 0));
	smap_enabled = active.smap;
	kprintf("cpu: NX %s, SMEP %s, SMAP %s, CR0.WP %s\n", active.nx ? "on" : "MISSING",
		active.smep ? "on" : "MISSING",
		active.smap ? "on" : smap_cpu ? "off (nosmap)" : "MISSING",
		read_cr0() & CR0_WP ? "on" : "off");
}

void cpu_protect_init_ap(void)
{
	write_cr4(read_cr4() | (active.smep ? CR4_SMEP : 0) | (active.smap ? CR4_SMAP : 0));
}

struct cpu_protections cpu_protections(void)
{
	return active;
}
