/*
 * fb_text.c - the framebuffer text console (fb_text.h).
 *
 * A character cell is one font pixel wider and two taller than the font,
 * so that glyphs never touch: a blank column on the right, a blank row
 * above and below.  Every cell is drawn whole, paper included, so drawing
 * over a character (the shell's "\b \b") leaves nothing of it behind.
 * Scrolling moves the framebuffer's contents up by one text row; the
 * framebuffer is read back for it, which is slow on uncached video memory
 * but needs no copy of the screen in RAM.  Pixels are written a byte at a
 * time: any pixel size, any alignment.
 *
 * printk takes no lock, so several CPUs may draw at once: each call reads
 * the cursor once and bounds it before drawing, so that a race garbles
 * the text but never writes outside the framebuffer.
 */
#include "lib/fb_text.h"
#include "lib/font.h"
#include "lib/string.h"

#define INK_GREY 0xAA /* the VGA text console's light grey */
#define PAPER_GREY 0x00
#define TAB_WIDTH 8

/* The pixel value of grey level v (0..255) in this layout. */
static uint32_t grey_pixel(const struct fb_layout *l, uint8_t v)
{
	return (uint32_t)(v >> (8 - l->red_size)) << l->red_pos |
	       (uint32_t)(v >> (8 - l->green_size)) << l->green_pos |
	       (uint32_t)(v >> (8 - l->blue_size)) << l->blue_pos;
}

static const char *check_layout(const struct fb_layout *l)
{
	unsigned bytes = (l->bpp + 7u) / 8;
	const uint8_t fields[3][2] = { { l->red_pos, l->red_size },
				       { l->green_pos, l->green_size },
				       { l->blue_pos, l->blue_size } };

	if (l->bpp != 15 && l->bpp != 16 && l->bpp != 24 && l->bpp != 32)
		return "not 15, 16, 24 or 32 bits per pixel";
	for (unsigned i = 0; i < 3; i++)
		if (fields[i][1] == 0 || fields[i][1] > 8 || fields[i][0] + fields[i][1] > l->bpp)
			return "a colour channel is missing or outside the pixel";
	if ((uint64_t)l->width * bytes > l->pitch)
		return "a pixel row is longer than the pitch";
	if (l->width < FONT_WIDTH + 1 || l->height < FONT_HEIGHT + 2)
		return "too small for one character";
	return NULL;
}

static void fill(struct fb_text *t, unsigned x, unsigned y, unsigned w, unsigned h,
		 uint32_t value)
{
	for (unsigned py = y; py < y + h; py++) {
		uint8_t *p = t->pixels + (uint64_t)py * t->layout.pitch + (uint64_t)x * t->bytes_per_pixel;

		for (unsigned px = 0; px < w; px++)
			for (unsigned b = 0; b < t->bytes_per_pixel; b++)
				*p++ = (uint8_t)(value >> (8 * b));
	}
}

const char *fb_text_init(struct fb_text *t, void *pixels, const struct fb_layout *layout)
{
	const char *err = check_layout(layout);
	unsigned scale;

	if (err)
		return err;
	scale = layout->width / (FB_TEXT_MIN_COLS * (FONT_WIDTH + 1));
	if (scale == 0 || layout->height / ((FONT_HEIGHT + 2) * scale) == 0)
		scale = 1;
	*t = (struct fb_text){
		.pixels = pixels,
		.layout = *layout,
		.bytes_per_pixel = (layout->bpp + 7u) / 8,
		.scale = scale,
		.cell_width = (FONT_WIDTH + 1) * scale,
		.cell_height = (FONT_HEIGHT + 2) * scale,
		.ink = grey_pixel(layout, INK_GREY),
		.paper = grey_pixel(layout, PAPER_GREY),
	};
	t->cols = layout->width / t->cell_width;
	t->rows = layout->height / t->cell_height;
	fill(t, 0, 0, layout->width, layout->height, t->paper);
	return NULL;
}

static void draw_cell(struct fb_text *t, unsigned col, unsigned row, char c)
{
	unsigned x0 = col * t->cell_width, y0 = row * t->cell_height, s = t->scale;

	fill(t, x0, y0, t->cell_width, s, t->paper); /* the blank row above */
	for (unsigned fy = 0; fy < FONT_HEIGHT; fy++) {
		const char *bits = font_row(c, fy);

		for (unsigned fx = 0; fx < FONT_WIDTH; fx++)
			fill(t, x0 + fx * s, y0 + (fy + 1) * s, s, s,
			     bits[fx] == FONT_INK ? t->ink : t->paper);
		fill(t, x0 + FONT_WIDTH * s, y0 + (fy + 1) * s, s, s, t->paper);
	}
	fill(t, x0, y0 + (FONT_HEIGHT + 1) * s, t->cell_width, s, t->paper);
}

static void newline(struct fb_text *t, unsigned *col, unsigned *row)
{
	uint64_t row_bytes = (uint64_t)t->cell_height * t->layout.pitch;

	*col = 0;
	if (++*row < t->rows)
		return;
	memmove(t->pixels, t->pixels + row_bytes, (t->rows - 1) * row_bytes);
	*row = t->rows - 1;
	fill(t, 0, *row * t->cell_height, t->layout.width, t->cell_height, t->paper);
}

static void put(struct fb_text *t, unsigned *col, unsigned *row, char c)
{
	switch (c) {
	case '\n':
		newline(t, col, row);
		return;
	case '\r':
		*col = 0;
		return;
	case '\b':
		if (*col > 0)
			--*col;
		return;
	case '\t':
		do
			put(t, col, row, ' ');
		while (*col % TAB_WIDTH != 0);
		return;
	default:
		draw_cell(t, *col, *row, c);
		if (++*col == t->cols)
			newline(t, col, row);
	}
}

void fb_text_putc(struct fb_text *t, char c)
{
	/* Read once and bounded: another CPU may be moving the cursor. */
	unsigned col = __atomic_load_n(&t->col, __ATOMIC_RELAXED);
	unsigned row = __atomic_load_n(&t->row, __ATOMIC_RELAXED);

	col = col < t->cols ? col : 0;
	row = row < t->rows ? row : t->rows - 1;
	put(t, &col, &row, c);
	__atomic_store_n(&t->col, col, __ATOMIC_RELAXED);
	__atomic_store_n(&t->row, row, __ATOMIC_RELAXED);
}
