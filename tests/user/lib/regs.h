/*
 * regs.h - checking that a system call preserves the registers the ABI
 * promises (src/abi/rdos_abi.h: all but RAX, RCX, R11).  regs.asm.
 */
#ifndef TESTS_USER_REGS_H
#define TESTS_USER_REGS_H

#include <stdint.h>

/* Bit i of a clobber mask is register REGS_NAMES[i]. */
#define REGS_COUNT 12
#define REGS_NAMES                                                            \
	{ "rbx", "rbp", "rsi", "rdi", "rdx", "r8", "r9", "r10", "r12", "r13", \
	  "r14", "r15" }

/* Makes system call number with every preserved register set to a
 * pattern; returns the mask of those that changed; *result is RAX. */
uint64_t regs_syscall_clobbers(uint64_t number, int64_t *result);

#endif
