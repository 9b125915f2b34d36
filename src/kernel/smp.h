/*
 * smp.h - bringing up the other CPUs, and stopping them.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "boot/multiboot2.h"

/* Boot CPU, kernel lock held, scheduler and heap up: switches interrupt
 * delivery to the local APICs, starts every processor the ACPI MADT lists
 * (at most `cpus=N` from the command line) and each CPU's timer.  Without
 * a usable MADT the kernel runs on the boot CPU alone and says so. */
void smp_init(const struct boot_info *bi);
/* Halts every other CPU (panic: nothing else may run or print). */
void smp_stop_others(void);

#endif
