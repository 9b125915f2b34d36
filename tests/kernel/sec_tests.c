/*
 * sec_tests.c - each CPU protection the kernel relies on, proved by
 * tripping it: the kernel's own text and read-only data cannot be written,
 * its data and the direct map cannot be executed, it cannot execute user
 * pages (SMEP) or touch them outside the copy helpers (SMAP), and no
 * entry from ring 3 can switch SMAP off for the kernel by setting
 * RFLAGS.AC.  Each test fails if its protection is switched off, and
 * reports KTAP's SKIP with the reason on a CPU that lacks it.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_protect.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/probe.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/boot_info.h"
#include "kernel/frames.h"
#include "kernel/ktest.h"
#include "kernel/kmalloc.h"
#include "kernel/page_fault.h"
#include "kernel/trap_dispatch.h"
#include "mm/pte.h"
#include "user_run.h"

#define X86_RET 0xC3

static const uint8_t read_only_byte = 0x11;
static uint8_t writable_code[16] = { X86_RET };

KTEST(sec_protections_are_on_where_the_cpu_has_them)
{
	struct cpu_protections p = cpu_protections();

	KT_EXPECT(read_cr0() & CR0_WP);
	KT_EXPECT(!p.nx || (rdmsr(MSR_EFER) & EFER_NXE));
	/* Leaves carry the hardware NX bit exactly where the CPU has it. */
	KT_EXPECT_EQ(pte_hw_nx, p.nx ? PTE_NX : 0);
	KT_EXPECT(!p.smep || (read_cr4() & CR4_SMEP));
	KT_EXPECT(!p.smap || (read_cr4() & CR4_SMAP));
}

KTEST(sec_kernel_text_is_not_writable)
{
	uint8_t *text = (uint8_t *)(uintptr_t)kmain;
	uint8_t before = *text;

	KT_EXPECT_EQ(probe_write_u8(text, before), -1);
	KT_EXPECT_EQ(page_fault_last().result, VM_FAULT_OUTSIDE);
	KT_EXPECT_EQ(*text, before);
}

KTEST(sec_kernel_read_only_data_is_not_writable)
{
	KT_EXPECT_EQ(probe_write_u8((void *)&read_only_byte, 0x22), -1);
	KT_EXPECT_EQ(read_only_byte, 0x11);
}

/* True, after marking the test skipped, on a CPU without NX: nothing can
 * stop execution there, and the kernel runs without it. */
static bool skipped_without_nx(void)
{
	if (cpu_protections().nx)
		return false;
	ktest_skip("this CPU has no NX");
	return true;
}

KTEST(sec_kernel_data_is_not_executable)
{
	if (skipped_without_nx())
		return;
	KT_EXPECT_EQ(probe_exec(writable_code), -1);
}

KTEST(sec_direct_map_and_heap_are_not_executable)
{
	uint8_t *heap;
	paddr_t frame;

	if (skipped_without_nx())
		return;
	heap = kmalloc(16);
	KT_ASSERT(heap != NULL);
	heap[0] = X86_RET;
	KT_EXPECT_EQ(probe_exec(heap), -1);
	kfree(heap);
	KT_ASSERT(frame_alloc(&frame) == PMM_OK);
	*(uint8_t *)phys_to_virt(frame) = X86_RET;
	KT_EXPECT_EQ(probe_exec(phys_to_virt(frame)), -1);
	frame_free(frame);
}

/* A user-accessible, executable page holding `ret`, in a fresh space made
 * current.  The kernel writes it through probe_copy, the only way allowed. */
static bool user_ret_page(struct mm_space *s, vaddr_t *va)
{
	static const uint8_t ret = X86_RET;

	if (address_space_create(s, address_space_default_design()) != VM_OK)
		return false;
	address_space_activate(s);
	if (mm_reserve(s, 1, VM_PROT_USER | VM_PROT_WRITE | VM_PROT_EXEC, va) != VM_OK)
		return false;
	return probe_copy((void *)(uintptr_t)*va, &ret, 1) == 0;
}

static void user_page_done(struct mm_space *s)
{
	address_space_activate(NULL);
	mm_space_destroy(s);
	kmalloc_trim();
}

KTEST(sec_smep_stops_the_kernel_running_user_code)
{
	struct mm_space s;
	vaddr_t va;

	if (!cpu_protections().smep) {
		ktest_skip("this CPU has no SMEP");
		return;
	}
	KT_ASSERT(user_ret_page(&s, &va));
	KT_EXPECT_EQ(probe_exec((void *)(uintptr_t)va), -1);
	user_page_done(&s);
}

KTEST(sec_smap_stops_the_kernel_touching_user_memory)
{
	struct mm_space s;
	vaddr_t va;
	uint8_t byte = 0;

	if (!cpu_protections().smap) {
		ktest_skip("SMAP is off: this CPU has none, or nosmap");
		return;
	}
	KT_ASSERT(user_ret_page(&s, &va));
	KT_EXPECT_EQ(probe_read_u8((void *)(uintptr_t)va), -1);
	KT_EXPECT_EQ(probe_copy(&byte, (void *)(uintptr_t)va, 1), 0);
	KT_EXPECT_EQ(byte, X86_RET);
	user_page_done(&s);
}

/* ut_smap_ac sets AC in ring 3, then makes a system call, faults, has the
 * kernel fault inside probe_copy for it and takes timer interrupts: no
 * handler may run with AC set (isr.asm clears it at every entry). */
KTEST(sec_kernel_entry_clears_rflags_ac)
{
	uint64_t before = trap_entries_with_ac();

	if (!cpu_protections().smap) {
		ktest_skip("SMAP is off: this CPU has none, or nosmap");
		return;
	}
	KT_EXPECT_EQ(user_run("ut_smap_ac", "", RDOS_SPAWN_DEFAULT), 0);
	KT_EXPECT_EQ(trap_entries_with_ac() - before, 0);
}
