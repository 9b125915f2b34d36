/*
 * lapic.h - the local APIC of each CPU: its timer, end of interrupt, and
 * inter-processor interrupts (Intel SDM vol. 3, chapter 11).
 *
 * The registers are memory-mapped at one physical address on every CPU
 * (each CPU sees its own); lapic_map() makes that page uncached in the
 * direct map once, then every CPU calls lapic_init_cpu().
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

#include "mm/addr.h"

#define TIMER_HZ 100

void lapic_map(paddr_t base);
/* Software-enables this CPU's local APIC; spurious interrupts go to
 * VEC_LAPIC_SPURIOUS. */
void lapic_init_cpu(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Measures the timer against the PIT (boot CPU, once). */
void lapic_timer_calibrate(void);
/* Starts this CPU's timer: vector VEC_LAPIC_TIMER, TIMER_HZ times a second. */
void lapic_timer_start(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* INIT, then two STARTUPs at the 4 KiB page trampoline_pa (below 1 MiB):
 * the MP start-up sequence of the SDM (vol. 3, 9.4.4). */
void lapic_start_cpu(uint32_t apic_id, paddr_t trampoline_pa);

#endif
