; ap_trampoline.asm - where an application processor starts (kernel/smp.c).
;
; A STARTUP IPI starts a CPU in real mode at CS:IP = (page >> 4):0, so this
; code is copied to a 4 KiB page below 1 MiB and runs there, never where it
; is linked.  smp.c picks the page from the memory map, so the code finds
; its own place: EBX = CS << 4, the page's physical address, computed first
; and kept in EBX to the end; every address is an offset in this blob (OFF)
; plus EBX.  The two far jumps need linear addresses, so the code writes
; them, and the GDT's, into its own copy before using them.
; Path: real mode -> 32-bit protected mode (a GDT of its own) -> PAE, the
; kernel's PML4, EFER.LME (+NXE) -> paging on -> 64-bit mode -> the kernel's
; entry in the higher half, on the stack the boot CPU prepared.  The kernel
; PML4 identity-maps the first 2 MiB while CPUs start, so the instruction
; after "paging on" is still mapped.  smp.c fills the parameter block at
; the end before each start.

%define OFF(label) ((label) - ap_trampoline_start)

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
	mov ax, cs
	mov ds, ax                      ; offsets in the blob address it now
	movzx ebx, ax
	shl ebx, 4                      ; EBX = this page's physical address
	lea eax, [ebx + OFF(tramp_gdt)]
	mov [OFF(tramp_gdtr) + 2], eax
	lea eax, [ebx + OFF(protected_mode)]
	mov [OFF(to_protected_mode)], eax
	lea eax, [ebx + OFF(long_mode)]
	mov [OFF(to_long_mode)], eax
	o32 lgdt [OFF(tramp_gdtr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [OFF(to_protected_mode)]

bits 32
protected_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ebx + OFF(param_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	or eax, [ebx + OFF(param_efer_extra)]
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp far [ebx + OFF(to_long_mode)]

bits 64
long_mode:
	mov ebx, ebx                    ; bits 63:32 are undefined after the switch
	mov rsp, [rbx + OFF(param_stack)]
	xor ebp, ebp                    ; the backtrace stops at a zero frame
	mov rdi, [rbx + OFF(param_cpu_index)]
	mov rax, [rbx + OFF(param_entry)]
	call rax                        ; never returns
	ud2

; Far pointers (32-bit offset, selector) for the two jumps; the offsets
; are written at run time.
to_protected_mode:
	dd 0
	dw 0x08
to_long_mode:
	dd 0
	dw 0x18

align 8
tramp_gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
tramp_gdtr:
	dw 4 * 8 - 1
	dd 0                            ; linear address of tramp_gdt, written first

; struct ap_trampoline_params in smp.c
align 8
ap_trampoline_params:
param_cr3:        dd 0              ; kernel PML4, below 4 GiB
param_efer_extra: dd 0              ; EFER.NXE if the boot CPU set it
param_stack:      dq 0
param_entry:      dq 0
param_cpu_index:  dq 0
ap_trampoline_end:
