/*
 * screen.h - the console's screen, if there is one: chosen once from the
 * boot information, written to by printk.
 */
#ifndef KERNEL_SCREEN_H
#define KERNEL_SCREEN_H

#include "boot/multiboot2.h"

/* Picks the screen from bi's framebuffer tag, clears it and prints which
 * one the console uses (or why there is none). */
void screen_init(const struct boot_info *bi);
/* Draws c on the screen; nothing if there is none. */
void screen_putc(char c);

#endif
