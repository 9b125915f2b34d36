/*
 * screen.c - which screen the console draws on, decided from the Multiboot2
 * framebuffer tag: VGA text where GRUB left the card in a text mode (BIOS),
 * the framebuffer text console (lib/fb_text.h) on an RGB framebuffer
 * (UEFI), and none otherwise; the console is then COM1 (and port 0xE9)
 * alone.
 *
 * Nothing is drawn before the tag has said there is a screen: under UEFI
 * there is no text memory at 0xB8000.  The framebuffer must lie in the
 * first 4 GiB, which the boot page tables' direct map covers for good; it
 * is cached as the firmware's MTRRs say (uncached under OVMF), since the
 * kernel does not program the PAT for write-combining.
 */
#include "arch/x86_64/layout.h"
#include "arch/x86_64/vga.h"
#include "kernel/printk.h"
#include "kernel/screen.h"
#include "lib/fb_text.h"

enum screen_kind { SCREEN_NONE, SCREEN_VGA_TEXT, SCREEN_FRAMEBUFFER };

static enum screen_kind screen_kind; /* set once, before other CPUs run */
static struct fb_text framebuffer_text;

static const char *start_vga_text(const struct mb2_framebuffer *fb)
{
	if (fb->layout.pitch != fb->layout.width * 2)
		return "text mode rows are not 2 bytes a character";
	vga_init(phys_to_virt(fb->addr), fb->layout.width, fb->layout.height);
	screen_kind = SCREEN_VGA_TEXT;
	return NULL;
}

static const char *start_framebuffer(const struct mb2_framebuffer *fb)
{
	const char *err = fb_text_init(&framebuffer_text, phys_to_virt(fb->addr), &fb->layout);

	if (err)
		return err;
	screen_kind = SCREEN_FRAMEBUFFER;
	return NULL;
}

/* Starts the screen fb describes; NULL, or why the console cannot use it. */
static const char *start_screen(const struct mb2_framebuffer *fb)
{
	uint64_t bytes = (uint64_t)fb->layout.pitch * fb->layout.height;

	if (fb->addr >= BOOT_DIRECT_MAP_BYTES || bytes > BOOT_DIRECT_MAP_BYTES - fb->addr)
		return "not in the first 4 GiB";
	switch (fb->type) {
	case MB2_FRAMEBUFFER_EGA_TEXT:
		return start_vga_text(fb);
	case MB2_FRAMEBUFFER_RGB:
		return start_framebuffer(fb);
	default:
		return "indexed colours";
	}
}

void screen_init(const struct boot_info *bi)
{
	const struct mb2_framebuffer *fb = &bi->framebuffer;
	const char *why = bi->has_framebuffer ? start_screen(fb) : "the boot loader gave none";

	switch (screen_kind) {
	case SCREEN_VGA_TEXT:
		kprintf("console: COM1 and VGA text, %ux%u at %lx\n", fb->layout.width,
			fb->layout.height, fb->addr);
		break;
	case SCREEN_FRAMEBUFFER:
		kprintf("console: COM1 and the framebuffer, %ux%u %u bpp at %lx: %ux%u characters\n",
			fb->layout.width, fb->layout.height, fb->layout.bpp, fb->addr,
			framebuffer_text.cols, framebuffer_text.rows);
		break;
	case SCREEN_NONE:
		kprintf("console: COM1 only, no screen: %s\n", why);
		break;
	}
}

void screen_putc(char c)
{
	switch (screen_kind) {
	case SCREEN_VGA_TEXT:
		vga_putc(c);
		break;
	case SCREEN_FRAMEBUFFER:
		fb_text_putc(&framebuffer_text, c);
		break;
	case SCREEN_NONE:
		break;
	}
}
