/*
 * syscall.h - installs the int 0x80 system-call gate (see src/abi/rdos_abi.h).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

void syscall_init(void);

#endif
