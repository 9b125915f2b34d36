/*
 * trap.h - the saved state of an interrupted context, the vectors, and the
 * report of a trap nobody can handle.  Which handler runs, and under which
 * lock, is the kernel's policy (kernel/trap_dispatch.h).
 *
 * struct trap_frame's layout is fixed by asm/isr.asm (registers pushed in
 * reverse order, then vector and error code, then what the CPU pushed).
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(__builtin_offsetof(struct trap_frame, cs) == 18 * 8,
	       "FRAME_CS in isr.asm");

enum {
	VEC_DIVIDE_ERROR = 0,
	VEC_DEBUG = 1,
	VEC_NMI = 2,
	VEC_BREAKPOINT = 3,
	VEC_INVALID_OPCODE = 6,
	VEC_DOUBLE_FAULT = 8,
	VEC_GENERAL_PROTECTION = 13,
	VEC_PAGE_FAULT = 14,
	VEC_EXCEPTION_COUNT = 32,
	VEC_LAPIC_TIMER = 0x40,
	VEC_TLB_SHOOTDOWN = 0xF0, /* kernel/tlb.c */
	VEC_RESCHEDULE = 0xF1,    /* wakes an idle CPU: work is queued */
	VEC_STOP = 0xF2,          /* another CPU panicked: halt */
	VEC_PANIC = 0xFD, /* panic() raises it to capture every register */
	VEC_LAPIC_SPURIOUS = 0xFF,
};

/* Page-fault error-code bits (Intel SDM vol. 3, 4.7). */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RESERVED_BIT (1u << 3)
#define PF_INSTRUCTION (1u << 4)

const char *trap_name(unsigned vector);
bool trap_from_user(const struct trap_frame *frame);

/* Reports an exception nobody could handle (vector, error code, CR2, the
 * registers, a backtrace) and stops the kernel. */
__attribute__((noreturn)) void trap_fatal(struct trap_frame *frame);

/* Prints every register of frame and a symbolized backtrace from it. */
void trap_dump(const struct trap_frame *frame);

#endif
