/*
 * font.h - the built-in bitmap font the framebuffer console draws with
 * (fb_text.h): printable ASCII, FONT_WIDTH x FONT_HEIGHT pixels a glyph.
 */
#ifndef LIB_FONT_H
#define LIB_FONT_H

#define FONT_FIRST ' '
#define FONT_LAST '~'
#define FONT_GLYPHS (FONT_LAST - FONT_FIRST + 1)
#define FONT_WIDTH 5
#define FONT_HEIGHT 8
#define FONT_INK '#'

/* Row y (0 = top, below FONT_HEIGHT) of c's glyph: FONT_WIDTH characters,
 * FONT_INK where the pixel is drawn.  A character outside the font has
 * the glyph of '?'. */
const char *font_row(char c, unsigned y);

#endif
