/*
 * gdt.c - the global descriptor table and the TSS of the boot CPU.
 *
 * Long mode ignores segment bases and limits except for FS/GS and the TSS;
 * the descriptors below only carry the privilege level and the L bit.  The
 * TSS provides RSP0 (entry from ring 3) and the IST stacks.  SMP: each CPU
 * will need its own TSS and its own GDT slot for it.
 */
#include "arch/x86_64/gdt.h"

#define SEG_KERNEL_CODE 0x00AF9A000000FFFFull /* P, DPL0, code, L */
#define SEG_KERNEL_DATA 0x00CF92000000FFFFull /* P, DPL0, data, writable */
#define SEG_USER_DATA 0x00CFF2000000FFFFull   /* P, DPL3, data, writable */
#define SEG_USER_CODE 0x00AFFA000000FFFFull   /* P, DPL3, code, L */
#define TSS_TYPE_AVAILABLE 0x89ull            /* P, 64-bit TSS available */
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

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

void gdt_load(const struct gdt_pointer *gdtr, uint16_t code_sel, uint16_t data_sel);
void tss_load(uint16_t selector);

static uint64_t gdt[7];
static struct tss tss;
static uint8_t double_fault_stack[EXCEPTION_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t nmi_stack[EXCEPTION_STACK_SIZE] __attribute__((aligned(16)));

/* A 64-bit TSS descriptor takes two GDT slots. */
static void gdt_set_tss(unsigned slot, uint64_t base, uint32_t limit)
{
	gdt[slot] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
		    (TSS_TYPE_AVAILABLE << 40) | ((uint64_t)(limit >> 16) << 48) |
		    (((base >> 24) & 0xFF) << 56);
	gdt[slot + 1] = base >> 32;
}

void gdt_init(void)
{
	struct gdt_pointer gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	gdt[KERNEL_CS / 8] = SEG_KERNEL_CODE;
	gdt[KERNEL_DS / 8] = SEG_KERNEL_DATA;
	gdt[(USER_DS & ~3) / 8] = SEG_USER_DATA;
	gdt[(USER_CS & ~3) / 8] = SEG_USER_CODE;
	tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(uintptr_t)(double_fault_stack + EXCEPTION_STACK_SIZE);
	tss.ist[IST_NMI - 1] = (uint64_t)(uintptr_t)(nmi_stack + EXCEPTION_STACK_SIZE);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 gets no ports */
	gdt_set_tss(TSS_SEL / 8, (uint64_t)(uintptr_t)&tss, sizeof(tss) - 1);
	gdt_load(&gdtr, KERNEL_CS, KERNEL_DS);
	tss_load(TSS_SEL);
}

void tss_set_kernel_stack(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
}
