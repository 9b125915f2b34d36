/*
 * pte_explain.c - the entries the hardware walks for one user page, raw and
 * in words, for the shell's `pte` (PAGEINFO in syscall.c).
 *
 * The walk reads the tables through the direct map itself, from the
 * space's PML4 down, and stops at the first entry that is not a table
 * pointer, as the MMU (and vm_lookup) does.  It reads the entries
 * directly and counts no work; the last line, the page's state, comes from
 * the design's own query (vm_query, card1_query), which counts its few
 * reads like any query (VMMAP's too).  The words
 * are those of docs/pte-encoding.md, decoded with the helpers of
 * mm/pte.h; the free-space summary of a table pointer is decoded in one
 * place, explain_summary_bits().  A Card 1 space keeps only present
 * leaves and table pointers in its tables, so its reservations show as
 * free entries there: the VMA that covers the page is what holds them.
 */
#include <stdarg.h>

#include "arch/x86_64/layout.h"
#include "kernel/address_space.h"
#include "kernel/pte_explain.h"
#include "lib/format.h"

#define LEVELS 4
#define LEVEL_BITS 9
#define ENTRIES_PER_TABLE 512u

static const char *const entry_names[LEVELS] = { "PTE", "PDE", "PDPTE", "PML4E" };
static const char *const covers[LEVELS] = { "4 KiB", "2 MiB", "1 GiB", "512 GiB" };

/* A bounded text: counts what it would write, like snprintf. */
struct text {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = t->len < t->size ? t->size - t->len : 0;

	va_start(ap, fmt);
	t->len += format_buf_v(room ? t->buf + t->len : NULL, room, fmt, ap);
	va_end(ap);
}

/* "rw- user": read is always allowed (docs/pte-encoding.md). */
static void say_prot(struct text *t, unsigned prot)
{
	say(t, "r%c%c %s", prot & VM_PROT_WRITE ? 'w' : '-', prot & VM_PROT_EXEC ? 'x' : '-',
	    prot & VM_PROT_USER ? "user" : "kernel");
}

/*
 * The free-space summary a present table pointer carries in bits 52-62,
 * which the hardware ignores there: printed raw.  Its meaning belongs to
 * the rdos core (src/mm/pte.h: before issue #16 only bit 52, FULL; after
 * it a summary of the free runs below, bits 9-11 included), so decoding
 * it in words is this function's job once that encoding is settled.
 */
/* The free-space summary in bits 52-62 and 9-11 (docs/pte-encoding.md). */
static void explain_summary_bits(struct text *t, pte_t e, enum mm_design design)
{
	unsigned sum = pte_summary(e), max = pte_summary_max(sum);

	if (design == MM_DESIGN_CARD1) {
		say(t, ", no summary (Card 1's tree knows the free space)");
		return;
	}
	if (sum == 0) {
		say(t, ", summary 0: FULL (no free page below)");
		return;
	}
	say(t, ", summary 0x%x: longest free run below %lu-%lu pages, last %u entries free",
	    sum, 1ul << (max - 1), (1ul << max) - 1, pte_summary_tail(sum));
}

static void explain_table_pointer(struct text *t, pte_t e, enum mm_design design)
{
	say(t, "present: table at 0x%lx, %s%s%s", pte_addr(e), e & PTE_US ? "user" : "kernel",
	    pte_table_is_shared(e) ? ", shared by fork (RW clear: a write below first copies the table)"
				   : "",
	    e & PTE_A ? ", accessed" : "");
	explain_summary_bits(t, e, design);
}

static void explain_leaf(struct text *t, pte_t e)
{
	say(t, "present: frame 0x%lx, ", pte_addr(e));
	say_prot(t, pte_prot(e));
	say(t, "%s%s%s%s%s%s%s", e & PTE_START ? ", START" : "",
	    e & PTE_COW ? ", copy-on-write (RW clear until the write fault)" : "",
	    e & PTE_COUNTED ? ", COUNTED (frame shared by fork)" : "",
	    e & PTE_SHARED ? ", SHARED (frame not owned)" : "",
	    e & PTE_NX ? ", NX" : "", e & PTE_A ? ", accessed" : "", e & PTE_D ? ", dirty" : "");
}

/* A non-present, non-free entry: a reservation the hardware faults on. */
static void explain_pending(struct text *t, pte_t e, int level)
{
	switch (pte_kind(e)) {
	case PTE_KIND_RESERVED:
		say(t, "reserved (demand zero), ");
		say_prot(t, pte_prot(e));
		break;
	case PTE_KIND_IMAGE:
		say(t, "image, ");
		say_prot(t, pte_prot(e));
		say(t, ", provider %u page 0x%lx", pte_image_selector(e), pte_image_offset(e));
		break;
	case PTE_KIND_GUARD:
		say(t, "guard (every access faults)");
		break;
	case PTE_KIND_OUTSIDE:
		if (pte_is_compact(e))
			say(t, "compact: the reservations in its %s are runs in "
			       "descriptor %u, no table below until a page is touched",
			    covers[level], pte_compact_index(e));
		else
			say(t, "outside the space (its bound marker: the free-space "
			       "summaries count these pages as not free)");
		return;
	}
	if (e & PTE_START)
		say(t, level > 0 ? ", START (of its first page)" : ", START");
	if (level > 0)
		say(t, "; stands for every page of its %s", covers[level]);
}

static void explain_entry(struct text *t, pte_t e, int level, unsigned index,
			  enum mm_design design)
{
	say(t, "  %-5s [%3u] 0x%016lx  ", entry_names[level], index, e);
	if (pte_is_free(e) && design == MM_DESIGN_CARD1)
		say(t, "0: nothing present in its %s (Card 1 keeps reservations in VMAs)",
		    covers[level]);
	else if (pte_is_free(e))
		say(t, "free: nothing reserved in its %s", covers[level]);
	else if (!pte_is_present(e))
		explain_pending(t, e, level);
	else if (level == 0)
		explain_leaf(t, e);
	else if (e & PTE_PS)
		say(t, "present: a large page (never made for user space)");
	else
		explain_table_pointer(t, e, design);
	say(t, "\n");
}

/* The hardware's walk: each level's entry until one is not a table. */
static void explain_walk(struct text *t, const struct mm_space *s, vaddr_t va)
{
	const pte_t *table = phys_to_virt(mm_space_pml4(s));

	for (int level = LEVELS - 1; level >= 0; level--) {
		unsigned index = (va >> (PAGE_SHIFT + LEVEL_BITS * level)) % ENTRIES_PER_TABLE;
		pte_t e = __atomic_load_n(&table[index], __ATOMIC_ACQUIRE);

		explain_entry(t, e, level, index, s->design);
		if (level == 0 || !pte_is_present(e) || (e & PTE_PS))
			return;
		table = phys_to_virt(pte_addr(e));
	}
}

static const char *const vma_kinds[] = {
	[PTE_KIND_RESERVED] = "reserved",
	[PTE_KIND_IMAGE] = "image",
	[PTE_KIND_GUARD] = "guard",
};

/* Card 1: the VMA holding va, found by descending the tree by start. */
static void explain_vma(struct text *t, const struct card1_space *c, vaddr_t va)
{
	const struct card1_vma *v = c->root;

	while (v && (va < v->start || va >= v->end))
		v = va < v->start ? v->left : v->right;
	if (!v) {
		say(t, "  VMA: none covers it (the page is free)\n");
		return;
	}
	say(t, "  VMA [0x%lx-0x%lx) %lu page%s, %s", v->start, v->end,
	    (v->end - v->start) / PAGE_SIZE, v->end - v->start == PAGE_SIZE ? "" : "s", v->kind <= PTE_KIND_GUARD ? vma_kinds[v->kind] : "?");
	if (v->kind != PTE_KIND_GUARD) {
		say(t, " ");
		say_prot(t, v->prot);
	}
	if (v->kind == PTE_KIND_IMAGE)
		say(t, ", provider %u from page 0x%lx", v->sel, v->first_page);
	say(t, "%s; %lu VMAs in the tree\n",
	    v->flags & CARD1_VMA_START ? ", START (first piece of its reservation)" : "",
	    (unsigned long)c->nodes);
}

static const struct vm_space *tables_of(const struct mm_space *s)
{
	return s->design == MM_DESIGN_CARD1 ? &s->card1.pt : &s->rdos;
}

size_t pte_explain(const struct mm_space *s, vaddr_t va, char *buf, size_t size)
{
	struct text t = { buf, size, 0 };
	struct mm_space *locked = (struct mm_space *)s; /* the lock is not the state */
	const struct vm_env *env = &tables_of(s)->env;
	vaddr_t page = PAGE_ROUND_DOWN(va);
	struct vm_state st = { .kind = VM_STATE_FREE };
	char state[96];

	say(&t, "page 0x%016lx, %s design:\n", page,
	    s->design == MM_DESIGN_CARD1 ? "card1 (VMA tree)" : "rdos (page tables)");
	mm_lock_read(&locked->lock, env->relax, env->ctx);
	explain_walk(&t, s, page);
	if (s->design == MM_DESIGN_CARD1) {
		explain_vma(&t, &s->card1, page);
		card1_query(&s->card1, page, &st);
	} else {
		vm_query(&s->rdos, page, &st);
	}
	mm_unlock_read(&locked->lock);
	vm_state_format(&st, state, sizeof(state));
	say(&t, "  state: %s\n", state);
	return t.len;
}
