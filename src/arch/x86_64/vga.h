/*
 * vga.h - the VGA text console (the screen under SeaBIOS in QEMU's window
 * and Bochs's term display), on the text buffer GRUB reported.
 */
#ifndef ARCH_VGA_H
#define ARCH_VGA_H

/* Starts writing to cols x rows cells of 2 bytes (character, attribute),
 * row after row, clears them and switches the hardware cursor off. */
void vga_init(volatile void *cells, unsigned cols, unsigned rows);
void vga_putc(char c);

#endif
