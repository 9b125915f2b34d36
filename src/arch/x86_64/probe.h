/*
 * probe.h - memory accesses that report a fault instead of crashing (see
 * asm/probe.asm), and the lookup the page-fault handler uses for them.
 */
#ifndef ARCH_PROBE_H
#define ARCH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The byte at addr, or -1 if reading it faulted. */
int64_t probe_read_u8(const volatile void *addr);
/* 0, or -1 if writing value to addr faulted. */
int64_t probe_write_u8(volatile void *addr, uint8_t value);

/* Copies n bytes; 0, or -1 if an access faulted (some bytes may be copied).
 * Faults the VM can resolve (demand paging) are resolved, not failures. */
int64_t probe_copy(void *dst, const void *src, uint64_t n);

/* Calls the code at addr: 0 if it ran and returned, -1 if fetching it
 * faulted.  For tests of NX and SMEP: put a `ret` there. */
int64_t probe_exec(const void *addr);

/* Where to resume when the instruction at rip faults; 0 if rip is no probe. */
uint64_t probe_fixup_for(uint64_t rip);
/* True if rip is probe_copy's access: the kernel touching user memory on
 * purpose, with or without SMAP (RFLAGS.AC is set there only with it). */
bool probe_in_copy(uint64_t rip);
/* For an instruction fetch that faulted at the target of probe_exec: the
 * return address on top of the stack names the probe.  Adjusts rip and rsp
 * to resume at its fixup and returns true, or returns false. */
bool probe_exec_recover(uint64_t *rip, uint64_t *rsp);

#endif
