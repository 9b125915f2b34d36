/*
 * main.c - kmain(): the order in which the kernel brings itself up.
 *
 * Entered from asm/boot.asm on the boot stack, in long mode, with interrupts
 * off and the temporary page tables described there.  Each step only uses
 * what the steps before it set up.
 */
#include "arch/x86_64/cpu_protect.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "boot/multiboot2.h"
#include "kernel/boot_info.h"
#include "kernel/address_space.h"
#include "kernel/cmdline.h"
#include "kernel/frames.h"
#include "kernel/kbench.h"
#include "kernel/kernel_lock.h"
#include "kernel/kmalloc.h"
#include "kernel/ktest.h"
#include "kernel/page_fault.h"
#include "kernel/percpu.h"
#include "kernel/process.h"
#include "kernel/program.h"
#include "kernel/screen.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "lib/panic.h"

#define KERNEL_NAME "rdos-mm"

static struct boot_info boot_info_storage;

const struct boot_info *boot_info(void)
{
	return &boot_info_storage;
}

static void print_memory_map(const struct boot_info *bi)
{
	if (bi->mmap_from_efi)
		kprintf("memory map (%u entries, from %u EFI descriptors, boot services"
			" reclaimed):\n", bi->mmap_count, bi->efi_descriptor_count);
	else
		kprintf("memory map (%u entries):\n", bi->mmap_count);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mb2_memory_region *r = &bi->mmap[i];

		kprintf("  [%016lx-%016lx] %10lu KiB %s\n", r->base,
			r->base + r->length - 1, r->length >> 10,
			mb2_memory_type_name(r->type));
	}
}

/* One line (count and bytes) unless the command line has `modules`, so
 * that the two dozen programs do not push the prompt off the screen. */
static void print_modules(const struct boot_info *bi)
{
	bool each = cmdline_has_flag("modules");
	uint64_t bytes = 0;

	for (unsigned i = 0; i < bi->module_count; i++) {
		const struct mb2_module *m = &bi->modules[i];

		bytes += m->end - m->start;
		if (each)
			kprintf("  [%016lx-%016lx] %8lu bytes '%s'\n", m->start, m->end,
				m->end - m->start, m->cmdline);
	}
	kprintf("modules: %u, %lu bytes%s\n", bi->module_count, bytes,
		each ? "" : " (`modules` on the kernel command line lists them)");
}

static void print_banner(const struct boot_info *bi)
{
	kprintf("%s: x86-64 kernel, memory management the rdos way\n", KERNEL_NAME);
	kprintf("boot loader: %s\n", bi->loader_name);
	kprintf("command line: '%s'\n", bi->cmdline);
	kprintf("ELF sections: %u\n", bi->elf_section_count);
	print_memory_map(bi);
	print_modules(bi);
}

/* Free frames once the heap has returned its spare slabs: what the test
 * runner compares before and after each test, so that a cache is not taken
 * for a leak (Card 1's VMA nodes come from the heap). */
static uint64_t free_frames_settled(void)
{
	kmalloc_trim();
	return frames_free_count();
}

/* The first user program; when it exits the kernel has nothing left to do. */
static __attribute__((noreturn)) void run_shell(void)
{
	int32_t status;
	int64_t pid = process_spawn("shell", "", RDOS_SPAWN_DEFAULT);

	if (pid < 0)
		panic("kmain: cannot start the shell: error %ld", -pid);
	process_wait(pid, &status);
	kprintf("%s: the shell exited with status %d; halting\n", KERNEL_NAME, status);
	panic_halt();
}

void kmain(uint32_t magic, paddr_t info_pa)
{
	const char *err;

	console_init();
	cpu_setup(0, 0); /* GDT, TSS and GS first: traps need this_cpu() */
	kernel_lock();   /* held by the boot thread until it first blocks */
	idt_init();
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("kmain: boot magic %x is not Multiboot2's", magic);
	err = mb2_parse(phys_to_virt(info_pa), info_pa, &boot_info_storage);
	if (err)
		panic("kmain: bad Multiboot2 information: %s", err);
	paging_drop_identity_map();
	cmdline_set(boot_info_storage.cmdline);
	screen_init(&boot_info_storage);
	print_banner(&boot_info_storage);
	frames_init(&boot_info_storage);
	cpu_protect_init();
	address_space_init();
	page_fault_init();
	kmalloc_init();
	process_init();
	program_store_init(&boot_info_storage);
	syscall_init();
	sched_init();
	smp_init(&boot_info_storage);
	ktest_set_leak_counter(free_frames_settled);
	if (kbench_mode())
		kbench_run(&boot_info_storage);
	if (ktest_mode()) {
		console_quiet_screen();
		ktest_run();
	}
	run_shell();
}
