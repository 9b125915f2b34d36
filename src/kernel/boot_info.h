/*
 * boot_info.h - the validated Multiboot2 information, available to every
 * subsystem after kmain() has parsed it.
 */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include "boot/multiboot2.h"

const struct boot_info *boot_info(void);
void kmain(uint32_t magic, paddr_t info_pa);

#endif
