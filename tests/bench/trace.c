/*
 * trace.c - reading NAME.maps.csv trace files (see trace.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static void trace_name(struct trace *t, const char *path)
{
	const char *base = strrchr(path, '/');
	char *dot;

	snprintf(t->name, sizeof(t->name), "%s", base ? base + 1 : path);
	dot = strstr(t->name, ".maps.csv");
	if (dot)
		*dot = '\0';
}


static int add_area(struct trace *t, const struct trace_area *a, size_t *cap)
{
	if (t->n == *cap) {
		struct trace_area *grown;

		*cap = *cap ? 2 * *cap : 256;
		grown = realloc(t->areas, *cap * sizeof(*grown));
		if (!grown)
			return -1;
		t->areas = grown;
	}
	t->areas[t->n++] = *a;
	if (a->in_user) {
		t->n_in_user++;
		t->pages += a->pages;
		t->touch_pages += a->touch_pages;
	}
	return 0;
}

int trace_load(struct trace *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cap = 0;
	int lineno = 0;

	*t = (struct trace){ 0 };
	trace_name(t, path);
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct trace_area a;

		if (++lineno == 1 && strncmp(line, "start,", 6) == 0)
			continue; /* header */
		if (!trace_area_parse(line, strcspn(line, "\r\n"), &a) ||
		    add_area(t, &a, &cap)) {
			fprintf(stderr, "%s:%d: not an area: %s", path, lineno,
				line);
			fclose(f);
			trace_free(t);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

void trace_free(struct trace *t)
{
	free(t->areas);
	*t = (struct trace){ 0 };
}

int trace_replay_files(int argc, char **argv, void (*replay)(const struct trace *t))
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s TRACE.maps.csv...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct trace t;

		if (trace_load(&t, argv[i]))
			return 1;
		replay(&t);
		trace_free(&t);
	}
	return 0;
}
