; boot.asm - from GRUB's 32-bit Multiboot2 hand-off to kmain() in long mode.
;
; GRUB enters _start in 32-bit protected mode, paging off, EAX = the
; Multiboot2 magic, EBX = physical address of the boot information.  This file
; checks both, checks that the CPU has long mode, builds temporary page tables,
; enables PAE + EFER.LME (+ NXE when the CPU has NX), turns on CR0.PG|WP and
; jumps to the higher-half kernel.  Everything before that jump runs at
; physical addresses (symbol - KERNEL_VMA), which is why it lives in .boot32.
;
; Temporary page tables (2 MiB pages, all in .bss, 7 pages):
;   PML4[0]   -> boot_pdpt_low   identity map of the first 4 GiB, dropped by
;                                paging_init() once we run in the higher half
;   PML4[256] -> boot_pdpt_low   direct map 0xFFFF800000000000 + phys, 4 GiB
;   PML4[511] -> boot_pdpt_high  PDPT[510] -> boot_pd[0]: the first GiB at
;                                KERNEL_VMA (0xFFFFFFFF80000000), the kernel image

KERNEL_VMA      equ 0xFFFFFFFF80000000
MB2_MAGIC       equ 0xE85250D6
MB2_ARCH_I386   equ 0
MB2_BOOT_MAGIC  equ 0x36D76289
MB2_TAG_FRAMEBUFFER equ 8
MB2_FB_EGA_TEXT equ 2

PTE_PRESENT     equ 1 << 0
PTE_WRITABLE    equ 1 << 1
PTE_LARGE       equ 1 << 7
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xC0000080         ; as in src/arch/x86_64/cpu.h
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
CPUID_EXT_LM    equ 1 << 29
CPUID_EXT_NX    equ 1 << 20
COM1            equ 0x3F8
BOOT_STACK_SIZE equ 16384

%define PHYS(sym) ((sym) - KERNEL_VMA)

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request: fail the boot if GRUB cannot give these
	align 8
.info_req:
	dw 1, 0
	dd .info_req_end - .info_req
	dd 1            ; command line
	dd 2            ; boot loader name
	dd 3            ; modules
	dd 6            ; memory map
	dd 9            ; ELF sections
.info_req_end:
	; A framebuffer, optional (flags bit 0), any size and depth: under UEFI
	; it is the only screen there is.  The tag alone would make GRUB pick a
	; graphics mode under BIOS too, where Bochs's term display needs VGA
	; text: grub.cfg sets gfxpayload=text there after loading the kernel.
	align 8
.framebuffer:
	dw 5, 1
	dd .framebuffer_end - .framebuffer
	dd 0, 0, 0      ; width, height, depth: no preference
.framebuffer_end:
	align 8
	dw 0, 0         ; end tag
	dd 8
mb2_header_end:

section .boot32 progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	cli
	cld
	mov esp, PHYS(boot_stack_top)
	cmp eax, MB2_BOOT_MAGIC
	jne .not_multiboot2
	mov edi, eax                    ; kept for kmain(magic, info)
	mov esi, ebx

	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_LM
	jz .no_long_mode
	mov ebp, edx                    ; remember the NX bit for EFER below

	push edi
	push esi
	call build_boot_page_tables
	pop esi
	pop edi

	mov eax, PHYS(boot_pml4)
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, CPUID_EXT_NX
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	lgdt [PHYS(boot_gdt_ptr)]
	jmp 0x08:long_mode_low          ; .boot32 is linked at physical addresses

.not_multiboot2:
	xor ebx, ebx                    ; no boot information to find a screen in
	mov esi, PHYS(msg_not_mb2)
	jmp boot_fail
.no_long_mode:
	mov ebx, esi                    ; the boot information, saved before CPUID
	mov esi, PHYS(msg_no_lm)
	jmp boot_fail

; Print the NUL-terminated string at ESI on COM1, and on the text screen if
; the boot information at EBX (0 if none) names one, then halt forever:
; without long mode there is nothing better to do.  Only GRUB's tag says
; there is text memory: under UEFI there is none at 0xB8000.
boot_fail:
	call find_text_screen
.next:
	lodsb
	test al, al
	jz .halt
	mov dx, COM1
	out dx, al
	test edi, edi
	jz .next
	mov ah, 0x4F
	mov [edi], ax
	add edi, 2
	jmp .next
.halt:
	hlt
	jmp .halt

; EDI = the EGA text framebuffer the Multiboot2 information at EBX names
; (tag 8 of type 2, below 4 GiB), or 0 if EBX is 0 or no tag names one.
; Stays inside the information's total size; a tag shorter than its
; header ends the search.
find_text_screen:
	xor edi, edi
	test ebx, ebx
	jz .done
	mov edx, ebx
	add edx, [ebx]                  ; the end of the information
	lea ecx, [ebx + 8]              ; the first tag
.tag:
	lea eax, [ecx + 32]             ; a framebuffer tag's fixed part
	cmp eax, edx
	ja .done
	mov eax, [ecx + 4]              ; tag size
	cmp eax, 8
	jb .done                        ; a malformed or end tag
	cmp dword [ecx], MB2_TAG_FRAMEBUFFER
	jne .skip
	cmp byte [ecx + 29], MB2_FB_EGA_TEXT
	jne .skip
	cmp dword [ecx + 12], 0
	jne .skip
	mov edi, [ecx + 8]
	ret
.skip:
	add eax, 7                      ; tags are 8-byte aligned
	and eax, ~7
	add ecx, eax
	jmp .tag
.done:
	ret

; Zero the seven table pages, then link them as described at the top.
build_boot_page_tables:
	mov edi, PHYS(boot_page_tables_start)
	mov ecx, (boot_page_tables_end - boot_page_tables_start) / 4
	xor eax, eax
	rep stosd

	mov eax, PHYS(boot_pdpt_low) + PTE_PRESENT + PTE_WRITABLE
	mov [PHYS(boot_pml4)], eax
	mov [PHYS(boot_pml4) + 256 * 8], eax
	mov eax, PHYS(boot_pdpt_high) + PTE_PRESENT + PTE_WRITABLE
	mov [PHYS(boot_pml4) + 511 * 8], eax
	mov eax, PHYS(boot_pd) + PTE_PRESENT + PTE_WRITABLE
	mov [PHYS(boot_pdpt_high) + 510 * 8], eax

	xor ecx, ecx                    ; PDPT_low[0..3] -> boot_pd[0..3]
.pdpt:
	mov edx, ecx
	shl edx, 12
	lea eax, [PHYS(boot_pd) + edx + PTE_PRESENT + PTE_WRITABLE]
	mov [PHYS(boot_pdpt_low) + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt

	xor ecx, ecx                    ; 2048 PDEs of 2 MiB: 4 GiB
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_PRESENT | PTE_WRITABLE | PTE_LARGE
	mov edx, ecx
	shr edx, 11                     ; bits 32+ of the address: ecx * 2 MiB >> 32
	mov [PHYS(boot_pd) + ecx * 8], eax
	mov [PHYS(boot_pd) + ecx * 8 + 4], edx
	inc ecx
	cmp ecx, 2048
	jb .pd
	ret

bits 64
long_mode_low:
	mov rax, long_mode_high         ; absolute jump to the higher half
	jmp rax

section .text
extern kmain
long_mode_high:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; the backtrace stops at a zero frame
	mov edi, edi                    ; kmain(uint32_t magic, paddr_t info)
	mov esi, esi
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
msg_not_mb2: db "boot: not loaded by a Multiboot2 boot loader", 0
msg_no_lm:   db "boot: this CPU has no long mode (x86-64)", 0

; The boot GDT only needs a 64-bit code and a data segment; gdt_init()
; replaces it with the real one (user segments and the TSS).
align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, ring 0
	dq 0x00CF92000000FFFF           ; 0x10: data, ring 0
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd PHYS(boot_gdt)

section .bss
align 4096
global boot_pml4, boot_pdpt_high, boot_pd
boot_page_tables_start:
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_page_tables_end:
global boot_stack_top
boot_stack:     resb BOOT_STACK_SIZE
boot_stack_top:
