; crt0.asm - the entry point of every user program (PE entry = _start).
;
; The kernel enters with RSP = 16n - 8 (as if _start had just been called)
; and no arguments.  runtime_start is an ordinary Windows-x64 function: it
; wants RSP 16-aligned before the call and 32 bytes of shadow space above
; its return address, which it may write.  Nothing above the entry RSP is
; ours, so the shadow space is taken below it.  Its argument (RCX) is the
; time-stamp counter read by the program's first instruction, for
; benchmarks of program start (start.h, runtime_entry_tsc).

bits 64
default rel

section .text

global _start
extern runtime_start

_start:
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rcx, rax            ; runtime_start(entry_tsc)
	xor ebp, ebp            ; ends frame-pointer chains for debuggers
	and rsp, -16
	sub rsp, 32             ; shadow space
	call runtime_start      ; never returns: it ends in RDOS_SYS_EXIT
	ud2
