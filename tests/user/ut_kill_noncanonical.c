/*
 * ut_kill_noncanonical - must be killed by the kernel: reads the first non-
 * canonical address above user space.  That is a general-protection fault,
 * not a page fault: the kernel's #GP path must kill a user process as its
 * #PF path does.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_EXCEPTION,
 * detail RDOS_VECTOR_GENERAL_PROTECTION (#GP) (ut_killers checks all three).
 * If it lives on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

#define NONCANONICAL_ADDR 0x0000800000000000ull

int main(void)
{
	ut_begin("ut_kill_noncanonical");
	ut_note("reading non-canonical address 0x%llx", NONCANONICAL_ADDR);
	(void)*(volatile uint64_t *)(uintptr_t)NONCANONICAL_ADDR;
	return ut_killer_survived("read a non-canonical address");
}
