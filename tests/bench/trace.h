/*
 * trace.h - address spaces of real programs, as recorded in
 * tests/data/traces/NAME.maps.csv (format: tests/data/traces/README.md),
 * read from files; each line parsed by lib/maps_trace.h.
 *
 * Invariant of a loaded trace: areas are in file order.
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/maps_trace.h"

struct trace {
	char name[64]; /* file name without directory and ".maps.csv" */
	struct trace_area *areas;
	size_t n;
	size_t n_in_user;
	uint64_t pages, touch_pages; /* of the areas in the user range */
};

/* 0, or -1 after a message on stderr naming the file and line. */
int trace_load(struct trace *t, const char *path);
void trace_free(struct trace *t);
/* main() of a replayer: replay(t) for every trace file named in argv.
 * Returns the exit status: 2 without a file, 1 if one cannot be read. */
int trace_replay_files(int argc, char **argv, void (*replay)(const struct trace *t));

#endif
