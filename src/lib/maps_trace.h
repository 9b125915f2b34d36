/*
 * maps_trace.h - one line of an address-space trace
 * (tests/data/traces/NAME.maps.csv, format in the README there):
 *   start,end,perms,offset,kind,rss_kb,object
 * with start, end (exclusive) and offset in hex, rss_kb in decimal.
 * Portable and freestanding: the host benchmarks read the files with it,
 * the in-kernel benchmark the same files delivered as GRUB modules.
 *
 * Invariants of a parsed area: page-aligned with start < end;
 * touch_pages <= pages; in_user tells whether the area fits our user
 * range [VM_USER_LO, VM_USER_HI) (the vsyscall page, for one, does not).
 */
#ifndef LIB_MAPS_TRACE_H
#define LIB_MAPS_TRACE_H

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

/* The line [line, line + len) (no newline) into *a; false if it is not
 * an area (the header line is not).  The object column is not read. */
bool trace_area_parse(const char *line, size_t len, struct trace_area *a);

/* Areas a program replays as guard pages: "---" (no access at all). */
static inline bool trace_area_is_guard(const struct trace_area *a)
{
	return !a->read && !a->write && !a->exec;
}

#endif
