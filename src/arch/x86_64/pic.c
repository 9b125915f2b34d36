/*
 * pic.c - the 8259 PICs, masked, and PIT channel 2 as a polled stopwatch.
 *
 * The PICs power up delivering IRQs 0-15 on vectors 8-15 and 0x70-0x77,
 * which collide with CPU exceptions; ICW2 moves them to 32-47 before they
 * are masked, so that a spurious IRQ cannot look like an exception.
 * Channel 2 is the one channel whose output software can read (port 0x61
 * bit 5) and whose gate it controls (bit 0): a countdown in mode 0 raises
 * the output when it reaches zero.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define PIC_CASCADE_IRQ 2

#define PIT_CHANNEL2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_LOHI_ONESHOT 0xB0
#define PIT_INPUT_HZ 1193182
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_BASE_VECTOR);
	outb(PIC2_DATA, IRQ_BASE_VECTOR + 8);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}

void pit_start_countdown(unsigned us)
{
	uint32_t count = (uint32_t)((uint64_t)PIT_INPUT_HZ * us / 1000000);
	uint8_t b = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);

	if (count > 0xFFFF)
		count = 0xFFFF;
	outb(PORT_B, b); /* gate low: hold the counter while it is loaded */
	outb(PIT_MODE, PIT_CH2_LOHI_ONESHOT);
	outb(PIT_CHANNEL2, count & 0xFF);
	outb(PIT_CHANNEL2, count >> 8);
	outb(PORT_B, b | PORT_B_GATE2); /* rising gate starts the count */
}

bool pit_expired(void)
{
	return inb(PORT_B) & PORT_B_OUT2;
}

void pit_wait_us(unsigned us)
{
	pit_start_countdown(us);
	while (!pit_expired())
		__builtin_ia32_pause();
}
