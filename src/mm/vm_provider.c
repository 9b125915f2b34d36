/*
 * vm_provider.c - the registry of page providers named by image entries.
 *
 * An image entry holds only a selector and a page offset; the selector
 * picks one of these slots (RDOS's "hooked page", with the callback in a
 * table instead of in the entry).  Selector 0 is never valid so that a
 * zeroed field cannot name a provider.  Slots are written at registration
 * and read by faults on any CPU: a registration claims its slot with a
 * compare-and-swap (a selector in use is VM_ERR_BUSY, never overwritten),
 * then publishes the function pointer with one atomic store after its
 * context.
 */
#include "mm/vm_internal.h"

struct provider {
	bool claimed; /* taken by a registration (claimed before fn is set) */
	vm_provider_fn fn;
	void *ctx;
};

static struct provider providers[PTE_SEL_MAX + 1];

static bool selector_ok(unsigned sel)
{
	return sel != 0 && sel <= PTE_SEL_MAX;
}

enum vm_status vm_provider_register(unsigned sel, vm_provider_fn fn, void *ctx)
{
	bool free = false;

	if (!selector_ok(sel) || fn == NULL)
		return VM_ERR_INVALID;
	if (!__atomic_compare_exchange_n(&providers[sel].claimed, &free, true, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return VM_ERR_BUSY;
	providers[sel].ctx = ctx;
	__atomic_store_n(&providers[sel].fn, fn, __ATOMIC_RELEASE);
	return VM_OK;
}

void vm_provider_unregister(unsigned sel)
{
	if (!selector_ok(sel))
		return;
	__atomic_store_n(&providers[sel].fn, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&providers[sel].claimed, false, __ATOMIC_RELEASE);
}

bool vm_provider_known(unsigned sel)
{
	return selector_ok(sel) &&
	       __atomic_load_n(&providers[sel].fn, __ATOMIC_ACQUIRE) != NULL;
}

bool vm_provider_fill(unsigned sel, uint64_t page, void *dest)
{
	vm_provider_fn fn;

	if (!selector_ok(sel))
		return false;
	fn = __atomic_load_n(&providers[sel].fn, __ATOMIC_ACQUIRE);
	return fn != NULL && fn(providers[sel].ctx, page, dest) == 0;
}
