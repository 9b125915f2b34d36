/*
 * builtins.c - the shell's built-in commands that look: help, ps, mem,
 * map, pte, replay.
 *
 * Each prints what one system call reports (PROCLIST, MEMSTAT and WORK,
 * VMMAP, PAGEINFO, REPLAY), laid out for a person; none changes any state.  Sizes
 * are printed in pages and in the largest binary unit that fits.  The
 * commands that change memory are in memcmds.c.
 */
#include <stddef.h>

#include "lib/string.h"
#include "shell.h"
#include "user/runtime/io.h"
#include "user/runtime/sys.h"

#define SHELL_PS_MAX 64     /* processes listed by ps */
#define SHELL_MAP_BATCH 32  /* runs fetched per VMMAP call */
#define SHELL_PTE_TEXT 2048 /* PAGEINFO's text: about 700 characters */

static const char *const proc_states[] = { "runnable", "blocked", "exited" };

static const char *const page_kinds[] = {
	[RDOS_PAGE_FREE] = "free",       [RDOS_PAGE_RESERVED] = "reserved",
	[RDOS_PAGE_PRESENT] = "present", [RDOS_PAGE_IMAGE] = "image",
	[RDOS_PAGE_COW] = "cow",         [RDOS_PAGE_GUARD] = "guard",
};

/* "12 KiB", "3 MiB": the largest binary unit that is not more than bytes,
 * with "~" when the value is rounded down. */
static void format_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	uint64_t value = bytes;
	bool exact = true;
	int u = 0;

	while (u < 4 && value >= 1024) {
		exact = exact && value % 1024 == 0;
		value /= 1024;
		u++;
	}
	snprintf(buf, size, "%s%llu %s", exact ? "" : "~", (unsigned long long)value,
		 units[u]);
}

/* The process named by args: "" is the shell itself (pid 0 for the
 * calls that take one); otherwise a decimal pid. */
static bool parse_pid(const char *args, int64_t *pid)
{
	const char *s = args;

	while (*s == ' ')
		s++;
	if (*s == '\0') {
		*pid = 0;
		return true;
	}
	if (shell_parse_int(s, pid) && *pid > 0)
		return true;
	printf("not a process id: %s\n", args);
	return false;
}

static int builtin_help(const char *args)
{
	(void)args;
	char usage[32];

	printf("Commands (separate several with ';'):\n");
	for (const struct builtin *b = builtins; b->name != NULL; b++) {
		snprintf(usage, sizeof(usage), "%s %s", b->name, b->usage);
		printf("  %-24s %s\n", usage, b->help);
	}
	printf("  %-24s %s\n", "exit [STATUS]", "leave the shell");
	printf("  %-24s %s\n", "NAME [ARGS]", "run program NAME, wait for it");
	printf("  %-24s %s\n", "rdos NAME [ARGS]", "... in an rdos-design address space");
	printf("  %-24s %s\n", "card1 NAME [ARGS]", "... in a card1 (VMA tree) address space");
	return 0;
}

static int builtin_ps(const char *args)
{
	struct rdos_procinfo procs[SHELL_PS_MAX];
	int64_t n = sys_proclist(procs, SHELL_PS_MAX);

	(void)args;
	if (n < 0) {
		printf("ps: %s\n", sys_error_name(n));
		return 1;
	}
	printf("%6s %6s %-9s %8s  %s\n", "PID", "PARENT", "STATE", "PRESENT", "NAME");
	for (int64_t i = 0; i < n; i++) {
		const struct rdos_procinfo *p = &procs[i];
		char name[RDOS_PROC_NAME_MAX + 1];

		/* The kernel's name field need not be NUL-terminated when full. */
		memcpy(name, p->name, RDOS_PROC_NAME_MAX);
		name[RDOS_PROC_NAME_MAX] = '\0';
		printf("%6lld %6lld %-9s %8llu  %s\n", p->pid, p->parent,
		       p->state < 3 ? proc_states[p->state] : "?",
		       (unsigned long long)p->present_pages, name);
	}
	return 0;
}

static int builtin_mem(const char *args)
{
	struct rdos_memstat m;
	struct rdos_work w;
	char total[24], free_[24];
	int64_t pid, r;

	if (!parse_pid(args, &pid))
		return 1;
	r = sys_memstat(pid, &m);
	if (r < 0) {
		printf("mem: %s\n", sys_error_name(r));
		return 1;
	}
	format_size(total, sizeof(total), m.frames_total * USER_PAGE_SIZE);
	format_size(free_, sizeof(free_), m.frames_free * USER_PAGE_SIZE);
	printf("system:  %llu frames (%s), %llu free (%s)\n",
	       (unsigned long long)m.frames_total, total,
	       (unsigned long long)m.frames_free, free_);
	printf("process: %llu pages reserved, %llu present, %llu page-table pages,\n"
	       "         %llu image pages loaded, design %s, %llu bytes of %s\n",
	       (unsigned long long)m.reserved_pages, (unsigned long long)m.present_pages,
	       (unsigned long long)m.page_table_pages,
	       (unsigned long long)m.image_pages_loaded,
	       m.design == RDOS_SPAWN_CARD1 ? "card1" : "rdos",
	       (unsigned long long)m.metadata_bytes,
	       m.design == RDOS_SPAWN_CARD1 ? "VMA nodes" : "descriptor frames");
	if (sys_work(pid, &w) == 0) {
		printf("work:    since it started, ");
		shell_print_work(&w);
	}
	return 0;
}

static void print_run(const struct rdos_vmrun *run)
{
	uint64_t bytes = run->npages * USER_PAGE_SIZE;
	bool has_prot = run->kind != RDOS_PAGE_FREE && run->kind != RDOS_PAGE_GUARD;
	char size[24];

	format_size(size, sizeof(size), bytes);
	printf("0x%016llx-0x%016llx %11llu %-9s %-8s %c%c%c\n",
	       (unsigned long long)run->start, (unsigned long long)(run->start + bytes),
	       (unsigned long long)run->npages, size,
	       run->kind <= RDOS_PAGE_GUARD ? page_kinds[run->kind] : "?",
	       has_prot ? 'r' : '-', has_prot && (run->prot & RDOS_PROT_WRITE) ? 'w' : '-',
	       has_prot && (run->prot & RDOS_PROT_EXEC) ? 'x' : '-');
}

/* Fetches runs in batches, each starting where the last one ended. */
static int builtin_map(const char *args)
{
	struct rdos_vmrun runs[SHELL_MAP_BATCH];
	uint64_t from = 0;
	int64_t pid;

	if (!parse_pid(args, &pid))
		return 1;
	printf("%-37s %11s %-9s %-8s %s\n", "RANGE", "PAGES", "SIZE", "KIND", "PROT");
	for (;;) {
		int64_t n = sys_vmmap(pid, from, runs, SHELL_MAP_BATCH);
		uint64_t next;

		if (n < 0) {
			printf("map: %s\n", sys_error_name(n));
			return 1;
		}
		if (n == 0)
			return 0;
		for (int64_t i = 0; i < n; i++)
			print_run(&runs[i]);
		next = runs[n - 1].start + runs[n - 1].npages * USER_PAGE_SIZE;
		if (next <= from) {
			printf("map: the kernel's runs do not advance past 0x%llx\n",
			       (unsigned long long)from);
			return 1;
		}
		from = next;
	}
}

/* The kernel explains the entries (src/kernel/pte_explain.c); the shell
 * passes the text on in one write. */
static int builtin_pte(const char *args)
{
	char word[24], text[SHELL_PTE_TEXT];
	uint64_t addr;
	int64_t pid, n;

	shell_take_word(&args, word, sizeof(word));
	if (!shell_parse_u64(word, &addr)) {
		printf("pte: not an address: '%s' (pte ADDR [PID])\n", word);
		return 1;
	}
	if (!parse_pid(args, &pid))
		return 1;
	n = sys_pageinfo(pid, addr, text, sizeof(text));
	if (n < 0) {
		printf("pte: %s\n", n == -RDOS_EINVAL   ? "not a user-space address"
				     : n == -RDOS_ENOENT ? "no such process"
							 : sys_error_name(n));
		return 1;
	}
	sys_write(text, (uint64_t)n < sizeof(text) ? (uint64_t)n : sizeof(text) - 1);
	return 0;
}

static const char *const replay_phases[RDOS_REPLAY_PHASES] = { "reserve", "touch", "release" };

static void replay_row(const char *phase, const char *design, const struct rdos_replay_phase *p)
{
	const struct rdos_work *w = &p->work;

	printf("%-8s %-6s %8llu %12llu %10llu %9llu %9llu %8llu %8llu %8llu\n", phase, design,
	       (unsigned long long)p->ops, (unsigned long long)p->cycles,
	       (unsigned long long)w->entries_read, (unsigned long long)w->entries_written,
	       (unsigned long long)w->tables_visited, (unsigned long long)w->nodes_visited,
	       (unsigned long long)w->frames_alloc, (unsigned long long)w->frames_freed);
}

/* "1.23x": b / a to two places. */
static void print_ratio(uint64_t a, uint64_t b)
{
	uint64_t r = a ? (b * 100 + a / 2) / a : 0;

	printf("%llu.%02llux", (unsigned long long)(r / 100), (unsigned long long)(r % 100));
}

/* REPLAY: the kernel runs the trace in both designs; this prints them
 * side by side, phase by phase. */
static int builtin_replay(const char *args)
{
	struct rdos_replay r;
	char name[RDOS_REPLAY_NAME_MAX], table[2][24], vma[24];
	int64_t err;

	shell_take_word(&args, name, sizeof(name));
	if (name[0] == '\0' || *args != '\0') {
		printf("replay: which trace? (replay NAME: chromium-browser, firefox-parent, gdb, "
		       "node, python3, the modules trace:NAME)\n");
		return 1;
	}
	err = sys_replay(name, &r);
	if (err < 0) {
		printf("replay: %s\n", err == -RDOS_ENOENT ? "no such trace module"
					: err == -RDOS_ENOMEM ? "not enough free memory for its pages"
							      : sys_error_name(err));
		return 1;
	}
	printf("replay %s: %llu areas, %llu pages reserved, %llu touched\n", name,
	       (unsigned long long)r.areas, (unsigned long long)r.pages,
	       (unsigned long long)r.touched);
	printf("%-8s %-6s %8s %12s %10s %9s %9s %8s %8s %8s\n", "PHASE", "DESIGN", "OPS",
	       "CYCLES", "READ", "WRITTEN", "TABLES", "NODES", "FRAMES+", "FRAMES-");
	for (int p = 0; p < RDOS_REPLAY_PHASES; p++)
		for (int d = 0; d < 2; d++)
			replay_row(replay_phases[p], d ? "card1" : "rdos", &r.design[d].phase[p]);
	printf("cycles card1/rdos:");
	for (int p = 0; p < RDOS_REPLAY_PHASES; p++) {
		printf(" %s ", replay_phases[p]);
		print_ratio(r.design[0].phase[p].cycles, r.design[1].phase[p].cycles);
	}
	format_size(table[0], sizeof(table[0]), r.design[0].table_bytes);
	format_size(table[1], sizeof(table[1]), r.design[1].table_bytes);
	format_size(vma, sizeof(vma), r.design[1].vma_bytes);
	printf("\nonce touched: rdos %s of page tables; card1 %s of page tables and %s of "
	       "VMA nodes\n(cycles are rdtsc: time under QEMU, instructions under Bochs)\n",
	       table[0], table[1], vma);
	return 0;
}

const struct builtin builtins[] = {
	{ "help", "", "this list", builtin_help },
	{ "ps", "", "list processes", builtin_ps },
	{ "mem", "[PID]", "system and process memory (default: the shell's)", builtin_mem },
	{ "map", "[PID]", "address space by page state (default: the shell's)",
	  builtin_map },
	{ "pte", "ADDR [PID]", "the page's entry at every level, in words", builtin_pte },
	{ "replay", "TRACE", "a trace module replayed in both designs, compared",
	  builtin_replay },
	{ "reserve", "N [ADDR] [PROT]", "reserve N pages (PROT r, rw, rx, rwx; default rw)",
	  shell_cmd_reserve },
	{ "release", "ADDR N", "release a whole reservation", shell_cmd_release },
	{ "protect", "ADDR N PROT", "new protection inside one reservation", shell_cmd_protect },
	{ "guard", "ADDR N", "guard pages inside one reservation", shell_cmd_guard },
	{ "touch", "ADDR [N]", "write a byte in each page", shell_cmd_touch },
	{ "read", "ADDR [N]", "read a byte in each page", shell_cmd_read },
	{ "fork", "[ADDR [N]]", "fork; the child writes N pages at ADDR", shell_cmd_fork },
	{ NULL, NULL, NULL, NULL },
};
