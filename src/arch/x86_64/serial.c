/*
 * serial.c - polled 16550 UART driver for COM1.
 *
 * Polling keeps it usable from panic() and with interrupts off; output is
 * never buffered in the kernel, so what the harness sees is what ran.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"

#define COM1 0x3F8
#define UART_DATA 0
#define UART_INT_ENABLE 1
#define UART_DIVISOR_LO 0 /* with DLAB set */
#define UART_DIVISOR_HI 1
#define UART_FIFO_CTRL 2
#define UART_LINE_CTRL 3
#define UART_MODEM_CTRL 4
#define UART_LINE_STATUS 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR_14 0xC7
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define UART_CLOCK 115200
#define BAUD 115200

void serial_init(void)
{
	uint16_t divisor = UART_CLOCK / BAUD;

	outb(COM1 + UART_INT_ENABLE, 0);
	outb(COM1 + UART_LINE_CTRL, LCR_DLAB);
	outb(COM1 + UART_DIVISOR_LO, divisor & 0xFF);
	outb(COM1 + UART_DIVISOR_HI, divisor >> 8);
	outb(COM1 + UART_LINE_CTRL, LCR_8N1);
	outb(COM1 + UART_FIFO_CTRL, FCR_ENABLE_CLEAR_14);
	outb(COM1 + UART_MODEM_CTRL, MCR_DTR_RTS_OUT2);
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	while (!(inb(COM1 + UART_LINE_STATUS) & LSR_THR_EMPTY))
		;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_drain(void)
{
	while (!(inb(COM1 + UART_LINE_STATUS) & LSR_TX_IDLE))
		;
}

int serial_try_getc(void)
{
	if (!(inb(COM1 + UART_LINE_STATUS) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
