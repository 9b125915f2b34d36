/*
 * model.h - a test's model of the reservations it made itself: where they
 * are, their protection page by page, and what it released.  The fuzzer
 * (tests/user/ut_fuzz.c) uses it to predict whether a buffer is valid
 * before a call, to touch only pages it may touch, and to compare the
 * kernel's VMMAP and MEMSTAT with what it expects.
 *
 * Invariants: live slots never overlap; a slot of at most
 * MODEL_TRACKED_PAGES pages knows the protection of each page; a larger
 * one knows one protection for all its pages or MODEL_PROT_UNKNOWN (after
 * a PROTECT of part of it).  A released range stays "known free" until a
 * slot covers it again: the owner of the model must make every
 * reservation of its process through the model while the model is used
 * (the runtime itself reserves nothing unless malloc is called).
 */
#ifndef TESTS_USER_MODEL_H
#define TESTS_USER_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_PAGE 4096ull
#define MODEL_USER_START 0x1000ull
#define MODEL_USER_END 0x00007FFFFFFFF000ull /* docs/abi.md: user space ends here */
#define MODEL_SLOTS 24
#define MODEL_TRACKED_PAGES 16
#define MODEL_RELEASED 8
#define MODEL_PROT_UNKNOWN 0xFFu
#define MODEL_NO_SLOT (-1)

struct model_slot {
	uint64_t addr;   /* 0: the slot is free */
	uint64_t npages;
	uint8_t prot[MODEL_TRACKED_PAGES]; /* per page, if npages <= MODEL_TRACKED_PAGES */
	unsigned whole_prot;               /* larger slots: all pages, or MODEL_PROT_UNKNOWN */
};

struct model_range {
	uint64_t addr;
	uint64_t npages;
};

struct model {
	struct model_slot slots[MODEL_SLOTS];
	struct model_range released[MODEL_RELEASED]; /* a ring; npages 0 = empty */
	unsigned released_next;
};

enum model_verdict {
	MODEL_VALID,   /* every page is ours and allows the access */
	MODEL_INVALID, /* some byte is outside user space, free, or refuses the access */
	MODEL_UNKNOWN, /* the model cannot tell (not our page, or protection unknown) */
};

void model_init(struct model *m);

/* Index of the live slot containing va, or MODEL_NO_SLOT. */
int model_slot_at(const struct model *m, uint64_t va);
/* Number of live slots and their pages. */
int model_live(const struct model *m);
uint64_t model_pages(const struct model *m);
/* A random live slot's index from a random number r, or MODEL_NO_SLOT. */
int model_pick(const struct model *m, uint64_t r);
bool model_tracked(const struct model_slot *s);

/* Does [addr, addr + npages pages) overlap a live slot? */
bool model_overlaps(const struct model *m, uint64_t addr, uint64_t npages);
/* Records a reservation the kernel made; false if every slot is taken
 * (the reservation is not recorded) or it overlaps a live slot (a kernel
 * bug: the model records nothing either). */
bool model_add(struct model *m, uint64_t addr, uint64_t npages, unsigned prot);
/* Forgets slot i, remembering its range as released. */
void model_remove(struct model *m, int i);
/* Applies a successful PROTECT; false if the range is not inside one
 * live slot (the kernel changed memory the model does not own). */
bool model_protect(struct model *m, uint64_t addr, uint64_t npages, unsigned prot);

/* Was va in a range released since model_init()?  (It may be reserved
 * again: model_slot_at() says.) */
bool model_released_at(const struct model *m, uint64_t va);

/* The protection of page va: RDOS_PROT_* if known, MODEL_PROT_UNKNOWN if
 * it is ours but not known or not ours. */
unsigned model_page_prot(const struct model *m, uint64_t va);

/* What the kernel must think of the buffer [ptr, ptr + bytes) that it
 * reads (write false) or writes: MODEL_VALID for bytes == 0. */
enum model_verdict model_buffer(const struct model *m, uint64_t ptr, uint64_t bytes, bool write);

/* Compares VMMAP of the caller with the model: every page of every slot
 * must be reserved, present or copy-on-write with the modelled protection, and the runs
 * must cover user space in order.  Returns NULL or what was wrong. */
const char *model_audit_vmmap(const struct model *m);

#endif
