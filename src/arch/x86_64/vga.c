/*
 * vga.c - VGA text-mode console: writes characters into the text buffer
 * the boot loader reported (on a PC, 80x25 cells at physical 0xB8000),
 * scrolling when the cursor passes the last row.
 *
 * The hardware cursor is switched off, not moved: the console never
 * follows it, and left on it blinks where GRUB put it.  Under Bochs's term
 * display each blink is also written to a pseudo-terminal that nobody
 * reads, and Bochs blocks once that is full, in the middle of a long test
 * run.
 *
 * Invariant: 0 <= row < rows and 0 <= col < cols between calls.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vga.h"
#include "lib/string.h"

#define VGA_ATTR_LIGHT_GREY 0x07
#define VGA_CRTC_INDEX 0x3D4 /* colour modes; GRUB leaves mode 3 */
#define VGA_CRTC_DATA 0x3D5
#define VGA_CRTC_CURSOR_START 0x0A
#define VGA_CURSOR_OFF (1u << 5)

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
	outb(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_START);
	outb(VGA_CRTC_DATA, VGA_CURSOR_OFF);
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
