/*
 * idt.c - builds and loads the IDT.
 *
 * Every vector gets an interrupt gate (IF cleared on entry) at DPL 0, so
 * user code cannot raise exceptions or IRQ vectors with `int n`; only
 * vectors opened with idt_allow_user() are reachable from ring 3.  The
 * double fault and NMI run on IST stacks because they can arrive with a
 * broken kernel stack.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/trap.h"

#define GATE_INTERRUPT 0x8E /* P, DPL0, 64-bit interrupt gate */
#define GATE_DPL3 0x60
#define IDT_VECTORS 256

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

extern const uint64_t isr_stub_table[IDT_VECTORS];
void idt_load(const struct idt_pointer *idtr);

static struct idt_gate idt[IDT_VECTORS];
static bool idt_loaded;

static void idt_set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	idt[vector] = (struct idt_gate){
		.offset_lo = handler & 0xFFFF,
		.selector = KERNEL_CS,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xFFFF,
		.offset_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		idt_set_gate(v, isr_stub_table[v], 0);
	idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[VEC_NMI].ist = IST_NMI;
	idt_load_this_cpu();
	idt_loaded = true;
}

void idt_load_this_cpu(void)
{
	struct idt_pointer idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	idt_load(&idtr);
}

void idt_allow_user(unsigned vector)
{
	idt[vector].type_attr |= GATE_DPL3;
}

bool idt_ready(void)
{
	return idt_loaded;
}
