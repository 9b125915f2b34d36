/*
 * cpu.h - one tiny wrapper per privileged x86-64 instruction the kernel uses.
 *
 * This is the only header with inline assembly; portable code never includes
 * it.  Each wrapper is the instruction and nothing else, so a reader can see
 * exactly what touches the hardware.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

#define CR0_WP (1ull << 16)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_AC (1ull << 18)
/* Model-specific registers, defined here once (asm/boot.asm and
 * asm/ap_trampoline.asm repeat MSR_EFER as NASM equ's: NASM cannot read C). */
#define MSR_APIC_BASE 0x1Bu
#define MSR_EFER 0xC0000080u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define EFER_NXE (1ull << 11)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt");
}

static inline void interrupts_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void interrupts_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The time-stamp counter; lfence first so that earlier instructions have
 * finished (what a measured interval must include). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* n dependent decrements (n > 0): about one cycle each on a CPU that runs
 * them natively, far more under an emulator; kbench.c times it to tell
 * which it runs on. */
static inline void cpu_spin(uint64_t n)
{
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;
	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void cpu_breakpoint(void)
{
	__asm__ volatile("int3" : : : "memory");
}

/* Vector 0xFD: VEC_PANIC in trap.h; an immediate must be a literal. */
static inline void cpu_raise_panic_vector(void)
{
	__asm__ volatile("int $0xFD" : : : "memory");
}

#endif
