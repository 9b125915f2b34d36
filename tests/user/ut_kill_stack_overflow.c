/*
 * ut_kill_stack_overflow - must be killed by the kernel: recurses without
 * end, 1 KiB per frame, until the stack runs out: into the guard page below
 * the stack if the kernel puts one there (the ABI has no call to make guard
 * pages; this is the one user programs get), else into unreserved memory.
 * Either way a fault on a page that may not be filled.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_GUARD,
 * detail the faulting address (ut_killers checks all three).  If it lives
 * on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

/* Not a tail call (the caller adds to the result) and a frame the compiler
 * must keep (volatile), so every level takes stack.  The stop at
 * UINT64_MAX never comes; it keeps gcc from calling the recursion
 * infinite. */
__attribute__((noinline)) static uint64_t stack_eat(uint64_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = (uint8_t)depth;
	if (depth == UINT64_MAX)
		return 0;
	return stack_eat(depth + 1) + frame[0];
}

int main(void)
{
	ut_begin("ut_kill_stack_overflow");
	ut_note("recursing until the stack runs out");
	return (int)stack_eat(0) + ut_killer_survived("ran out of stack and lived");
}
