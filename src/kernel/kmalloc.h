/*
 * kmalloc.h - the kernel heap: bytes on top of pages on top of frames.
 * kmalloc returns NULL when memory runs out; kfree(NULL) does nothing.
 */
#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <stddef.h>

#include "mm/heap.h"

void kmalloc_init(void);
void *kmalloc(size_t size);
void kfree(void *p);
/* Returns spare slabs to the page source (tests call it before counting). */
void kmalloc_trim(void);
struct heap_stats kmalloc_stats(void);

#endif
