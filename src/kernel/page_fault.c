/*
 * page_fault.c - the #PF handler: an ordered ladder.
 *
 *  0. The kernel touching a present user page outside the copy helpers is
 *     a SMEP/SMAP violation, never resolved (see kernel_violates_user_page).
 *  1. Ask the VM core to resolve the fault from the entry alone (reserved ->
 *     zeroed frame, image page -> provider).  Handled: return, re-execute.
 *  2. Not handled, and the faulting instruction is a probe: resume at its
 *     fixup, which reports the failure to the probe's caller.
 *  3. Otherwise a one-line diagnosis (address, access, reason, entry
 *     state; over the present-page limit, the limit): a user fault kills
 *     the process and the kernel goes on; a kernel fault is a bug, so the
 *     full state follows and the kernel stops.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/probe.h"
#include "arch/x86_64/trap.h"
#include "kernel/address_space.h"
#include "kernel/page_fault.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/process.h"
#include "kernel/tlb.h"
#include "kernel/trap_dispatch.h"
#include "lib/format.h"
#include "lib/panic.h"

#define STATE_LINE_MAX 96
#define REASON_MAX 64

static struct page_fault_record last_fault;

static unsigned vm_access_bits(uint64_t error_code)
{
	return (error_code & PF_PRESENT ? VM_PF_PRESENT : 0) |
	       (error_code & PF_WRITE ? VM_PF_WRITE : 0) |
	       (error_code & PF_USER ? VM_PF_USER : 0) |
	       (error_code & PF_INSTRUCTION ? VM_PF_INSTR : 0);
}

static const char *access_name(uint64_t error_code)
{
	if (error_code & PF_INSTRUCTION)
		return "execute";
	return error_code & PF_WRITE ? "write" : "read";
}

/*
 * The kernel faulting on a present user page is SMEP (executing it), SMAP
 * (touching it outside probe_copy) or a write to a page the entry does not
 * let it write yet.  The entry allows a user access, so the VM core would
 * call the fault spurious and the kernel would fault again forever: it is
 * a protection violation instead.  The one exception is a write by
 * probe_copy itself, a system call's copy-out: a copy-on-write page, or a
 * stale read-only translation, resolved as a user write would be.  It is
 * told by the faulting instruction, never by RFLAGS.AC: AC is set for the
 * copy only where SMAP exists, and on a CPU without SMAP the copy-out
 * faults on copy-on-write pages all the same (CR0.WP).
 */
static bool kernel_violates_user_page(const struct trap_frame *f, uint64_t addr,
				      struct vm_state *st)
{
	struct mm_space *space = address_space_current();

	if (trap_from_user(f) || !(f->error_code & PF_PRESENT) || addr >= KERNEL_SPACE_START ||
	    !space || mm_query(space, addr, st) != VM_OK || !(st->prot & VM_PROT_USER))
		return false;
	return !(probe_in_copy(f->rip) && (f->error_code & PF_WRITE) &&
		 !(f->error_code & PF_INSTRUCTION));
}

/* The result's name; for VM_FAULT_LIMIT with the limit, so that the one
 * line says which limit the process ran into. */
static void reason_format(enum vm_fault_result r, char *buf, size_t len)
{
	struct mm_space *space = address_space_current();

	if (r == VM_FAULT_LIMIT && space)
		format_buf(buf, len, "%s (present-page limit %lu)", vm_fault_result_name(r),
			   mm_limits(space).max_present);
	else
		format_buf(buf, len, "%s", vm_fault_result_name(r));
}

/* What the parent learns from WAIT_INFO about a fault that killed. */
static enum rdos_kill_cause kill_cause(enum vm_fault_result r)
{
	switch (r) {
	case VM_FAULT_OUTSIDE: return RDOS_KILL_OUTSIDE;
	case VM_FAULT_FREE: return RDOS_KILL_UNRESERVED;
	case VM_FAULT_GUARD: return RDOS_KILL_GUARD;
	case VM_FAULT_PROTECTION: return RDOS_KILL_PROTECTION;
	case VM_FAULT_NO_MEMORY: return RDOS_KILL_NO_MEMORY;
	case VM_FAULT_PROVIDER: return RDOS_KILL_IMAGE;
	case VM_FAULT_LIMIT: return RDOS_KILL_LIMIT;
	case VM_FAULT_HANDLED: break;
	}
	panic("kill_cause: fault result %d kills nothing", (int)r);
}

static enum vm_fault_result resolve(const struct trap_frame *f, uint64_t addr,
				    struct vm_state *before)
{
	if (kernel_violates_user_page(f, addr, before))
		return VM_FAULT_PROTECTION;
	return address_space_fault(addr, vm_access_bits(f->error_code), before);
}

/* First touches from ring 3 (not present, no reserved bit) may be resolved
 * without the kernel lock; everything else, and every failure, goes the
 * ordinary way, which also writes the diagnosis.  A fault that lost a race
 * may have invalidated a page here (the core's stale-TLB rung): what that
 * owes is paid before ring 3, as on every way out of the kernel. */
static bool page_fault_fast_path(struct trap_frame *frame)
{
	bool done;

	if (!trap_from_user(frame) || (frame->error_code & (PF_PRESENT | PF_RESERVED_BIT)))
		return false;
	done = address_space_fault_lockless(read_cr2(), vm_access_bits(frame->error_code));
	if (done)
		tlb_shootdown_pending();
	return done;
}

static void page_fault_handler(struct trap_frame *frame)
{
	uint64_t addr = read_cr2(), resume;
	struct vm_state before = { 0 };
	enum vm_fault_result r = resolve(frame, addr, &before);
	char state[STATE_LINE_MAX], reason[REASON_MAX], line[3 * STATE_LINE_MAX];

	if (r == VM_FAULT_HANDLED)
		return;
	last_fault = (struct page_fault_record){ addr, r, before.kind };
	resume = probe_fixup_for(frame->rip);
	if (resume) {
		frame->rip = resume;
		return;
	}
	if ((frame->error_code & PF_INSTRUCTION) && !trap_from_user(frame) &&
	    probe_exec_recover(&frame->rip, &frame->rsp))
		return;
	vm_state_format(&before, state, sizeof(state));
	reason_format(r, reason, sizeof(reason));
	format_buf(line, sizeof(line), "page fault at %p (%s, %s mode, rip %p): %s; entry: %s",
		   (void *)addr, access_name(frame->error_code),
		   trap_from_user(frame) ? "user" : "kernel", (void *)frame->rip, reason, state);
	if (trap_from_user(frame))
		process_kill_current(kill_cause(r), addr, line);
	kprintf("\n%s\n", line);
	trap_fatal(frame);
}

void page_fault_init(void)
{
	trap_set_handler(VEC_PAGE_FAULT, page_fault_handler);
	trap_set_fast_path(VEC_PAGE_FAULT, page_fault_fast_path);
}

struct page_fault_record page_fault_last(void)
{
	return last_fault;
}
