/*
 * addr.h - address types and page-size constants shared by the whole kernel.
 *
 * Physical and virtual addresses are both 64-bit integers; the separate names
 * say which space a value lives in so that a reader (and a grep) can tell a
 * frame address from a pointer-sized virtual address.  Portable: no hardware.
 */
#ifndef MM_ADDR_H
#define MM_ADDR_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t paddr_t; /* physical address */
typedef uint64_t vaddr_t; /* virtual address */

#define PAGE_SHIFT 12
#define PAGE_SIZE ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

#define PAGE_ROUND_DOWN(a) ((a) & ~PAGE_MASK)
#define PAGE_ROUND_UP(a) (((a) + PAGE_MASK) & ~PAGE_MASK)

#endif
