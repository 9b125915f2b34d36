/*
 * memcmds.c - the shell's commands that change its own memory, for a
 * reader trying the memory manager by hand: each prints what its call
 * returned and what it cost, as the VM core counts its work (WORK, the
 * counts of src/mm/mm_work.h, read before and after).  `mem`, `map` and
 * `pte` (builtins.c) then show the effect.
 *
 * The commands work on the shell's own address space, in whatever design
 * it runs: `card1 shell` starts a shell in a Card 1 space to compare.
 */
#include <stddef.h>

#include "lib/string.h"
#include "shell.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

void shell_print_work(const struct rdos_work *w)
{
	printf("%llu entries read, %llu written, %llu tables, %llu VMA nodes, "
	       "%llu frame%s taken, %llu given back\n",
	       (unsigned long long)w->entries_read, (unsigned long long)w->entries_written,
	       (unsigned long long)w->tables_visited, (unsigned long long)w->nodes_visited,
	       (unsigned long long)w->frames_alloc, w->frames_alloc == 1 ? "" : "s",
	       (unsigned long long)w->frames_freed);
}
