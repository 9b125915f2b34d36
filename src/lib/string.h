/*
 * string.h - the few C string and memory functions the kernel provides.
 *
 * The kernel implements them in src/arch/x86_64/string.c, which the user
 * runtime links too (src/user/user.mk); host builds of portable code get
 * the C library's, whose prototypes are the same.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
