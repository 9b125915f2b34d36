/*
 * shell.h - the pieces of the shell (src/user/shell) that its files share:
 * the built-in commands and the helpers they print with.
 */
#ifndef USER_SHELL_SHELL_H
#define USER_SHELL_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A built-in: runs with the rest of the command line (never NULL, maybe
 * ""), returns 0 on success.  `exit` is handled by the command loop. */
struct builtin {
	const char *name;
	const char *usage; /* arguments, for help: "[PID]" */
	const char *help;
	int (*run)(const char *args);
};

/* The table, ended by an entry whose name is NULL. */
extern const struct builtin builtins[];

const struct builtin *builtin_find(const char *name);

/* Parses a decimal number filling all of s (after blanks); false if s
 * holds anything else. */
bool shell_parse_int(const char *s, int64_t *out);
/* The same for an unsigned number, hexadecimal after "0x", else decimal. */
bool shell_parse_u64(const char *s, uint64_t *out);
/* Copies the first word of *line into word (truncated to size - 1) and
 * advances *line past it and the blanks after it; "" if there is none. */
void shell_take_word(const char **line, char *word, size_t size);

/* The commands that change memory (memcmds.c), each printing what its
 * call returned and cost. */
int shell_cmd_reserve(const char *args);
int shell_cmd_release(const char *args);
int shell_cmd_protect(const char *args);
int shell_cmd_guard(const char *args);
int shell_cmd_touch(const char *args);
int shell_cmd_read(const char *args);
int shell_cmd_fork(const char *args);

/* "12 entries read, 3 written, 4 tables, 0 VMA nodes, 1 frame taken,
 * 0 given back" and a newline. */
struct rdos_work;
void shell_print_work(const struct rdos_work *w);

#endif
