/*
 * probe.c - the fixup table lookup for asm/probe.asm.
 */
#include "arch/x86_64/probe.h"

struct probe_fixup {
	uint64_t access, resume;
};

extern const struct probe_fixup probe_fixups[], probe_fixups_end[];

uint64_t probe_fixup_for(uint64_t rip)
{
	for (const struct probe_fixup *f = probe_fixups; f < probe_fixups_end; f++)
		if (f->access == rip)
			return f->resume;
	return 0;
}
