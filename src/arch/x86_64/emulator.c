/*
 * emulator.c - test and debug ports of QEMU and Bochs.
 *
 * isa-debug-exit (QEMU, -device isa-debug-exit,iobase=0xf4,iosize=4) turns
 * a write of V into exit status (V << 1) | 1.  Status 0 would mean a triple
 * fault, so success must be an odd non-1 value: V = 0x10 gives 33.  Bochs
 * shuts down when "Shutdown" is written to port 0x8900.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/emulator.h"
#include "arch/x86_64/serial.h"

#define DEBUGCON_PORT 0xE9
#define QEMU_EXIT_PORT 0xF4
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11
#define BOCHS_SHUTDOWN_PORT 0x8900

void debugcon_putc(char c)
{
	outb(DEBUGCON_PORT, (uint8_t)c);
}

void emulator_exit(bool success)
{
	static const char bochs_shutdown[] = "Shutdown";

	serial_drain();
	outl(QEMU_EXIT_PORT, success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
	for (const char *p = bochs_shutdown; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	interrupts_disable();
	for (;;)
		cpu_halt();
}
