/*
 * address_space.h - the kernel's address spaces over the portable VM core:
 * the one kernel space (KERNEL_SPACE_START..END, shared by every process)
 * and the user space currently loaded in CR3.
 *
 * Locks: kernel_space_lock protects the kernel space's page tables below its
 * PML4 slot; a user space's lock will live in its process.  The page-fault
 * handler takes the lock of the space it resolves a fault in, so no code may
 * touch not-yet-present memory of a space while holding that space's lock.
 */
#ifndef KERNEL_ADDRESS_SPACE_H
#define KERNEL_ADDRESS_SPACE_H

#include "abi/rdos_abi.h"
#include "mm/mm_space.h"

void address_space_init(void);

/* What every space needs from the machine: frames, the direct map, invlpg,
 * and kmalloc for the VMA nodes of Card 1 spaces. */
const struct mm_env *address_space_env(void);
/* The design new processes get unless spawn asks (command line vm=card1). */
enum mm_design address_space_default_design(void);
/*
 * The limits of a process the kernel itself spawns (its descendants
 * inherit theirs, docs/security.md): ADDRESS_SPACE_MAX_RESERVED pages
 * reserved, three quarters of the usable frames present; the command line
 * overrides them with proc_max_reserved=PAGES, proc_max_present=PAGES.
 */
#define ADDRESS_SPACE_MAX_RESERVED (1ull << 30) /* 4 TiB: 1/32 of user space */
struct vm_limits address_space_default_limits(void);
/* The ABI's error (-RDOS_E*) for a VM status; 0 for VM_OK. */
int64_t address_space_error(enum vm_status st);
/* A user space of the given design sharing the kernel half. */
enum vm_status address_space_create(struct mm_space *s, enum mm_design design);
/* The same, with the VM core counting its work on the space in *work
 * (mm/mm_work.h; NULL: nowhere): a process's counts, for WORK. */
enum vm_status address_space_create_counted(struct mm_space *s, enum mm_design design,
					    struct mm_work *work);
/* Where s counts its work from now on.  For a fork's child, which starts
 * counting where its parent does (the environment is copied); call it
 * before anything else can run on s. */
void address_space_count_work(struct mm_space *s, struct mm_work *work);
struct vm_space *kernel_space(void);

/* Reservations in the kernel space, under kernel_space_lock. */
enum vm_status kernel_reserve(size_t npages, unsigned prot, vaddr_t *va);
enum vm_status kernel_release(vaddr_t va, size_t npages);
enum vm_status kernel_guard(vaddr_t va, size_t npages);
/* Gives every page of [va, +npages) its frame now, so that no later access
 * can fail for lack of memory; VM_ERR_NO_MEMORY if frames ran out. */
enum vm_status kernel_commit(vaddr_t va, size_t npages);

/*
 * The fault path without the kernel lock: resolves a fault of the running
 * thread at va (VM_PF_* bits pf) if it is a first touch of an anonymous
 * page: in an rdos space with no lock, unless a change that drains faults
 * is under way; in a Card 1 space under the space's lock as a reader.
 * False: nothing was done, take the ordinary path.  See docs/smp.md.
 */
bool address_space_fault_lockless(vaddr_t va, unsigned pf);
/* Loads space's PML4 into CR3 and makes it the space for lower-half faults
 * (NULL: back to the kernel's own PML4, no user space). */
void address_space_activate(struct mm_space *space);
struct mm_space *address_space_current(void);
/* System-wide fork figures for MEMSTAT: shared frames, table bytes, COW. */
void address_space_share_stats(struct rdos_memstat *st);

/* For the page-fault handler: resolves a fault at va in the space owning it
 * (the kernel space above KERNEL_SPACE_START, else the current user space). */
enum vm_fault_result address_space_fault(vaddr_t va, unsigned pf, struct vm_state *before);

#endif
