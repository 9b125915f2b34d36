/*
 * usercopy.h - the only way the kernel reads or writes user memory.
 *
 * A range is first checked to lie entirely inside user space without
 * wrapping; the copy itself is a probe, so a page that cannot be made
 * present ends the copy with -RDOS_EFAULT instead of a kernel fault.
 * Reserved-but-untouched pages are fine: the fault handler fills them.
 */
#ifndef KERNEL_USERCOPY_H
#define KERNEL_USERCOPY_H

#include <stdbool.h>
#include <stdint.h>

bool user_range_ok(uint64_t addr, uint64_t len);
/* The whole buffer [addr, addr + len) must be reserved user memory of the
 * running process, writable if write: 0 or -RDOS_EFAULT.  Checked before a
 * call does anything, so a refused call changes nothing (docs/abi.md). */
int64_t user_buffer_check(uint64_t addr, uint64_t len, bool write);
/* The same for count entries of size bytes, refusing a product overflow. */
int64_t user_array_check(uint64_t addr, uint64_t count, uint64_t size, bool write);
int64_t copy_from_user(void *dst, uint64_t user_src, uint64_t len);
int64_t copy_to_user(uint64_t user_dst, const void *src, uint64_t len);
/* Copies a NUL-terminated string of at most size-1 characters; -RDOS_EINVAL
 * if it does not end within size. */
int64_t string_from_user(char *dst, uint64_t user_src, uint64_t size);

#endif
