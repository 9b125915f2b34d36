/*
 * smp.c - starting the application processors (APs) listed in the ACPI
 * MADT (Intel SDM vol. 3, 9.4: INIT, then STARTUP IPIs).
 *
 * One AP is started at a time: the start-up page and its parameter block
 * are shared, so the next AP is not sent its STARTUP until the previous one
 * says it is online; an AP that does not answer in time stops the bring-up
 * (it might still wake up later and would read the next CPU's parameters).
 * The start-up code needs a page below 1 MiB (real mode) and the identity
 * map two page-table pages below 4 GiB: all three come from
 * frames_alloc_low_page, pages the memory map says are free, since under
 * UEFI the firmware owns more of low memory than under BIOS.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_protect.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"
#include "boot/acpi.h"
#include "kernel/cmdline.h"
#include "kernel/frames.h"
#include "kernel/kernel_lock.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "kernel/tlb.h"
#include "kernel/trap_dispatch.h"
#include "lib/panic.h"
#include "lib/string.h"

#define AP_START_TIMEOUT_MS 200
#define LAPIC_DEFAULT_BASE 0xFEE00000ull

struct ap_trampoline_params {
	uint32_t cr3;
	uint32_t efer_extra;
	uint64_t stack;
	uint64_t entry;
	uint64_t cpu_index;
} __attribute__((packed));

extern const char ap_trampoline_start[], ap_trampoline_end[], ap_trampoline_params[];

static bool lapics_ready; /* smp_stop_others may send IPIs */
static paddr_t trampoline_pa; /* the start-up code's page, below 1 MiB */

static const void *acpi_map(void *ctx, paddr_t pa, size_t len)
{
	(void)ctx;
	if (pa + len < pa || pa + len > BOOT_DIRECT_MAP_BYTES)
		return NULL;
	return phys_to_virt(pa);
}

/* First C code of an AP, on its idle thread's stack. */
static __attribute__((noreturn)) void ap_entry(uint64_t index)
{
	struct cpu *c = cpu_setup((unsigned)index, cpu_by_index((unsigned)index)->apic_id);

	idt_load_this_cpu();
	cpu_protect_init_ap();
	lapic_init_cpu();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	kernel_lock();
	lapic_timer_start();
	sched_run_idle();
}

static volatile struct ap_trampoline_params *trampoline_params(void)
{
	return phys_to_virt(trampoline_pa + (ap_trampoline_params - ap_trampoline_start));
}

static bool start_ap(unsigned index, uint32_t apic_id)
{
	struct cpu *c = cpu_by_index(index);
	volatile struct ap_trampoline_params *p = trampoline_params();

	c->index = index; /* before sched_prepare_cpu, which files the idle thread by it */
	c->apic_id = apic_id;
	p->cr3 = (uint32_t)paging_kernel_pml4();
	p->efer_extra = (uint32_t)rdmsr(MSR_EFER) & EFER_NXE;
	p->stack = sched_prepare_cpu(c);
	p->entry = (uint64_t)(uintptr_t)ap_entry;
	p->cpu_index = index;
	lapic_start_cpu(apic_id, trampoline_pa);
	for (unsigned ms = 0; ms < AP_START_TIMEOUT_MS; ms++) {
		if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			return true;
		pit_wait_us(1000);
	}
	return false;
}

static unsigned cpu_limit(void)
{
	uint64_t n;

	return cmdline_u64("cpus", &n) && n >= 1 && n <= MAX_CPUS ? (unsigned)n : MAX_CPUS;
}

/* Places the start-up code and the identity map's tables; false if low
 * memory has no room for them. */
static bool prepare_start_up(void)
{
	paddr_t pdpt, pd;

	ASSERT((uint64_t)(ap_trampoline_end - ap_trampoline_start) <= PAGE_SIZE);
	trampoline_pa = frames_alloc_low_page();
	pdpt = frames_alloc_low_page();
	pd = frames_alloc_low_page();
	if (!trampoline_pa || !pdpt || !pd)
		return false;
	memcpy(phys_to_virt(trampoline_pa), ap_trampoline_start,
	       (size_t)(ap_trampoline_end - ap_trampoline_start));
	paging_identity_map_first_2m(pdpt, pd);
	kprintf("smp: start-up code at %lx, identity map tables at %lx and %lx\n",
		trampoline_pa, pdpt, pd);
	return true;
}

static void start_aps(const struct acpi_cpus *cpus, uint32_t boot_apic_id)
{
	unsigned next = 1, limit = cpu_limit();

	if (cpus->count < 2 || limit < 2)
		return;
	if (!prepare_start_up()) {
		kprintf("smp: no 3 free pages below 1 MiB for the start-up code;"
			" running on the boot CPU only\n");
		return;
	}
	for (unsigned i = 0; i < cpus->count && next < limit; i++) {
		if (cpus->apic_ids[i] == boot_apic_id)
			continue;
		if (!start_ap(next, cpus->apic_ids[i])) {
			kprintf("smp: CPU with APIC id %u did not start; stopping bring-up\n",
				cpus->apic_ids[i]);
			break;
		}
		next++;
	}
	paging_drop_identity_map();
	/* The APs may still cache the identity map: a shootdown is owed. */
	tlb_invalidate(paging_kernel_pml4(), 0);
}

/* Spurious interrupts need no end of interrupt and mean nothing. */
static void ignore_spurious(struct trap_frame *frame)
{
	(void)frame;
}

static void stop_interrupt(struct trap_frame *frame)
{
	(void)frame;
	for (;;)
		cpu_halt(); /* interrupts are off in every handler */
}

void smp_init(const struct boot_info *bi)
{
	struct acpi_cpus cpus;
	const char *err = acpi_find_cpus(bi->acpi_rsdp, bi->acpi_rsdp_len, acpi_map, NULL, &cpus);
	struct cpu *boot = this_cpu();

	tlb_init();
	trap_set_lockless_handler(VEC_STOP, stop_interrupt);
	trap_set_lockless_handler(VEC_LAPIC_SPURIOUS, ignore_spurious);
	trap_set_lockless_handler(IRQ_BASE_VECTOR + 7, ignore_spurious);
	trap_set_lockless_handler(IRQ_BASE_VECTOR + 15, ignore_spurious);
	pic_disable();
	lapic_map(err ? LAPIC_DEFAULT_BASE : cpus.lapic_base);
	lapic_init_cpu();
	boot->apic_id = lapic_id();
	lapics_ready = true;
	__atomic_store_n(&boot->online, true, __ATOMIC_RELEASE);
	lapic_timer_calibrate();
	if (err)
		kprintf("smp: ACPI: %s; running on the boot CPU only\n", err);
	else
		start_aps(&cpus, boot->apic_id);
	lapic_timer_start();
	kprintf("smp: %u of %u CPUs online%s\n", cpus_online(), err ? 1 : cpus.count,
		!err && cpus.ignored ? " (more than the kernel supports)" : "");
}

void smp_stop_others(void)
{
	struct cpu *self;

	if (!lapics_ready)
		return;
	self = this_cpu();
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *o = cpu_by_index(i);

		if (o != self && __atomic_load_n(&o->online, __ATOMIC_ACQUIRE))
			lapic_send_ipi(o->apic_id, VEC_STOP);
	}
}
