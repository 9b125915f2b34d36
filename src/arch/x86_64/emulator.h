/*
 * emulator.h - the emulator-specific I/O ports the kernel uses for testing
 * and debugging: Bochs's port 0xE9 console, QEMU's isa-debug-exit device and
 * Bochs's shutdown port.  Harmless on real hardware and in the other emulator.
 */
#ifndef ARCH_EMULATOR_H
#define ARCH_EMULATOR_H

#include <stdbool.h>

void debugcon_putc(char c);
/* Ends the emulator: QEMU exits with status 33 on success, 35 on failure;
 * Bochs shuts down (its exit status means nothing: the harness reads KTAP). */
__attribute__((noreturn)) void emulator_exit(bool success);

#endif
