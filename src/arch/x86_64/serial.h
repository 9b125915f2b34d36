/*
 * serial.h - COM1 at 115200 8N1, the kernel's primary console and the
 * channel the test harness reads (KTAP lines).
 */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

void serial_init(void);
void serial_putc(char c);
/* Waits until the UART has sent every byte: Bochs loses the tail of the log
 * if the machine shuts down while bytes are still in the transmitter. */
void serial_drain(void);
/* The next received byte, or -1 if none is waiting. */
int serial_try_getc(void);

#endif
