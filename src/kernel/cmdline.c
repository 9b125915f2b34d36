/*
 * cmdline.c - word lookup in the kernel command line.
 */
#include "kernel/cmdline.h"
#include "lib/string.h"

static const char *cmdline = "";

void cmdline_set(const char *s)
{
	cmdline = s ? s : "";
}

/* Finds the word "key" (or "key=value" when want_value) in the command line. */
static bool cmdline_find(const char *key, size_t key_len, bool want_value,
			 const char **value, size_t *value_len)
{
	const char *p = cmdline;

	while (*p) {
		const char *word = p;
		size_t len = 0;

		while (word[len] && word[len] != ' ')
			len++;
		p = word + len + (word[len] == ' ');
		if (len < key_len || strncmp(word, key, key_len) != 0)
			continue;
		if (!want_value && len == key_len)
			return true;
		if (want_value && len > key_len && word[key_len] == '=') {
			*value = word + key_len + 1;
			*value_len = len - key_len - 1;
			return true;
		}
	}
	return false;
}

bool cmdline_has_flag(const char *flag)
{
	return cmdline_find(flag, strlen(flag), false, NULL, NULL);
}

bool cmdline_u64(const char *key, uint64_t *out)
{
	char buf[24]; /* 2^64 - 1 has 20 digits */
	uint64_t v = 0;

	/* a value that fills buf may have been cut short: refused */
	if (!cmdline_value(key, buf, sizeof(buf)) || buf[0] == '\0' ||
	    strlen(buf) == sizeof(buf) - 1)
		return false;
	for (const char *c = buf; *c; c++) {
		uint64_t digit = (uint64_t)(*c - '0');

		if (*c < '0' || *c > '9' || v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

bool cmdline_value(const char *key, char *buf, size_t size)
{
	const char *value;
	size_t len;

	if (size == 0 || !cmdline_find(key, strlen(key), true, &value, &len))
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(buf, value, len);
	buf[len] = '\0';
	return true;
}
