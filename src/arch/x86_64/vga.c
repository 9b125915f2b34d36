/*
 * vga.c - VGA text-mode console: writes characters into the text buffer
 * the boot loader reported (on a PC, 80x25 cells at physical 0xB8000),
 * scrolling when the cursor passes the last row.
 *
 * Invariant: 0 <= row < rows and 0 <= col < cols between calls.
 */
#include <stdint.h>

#include "arch/x86_64/vga.h"
#include "lib/string.h"

#define VGA_ATTR_LIGHT_GREY 0x07

static volatile uint16_t *vga_buffer;
static unsigned vga_cols, vga_rows, vga_row, vga_col;

static uint16_t vga_cell(char c)
{
	return (uint16_t)(VGA_ATTR_LIGHT_GREY << 8) | (uint8_t)c;
}

static void vga_clear_row(unsigned row)
{
	for (unsigned col = 0; col < vga_cols; col++)
		vga_buffer[row * vga_cols + col] = vga_cell(' ');
}

void vga_init(volatile void *cells, unsigned cols, unsigned rows)
{
	vga_buffer = cells;
	vga_cols = cols;
	vga_rows = rows;
	for (unsigned row = 0; row < vga_rows; row++)
		vga_clear_row(row);
	vga_row = vga_col = 0;
}

static void vga_newline(void)
{
	vga_col = 0;
	if (++vga_row < vga_rows)
		return;
	memmove((void *)vga_buffer, (const void *)(vga_buffer + vga_cols),
		(vga_rows - 1) * vga_cols * sizeof(uint16_t));
	vga_row = vga_rows - 1;
	vga_clear_row(vga_row);
}

void vga_putc(char c)
{
	if (c == '\n') {
		vga_newline();
		return;
	}
	if (c == '\b') { /* the shell erases with "\b \b" */
		if (vga_col > 0)
			vga_col--;
		return;
	}
	vga_buffer[vga_row * vga_cols + vga_col] = vga_cell(c);
	if (++vga_col == vga_cols)
		vga_newline();
}
