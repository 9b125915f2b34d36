; regs.asm - regs_syscall_clobbers: which registers a system call changed.
;
;   uint64_t regs_syscall_clobbers(uint64_t number, int64_t *result)
;
; Loads each register the ABI says the kernel preserves (all but RAX, RCX,
; R11) with its own pattern, puts number in RAX and executes int 0x80, then
; returns a mask with bit i set if register REGS_NAMES[i] (regs.h) came back
; different; *result gets the call's RAX.  Windows x64 convention: number in
; RCX, result in RDX; RBX, RBP, RSI, RDI, R12-R15 are the caller's and are
; saved here, since the test overwrites them.

bits 64
default rel

section .text

global regs_syscall_clobbers

PATTERN equ 0xA5C3F00D00000000   ; + register index: every value distinct

; Order = bit numbers = REGS_NAMES in regs.h.
%macro FOR_EACH_REG 1
	%1 rbx, 0
	%1 rbp, 1
	%1 rsi, 2
	%1 rdi, 3
	%1 rdx, 4
	%1 r8, 5
	%1 r9, 6
	%1 r10, 7
	%1 r12, 8
	%1 r13, 9
	%1 r14, 10
	%1 r15, 11
%endmacro

%macro LOAD 2
	mov %1, PATTERN + %2
%endmacro

%macro COMPARE 2
	mov r11, PATTERN + %2
	cmp %1, r11
	je %%same
	bts rcx, %2
%%same:
%endmacro

regs_syscall_clobbers:
	push rbx
	push rbp
	push rsi
	push rdi
	push r12
	push r13
	push r14
	push r15
	push rdx                ; result pointer
	mov rax, rcx
	FOR_EACH_REG LOAD
	int 0x80
	xor ecx, ecx
	FOR_EACH_REG COMPARE
	pop rdx
	mov [rdx], rax
	mov rax, rcx
	pop r15
	pop r14
	pop r13
	pop r12
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	ret
