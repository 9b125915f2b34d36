/*
 * trace.h - address spaces of real programs, as recorded in
 * tests/data/traces/NAME.maps.csv (format: tests/data/traces/README.md):
 *   start,end,perms,offset,kind,rss_kb,object
 * with start, end (exclusive) and offset in hex.
 *
 * Invariants of a loaded trace: areas are in file order, each page-aligned
 * with start < end; in_user tells whether the area fits our user range
 * [VM_USER_LO, VM_USER_HI) (the vsyscall page, for one, does not);
 * touch_pages <= pages.
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trace_area {
	uint64_t start, end;  /* bytes */
	uint64_t pages;
	uint64_t touch_pages; /* rss_kb / 4: pages the program had touched */
	uint64_t file_page;   /* offset / 4096 */
	bool read, write, exec;
	bool file;            /* kind "file": backed by a file's pages */
	bool in_user;
};

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
