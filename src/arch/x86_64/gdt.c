/*
 * gdt.c - the global descriptor table and the TSS of the boot CPU.
 *
 * Long mode ignores segment bases and limits except for FS/GS and the TSS;
 * the descriptors below only carry the privilege level and the L bit.  The
 * TSS provides RSP0 (entry from ring 3) and the IST stacks.  Each CPU has
 * its own GDT, TSS and IST stacks (struct gdt_cpu): loading a TSS marks its
 * descriptor busy, so two CPUs cannot share one.
 */
#include "arch/x86_64/gdt.h"

#define SEG_KERNEL_CODE 0x00AF9A000000FFFFull /* P, DPL0, code, L */
#define SEG_KERNEL_DATA 0x00CF92000000FFFFull /* P, DPL0, data, writable */
#define SEG_USER_DATA 0x00CFF2000000FFFFull   /* P, DPL3, data, writable */
#define SEG_USER_CODE 0x00AFFA000000FFFFull   /* P, DPL3, code, L */
#define TSS_TYPE_AVAILABLE 0x89ull            /* P, 64-bit TSS available */
struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

void gdt_load(const struct gdt_pointer *gdtr, uint16_t code_sel, uint16_t data_sel);
void tss_load(uint16_t selector);

/* The CPU whose TSS tss_set_kernel_stack changes: each CPU sets its own. */
static struct gdt_cpu *this_gdt_cpu(void)
{
	struct gdt_cpu *g;

	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(g) : "i"(GDT_CPU_GS_OFFSET));
	return g;
}

/* A 64-bit TSS descriptor takes two GDT slots. */
static void gdt_set_tss(uint64_t *gdt, unsigned slot, uint64_t base, uint32_t limit)
{
	gdt[slot] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
		    (TSS_TYPE_AVAILABLE << 40) | ((uint64_t)(limit >> 16) << 48) |
		    (((base >> 24) & 0xFF) << 56);
	gdt[slot + 1] = base >> 32;
}

void gdt_init(struct gdt_cpu *g)
{
	struct gdt_pointer gdtr = { sizeof(g->gdt) - 1, (uint64_t)(uintptr_t)g->gdt };
	struct tss *tss = &g->tss;

	g->gdt[KERNEL_CS / 8] = SEG_KERNEL_CODE;
	g->gdt[KERNEL_DS / 8] = SEG_KERNEL_DATA;
	g->gdt[(USER_DS & ~3) / 8] = SEG_USER_DATA;
	g->gdt[(USER_CS & ~3) / 8] = SEG_USER_CODE;
	tss->ist[IST_DOUBLE_FAULT - 1] =
		(uint64_t)(uintptr_t)(g->double_fault_stack + sizeof(g->double_fault_stack));
	tss->ist[IST_NMI - 1] = (uint64_t)(uintptr_t)(g->nmi_stack + sizeof(g->nmi_stack));
	tss->iomap_base = sizeof(*tss); /* no I/O bitmap: ring 3 gets no ports */
	gdt_set_tss(g->gdt, TSS_SEL / 8, (uint64_t)(uintptr_t)tss, sizeof(*tss) - 1);
	gdt_load(&gdtr, KERNEL_CS, KERNEL_DS);
	tss_load(TSS_SEL);
}

void tss_set_kernel_stack(uint64_t rsp0)
{
	this_gdt_cpu()->tss.rsp[0] = rsp0;
}
