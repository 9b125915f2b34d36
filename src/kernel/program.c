/*
 * program.c - the module store and the lazy PE loader.
 *
 * Invariant: while img->selector is registered, img (inside its process)
 * and the module bytes it points to stay valid: the module is carved out of
 * free memory for good, and program_unload() runs before the process slot
 * is reused.
 */
#include "abi/rdos_abi.h"
#include "arch/x86_64/layout.h"
#include "kernel/address_space.h"
#include "kernel/printk.h"
#include "kernel/program.h"
#include "lib/string.h"

#define SELECTOR_FIRST 1
#define SELECTOR_LAST 199 /* 200-255 are left to kernel tests */
#define RELOCATION_DISTANCE (256ull << 20)
#define IMAGES_MAX 64 /* PROCESS_MAX: a process uses at most one */

static struct program_image images[IMAGES_MAX];

static const struct boot_info *modules;

void program_store_init(const struct boot_info *bi)
{
	modules = bi;
}

bool program_find(const char *name, const uint8_t **file, size_t *len)
{
	for (unsigned i = 0; modules && i < modules->module_count; i++) {
		const struct mb2_module *m = &modules->modules[i];

		if (strcmp(m->cmdline, name) == 0) {
			*file = phys_to_virt(m->start);
			*len = m->end - m->start;
			return true;
		}
	}
	return false;
}

static int provide_page(void *ctx, uint64_t page, void *dest)
{
	struct program_image *img = ctx;

	if (pe_fill_page(&img->pe, img->file, img->file_len, page * PAGE_SIZE,
			 img->load_base, dest) != PE_OK)
		return -1;
	img->pages_loaded++;
	return 0;
}

static bool selector_register(struct program_image *img)
{
	for (unsigned sel = SELECTOR_FIRST; sel <= SELECTOR_LAST; sel++) {
		if (vm_provider_register(sel, provide_page, img) == VM_OK) {
			img->selector = sel;
			return true;
		}
	}
	return false;
}

static unsigned vm_prot_of(unsigned pe_prot)
{
	return VM_PROT_USER | (pe_prot & PE_PROT_WRITE ? VM_PROT_WRITE : 0) |
	       (pe_prot & PE_PROT_EXEC ? VM_PROT_EXEC : 0);
}

static enum vm_status reserve_pages(struct mm_space *s, const struct program_image *img,
				    uint32_t rva, uint64_t bytes, unsigned pe_prot)
{
	uint64_t npages = (bytes + PAGE_MASK) / PAGE_SIZE;

	if (npages == 0)
		return VM_OK;
	return mm_reserve_image_at(s, img->load_base + rva, npages, vm_prot_of(pe_prot),
				   img->selector, rva / PAGE_SIZE);
}

/* The headers page and every section, each as image pages. */
static enum vm_status reserve_image(struct mm_space *s, const struct program_image *img)
{
	enum vm_status st = reserve_pages(s, img, 0, img->pe.size_of_headers, PE_PROT_READ);

	for (unsigned i = 0; i < img->pe.nsections && st == VM_OK; i++) {
		const struct pe_section *sec = &img->pe.sections[i];

		/* a section the image says cannot even be read stays unmapped */
		if (sec->prot != 0)
			st = reserve_pages(s, img, sec->rva, sec->virtual_size, sec->prot);
	}
	return st;
}

static struct program_image *image_alloc(void)
{
	for (unsigned i = 0; i < IMAGES_MAX; i++) {
		if (images[i].refs == 0) {
			images[i] = (struct program_image){ .refs = 1 };
			return &images[i];
		}
	}
	return NULL;
}

int64_t program_load(struct mm_space *space, const char *name, struct program_image **out,
		     bool relocate, vaddr_t *entry)
{
	struct program_image *img = image_alloc();
	enum pe_status pst;
	enum vm_status st;

	*out = img;
	if (!img)
		return -RDOS_ELIMIT;
	if (!program_find(name, &img->file, &img->file_len))
		return -RDOS_ENOENT;
	pst = pe_parse(img->file, img->file_len, &img->pe);
	img->load_base = img->pe.image_base + (relocate ? RELOCATION_DISTANCE : 0);
	if (pst == PE_OK)
		pst = pe_check_load_base(&img->pe, img->load_base);
	if (pst != PE_OK) {
		kprintf("spawn %s: image refused: %s\n", name, pe_status_reason(pst));
		return -RDOS_ENOEXEC;
	}
	if (!selector_register(img))
		return -RDOS_ELIMIT;
	st = reserve_image(space, img);
	if (st != VM_OK)
		return address_space_error(st); /* the caller destroys the space */
	*entry = img->load_base + img->pe.entry_rva;
	return 0;
}

void program_share(struct program_image *img)
{
	img->refs++;
}

void program_unload(struct program_image *img)
{
	if (!img || --img->refs > 0)
		return;
	if (img->selector)
		vm_provider_unregister(img->selector);
	img->selector = 0;
}
