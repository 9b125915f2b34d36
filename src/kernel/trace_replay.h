/*
 * trace_replay.h - the address-space traces delivered as GRUB modules
 * ("trace:NAME", tests/data/traces/NAME.maps.csv) replayed on one space:
 * every area that fits user space reserved where the allocator puts it
 * (file areas as image pages, "---" areas as guards), its resident pages
 * touched, everything released.  The in-kernel benchmark (kbench_work.c)
 * times these phases; REPLAY (syscall.c) runs them on both designs for
 * the shell's `replay`.
 *
 * One trace is loaded at a time, into storage of this file: callers are
 * serialised (the benchmark runs alone; REPLAY holds the kernel lock).
 */
#ifndef KERNEL_TRACE_REPLAY_H
#define KERNEL_TRACE_REPLAY_H

#include "boot/multiboot2.h"
#include "lib/maps_trace.h"
#include "mm/mm_space.h"

#define TRACE_MODULE_PREFIX "trace:"
#define TRACE_AREAS_MAX 2048
/* The provider image areas are reserved with (trace_provider_register). */
#define TRACE_IMAGE_SEL 249u

struct trace {
	char name[48]; /* the module's name without the prefix */
	struct trace_area area[TRACE_AREAS_MAX];
	vaddr_t va[TRACE_AREAS_MAX]; /* where the reserve phase put each area */
	size_t n;
};

/* The trace of module m into the one trace storage; NULL if a line is not
 * an area (the header aside) or there are too many. */
struct trace *trace_load(const struct mb2_module *m);
/* The module "trace:NAME" among bi's modules, or NULL. */
const struct mb2_module *trace_module(const struct boot_info *bi, const char *name);
/* Whether module m is a trace ("trace:" name). */
bool trace_module_is_trace(const struct mb2_module *m);

/* Registers TRACE_IMAGE_SEL with a provider that writes the whole page
 * (standing for a file read, as the host benchmark's does); VM_OK if it
 * is registered already. */
enum vm_status trace_provider_register(void);

/* The areas' pages: reserved, and touched (what the program had resident). */
uint64_t trace_pages(const struct trace *t);
uint64_t trace_touch_pages(const struct trace *t);

/*
 * The three phases on s, in order; each counts its operations in *ops
 * (areas reserved or released, pages touched).  A failure stops the phase
 * and is returned; the caller destroys s, which frees what was made.
 */
enum vm_status trace_reserve_all(struct mm_space *s, struct trace *t, uint64_t *ops);
enum vm_fault_result trace_touch_all(struct mm_space *s, const struct trace *t, uint64_t *ops);
enum vm_status trace_release_all(struct mm_space *s, const struct trace *t, uint64_t *ops);

/*
 * REPLAY: the trace NAME on a fresh space of each design, rdos first,
 * timed and counted (struct rdos_replay).  0, or -RDOS_ENOENT (no such
 * trace module), -RDOS_ENOEXEC (not a trace), -RDOS_ENOMEM (its resident
 * pages do not fit in three quarters of the free frames, or a phase ran
 * out of memory).  Every frame is back when it returns.
 */
struct rdos_replay;
int64_t trace_compare(const char *name, struct rdos_replay *out);

#endif
