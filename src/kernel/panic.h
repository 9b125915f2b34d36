/*
 * panic.h - kernel-only parts of the panic path (panic() itself is declared
 * in lib/panic.h for portable code).
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

/* Prints a symbolized backtrace: rip, then the frame-pointer chain from rbp.
 * rsp (0 if unknown) is the interrupted stack pointer, whose top may hold
 * the return address of a frameless leaf function. */
void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t rsp);
/* After a fatal error has been reported: ends the emulator with a failure
 * status in test mode, else halts this CPU for a debugger to look at. */
__attribute__((noreturn)) void panic_halt(void);
/* Prints "symbol+0xoff" for addr, or the bare address. */
void symbol_print(uint64_t addr);

#endif
