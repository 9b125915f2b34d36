/*
 * ut_kill_kernel_jump - must be killed by the kernel: jumps into the kernel
 * image: mapped, executable for the supervisor, never for user code.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_OUTSIDE,
 * detail the faulting address (ut_killers checks all three).  If it lives
 * on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

/* 1 MiB into the kernel image (src/arch/x86_64/layout.h, KERNEL_VMA). */
#define KERNEL_IMAGE_ADDR 0xFFFFFFFF80100000ull

int main(void)
{
	ut_begin("ut_kill_kernel_jump");
	ut_note("calling kernel address 0x%llx", KERNEL_IMAGE_ADDR);
	((void (*)(void))(uintptr_t)KERNEL_IMAGE_ADDR)();
	return ut_killer_survived("ran kernel code");
}
