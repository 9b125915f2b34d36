; probe.asm - memory accesses that may fault, and say so instead of crashing.
;
; probe_read_u8(addr) returns the byte at addr (0..255) or -1 if the access
; faulted; probe_write_u8(addr, value) and probe_copy(dst, src, n) return
; 0 or -1.  The page-fault
; handler looks the faulting RIP up in probe_fixups (pairs of instruction
; address, resume address): a match resumes there with RAX = -1 instead of
; treating the fault as a kernel bug.  Kernel tests use probes to check that
; guard pages and released pages really fault; system calls will use the
; same mechanism to copy from user pointers that may be bad.

section .text
global probe_read_u8, probe_write_u8, probe_copy, probe_exec
extern smap_enabled

probe_read_u8:
	xor eax, eax
.access:
	movzx eax, byte [rdi]
	ret
.fixup:
	mov rax, -1
	ret

probe_write_u8:
.access:
	mov [rdi], sil
	xor eax, eax
	ret
.fixup:
	mov rax, -1
	ret

; probe_copy(dst, src, n): 0, or -1 if either side faulted part-way.
; The one place the kernel may touch user pages: with SMAP on, STAC opens
; them for the copy and CLAC closes them again on both ways out.
probe_copy:
	mov rcx, rdx
	cmp byte [rel smap_enabled], 0
	je .access
	stac
.access:
	rep movsb
	xor eax, eax
	jmp .close
.fixup:
	mov rax, -1
.close:
	cmp byte [rel smap_enabled], 0
	je .done
	clac
.done:
	ret

; probe_exec(addr): calls addr; 0 if it returned, -1 if fetching its first
; instruction faulted (NX, SMEP).  The fault happens at addr itself, so the
; handler recognises this probe by the return address on the stack.
probe_exec:
	call rdi
.returned:
	xor eax, eax
	ret
.fixup:
	mov rax, -1
	ret

section .rodata
global probe_fixups, probe_fixups_end
align 8
probe_fixups:
	dq probe_read_u8.access, probe_read_u8.fixup
	dq probe_write_u8.access, probe_write_u8.fixup
	dq probe_copy.access, probe_copy.fixup
probe_fixups_end:

; The copy's own access, for the page-fault handler's question "is this
; the kernel copying to or from user memory on purpose?" (probe_in_copy).
global probe_copy_access
probe_copy_access: dq probe_copy.access

global probe_exec_returned, probe_exec_fixup
probe_exec_returned: dq probe_exec.returned
probe_exec_fixup:    dq probe_exec.fixup
