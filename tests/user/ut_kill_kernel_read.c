/*
 * ut_kill_kernel_read - must be killed by the kernel: reads kernel memory:
 * the kernel image at KERNEL_IMAGE_ADDR is mapped, but for the supervisor
 * only.
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
	ut_begin("ut_kill_kernel_read");
	ut_note("reading kernel address 0x%llx", KERNEL_IMAGE_ADDR);
	(void)*(volatile uint64_t *)(uintptr_t)KERNEL_IMAGE_ADDR;
	return ut_killer_survived("read kernel memory");
}
