/*
 * console_in.h - console input: the lines READ_LINE hands to user programs.
 * They come from COM1, and for the kernel's tests from text queued with
 * console_in_feed(), which is read first: that is how a test types into
 * the interactive shell.
 */
#ifndef KERNEL_CONSOLE_IN_H
#define KERNEL_CONSOLE_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Waits for one line (echoed as it is read, backspace edits) and stores
 * it in line without its newline, NUL-terminated, truncated to size - 1
 * characters; size must be > 0.  Returns the number stored.  Blocks. */
size_t console_read_line(char *line, size_t size);

/* Queues text to be read before anything from COM1.  False (nothing
 * queued) if it does not fit behind what is still unread. */
bool console_in_feed(const char *text);

/* How many console_read_line calls have begun, finished or not.  Once it
 * grows past a line a test fed, the reader is done with that line and
 * waits for the next. */
uint64_t console_in_lines_wanted(void);

#endif
