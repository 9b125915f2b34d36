/*
 * cmdline.h - the kernel command line from GRUB: space-separated words,
 * each either "flag" or "key=value".
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

void cmdline_set(const char *cmdline);
bool cmdline_has_flag(const char *flag);
/* Copies the value of key=value into buf (NUL-terminated); false if absent. */
bool cmdline_value(const char *key, char *buf, size_t size);

#endif
