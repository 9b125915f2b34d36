/*
 * idt.h - the interrupt descriptor table: one gate per vector, each pointing
 * at its stub in asm/isr.asm.
 */
#ifndef ARCH_IDT_H
#define ARCH_IDT_H

#include <stdbool.h>

void idt_init(void);
/* The one IDT, loaded on an application processor. */
void idt_load_this_cpu(void);
/* Lets ring 3 raise vector with `int` (system calls); off by default. */
void idt_allow_user(unsigned vector);
bool idt_ready(void);

#endif
