/*
 * sample.h - what every sample PE program shares: ending through the
 * kernel's EXIT call (docs/abi.md: returning from the entry point is
 * undefined).
 *
 * The samples are freestanding (no C runtime, no imports) and built with
 * both mingw-w64 gcc and clang + lld-link (tests/pe/pe.mk).  Each checks
 * its own loaded image and exits with 0 when every check passes, or with
 * a code naming the first failed check, so a loader that mapped or
 * relocated something wrongly is caught when the program runs.  long is
 * 32 bits on these targets: only fixed-width types cross the ABI.
 */
#ifndef PE_SAMPLE_H
#define PE_SAMPLE_H

#include <stdint.h>

#include "abi/rdos_abi.h"

void _start(void);

static inline __attribute__((noreturn)) void sample_exit(int32_t status)
{
	__asm__ volatile("int %[vec]"
			 :
			 : [vec] "i"(RDOS_SYSCALL_VECTOR),
			   "a"((uint64_t)RDOS_SYS_EXIT), "D"((int64_t)status)
			 : "memory");
	__builtin_unreachable();
}

#endif
