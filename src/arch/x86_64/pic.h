/*
 * pic.h - the legacy 8259 interrupt controllers and the 8254 timer (PIT).
 *
 * The local APIC (lapic.h) delivers every interrupt the kernel uses; the
 * 8259s are remapped out of the way and masked, and the PIT only serves as
 * the known clock the local APIC timer is calibrated against.
 */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_BASE_VECTOR 32 /* a spurious IRQ 7 or 15 arrives on 39 or 47 */

/* Remaps the PICs above the exceptions and masks every line. */
void pic_disable(void);
/* Starts PIT channel 2 counting down for us microseconds (at most 50 ms);
 * pit_expired() says when it is done.  Polled: needs no interrupt. */
void pit_start_countdown(unsigned us);
bool pit_expired(void);
/* Busy-waits us microseconds (at most 50 ms) on the PIT. */
void pit_wait_us(unsigned us);

#endif
