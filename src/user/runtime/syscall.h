/*
 * syscall.h - the raw system-call instruction, one inline function per
 * number of arguments (src/abi/rdos_abi.h has the convention).
 *
 * Programs call the typed wrappers in sys.h; only sys.c and the test that
 * sends malformed calls (tests/user/ut_syscall_robust.c) include this.
 * The kernel preserves every register except RAX (the result), RCX and
 * R11, so those two are the only clobbers besides memory: the kernel may
 * read and write the buffers the arguments point to.
 */
#ifndef USER_RUNTIME_SYSCALL_H
#define USER_RUNTIME_SYSCALL_H

#include <stdint.h>

static inline int64_t syscall0(uint64_t nr)
{
	int64_t ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t syscall1(uint64_t nr, uint64_t a1)
{
	int64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t syscall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
	int64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t syscall3(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	int64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The fourth argument travels in R10, which has no constraint letter. */
static inline int64_t syscall4(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			       uint64_t a4)
{
	register uint64_t r10 __asm__("r10") = a4;
	int64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t syscall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			       uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	int64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif
