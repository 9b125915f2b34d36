/*
 * probe.c - the fixup table lookup for asm/probe.asm.
 */
#include "arch/x86_64/probe.h"

struct probe_fixup {
	uint64_t access, resume;
};

extern const struct probe_fixup probe_fixups[], probe_fixups_end[];
extern const uint64_t probe_exec_returned, probe_exec_fixup, probe_copy_access;

uint64_t probe_fixup_for(uint64_t rip)
{
	for (const struct probe_fixup *f = probe_fixups; f < probe_fixups_end; f++)
		if (f->access == rip)
			return f->resume;
	return 0;
}

bool probe_in_copy(uint64_t rip)
{
	return rip == probe_copy_access;
}

bool probe_exec_recover(uint64_t *rip, uint64_t *rsp)
{
	const uint64_t *top = (const uint64_t *)(uintptr_t)*rsp;

	if (*top != probe_exec_returned)
		return false;
	*rip = probe_exec_fixup;
	*rsp += 8; /* the probe's call never got a frame */
	return true;
}
