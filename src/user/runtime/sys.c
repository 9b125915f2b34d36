/*
 * sys.c - the typed system-call wrappers of sys.h over the raw stubs of
 * syscall.h.  Pointers and 32-bit values are widened to the 64-bit
 * registers here, so that callers never see the register convention.
 */
#include "user/runtime/sys.h"

#include "user/runtime/syscall.h"

void sys_exit(int32_t status)
{
	syscall1(RDOS_SYS_EXIT, (uint64_t)(int64_t)status);
	/* The kernel never returns from EXIT; if it did, the process must not
	 * run on into whatever follows. */
	for (;;)
		__asm__ volatile("ud2");
}

int64_t sys_write(const char *buf, uint64_t len)
{
	return syscall2(RDOS_SYS_WRITE, (uintptr_t)buf, len);
}

int64_t sys_read_line(char *buf, uint64_t size)
{
	return syscall2(RDOS_SYS_READ_LINE, (uintptr_t)buf, size);
}

int64_t sys_reserve(uint64_t npages, uint32_t prot, uint64_t fixed_addr)
{
	return syscall3(RDOS_SYS_RESERVE, npages, prot, fixed_addr);
}

int64_t sys_release(uint64_t addr, uint64_t npages)
{
	return syscall2(RDOS_SYS_RELEASE, addr, npages);
}

int64_t sys_protect(uint64_t addr, uint64_t npages, uint32_t prot)
{
	return syscall3(RDOS_SYS_PROTECT, addr, npages, prot);
}

int64_t sys_guard(uint64_t addr, uint64_t npages)
{
	return syscall2(RDOS_SYS_GUARD, addr, npages);
}

int64_t sys_work(int64_t pid, struct rdos_work *out)
{
	return syscall2(RDOS_SYS_WORK, (uint64_t)pid, (uintptr_t)out);
}

int64_t sys_pageinfo(int64_t pid, uint64_t addr, char *buf, uint64_t size)
{
	return syscall4(RDOS_SYS_PAGEINFO, (uint64_t)pid, addr, (uintptr_t)buf, size);
}

int64_t sys_replay(const char *trace, struct rdos_replay *out)
{
	return syscall2(RDOS_SYS_REPLAY, (uintptr_t)trace, (uintptr_t)out);
}

int64_t sys_spawn(const char *name, const char *args, uint32_t flags)
{
	return syscall3(RDOS_SYS_SPAWN, (uintptr_t)name, (uintptr_t)args, flags);
}

int64_t sys_wait(int64_t pid, int32_t *status)
{
	return syscall2(RDOS_SYS_WAIT, (uint64_t)pid, (uintptr_t)status);
}

int64_t sys_wait_info(int64_t pid, struct rdos_wait_info *out)
{
	return syscall2(RDOS_SYS_WAIT_INFO, (uint64_t)pid, (uintptr_t)out);
}

int64_t sys_getpid(void)
{
	return syscall0(RDOS_SYS_GETPID);
}

int64_t sys_yield(void)
{
	return syscall0(RDOS_SYS_YIELD);
}

int64_t sys_sleep(uint64_t milliseconds)
{
	return syscall1(RDOS_SYS_SLEEP, milliseconds);
}

int64_t sys_memstat(int64_t pid, struct rdos_memstat *out)
{
	return syscall2(RDOS_SYS_MEMSTAT, (uint64_t)pid, (uintptr_t)out);
}

int64_t sys_proclist(struct rdos_procinfo *out, uint64_t max)
{
	return syscall2(RDOS_SYS_PROCLIST, (uintptr_t)out, max);
}

int64_t sys_vmmap(int64_t pid, uint64_t from, struct rdos_vmrun *out, uint64_t max)
{
	return syscall4(RDOS_SYS_VMMAP, (uint64_t)pid, from, (uintptr_t)out, max);
}

int64_t sys_getargs(char *buf, uint64_t size)
{
	return syscall2(RDOS_SYS_GETARGS, (uintptr_t)buf, size);
}

int64_t sys_fork(void)
{
	return syscall0(RDOS_SYS_FORK);
}

int64_t sys_limits(uint64_t max_reserved, uint64_t max_present, struct rdos_limits *out)
{
	return syscall3(RDOS_SYS_LIMITS, max_reserved, max_present, (uintptr_t)out);
}

int64_t sys_ticks(void)
{
	return syscall0(RDOS_SYS_TICKS);
}

int64_t sys_thread(uint64_t entry, uint64_t arg, uint64_t stack_top)
{
	return syscall3(RDOS_SYS_THREAD, entry, arg, stack_top);
}

void sys_thread_exit(void)
{
	syscall0(RDOS_SYS_THREAD_EXIT);
	__builtin_unreachable();
}

/* Indexed by RDOS_E*; keep in step with enum rdos_error. */
static const char *const sys_error_names[] = {
	[RDOS_EFAULT] = "EFAULT", [RDOS_EINVAL] = "EINVAL",
	[RDOS_ENOMEM] = "ENOMEM", [RDOS_ENOSPACE] = "ENOSPACE",
	[RDOS_EBUSY] = "EBUSY",   [RDOS_ENOENT] = "ENOENT",
	[RDOS_ECHILD] = "ECHILD", [RDOS_ENOSYS] = "ENOSYS",
	[RDOS_ENOEXEC] = "ENOEXEC", [RDOS_ERANGE] = "ERANGE",
	[RDOS_ELIMIT] = "ELIMIT",
};

const char *sys_error_name(int64_t result)
{
	int64_t e = -result;

	if (e <= 0 || e >= (int64_t)(sizeof(sys_error_names) / sizeof(sys_error_names[0])))
		return "?";
	return sys_error_names[e];
}
