/*
 * vga.h - the 80x25 VGA text console (the screen under QEMU's window and
 * Bochs's term display).
 */
#ifndef ARCH_VGA_H
#define ARCH_VGA_H

void vga_init(void);
void vga_putc(char c);

#endif
