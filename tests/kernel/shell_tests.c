/*
 * shell_tests.c - the memory commands of the interactive shell, typed by
 * the test as a reader would type them (docs/tour.md), in a shell of each
 * design: `pte` must explain a free, a reserved, an image, a present, a
 * copy-on-write and a guard page in words, and the commands that make
 * those states (reserve, touch, fork, guard, release) must say what they
 * returned and what they cost; `replay` must compare the designs on a
 * trace module.  Each answer must contain the strings
 * listed with its command (user_console_answer); none of them is in the
 * echo of the typed line.
 *
 * The fixed address 0x10000000 is free in a fresh shell of either design
 * (its image sits at 0x400000, its stack and arguments below 0x44000).
 * The image page is found by asking the shell's space, not assumed: the
 * first page of the image that has not been loaded yet.
 *
 * Nothing leaks: the runner's leak check (ktest.c) wants every frame back
 * once the shell and its forked children have exited.
 */
#include "abi/rdos_abi.h"
#include "kernel/console_in.h"
#include "kernel/frames.h"
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "lib/format.h"
#include "user_run.h"

#define SHELL_ANSWER_TICKS 500 /* Bochs is slow at printing; QEMU takes a few */
#define SHELL_EXIT_LINE "exit 7\n"
#define SHELL_EXIT_STATUS 7
#define IMAGE_BASE 0x400000ull
#define IMAGE_SEARCH_END 0x500000ull
#define WANT_MAX 6

struct typed {
	const char *line;
	const char *want[WANT_MAX + 1];
};

/* The commands, in order; where Card 1 answers differently, its line and
 * strings are in card1 (line NULL: the same as rdos). */
struct step {
	struct typed rdos, card1;
};

static const struct step steps[] = {
	{ { "pte 0x20000000",
	    { "PML4E [  0] 0x", "PDE   [256] 0x0000000000000000  free: nothing reserved in its 2 MiB",
	      "state: free", NULL } },
	  { "pte 0x20000000",
	    { "PML4E [  0] 0x", "VMA: none covers it (the page is free)", "state: free", NULL } } },
	{ { "reserve 4 0x10000000", { "reserve: 0x10000000 (4 pages, rw-)", "  cost: ", NULL } },
	  { "reserve 4 0x10000000",
	    { "reserve: 0x10000000 (4 pages, rw-)", "  cost: ", " VMA nodes, ", NULL } } },
	/* rdos: four pages in an otherwise free 2 MiB block are one run of
	 * a compact entry, no page table below it (docs/pte-encoding.md) */
	{ { "pte 0x10000000",
	    { "summary 0x",
	      "PDE   [128] 0x00000000000",
	      "compact: the reservations in its 2 MiB are runs in descriptor ",
	      "state: reserved rw- user start\n", NULL } },
	  { "pte 0x10000000",
	    { "no summary (Card 1's tree knows the free space)",
	      "PDE   [128] 0x0000000000000000  0: nothing present in its 2 MiB",
	      "VMA [0x10000000-0x10004000) 4 pages, reserved rw- user, START",
	      "state: reserved rw- user start\n", NULL } } },
	{ { "touch 0x10000000", { "touch: wrote one byte in each of 1 pages", "  cost: ", NULL } },
	  { NULL, { NULL } } },
	{ { "pte 0x10000000",
	    { "present: frame 0x", "rw- user, START", "state: present rw- user start frame=",
	      NULL } },
	  { NULL, { NULL } } },
	/* rdos: the child's write copies the shared tables on its path, then the page */
	{ { "fork 0x10000000",
	    { "fork: the child (pid ", "frames taken", "fork: the child exited with 0", NULL } },
	  { "fork 0x10000000",
	    { "fork: the child (pid ", "1 frame taken", "fork: the child exited with 0", NULL } } },
	{ { "pte 0x10000000",
	    { "shared by fork (RW clear: a write below first copies the table)",
	      "copy-on-write (RW clear until the write fault)", "COUNTED (frame shared by fork)",
	      " cow\n", NULL } },
	  { "pte 0x10000000",
	    { "copy-on-write (RW clear until the write fault)", "COUNTED (frame shared by fork)",
	      " cow\n", NULL } } },
	{ { "guard 0x10001000 1", { "guard: 0 (done)", "  cost: ", NULL } }, { NULL, { NULL } } },
	{ { "pte 0x10001000",
	    { "PTE   [  1] 0x0000000000000802  guard (every access faults)", "state: guard\n",
	      NULL } },
	  { "pte 0x10001000",
	    { "VMA [0x10001000-0x10002000) 1 page, guard", "state: guard\n", NULL } } },
	{ { "touch 0x10001000", { "is guard: the access would kill the shell", NULL } },
	  { NULL, { NULL } } },
	{ { "release 0x10000000 4", { "release: 0 (done)", "given back", NULL } },
	  { NULL, { NULL } } },
	{ { "pte 0x10000000", { "free: nothing reserved in its 2 MiB", "state: free", NULL } },
	  { "pte 0x10000000", { "VMA: none covers it", "state: free", NULL } } },
};
#define STEP_COUNT (sizeof(steps) / sizeof(steps[0]))

static int64_t type_and_check(const struct typed *t)
{
	return user_console_answer(t->line, t->want, SHELL_ANSWER_TICKS);
}

/* The first page of the shell's image not loaded yet, or 0. */
static uint64_t unloaded_image_page(int64_t pid)
{
	struct process *p = process_find(pid);
	struct vm_state st;

	for (uint64_t va = IMAGE_BASE; p && va < IMAGE_SEARCH_END; va += PAGE_SIZE)
		if (mm_query(&p->space, va, &st) == VM_OK && st.kind == VM_STATE_IMAGE)
			return va;
	return 0;
}

/* `pte` of an image page: its provider and page, in both designs. */
static void check_image_page(int64_t pid, bool card1)
{
	uint64_t va = unloaded_image_page(pid);
	char line[32];
	struct typed t = { line,
			   { card1 ? "VMA [0x" : "image, r", card1 ? ", image r" : ", provider ",
			     "state: image r", NULL } };

	if (!KT_EXPECT(va != 0))
		return;
	format_buf(line, sizeof(line), "pte 0x%lx", va);
	KT_EXPECT(type_and_check(&t) >= 0);
}

static void shell_walk(uint32_t design)
{
	bool card1 = design == RDOS_SPAWN_CARD1;
	uint64_t lines = console_in_lines_wanted();
	int64_t pid = process_spawn("shell", "", design);

	KT_ASSERT(pid > 0);
	KT_ASSERT(user_console_wait(lines, SHELL_ANSWER_TICKS) >= 0);
	check_image_page(pid, card1);
	for (unsigned i = 0; i < STEP_COUNT; i++) {
		const struct typed *t = card1 && steps[i].card1.line ? &steps[i].card1
								     : &steps[i].rdos;

		if (!KT_EXPECT(type_and_check(t) >= 0))
			ktest_note("step %u: '%s' (%s design)", i, t->line, card1 ? "card1" : "rdos");
	}
	KT_EXPECT(console_in_feed(SHELL_EXIT_LINE));
	KT_EXPECT_EQ(user_reap(pid), SHELL_EXIT_STATUS);
}

KTEST(user_shell_pte_explains_each_page_state_rdos)
{
	shell_walk(RDOS_SPAWN_RDOS);
}

KTEST(user_shell_pte_explains_each_page_state_card1)
{
	shell_walk(RDOS_SPAWN_CARD1);
}

/* Resident pages of the gdb trace (tests/data/traces/gdb.maps.csv): the
 * replay refuses a trace whose touches need more than 3/4 of free memory. */
#define GDB_TRACE_TOUCHED_PAGES 9376u

/* `replay`: the kernel replays a trace module in both designs and the
 * shell prints every phase of each; an unknown trace is refused. */
KTEST(user_shell_replay_compares_both_designs)
{
	static const struct typed replay = {
		"replay gdb",
		{ "replay gdb: 346 areas, ", "reserve  rdos ", "touch    card1 ", "release  card1 ",
		  "cycles card1/rdos: reserve ", " of VMA nodes\n", NULL }
	};
	static const struct typed unknown = { "replay no-such-trace",
					      { "replay: no such trace module", NULL } };
	uint64_t lines = console_in_lines_wanted();
	int64_t pid;

	if (GDB_TRACE_TOUCHED_PAGES > frames_free_count() / 4 * 3) {
		ktest_skip("the gdb trace's 37 MiB of touched pages need more free memory");
		return;
	}
	pid = process_spawn("shell", "", RDOS_SPAWN_DEFAULT);
	KT_ASSERT(pid > 0);
	KT_ASSERT(user_console_wait(lines, SHELL_ANSWER_TICKS) >= 0);
	KT_EXPECT(type_and_check(&replay) >= 0);
	KT_EXPECT(type_and_check(&unknown) >= 0);
	KT_EXPECT(console_in_feed(SHELL_EXIT_LINE));
	KT_EXPECT_EQ(user_reap(pid), SHELL_EXIT_STATUS);
}
