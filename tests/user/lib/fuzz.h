/*
 * fuzz.h - the parts of the system-call fuzzer (tests/user/ut_fuzz.c, whose
 * top comment says what it checks): its state, failure reporting,
 * argument pools and bookkeeping (fuzz_core.c) and one generator-and-judge
 * per system call (fuzz_calls.c).  One fuzzer per process: the state is
 * the global fz.
 */
#ifndef TESTS_USER_FUZZ_H
#define TESTS_USER_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/rdos_abi.h"
#include "model.h"
#include "rng.h"

#define FUZZ_PAGE 4096ull
#define FUZZ_CHILDREN_MAX 4
#define FUZZ_SLEEP_MAX_MS 10
#define FUZZ_WRITE_MAX 3
#define FUZZ_NOTES_MAX 20

/* docs/abi.md's limits, as the kernel enforces them. */
#define ABI_WRITE_MAX (1ull << 20)
#define ABI_SLEEP_MAX_MS 3600000ull
#define ABI_PROCLIST_MAX 64
#define ABI_VMMAP_MAX 128
#define ABI_RESERVE_MAX_PAGES (1ull << 35)
#define ABI_SPAWN_FLAGS_MAX RDOS_SPAWN_CARD1

/* Result classes for the summary: 0 success, 1..11 the errors, then
 * anything outside the ABI. */
#define FUZZ_CLASSES (RDOS_ELIMIT + 2)
#define FUZZ_CLASS_BAD (RDOS_ELIMIT + 1)

/* Error sets for FUZZ_EXPECT_SET, one bit per RDOS_E* value. */
#define EBIT(x) (1u << RDOS_##x)

struct fuzz {
	struct rng rng;
	struct model model;
	int64_t pid;
	int64_t children[FUZZ_CHILDREN_MAX]; /* 0: free entry */
	int64_t args_len;
	uint64_t base_reserved; /* reserved pages that are not the model's */
	uint64_t call_index;    /* of the current call, for messages */
	uint64_t nr, a[5];      /* the current call */
	uint64_t results[FUZZ_CLASSES];
	uint64_t failures;
	uint64_t trace; /* non-zero: print every fuzzed call and its result */
};

extern struct fuzz fz;

/* ---- failures (fuzz_core.c) ---- */

/* Records a failure of the current call; the first FUZZ_NOTES_MAX are
 * printed with the call.  Returns ok. */
__attribute__((format(gnu_printf, 3, 4))) bool fuzz_check(bool ok, int line, const char *fmt,
							   ...);
#define FUZZ_CHECK(ok, ...) fuzz_check((ok), __LINE__, __VA_ARGS__)
/* r must be -e for some e in the set allowed (or >= 0 if ok_allowed). */
bool fuzz_expect_set(int64_t r, bool ok_allowed, unsigned allowed, int line);
#define FUZZ_EXPECT_SET(r, ok_allowed, set) fuzz_expect_set((r), (ok_allowed), (set), __LINE__)
/* "ok" for r >= 0, else the error's name. */
const char *fuzz_name(int64_t r);

/* ---- argument pools (fuzz_core.c) ---- */

uint64_t fuzz_rnd(uint64_t n); /* in [0, n) */
const struct model_slot *fuzz_some_slot(void); /* NULL if none */
uint64_t fuzz_slot_address(unsigned how);      /* in or at the end of a slot; 0 if none */
uint64_t fuzz_released_address(void);          /* 0 if none */
uint64_t fuzz_bad_address(void);               /* never valid for any buffer */
uint64_t fuzz_address(void);                   /* any of the above, or random */
uint64_t fuzz_page_address(void);              /* mostly page-aligned */
uint64_t fuzz_length(uint64_t ptr, uint64_t unit);
int64_t fuzz_pid(void);
uint64_t fuzz_prot(void);
uint64_t fuzz_npages(void);
/* For RELEASE and PROTECT: never the first page of memory that is ours
 * but not the model's. */
uint64_t fuzz_range_address(void);

/* ---- bookkeeping (fuzz_core.c) ---- */

bool fuzz_is_child(int64_t pid);
int fuzz_child_count(void);
/* Replaces child entry old (0: a free entry) by pid (0: frees it). */
void fuzz_child_set(int64_t old, int64_t pid);
/* Reaps one child with a well-formed WAIT; its status must be 0. */
void fuzz_reap_one(void);
/* Fills the page that only a forked child may change with v: the parent
 * fills it with FUZZ_CANARY, the child with its pid. */
#define FUZZ_CANARY 0x5afe5afe5afe5afeull
void fuzz_canary_fill(uint64_t v);
/* After a child ended: nothing it wrote may have reached our memory. */
void fuzz_check_own_memory(void);
/* Records a reservation the kernel made (releases it if the model is full). */
void fuzz_reserved(uint64_t addr, uint64_t npages, unsigned prot);

/* ---- calls ---- */

/* Makes the call, counts its result class and checks its range. */
int64_t fuzz_do(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
/* The verdict on an output buffer; a pointer into memory the model does
 * not know is first replaced by a bad one (fuzz_core.c). */
enum model_verdict fuzz_output(uint64_t *ptr, uint64_t bytes);
/* A fuzzed call of the known number nr (never EXIT), or of a number that
 * is no call (fuzz_calls.c). */
void fuzz_known(uint64_t nr);
void fuzz_unknown(void);
/* count calls that write into a page another thread keeps reserving and
 * releasing (fuzz_race.c); outside the model's rounds. */
void fuzz_race_round(uint64_t count);

#endif
