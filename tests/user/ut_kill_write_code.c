/*
 * ut_kill_write_code - must be killed by the kernel: writes into its own
 * code: the page holding main(), which is present (it is running) and must
 * be mapped read-only.
 *
 * Pass rule: exit status RDOS_STATUS_KILLED with cause RDOS_KILL_PROTECTION,
 * detail the faulting address (ut_killers checks all three).  If it lives
 * on, it prints "not ok" and exits 1.
 */
#include <stdint.h>

#include "ut.h"

int main(void)
{
	volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)&main;

	ut_begin("ut_kill_write_code");
	ut_note("writing own code at %p", (void *)code);
	*code = *code;
	return ut_killer_survived("wrote to its own code page");
}
