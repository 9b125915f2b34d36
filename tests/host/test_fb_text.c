/*
 * test_fb_text.c - host tests of the framebuffer text console: it draws
 * the font's pixels where a character belongs, packs pixels of every
 * supported size, scrolls, erases with "\b \b", and refuses framebuffers
 * it cannot draw on.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host_tap.h"
#include "lib/fb_text.h"
#include "lib/font.h"

/* 32 bpp x8r8g8b8, as OVMF's GOP gives. */
static const struct fb_layout xrgb_640x100 = {
	.width = 640, .height = 100, .pitch = 640 * 4, .bpp = 32,
	.red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8,
	.blue_pos = 0, .blue_size = 8,
};

static uint32_t pixel_at(const struct fb_text *t, unsigned x, unsigned y)
{
	const uint8_t *p = t->pixels + (size_t)y * t->layout.pitch + (size_t)x * t->bytes_per_pixel;
	uint32_t v = 0;

	for (unsigned b = 0; b < t->bytes_per_pixel; b++)
		v |= (uint32_t)p[b] << (8 * b);
	return v;
}

/* Cell (col, row) shows c: font pixels where the glyph has ink, paper
 * everywhere else in the cell. */
static void assert_cell_shows(const struct fb_text *t, unsigned col, unsigned row, char c)
{
	for (unsigned y = 0; y < t->cell_height; y++)
		for (unsigned x = 0; x < t->cell_width; x++) {
			unsigned fx = x / t->scale, fy = y / t->scale;
			bool ink = fy >= 1 && fy <= FONT_HEIGHT && fx < FONT_WIDTH &&
				   font_row(c, fy - 1)[fx] == FONT_INK;

			assert_int_equal(pixel_at(t, col * t->cell_width + x, row * t->cell_height + y),
					 ink ? t->ink : t->paper);
		}
}

static struct fb_text *new_console(const struct fb_layout *l)
{
	static struct fb_text t;
	void *pixels = malloc((size_t)l->pitch * l->height);

	assert_non_null(pixels);
	memset(pixels, 0x5a, (size_t)l->pitch * l->height);
	assert_null(fb_text_init(&t, pixels, l));
	return &t;
}

static void fb_text_draws_glyphs_in_their_cells(void **state)
{
	struct fb_text *t = new_console(&xrgb_640x100);

	(void)state;
	assert_int_equal(t->scale, 1);
	assert_int_equal(t->cols, 640 / 6);
	assert_int_equal(t->rows, 100 / 10);
	assert_int_equal(t->ink, 0xAAAAAA);
	assert_int_equal(t->paper, 0);
	assert_int_equal(pixel_at(t, 639, 99), t->paper); /* cleared, margins too */
	for (const char *s = "Ag~"; *s; s++)
		fb_text_putc(t, *s);
	assert_cell_shows(t, 0, 0, 'A');
	assert_cell_shows(t, 1, 0, 'g');
	assert_cell_shows(t, 2, 0, '~');
	fb_text_putc(t, '\x01'); /* outside the font */
	assert_cell_shows(t, 3, 0, '?');
	free(t->pixels);
}

static void fb_text_packs_every_pixel_size(void **state)
{
	struct fb_layout rgb24 = xrgb_640x100, rgb565 = xrgb_640x100;
	struct fb_text *t;

	(void)state;
	rgb24.bpp = 24;
	rgb24.pitch = 640 * 3;
	t = new_console(&rgb24);
	fb_text_putc(t, 'W');
	assert_int_equal(t->bytes_per_pixel, 3);
	assert_cell_shows(t, 0, 0, 'W');
	free(t->pixels);

	rgb565 = (struct fb_layout){ .width = 640, .height = 100, .pitch = 1280, .bpp = 16,
				     .red_pos = 11, .red_size = 5, .green_pos = 5, .green_size = 6,
				     .blue_pos = 0, .blue_size = 5 };
	t = new_console(&rgb565);
	assert_int_equal(t->ink, (0xAA >> 3) << 11 | (0xAA >> 2) << 5 | (0xAA >> 3));
	fb_text_putc(t, 'W');
	assert_cell_shows(t, 0, 0, 'W');
	free(t->pixels);
}

/* A wide screen gets a larger font, never fewer than FB_TEXT_MIN_COLS
 * columns. */
static void fb_text_scales_the_font_to_the_screen(void **state)
{
	struct fb_layout wide = xrgb_640x100;
	struct fb_text *t;

	(void)state;
	wide.width = 1280;
	wide.pitch = 1280 * 4;
	t = new_console(&wide);
	assert_int_equal(t->scale, 2);
	assert_true(t->cols >= FB_TEXT_MIN_COLS);
	fb_text_putc(t, 'M');
	assert_cell_shows(t, 0, 0, 'M');
	free(t->pixels);
}

static void fb_text_scrolls_at_the_bottom(void **state)
{
	struct fb_text *t = new_console(&xrgb_640x100);

	(void)state;
	fb_text_putc(t, 'a');
	fb_text_putc(t, '\n');
	fb_text_putc(t, 'b');
	for (unsigned i = 1; i < t->rows; i++)
		fb_text_putc(t, '\n');
	/* 'a' scrolled off, 'b' moved up to row 0, the new last row is paper */
	assert_int_equal(t->row, t->rows - 1);
	assert_cell_shows(t, 0, 0, 'b');
	assert_cell_shows(t, 0, t->rows - 1, ' ');
	free(t->pixels);
}

static void fb_text_erases_with_backspace(void **state)
{
	struct fb_text *t = new_console(&xrgb_640x100);

	(void)state;
	for (const char *s = "xy\b \b\tz\rq"; *s; s++)
		fb_text_putc(t, *s);
	assert_cell_shows(t, 0, 0, 'q');
	assert_cell_shows(t, 1, 0, ' ');
	assert_cell_shows(t, 8, 0, 'z');
	assert_int_equal(t->col, 1);
	free(t->pixels);
}

static void fb_text_refuses_what_it_cannot_draw(void **state)
{
	struct fb_layout l;
	struct fb_text t = { .cols = 7 };
	uint8_t pixels[16];

	(void)state;
	l = xrgb_640x100;
	l.bpp = 8;
	assert_string_equal(fb_text_init(&t, pixels, &l), "not 15, 16, 24 or 32 bits per pixel");
	l = xrgb_640x100;
	l.blue_size = 0;
	assert_string_equal(fb_text_init(&t, pixels, &l),
			    "a colour channel is missing or outside the pixel");
	l = xrgb_640x100;
	l.red_pos = 28;
	assert_string_equal(fb_text_init(&t, pixels, &l),
			    "a colour channel is missing or outside the pixel");
	l = xrgb_640x100;
	l.pitch = 640 * 4 - 1;
	assert_string_equal(fb_text_init(&t, pixels, &l), "a pixel row is longer than the pitch");
	l = xrgb_640x100;
	l.height = FONT_HEIGHT + 1;
	assert_string_equal(fb_text_init(&t, pixels, &l), "too small for one character");
	assert_int_equal(t.cols, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fb_text_draws_glyphs_in_their_cells),
		cmocka_unit_test(fb_text_packs_every_pixel_size),
		cmocka_unit_test(fb_text_scales_the_font_to_the_screen),
		cmocka_unit_test(fb_text_scrolls_at_the_bottom),
		cmocka_unit_test(fb_text_erases_with_backspace),
		cmocka_unit_test(fb_text_refuses_what_it_cannot_draw),
	};

	return HOST_TAP_RUN(tests);
}
