/*
 * lapic.c - the local APIC driver (lapic.h).
 *
 * Invariant: lapic_regs points at the uncached mapping of the registers
 * before any CPU touches them; ticks_per_period is set by the calibration
 * before any timer starts.  Register writes are 32-bit stores, as the APIC
 * requires, through a volatile pointer so that none is merged or dropped.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"
#include "kernel/printk.h"
#include "lib/panic.h"

#define APIC_BASE_ENABLE (1ull << 11)

enum lapic_reg {
	REG_ID = 0x20,
	REG_TPR = 0x80,
	REG_EOI = 0xB0,
	REG_SVR = 0xF0,
	REG_ESR = 0x280,
	REG_ICR_LOW = 0x300,
	REG_ICR_HIGH = 0x310,
	REG_LVT_TIMER = 0x320,
	REG_TIMER_INITIAL = 0x380,
	REG_TIMER_CURRENT = 0x390,
	REG_TIMER_DIVIDE = 0x3E0,
};

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define TIMER_DIVIDE_16 0x3
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define CALIBRATION_US 10000

static volatile uint32_t *lapic_regs;
static uint32_t ticks_per_period;

static uint32_t lapic_read(enum lapic_reg r)
{
	return lapic_regs[r / 4];
}

static void lapic_write(enum lapic_reg r, uint32_t v)
{
	lapic_regs[r / 4] = v;
}

void lapic_map(paddr_t base)
{
	paging_map_uncached(base);
	lapic_regs = phys_to_virt(base);
}

void lapic_init_cpu(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(REG_TPR, 0);
	lapic_write(REG_LVT_TIMER, LVT_MASKED);
	lapic_write(REG_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
	lapic_write(REG_ESR, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(REG_EOI, 0);
}

void lapic_timer_calibrate(void)
{
	lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(REG_LVT_TIMER, LVT_MASKED);
	pit_start_countdown(CALIBRATION_US);
	lapic_write(REG_TIMER_INITIAL, UINT32_MAX);
	while (!pit_expired())
		__builtin_ia32_pause();
	ticks_per_period = (UINT32_MAX - lapic_read(REG_TIMER_CURRENT)) *
			   (1000000 / CALIBRATION_US) / TIMER_HZ;
	lapic_write(REG_TIMER_INITIAL, 0);
	if (ticks_per_period == 0)
		panic("lapic: the timer did not count during calibration");
	kprintf("lapic: timer counts %u per %u ms tick (divided by 16)\n", ticks_per_period,
		1000 / TIMER_HZ);
}

void lapic_timer_start(void)
{
	lapic_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(REG_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(REG_TIMER_INITIAL, ticks_per_period);
}

static void icr_send(uint32_t apic_id, uint32_t low)
{
	while (lapic_read(REG_ICR_LOW) & ICR_PENDING)
		__builtin_ia32_pause();
	lapic_write(REG_ICR_HIGH, apic_id << 24);
	lapic_write(REG_ICR_LOW, low); /* the write of the low half sends it */
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_send(apic_id, ICR_ASSERT | vector);
}

void lapic_start_cpu(uint32_t apic_id, paddr_t trampoline_pa)
{
	ASSERT(trampoline_pa < (1u << 20) && (trampoline_pa & (PAGE_SIZE - 1)) == 0);
	icr_send(apic_id, ICR_ASSERT | ICR_INIT);
	pit_wait_us(10000);
	for (int i = 0; i < 2; i++) {
		icr_send(apic_id, ICR_STARTUP | (uint32_t)(trampoline_pa >> PAGE_SHIFT));
		pit_wait_us(200);
	}
}
