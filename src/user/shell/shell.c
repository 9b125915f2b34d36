/*
 * shell.c - the user shell: reads command lines and runs built-ins
 * (builtins.c) and programs.
 *
 *   shell              interactive: prompt "rdos> ", one line at a time
 *   shell -c "a; b"    runs the commands and exits: 0 if every command
 *                      succeeded (built-ins returned 0, programs exited 0),
 *                      else 1.  The tests drive the shell this way.
 *
 * A command is `[rdos|card1] NAME [ARGS]`: a built-in, or a program that
 * is spawned with the rest of the line, verbatim, as its argument string,
 * in the chosen VM design (default: the kernel's), and waited for.  A
 * nonzero exit status is printed.  Commands on one line are separated by
 * ';' outside double quotes.
 */
#include <stddef.h>

#include "lib/string.h"
#include "shell.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

#define SHELL_LINE_MAX 256
#define SHELL_NAME_MAX RDOS_PROC_NAME_MAX

/* What one command asks the loop to do next. */
enum shell_next { SHELL_CONTINUE, SHELL_EXIT };

struct shell_state {
	int failures;    /* commands that failed so far */
	int exit_status; /* for `exit` */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

bool shell_parse_int(const char *s, int64_t *out)
{
	bool negative = false;
	int64_t v = 0;

	s = skip_blanks(s);
	if (*s == '-') {
		negative = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return false;
	if (*skip_blanks(s) != '\0')
		return false;
	*out = negative ? -v : v;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool shell_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	s = skip_blanks(s);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (digit_value(*s) >= (int)base)
		return false;
	for (; digit_value(*s) < (int)base; s++)
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)digit_value(*s), &v))
			return false;
	if (*skip_blanks(s) != '\0')
		return false;
	*out = v;
	return true;
}

const struct builtin *builtin_find(const char *name)
{
	for (const struct builtin *b = builtins; b->name != NULL; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

void shell_take_word(const char **line, char *word, size_t size)
{
	const char *s = skip_blanks(*line);
	size_t n = 0;

	for (; *s != '\0' && !is_blank(*s); s++)
		if (n + 1 < size)
			word[n++] = *s;
	word[n] = '\0';
	*line = skip_blanks(s);
}

static int shell_run_program(const char *name, const char *args, uint32_t design)
{
	int32_t status = 0;
	int64_t pid = sys_spawn(name, args, design);
	int64_t r;

	if (pid < 0) {
		printf("%s: %s\n", name, pid == -RDOS_ENOENT ? "no such command or program"
							    : sys_error_name(pid));
		return 1;
	}
	r = sys_wait(pid, &status);
	if (r < 0) {
		printf("%s: wait: %s\n", name, sys_error_name(r));
		return 1;
	}
	if (status == RDOS_STATUS_KILLED)
		printf("[%lld] %s: killed by the kernel\n", pid, name);
	else if (status != 0)
		printf("[%lld] %s: exit status %d\n", pid, name, (int)status);
	return status != 0;
}

/* Runs one command (no ';' in it). */
static enum shell_next shell_run_command(struct shell_state *st, const char *cmd)
{
	char name[SHELL_NAME_MAX];
	uint32_t design = RDOS_SPAWN_DEFAULT;
	const struct builtin *b;
	int64_t status = 0;

	shell_take_word(&cmd, name, sizeof(name));
	if (name[0] == '\0')
		return SHELL_CONTINUE;
	if (strcmp(name, "exit") == 0) {
		if (*cmd != '\0' && !shell_parse_int(cmd, &status)) {
			printf("exit: not a number: %s\n", cmd);
			st->failures++;
			return SHELL_CONTINUE;
		}
		st->exit_status = (int)status;
		return SHELL_EXIT;
	}
	if (strcmp(name, "rdos") == 0 || strcmp(name, "card1") == 0) {
		design = name[0] == 'r' ? RDOS_SPAWN_RDOS : RDOS_SPAWN_CARD1;
		shell_take_word(&cmd, name, sizeof(name));
		if (name[0] == '\0') {
			printf("rdos, card1: which program?\n");
			st->failures++;
			return SHELL_CONTINUE;
		}
	} else if ((b = builtin_find(name)) != NULL) {
		st->failures += b->run(cmd) != 0;
		return SHELL_CONTINUE;
	}
	st->failures += shell_run_program(name, cmd, design);
	return SHELL_CONTINUE;
}

/* Splits line at each ';' outside double quotes and runs the pieces. */
static enum shell_next shell_run_line(struct shell_state *st, char *line)
{
	bool quoted = false, last;
	char *cmd = line;

	for (char *s = line;; s++) {
		if (*s == '"')
			quoted = !quoted;
		if (*s != '\0' && (*s != ';' || quoted))
			continue;
		last = *s == '\0';
		*s = '\0';
		if (shell_run_command(st, cmd) == SHELL_EXIT)
			return SHELL_EXIT;
		if (last)
			return SHELL_CONTINUE;
		cmd = s + 1;
	}
}

static int shell_interactive(struct shell_state *st)
{
	char line[SHELL_LINE_MAX];

	for (;;) {
		int64_t n;

		printf("rdos> ");
		n = read_line(line, sizeof(line));
		if (n < 0) {
			printf("shell: read_line: %s\n", sys_error_name(n));
			return 1;
		}
		if (shell_run_line(st, line) == SHELL_EXIT)
			return st->exit_status;
	}
}

/* `-c` and its commands: the words after -c joined by spaces (the runtime
 * has already split the argument string and removed the quotes). */
static int shell_batch(struct shell_state *st, int argc, char **argv)
{
	char line[SHELL_LINE_MAX];
	size_t len = 0;

	line[0] = '\0';
	for (int i = 2; i < argc && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
					i > 2 ? " " : "", argv[i]);
	if (len >= sizeof(line)) {
		printf("shell: -c: commands longer than %d characters\n", SHELL_LINE_MAX - 1);
		return 1;
	}
	if (shell_run_line(st, line) == SHELL_EXIT)
		return st->exit_status;
	return st->failures != 0;
}

int main(int argc, char **argv)
{
	struct shell_state st = { 0, 0 };

	if (argc >= 2 && strcmp(argv[1], "-c") == 0)
		return shell_batch(&st, argc, argv);
	if (argc >= 2) {
		puts("usage: shell [-c \"COMMAND; COMMAND...\"]");
		return 1;
	}
	return shell_interactive(&st);
}
