/*
 * cmdline.h - the kernel command line from GRUB: space-separated words,
 * each either "flag" or "key=value".
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void cmdline_set(const char *cmdline);
bool cmdline_has_flag(const char *flag);
/* Copies the value of key=value into buf (NUL-terminated); false if absent. */
bool cmdline_value(const char *key, char *buf, size_t size);
/* Stores the decimal value of key=value in *out; false (and *out left as
 * it was) if absent, empty, not all digits or over 2^64 - 1. */
bool cmdline_u64(const char *key, uint64_t *out);

#endif
