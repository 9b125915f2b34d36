/*
 * trap.h - the saved state of an interrupted context and the dispatch of
 * interrupts and exceptions to their handlers.
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

typedef void (*trap_handler)(struct trap_frame *frame);
/* Handles the trap without the kernel lock and returns true, or does
 * nothing and returns false. */
typedef bool (*trap_fast_path)(struct trap_frame *frame);

void trap_set_handler(unsigned vector, trap_handler handler);
/* Tries try_first, without the kernel lock, before vector's handler. */
void trap_set_fast_path(unsigned vector, trap_fast_path try_first);
/* A handler that runs without the kernel lock (kernel_lock.h): it may only
 * touch its own CPU's state and atomics. */
void trap_set_lockless_handler(unsigned vector, trap_handler handler);
/* Who handles an exception raised in ring 3 that has no handler of its own
 * (the process layer: it kills the process, not the kernel). */
void trap_set_user_exception_handler(trap_handler handler);
/* Runs (with the kernel lock) before every return to ring 3 from a
 * handler; it may end the thread instead (the process layer's check). */
void trap_set_user_return_hook(trap_handler hook);
void trap_dispatch(struct trap_frame *frame);
const char *trap_name(unsigned vector);
bool trap_from_user(const struct trap_frame *frame);

/* Reports an exception nobody could handle (vector, error code, CR2, the
 * registers, a backtrace) and stops the kernel. */
__attribute__((noreturn)) void trap_fatal(struct trap_frame *frame);

/* How many interrupts and exceptions reached their handler with RFLAGS.AC
 * set, since boot: with SMAP on, how often the kernel ran with user pages
 * open to it by accident.  0 unless isr.asm's CLAC is missing (the sec_
 * test); with SMAP off AC is left as it is and means nothing in ring 0. */
uint64_t trap_entries_with_ac(void);

/* Prints every register of frame and a symbolized backtrace from it. */
void trap_dump(const struct trap_frame *frame);

#endif
