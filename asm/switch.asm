; switch.asm - the one place threads change: save the callee-saved registers
; of the running thread on its stack, store its stack pointer, load the next
; thread's, restore its registers and return into it.
;
; context_switch(uint64_t *save_rsp, uint64_t load_rsp)
; A new thread's stack is prepared by thread_create() to look as if it had
; called context_switch itself, returning into thread_start_trampoline.

section .text
global context_switch, thread_start_trampoline
extern trap_return, thread_first_run

context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; First run of a thread: finish the scheduler's bookkeeping, then leave
; through the ordinary interrupt return with the trap frame built on the
; thread's stack (to ring 3 for a user thread).
thread_start_trampoline:
	call thread_first_run
	jmp trap_return
