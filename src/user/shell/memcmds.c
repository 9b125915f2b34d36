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

#define MEM_WORDS_MAX 4
#define MEM_WORD_SIZE 24

/* The arguments of a command, split into at most MEM_WORDS_MAX words. */
struct words {
	int n;
	char w[MEM_WORDS_MAX][MEM_WORD_SIZE];
};

/* False (with a message) if there are more than max words or fewer than min. */
static bool split(const char *cmd, const char *args, int min, int max, struct words *out)
{
	char extra[MEM_WORD_SIZE];

	out->n = 0;
	while (out->n < max) {
		shell_take_word(&args, out->w[out->n], MEM_WORD_SIZE);
		if (out->w[out->n][0] == '\0')
			break;
		out->n++;
	}
	shell_take_word(&args, extra, sizeof(extra));
	if (out->n >= min && extra[0] == '\0')
		return true;
	printf("%s: wrong number of arguments (help lists them)\n", cmd);
	return false;
}

static bool number(const char *cmd, const char *word, uint64_t *out)
{
	if (shell_parse_u64(word, out))
		return true;
	printf("%s: not a number: '%s'\n", cmd, word);
	return false;
}

/* "r", "rw", "rx", "rwx" (read is always allowed). */
static bool prot_word(const char *cmd, const char *word, uint32_t *prot)
{
	static const struct {
		const char *word;
		uint32_t prot;
	} prots[] = {
		{ "r", RDOS_PROT_READ },
		{ "rw", RDOS_PROT_WRITE },
		{ "rx", RDOS_PROT_EXEC },
		{ "rwx", RDOS_PROT_WRITE | RDOS_PROT_EXEC },
	};

	for (size_t i = 0; i < sizeof(prots) / sizeof(prots[0]); i++)
		if (strcmp(word, prots[i].word) == 0) {
			*prot = prots[i].prot;
			return true;
		}
	printf("%s: not a protection: '%s' (r, rw, rx or rwx)\n", cmd, word);
	return false;
}

static void prot_string(uint32_t prot, char out[4])
{
	out[0] = 'r';
	out[1] = prot & RDOS_PROT_WRITE ? 'w' : '-';
	out[2] = prot & RDOS_PROT_EXEC ? 'x' : '-';
	out[3] = '\0';
}

static void work_now(struct rdos_work *w)
{
	if (sys_work(0, w) != 0)
		memset(w, 0, sizeof(*w));
}

/* "  cost: ..." for the work done since then. */
static void print_cost(const struct rdos_work *then)
{
	struct rdos_work now, d;

	work_now(&now);
	d = (struct rdos_work){
		now.entries_read - then->entries_read,
		now.entries_written - then->entries_written,
		now.tables_visited - then->tables_visited,
		now.nodes_visited - then->nodes_visited,
		now.frames_alloc - then->frames_alloc,
		now.frames_freed - then->frames_freed,
	};
	printf("  cost: ");
	shell_print_work(&d);
}

/* The result line of a call that returns 0 or -RDOS_E*. */
static int report(const char *cmd, int64_t r, const struct rdos_work *then)
{
	printf("%s: %s\n", cmd, r == 0 ? "0 (done)" : sys_error_name(r));
	print_cost(then);
	return r != 0;
}

/* reserve N [ADDR] [PROT]: anywhere, or at ADDR; read-write unless PROT. */
int shell_cmd_reserve(const char *args)
{
	struct words a;
	uint64_t npages, addr = 0;
	uint32_t prot = RDOS_PROT_WRITE;
	struct rdos_work then;
	char p[4];
	int64_t r;
	int i = 1;

	if (!split("reserve", args, 1, 3, &a) || !number("reserve", a.w[0], &npages))
		return 1;
	if (i < a.n && a.w[i][0] >= '0' && a.w[i][0] <= '9' && !number("reserve", a.w[i++], &addr))
		return 1;
	if (i < a.n && !prot_word("reserve", a.w[i++], &prot))
		return 1;
	if (i < a.n) {
		printf("reserve: what is '%s'? (reserve N [ADDR] [PROT])\n", a.w[i]);
		return 1;
	}
	work_now(&then);
	r = sys_reserve(npages, prot, addr);
	prot_string(prot, p);
	if (r < 0)
		printf("reserve: %s\n", sys_error_name(r));
	else
		printf("reserve: 0x%llx (%llu pages, %s)\n", (unsigned long long)r,
		       (unsigned long long)npages, p);
	print_cost(&then);
	return r < 0;
}

/* The commands on a range: ADDR N, and for protect a PROT. */
static bool range_args(const char *cmd, const char *args, bool with_prot, uint64_t *addr,
		       uint64_t *npages, uint32_t *prot)
{
	struct words a;
	int n = with_prot ? 3 : 2;

	return split(cmd, args, n, n, &a) && number(cmd, a.w[0], addr) &&
	       number(cmd, a.w[1], npages) && (!with_prot || prot_word(cmd, a.w[2], prot));
}

int shell_cmd_release(const char *args)
{
	uint64_t addr, npages;
	struct rdos_work then;

	if (!range_args("release", args, false, &addr, &npages, NULL))
		return 1;
	work_now(&then);
	return report("release", sys_release(addr, npages), &then);
}

int shell_cmd_protect(const char *args)
{
	uint64_t addr, npages;
	uint32_t prot;
	struct rdos_work then;

	if (!range_args("protect", args, true, &addr, &npages, &prot))
		return 1;
	work_now(&then);
	return report("protect", sys_protect(addr, npages, prot), &then);
}

int shell_cmd_guard(const char *args)
{
	uint64_t addr, npages;
	struct rdos_work then;

	if (!range_args("guard", args, false, &addr, &npages, NULL))
		return 1;
	work_now(&then);
	return report("guard", sys_guard(addr, npages), &then);
}

/* ADDR [N]: the first page and the number of pages (1 unless given). */
static bool pages_args(const char *cmd, const char *args, int min, uint64_t *addr,
		       uint64_t *npages)
{
	struct words a;

	*npages = 1;
	*addr = 0;
	return split(cmd, args, min, 2, &a) && (a.n < 1 || number(cmd, a.w[0], addr)) &&
	       (a.n < 2 || number(cmd, a.w[1], npages));
}

static const char *const run_kinds[] = {
	[RDOS_PAGE_FREE] = "free",       [RDOS_PAGE_RESERVED] = "reserved",
	[RDOS_PAGE_PRESENT] = "present", [RDOS_PAGE_IMAGE] = "image",
	[RDOS_PAGE_COW] = "copy-on-write", [RDOS_PAGE_GUARD] = "guard",
};

/*
 * Whether the shell may access every page of the range without being
 * killed: each must be reserved, and allow writes for a write.  A page
 * that would kill is named, with the way to watch the kill: a forked
 * child that writes there.
 */
static bool safe_to_access(const char *cmd, uint64_t addr, uint64_t npages, bool write)
{
	uint64_t end = addr + npages * USER_PAGE_SIZE;

	for (uint64_t va = addr; va < end;) {
		struct rdos_vmrun run;
		bool ok;

		if (sys_vmmap(0, va, &run, 1) != 1) {
			printf("%s: 0x%llx is not in user space\n", cmd, (unsigned long long)va);
			return false;
		}
		ok = run.kind != RDOS_PAGE_FREE && run.kind != RDOS_PAGE_GUARD &&
		     (!write || (run.prot & RDOS_PROT_WRITE));
		if (!ok) {
			printf("%s: 0x%llx is %s%s: the access would kill the shell; "
			       "`fork 0x%llx` has a child write there instead\n",
			       cmd, (unsigned long long)va,
			       run.kind <= RDOS_PAGE_GUARD ? run_kinds[run.kind] : "?",
			       write && run.kind != RDOS_PAGE_FREE && run.kind != RDOS_PAGE_GUARD
				       ? " and not writable"
				       : "",
			       (unsigned long long)va);
			return false;
		}
		va = run.start + run.npages * USER_PAGE_SIZE;
	}
	return true;
}

/* One byte of each page: written (a value that says which page) or read. */
static uint64_t access_pages(uint64_t addr, uint64_t npages, bool write)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < npages; i++) {
		volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(addr + i * USER_PAGE_SIZE);

		if (write)
			*p = (uint8_t)(i + 1);
		else
			sum += *p;
	}
	return sum;
}

static int access_cmd(const char *cmd, const char *args, bool write)
{
	uint64_t addr, npages, sum;
	struct rdos_work then;

	if (!pages_args(cmd, args, 1, &addr, &npages))
		return 1;
	addr &= ~(uint64_t)(USER_PAGE_SIZE - 1);
	if (!safe_to_access(cmd, addr, npages, write))
		return 1;
	work_now(&then);
	sum = access_pages(addr, npages, write);
	if (write)
		printf("%s: wrote one byte in each of %llu pages from 0x%llx\n", cmd,
		       (unsigned long long)npages, (unsigned long long)addr);
	else
		printf("%s: read one byte in each of %llu pages from 0x%llx: sum %llu\n", cmd,
		       (unsigned long long)npages, (unsigned long long)addr,
		       (unsigned long long)sum);
	print_cost(&then);
	return 0;
}

int shell_cmd_touch(const char *args)
{
	return access_cmd("touch", args, true);
}

int shell_cmd_read(const char *args)
{
	return access_cmd("read", args, false);
}

static const char *const kill_causes[] = {
	[RDOS_KILL_NONE] = "not killed",
	[RDOS_KILL_OUTSIDE] = "a fault outside user space",
	[RDOS_KILL_UNRESERVED] = "a fault where nothing is reserved",
	[RDOS_KILL_GUARD] = "a fault on a guard page",
	[RDOS_KILL_PROTECTION] = "a write to read-only memory or an execute on no-execute",
	[RDOS_KILL_NO_MEMORY] = "no frame left",
	[RDOS_KILL_IMAGE] = "an image page that could not be loaded",
	[RDOS_KILL_LIMIT] = "its present-page limit",
	[RDOS_KILL_EXCEPTION] = "an exception",
};

/* The child of `fork`: writes the pages (unchecked: a kill is what the
 * reader may want to see), says what that cost, exits. */
static __attribute__((noreturn)) void fork_child(uint64_t addr, uint64_t npages)
{
	struct rdos_work then;

	if (addr == 0)
		sys_exit(0);
	work_now(&then);
	access_pages(addr, npages, true);
	printf("fork: the child (pid %lld) wrote %llu page%s from 0x%llx\n", sys_getpid(),
	       (unsigned long long)npages, npages == 1 ? "" : "s", (unsigned long long)addr);
	print_cost(&then);
	sys_exit(0);
}

/*
 * fork [ADDR [N]]: the shell forks; the child writes N pages at ADDR (if
 * given) and exits.  The shell prints after the child has ended, so the
 * child's lines come first whichever CPU runs what.
 */
int shell_cmd_fork(const char *args)
{
	struct rdos_wait_info info;
	uint64_t addr, npages;
	struct rdos_work then;
	int64_t pid;

	if (!pages_args("fork", args, 0, &addr, &npages))
		return 1;
	addr &= ~(uint64_t)(USER_PAGE_SIZE - 1);
	work_now(&then);
	pid = sys_fork();
	if (pid == 0)
		fork_child(addr, npages);
	if (pid < 0)
		return report("fork", pid, &then);
	if (sys_wait_info(pid, &info) != pid) {
		printf("fork: the child %lld could not be waited for\n", pid);
		return 1;
	}
	printf("fork: %lld (the child's pid)\n", pid);
	print_cost(&then);
	if (info.status == RDOS_STATUS_KILLED)
		printf("fork: the child was killed by the kernel: %s (0x%llx)\n",
		       info.cause <= RDOS_KILL_EXCEPTION ? kill_causes[info.cause] : "?",
		       (unsigned long long)info.detail);
	else
		printf("fork: the child exited with %d\n", (int)info.status);
	return 0;
}
