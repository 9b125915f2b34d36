/*
 * usercopy.c - checked copies between the kernel and user space.
 */
#include "abi/rdos_abi.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/probe.h"
#include "kernel/process.h"
#include "kernel/usercopy.h"

#define LEVEL_BITS 9

bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr >= USER_SPACE_START && addr <= USER_SPACE_END &&
	       len <= USER_SPACE_END - addr;
}

/* Is the page at va (and what its entry covers) usable for this access? */
static bool page_usable(const struct vm_state *st, bool write)
{
	if (st->kind == VM_STATE_FREE || st->kind == VM_STATE_GUARD)
		return false;
	if (!(st->prot & VM_PROT_USER))
		return false;
	return !write || (st->prot & VM_PROT_WRITE);
}

int64_t user_buffer_check(uint64_t addr, uint64_t len, bool write)
{
	struct mm_space *space = process_space(process_current());
	uint64_t va, end;

	if (len == 0)
		return 0;
	if (!space || !user_range_ok(addr, len))
		return -RDOS_EFAULT;
	end = addr + len;
	for (va = PAGE_ROUND_DOWN(addr); va < end;) {
		struct vm_state st;
		uint64_t span;

		if (mm_query(space, va, &st) != VM_OK || !page_usable(&st, write))
			return -RDOS_EFAULT;
		span = PAGE_SIZE << (LEVEL_BITS * st.level);
		va = (va & ~(span - 1)) + span;
	}
	return 0;
}

int64_t user_array_check(uint64_t addr, uint64_t count, uint64_t size, bool write)
{
	if (size && count > UINT64_MAX / size)
		return -RDOS_EFAULT;
	return user_buffer_check(addr, count * size, write);
}

int64_t copy_from_user(void *dst, uint64_t user_src, uint64_t len)
{
	if (len == 0)
		return 0;
	if (!user_range_ok(user_src, len))
		return -RDOS_EFAULT;
	return probe_copy(dst, (const void *)(uintptr_t)user_src, len) ? -RDOS_EFAULT : 0;
}

int64_t copy_to_user(uint64_t user_dst, const void *src, uint64_t len)
{
	if (len == 0)
		return 0;
	if (!user_range_ok(user_dst, len))
		return -RDOS_EFAULT;
	return probe_copy((void *)(uintptr_t)user_dst, src, len) ? -RDOS_EFAULT : 0;
}

int64_t string_from_user(char *dst, uint64_t user_src, uint64_t size)
{
	for (uint64_t i = 0; i < size; i++) {
		int64_t err = copy_from_user(&dst[i], user_src + i, 1);

		if (err)
			return err;
		if (dst[i] == '\0')
			return 0;
	}
	return -RDOS_EINVAL;
}
