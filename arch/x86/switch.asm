; arch/x86/switch.asm - the context switch, for every switch there is.
;
;   void arch_switch(struct arch_context *from, struct arch_context *to);
;
; The cdecl ABI lets a function clobber EAX, ECX and EDX, so the caller has
; already given those up; we save the four registers it expects to survive
; (EBP, EBX, ESI, EDI) on the old stack, store the old ESP in from->esp
; (offset 0), load to->esp, pop the new task's four registers and RET - to
; wherever the new task called arch_switch from, or, for a task that has
; never run, to the start routine arch_context_init placed there.
;
; Interrupts are off throughout (the scheduler core guarantees it). A
; preempted task's full register state is not here: it is in the trap frame
; further up its stack (isr.asm), restored by IRET once we return to it.

section .text
global arch_switch
arch_switch:
    mov eax, [esp + 4]          ; from
    mov edx, [esp + 8]          ; to
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp              ; from->esp = esp
    mov esp, [edx]              ; esp = to->esp: now on the new task's stack
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
