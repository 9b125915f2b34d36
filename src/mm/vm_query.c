/*
 * vm_query.c - one page's state, decoded from its entry, and its one-line
 * description for fault reports and debugging.
 *
 * The formatter is self-contained (no libc, no kernel printf) so that the
 * same line comes out of the kernel and of host tests.
 */
#include "mm/vm_internal.h"

void vm_state_decode(pte_t e, int level, struct vm_state *st)
{
	*st = (struct vm_state){ .level = level, .entry = e };
	if (pte_is_free(e)) {
		st->kind = VM_STATE_FREE;
		return;
	}
	st->start = pte_is_start(e);
	if (pte_is_present(e)) {
		st->kind = VM_STATE_PRESENT;
		st->prot = pte_prot(e);
		st->frame = pte_addr(e);
		st->cow = (e & PTE_COW) != 0;
		st->shared = (e & PTE_SHARED) != 0;
		return;
	}
	switch (pte_kind(e)) {
	case PTE_KIND_RESERVED:
		st->kind = VM_STATE_RESERVED;
		st->prot = pte_prot(e);
		return;
	case PTE_KIND_IMAGE:
		st->kind = VM_STATE_IMAGE;
		st->prot = pte_prot(e);
		st->selector = pte_image_selector(e);
		st->page = pte_image_offset(e);
		return;
	case PTE_KIND_GUARD:
		st->kind = VM_STATE_GUARD;
		return;
	case PTE_KIND_OUTSIDE: /* a bound marker: never inside the range */
		break;
	}
	panic("vm_state_decode: invalid kind in entry %#lx", (unsigned long)e);
}

enum vm_status vm_query(const struct vm_space *s, vaddr_t va,
			struct vm_state *st)
{
	struct vm_path p;

	if ((va & PAGE_MASK) != 0 || va < s->lo || va >= s->hi)
		return VM_ERR_INVALID;
	vm_path_walk(s, va, &p);
	vm_state_decode(vm_path_page_entry(&p, va), vm_path_page_level(&p), st);
	st->table_shared = p.shared;
	return VM_OK;
}

/* A bounded string builder: counts what it would write, like snprintf. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
};

static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_str(struct out *o, const char *str)
{
	while (*str)
		out_char(o, *str++);
}

static void out_num(struct out *o, uint64_t v, unsigned base)
{
	char digits[20];
	int n = 0;

	if (base == 16)
		out_str(o, "0x");
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (n > 0)
		out_char(o, digits[--n]);
}

static void out_prot(struct out *o, unsigned prot)
{
	out_char(o, 'r');
	out_char(o, (prot & VM_PROT_WRITE) ? 'w' : '-');
	out_char(o, (prot & VM_PROT_EXEC) ? 'x' : '-');
	out_str(o, (prot & VM_PROT_USER) ? " user" : " kernel");
}

static const char *const kind_names[] = {
	[VM_STATE_FREE] = "free",       [VM_STATE_RESERVED] = "reserved",
	[VM_STATE_IMAGE] = "image",     [VM_STATE_GUARD] = "guard",
	[VM_STATE_PRESENT] = "present",
};

static const char *const level_names[] = { "", " [2M]", " [1G]", " [512G]" };

size_t vm_state_format(const struct vm_state *st, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len, .pos = 0 };

	out_str(&o, kind_names[st->kind]);
	if (st->kind != VM_STATE_FREE && st->kind != VM_STATE_GUARD) {
		out_char(&o, ' ');
		out_prot(&o, st->prot);
	}
	if (st->start)
		out_str(&o, " start");
	if (st->kind == VM_STATE_IMAGE) {
		out_str(&o, " sel=");
		out_num(&o, st->selector, 10);
		out_str(&o, " page=");
		out_num(&o, st->page, 16);
	}
	if (st->kind == VM_STATE_PRESENT) {
		out_str(&o, " frame=");
		out_num(&o, st->frame, 16);
		out_str(&o, st->cow ? " cow" : "");
		out_str(&o, st->shared ? " shared" : "");
	}
	out_str(&o, level_names[st->level]);
	if (len > 0)
		o.buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}
