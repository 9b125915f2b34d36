/*
 * pic.c - 8259 PIC remapping and the 8254 PIT in rate-generator mode.
 *
 * The PICs power up delivering IRQs 0-15 on vectors 8-15 and 0x70-0x77,
 * which collide with CPU exceptions; ICW2 moves them to 32-47.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define PIC_EOI 0x20
#define PIC_CASCADE_IRQ 2

#define PIT_CHANNEL0 0x40
#define PIT_MODE 0x43
#define PIT_CH0_LOHI_RATE 0x34
#define PIT_INPUT_HZ 1193182

void pic_timer_init(void)
{
	uint16_t divisor = PIT_INPUT_HZ / TIMER_HZ;

	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_BASE_VECTOR);
	outb(PIC2_DATA, IRQ_BASE_VECTOR + 8);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, (uint8_t)~(1u << IRQ_TIMER));
	outb(PIC2_DATA, 0xFF);

	outb(PIT_MODE, PIT_CH0_LOHI_RATE);
	outb(PIT_CHANNEL0, divisor & 0xFF);
	outb(PIT_CHANNEL0, divisor >> 8);
}

void pic_end_of_interrupt(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}
