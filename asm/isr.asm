; isr.asm - interrupt and exception entry stubs, the shared way back
; (trap_return), and the GDT, TSS and IDT loaders.
;
; One stub per vector (256, listed in isr_stub_table for idt.c) so the C side
; learns the vector without reading the APIC.  Every stub leaves the same
; frame: vectors whose exception pushes no error code get a zero pushed in
; its place.  The common path pushes the 15 general-purpose registers so
; that the stack holds a struct trap_frame (trap.h, whose FRAME_CS offset
; is checked there), clears DF and AC, calls trap_dispatch(frame) and falls
; into trap_return, which pops the frame and returns with iretq; a new
; thread's first run also leaves through trap_return (switch.asm).  Entries
; from ring 3 swap GS, and so do returns to ring 3, so the kernel always
; finds its per-CPU data through GS.
;
; RFLAGS.AC: interrupt and exception delivery in 64-bit mode clears IF
; (interrupt gates), TF, NT and RF, but not AC (Intel SDM vol. 2, INT n,
; "Operation"; only real mode clears it), and ring 3 may set AC with popf.
; With AC set and SMAP on, the kernel may touch user pages at will; so every
; entry, from ring 3 or from inside probe_copy (which runs with AC set),
; clears it before any C code runs.  iretq restores the interrupted AC from
; the frame.  CLAC is an invalid opcode without SMAP, hence smap_enabled
; (without SMAP, AC means nothing in ring 0).
;
; Stack alignment: the CPU aligns RSP to 16 before pushing its 5-quadword
; frame; error code + vector + 15 registers make 22 quadwords in all, so RSP
; is 16-byte aligned at the call, as the SysV ABI requires.

section .text
extern trap_dispatch, smap_enabled

%macro ISR_NOERR 1
isr_stub_%1:
	push qword 0
	push qword %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_stub_%1:
	push qword %1
	jmp isr_common
%endmacro

; Exceptions that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX
%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR v
%else
	ISR_NOERR v
%endif
%assign v v + 1
%endrep

FRAME_CS equ 18 * 8                     ; offset of CS in struct trap_frame

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	cmp byte [rel smap_enabled], 0
	je .ac_clear
	clac
.ac_clear:
	test qword [rsp + FRAME_CS], 3
	jz .from_kernel
	swapgs
.from_kernel:
	mov rdi, rsp
	call trap_dispatch
global trap_return
trap_return:
	test qword [rsp + FRAME_CS], 3
	jz .to_kernel
	swapgs
.to_kernel:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
global isr_stub_table
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep

section .text
; gdt_load(const struct gdt_pointer *gdtr, uint16_t code_sel, uint16_t data_sel)
; Reloads every segment register: CS needs a far return, the others a move.
global gdt_load
gdt_load:
	lgdt [rdi]
	mov ds, dx
	mov es, dx
	mov ss, dx
	xor eax, eax
	mov fs, ax
	mov gs, ax
	push rsi
	lea rax, [rel .reloaded]
	push rax
	retfq
.reloaded:
	ret

; tss_load(uint16_t selector) / idt_load(const struct idt_pointer *)
global tss_load
tss_load:
	ltr di
	ret

global idt_load
idt_load:
	lidt [rdi]
	ret
