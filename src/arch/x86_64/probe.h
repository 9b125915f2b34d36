/*
 * probe.h - memory accesses that report a fault instead of crashing (see
 * asm/probe.asm), and the lookup the page-fault handler uses for them.
 */
#ifndef ARCH_PROBE_H
#define ARCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* The byte at addr, or -1 if reading it faulted. */
int64_t probe_read_u8(const volatile void *addr);
/* 0, or -1 if writing value to addr faulted. */
int64_t probe_write_u8(volatile void *addr, uint8_t value);

/* Copies n bytes; 0, or -1 if an access faulted (some bytes may be copied).
 * Faults the VM can resolve (demand paging) are resolved, not failures. */
int64_t probe_copy(void *dst, const void *src, uint64_t n);

/* Where to resume when the instruction at rip faults; 0 if rip is no probe. */
uint64_t probe_fixup_for(uint64_t rip);

#endif
