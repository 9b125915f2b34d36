/*
 * sys.h - typed wrappers of the system calls, one per call of
 * src/abi/rdos_abi.h, named sys_<call>.  docs/abi.md is the reference.
 *
 * Every wrapper returns the kernel's result unchanged: >= 0 on success,
 * -RDOS_E* on failure (sys_error_name() spells it).  Nothing here retries,
 * allocates or prints.
 */
#ifndef USER_RUNTIME_SYS_H
#define USER_RUNTIME_SYS_H

#include <stdint.h>

#include "abi/rdos_abi.h"

#define USER_PAGE_SIZE 4096u

__attribute__((noreturn)) void sys_exit(int32_t status);
int64_t sys_write(const char *buf, uint64_t len);
int64_t sys_read_line(char *buf, uint64_t size);
/* Returns the address as int64_t: user addresses are below 2^47. */
int64_t sys_reserve(uint64_t npages, uint32_t prot, uint64_t fixed_addr);
int64_t sys_release(uint64_t addr, uint64_t npages);
int64_t sys_protect(uint64_t addr, uint64_t npages, uint32_t prot);
/* Turns pages inside one reservation into guard pages. */
int64_t sys_guard(uint64_t addr, uint64_t npages);
/* The VM core's work counts of process pid (0: the caller) so far. */
int64_t sys_work(int64_t pid, struct rdos_work *out);
/* The page-table entries of the page at addr in process pid (0: the
 * caller), explained in text; the text's whole length, like GETARGS. */
int64_t sys_pageinfo(int64_t pid, uint64_t addr, char *buf, uint64_t size);
/* Trace module "trace:NAME" replayed by the kernel in both designs. */
int64_t sys_replay(const char *trace, struct rdos_replay *out);
int64_t sys_spawn(const char *name, const char *args, uint32_t flags);
int64_t sys_wait(int64_t pid, int32_t *status);
/* WAIT with the kill cause and its detail (enum rdos_kill_cause). */
int64_t sys_wait_info(int64_t pid, struct rdos_wait_info *out);
int64_t sys_getpid(void);
int64_t sys_yield(void);
int64_t sys_sleep(uint64_t milliseconds);
int64_t sys_memstat(int64_t pid, struct rdos_memstat *out);
int64_t sys_proclist(struct rdos_procinfo *out, uint64_t max);
int64_t sys_vmmap(int64_t pid, uint64_t from, struct rdos_vmrun *out, uint64_t max);
int64_t sys_getargs(char *buf, uint64_t size);
int64_t sys_fork(void);
/* Lowers the caller's limits (RDOS_LIMIT_KEEP keeps one) and stores them
 * with the usage in *out. */
int64_t sys_limits(uint64_t max_reserved, uint64_t max_present, struct rdos_limits *out);
int64_t sys_ticks(void);
/* A new thread of this process at entry, RCX = arg, on the stack below
 * stack_top (16-byte aligned); see thread.h for the friendly form. */
int64_t sys_thread(uint64_t entry, uint64_t arg, uint64_t stack_top);
__attribute__((noreturn)) void sys_thread_exit(void);

/* "EFAULT" for -RDOS_EFAULT and so on; "?" for anything else. */
const char *sys_error_name(int64_t result);

#endif
