/*
 * page_fault.h - installing the page-fault handler, and what it saw last
 * time it could not resolve a fault (for tests of guard pages and probes).
 */
#ifndef KERNEL_PAGE_FAULT_H
#define KERNEL_PAGE_FAULT_H

#include "mm/vm.h"

struct page_fault_record {
	vaddr_t addr;
	enum vm_fault_result result;
	enum vm_state_kind kind;
};

void page_fault_init(void);
struct page_fault_record page_fault_last(void);

#endif
