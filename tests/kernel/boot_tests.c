/*
 * boot_tests.c - in-kernel tests of the boot foundation: the boot
 * information, the trap path and the harness itself.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_protect.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/trap.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/frames.h"
#include "kernel/kernel_lock.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/symbols.h"
#include "kernel/thread.h"
#include "kernel/trap_dispatch.h"
#include "lib/format.h"
#include "lib/string.h"

KTEST(boot_memory_map_has_usable_ram)
{
	const struct boot_info *bi = boot_info();

	KT_EXPECT(bi->mmap_count > 0);
	KT_EXPECT(mb2_highest_usable(bi) >= (16ull << 20));
}

static bool overlaps(paddr_t page, paddr_t start, paddr_t end)
{
	return page < end && start < page + PAGE_SIZE;
}

/* The pages real-mode code gets (the other CPUs' start-up) are below
 * 1 MiB, usable in the memory map, clear of the boot information and the
 * modules, and never given twice: under UEFI the firmware keeps parts of
 * low memory and GRUB puts modules there. */
KTEST(boot_low_pages_are_free_in_the_memory_map)
{
	const struct boot_info *bi = boot_info();
	paddr_t pages[2] = { frames_alloc_low_page(), frames_alloc_low_page() };

	KT_EXPECT(pages[0] != pages[1]);
	for (unsigned p = 0; p < 2; p++) {
		bool usable = false;

		KT_ASSERT(pages[p] != 0);
		KT_EXPECT(pages[p] < (1ull << 20) && (pages[p] & PAGE_MASK) == 0);
		for (unsigned i = 0; i < bi->mmap_count; i++)
			usable |= bi->mmap[i].type == MB2_MEMORY_AVAILABLE &&
				  bi->mmap[i].base <= pages[p] &&
				  pages[p] + PAGE_SIZE <= bi->mmap[i].base + bi->mmap[i].length;
		KT_EXPECT(usable);
		KT_EXPECT(!overlaps(pages[p], bi->info_start, bi->info_end));
		for (unsigned i = 0; i < bi->module_count; i++)
			KT_EXPECT(!overlaps(pages[p], bi->modules[i].start, bi->modules[i].end));
	}
}

KTEST(boot_command_line_says_ktest)
{
	char only[64];

	KT_EXPECT(cmdline_has_flag("ktest") || cmdline_value("ktest", only, sizeof(only)));
	KT_EXPECT(!cmdline_has_flag("kte"));
}

/* NX is on wherever the CPU has it (boot.asm sets EFER.NXE then). */
KTEST(boot_write_protect_and_nx_enabled)
{
	KT_EXPECT(read_cr0() & CR0_WP);
	KT_EXPECT(!cpu_protections().nx || (rdmsr(MSR_EFER) & EFER_NXE));
}

KTEST(boot_symbol_table_resolves_kmain)
{
	uint64_t offset = ~0ull;
	const char *name = symbol_lookup((uint64_t)(uintptr_t)kmain + 4, &offset);

	KT_ASSERT(name != NULL);
	KT_EXPECT(strcmp(name, "kmain") == 0);
	KT_EXPECT_EQ(offset, 4);
}

static uint64_t breakpoint_rip;

static void record_breakpoint(struct trap_frame *frame)
{
	breakpoint_rip = frame->rip;
}

KTEST(boot_breakpoint_trap_returns_to_caller)
{
	/* KVM's instruction emulator cannot deliver INT3 in ring 0: it ends
	 * the virtual machine (docs/emulators.md). */
	if (cmdline_has_flag("emulated_kvm")) {
		ktest_skip("emulated_kvm: INT3 in ring 0 ends this virtual machine");
		return;
	}
	breakpoint_rip = 0;
	trap_set_handler(VEC_BREAKPOINT, record_breakpoint);
	cpu_breakpoint();
	trap_set_handler(VEC_BREAKPOINT, NULL);
	KT_EXPECT(breakpoint_rip != 0);
	KT_EXPECT(symbol_lookup(breakpoint_rip, &(uint64_t){ 0 }) != NULL);
}

static const struct mb2_module *find_module(const char *name)
{
	const struct boot_info *bi = boot_info();

	for (unsigned i = 0; i < bi->module_count; i++)
		if (strcmp(bi->modules[i].cmdline, name) == 0)
			return &bi->modules[i];
	return NULL;
}

/* grub.cfg loads build/kernel.sym ("ADDRESS NAME" lines) as a module: it
 * must be there, and must agree with the kernel's own table about kmain. */
KTEST(boot_module_kernel_sym_agrees_on_kmain)
{
	const struct mb2_module *m = find_module("kernel.sym");
	char expected[40];
	size_t len;
	const char *text;
	bool found = false;

	KT_ASSERT(m != NULL);
	KT_ASSERT(m->end > m->start);
	text = phys_to_virt(m->start);
	len = format_buf(expected, sizeof(expected), "%016lx kmain\n",
			 (uint64_t)(uintptr_t)kmain);
	for (const char *p = text; p + len <= text + (m->end - m->start) && !found; p++)
		found = memcmp(p, expected, len) == 0;
	KT_EXPECT(found);
}

/*
 * While every CPU idles, only CPU 0's ticks (it keeps time) take the kernel
 * lock; the others acknowledge their timer and halt again
 * (tick_without_lock, thread.c).  Counted over a sleep: when every tick
 * took it, each idle CPU took it twice per tick.
 */
#define QUIET_TICKS 20
#define QUIET_TAKES_MAX (QUIET_TICKS * 3 / 2 + 8)

KTEST(smp_quiet_ticks_leave_the_kernel_lock_alone)
{
	uint32_t before, taken;

	if (cpus_online() < 2) {
		ktest_skip("one CPU: no other CPU's ticks to count");
		return;
	}
	before = kernel_lock_times_taken();
	thread_sleep(QUIET_TICKS);
	taken = kernel_lock_times_taken() - before;
	ktest_note("the kernel lock was taken %u times in %u ticks on %u CPUs", taken,
		   QUIET_TICKS, cpus_online());
	KT_EXPECT(taken <= QUIET_TAKES_MAX);
}

/* Harness self-tests: run only by name, ktest=NAME on the command line;
 * tests/harness/harness-selftest.sh boots each and expects a failure. */
KTEST_MANUAL(boot_deliberate_failure)
{
	KT_EXPECT_EQ(1 + 1, 3);
}

/* A function of its own, so that the backtrace has a frame to show for the
 * test between the faulting function and the runner. */
static __attribute__((noinline)) void write_to_unmapped_address(volatile uint64_t *p)
{
	*p = 1;
	__asm__ volatile("" : : : "memory"); /* keep the frame: not a tail call */
}

KTEST_MANUAL(boot_deliberate_page_fault)
{
	write_to_unmapped_address((volatile uint64_t *)0xdead000ull);
	KT_EXPECT(false); /* unreachable: the write faults */
}
