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

#define EXCEPTION_STACK_SIZE 8192

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* One CPU's descriptor tables and exception stacks. */
struct gdt_cpu {
	uint64_t gdt[7];
	struct tss tss;
	uint8_t double_fault_stack[EXCEPTION_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t nmi_stack[EXCEPTION_STACK_SIZE] __attribute__((aligned(16)));
};

/* Where this CPU's struct gdt_cpu pointer sits in its per-CPU block
 * (kernel/percpu.h checks it), so that this file needs no kernel header. */
#define GDT_CPU_GS_OFFSET 8

/* Loads g's GDT and TSS on the calling CPU. */
void gdt_init(struct gdt_cpu *g);
/* The stack this CPU switches to on an interrupt from ring 3. */
void tss_set_kernel_stack(uint64_t rsp0);

#endif
