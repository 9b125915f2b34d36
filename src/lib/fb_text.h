/*
 * fb_text.h - a text console drawn with the built-in font (font.h) into a
 * linear framebuffer of RGB pixels: the screen when the firmware is UEFI,
 * where there is no VGA text mode.
 *
 * Portable: it draws into whatever memory it is given; the kernel gives it
 * the framebuffer through the direct map, the host tests a plain buffer.
 */
#ifndef LIB_FB_TEXT_H
#define LIB_FB_TEXT_H

#include <stdint.h>

/* A framebuffer's geometry and pixel format, as the boot loader reports it.
 * A colour channel is size bits at bit pos of the pixel value; a pixel is
 * stored little-endian in (bpp + 7) / 8 bytes. */
struct fb_layout {
	uint32_t width, height; /* pixels */
	uint32_t pitch;         /* bytes from one pixel row to the next */
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/*
 * Invariants between calls of one caller (fb_text.c on several callers at
 * once): col < cols and row < rows; text row r is the
 * pixel rows [r * cell_height, (r + 1) * cell_height), and every pixel not
 * under a character drawn since the last scroll is paper.
 */
struct fb_text {
	uint8_t *pixels;
	struct fb_layout layout;
	unsigned bytes_per_pixel;
	unsigned scale; /* a font pixel is scale x scale screen pixels */
	unsigned cell_width, cell_height;
	uint32_t ink, paper; /* pixel values */
	unsigned cols, rows, col, row;
};

/* The console aims for at least this many columns, and draws the font as
 * large as that allows. */
#define FB_TEXT_MIN_COLS 100

/* Prepares t to draw on the framebuffer at pixels and clears it to paper.
 * Returns NULL, or why this framebuffer cannot be drawn on (t unchanged). */
const char *fb_text_init(struct fb_text *t, void *pixels, const struct fb_layout *layout);

/* Draws c at the cursor and moves it on, scrolling at the bottom; '\n'
 * starts a new line, '\r' returns to its start, '\b' steps back one column,
 * '\t' moves to the next multiple of 8; any other character outside the
 * font is drawn as '?'. */
void fb_text_putc(struct fb_text *t, char c);

#endif
