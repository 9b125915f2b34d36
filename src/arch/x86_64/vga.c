/*
 * vga.c - VGA text-mode console: writes characters into the text buffer at
 * physical 0xB8000, scrolling when the cursor passes the last row.
 *
 * Invariant: 0 <= row < VGA_ROWS and 0 <= col < VGA_COLS between calls.
 */
#include <stdint.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/vga.h"
#include "lib/string.h"

#define VGA_TEXT_PHYS 0xB8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR_LIGHT_GREY 0x07

static volatile uint16_t *vga_buffer;
static unsigned vga_row, vga_col;

static uint16_t vga_cell(char c)
{
	return (uint16_t)(VGA_ATTR_LIGHT_GREY << 8) | (uint8_t)c;
}

static void vga_clear_row(unsigned row)
{
	for (unsigned col = 0; col < VGA_COLS; col++)
		vga_buffer[row * VGA_COLS + col] = vga_cell(' ');
}

void vga_init(void)
{
	vga_buffer = phys_to_virt(VGA_TEXT_PHYS);
	for (unsigned row = 0; row < VGA_ROWS; row++)
		vga_clear_row(row);
	vga_row = vga_col = 0;
}

static void vga_newline(void)
{
	vga_col = 0;
	if (++vga_row < VGA_ROWS)
		return;
	memmove((void *)vga_buffer, (const void *)(vga_buffer + VGA_COLS),
		(VGA_ROWS - 1) * VGA_COLS * sizeof(uint16_t));
	vga_row = VGA_ROWS - 1;
	vga_clear_row(vga_row);
}

void vga_putc(char c)
{
	if (!vga_buffer)
		return;
	if (c == '\n') {
		vga_newline();
		return;
	}
	vga_buffer[vga_row * VGA_COLS + vga_col] = vga_cell(c);
	if (++vga_col == VGA_COLS)
		vga_newline();
}
