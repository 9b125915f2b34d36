; ap_trampoline.asm - where an application processor starts (kernel/smp.c).
;
; A STARTUP IPI starts a CPU in real mode at CS:IP = page:0, so this code is
; copied to the 4 KiB page AP_TRAMPOLINE_BASE below 1 MiB and runs there,
; never where it is linked.  Every address it uses is therefore computed as
; its offset in this blob plus AP_TRAMPOLINE_BASE (the ABS macro).
; Path: real mode -> 32-bit protected mode (a GDT of its own) -> PAE, the
; kernel's PML4, EFER.LME (+NXE) -> paging on -> 64-bit mode -> the kernel's
; entry in the higher half, on the stack the boot CPU prepared.  The kernel
; PML4 identity-maps the first 2 MiB while CPUs start, so the instruction
; after "paging on" is still mapped.  smp.c fills the parameter block at
; the end before each start.

AP_TRAMPOLINE_BASE equ 0x8000
%define ABS(label) ((label) - ap_trampoline_start + AP_TRAMPOLINE_BASE)

CR0_PE  equ 1 << 0
CR0_WP  equ 1 << 16
CR0_PG  equ 1 << 31
CR4_PAE equ 1 << 5
MSR_EFER equ 0xC0000080             ; as in src/arch/x86_64/cpu.h
EFER_LME equ 1 << 8

section .rodata
global ap_trampoline_start, ap_trampoline_end, ap_trampoline_params

bits 16
ap_trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [ABS(tramp_gdtr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:ABS(protected_mode)

bits 32
protected_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ABS(param_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	or eax, [ABS(param_efer_extra)]
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:ABS(long_mode)

bits 64
long_mode:
	mov rsp, [ABS(param_stack)]
	xor ebp, ebp                    ; the backtrace stops at a zero frame
	mov rdi, [ABS(param_cpu_index)]
	mov rax, [ABS(param_entry)]
	call rax                        ; never returns
	ud2

align 8
tramp_gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
tramp_gdtr:
	dw 4 * 8 - 1
	dd ABS(tramp_gdt)

; struct ap_trampoline_params in smp.c
align 8
ap_trampoline_params:
param_cr3:        dd 0              ; kernel PML4, below 4 GiB
param_efer_extra: dd 0              ; EFER.NXE if the boot CPU set it
param_stack:      dq 0
param_entry:      dq 0
param_cpu_index:  dq 0
ap_trampoline_end:
