/*
 * gdt.h - segment selectors and the task state segment.
 *
 * The order of the user segments is fixed by SYSRET: with STAR[63:48] =
 * KERNEL_DS, SYSRET loads SS = KERNEL_DS + 8 and CS = KERNEL_DS + 16.
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <stdint.h>

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define TSS_SEL 0x28

/* IST slots (1-based, as in the IDT gate): faults that must not run on a
 * possibly broken stack get stacks of their own. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

void gdt_init(void);
/* The stack the CPU switches to on an interrupt from ring 3. */
void tss_set_kernel_stack(uint64_t rsp0);

#endif
