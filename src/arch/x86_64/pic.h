/*
 * pic.h - the legacy 8259 interrupt controllers and the 8254 timer (PIT):
 * the timer interrupt the scheduler preempts user code with.  The local
 * APIC replaces both on multiprocessor bring-up.
 */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include <stdint.h>

#define IRQ_BASE_VECTOR 32 /* IRQ n arrives on vector 32 + n */
#define IRQ_TIMER 0
#define TIMER_HZ 100

/* Remaps the PICs above the exceptions, masks all but the timer, and starts
 * the PIT at TIMER_HZ. */
void pic_timer_init(void);
void pic_end_of_interrupt(unsigned irq);

#endif
