; arch/x86/isr.asm - the interrupt entry and exit path, for all 256 vectors.
;
; Each vector has a tiny stub that makes the stack look the same for every
; vector (a dummy error code where the CPU pushes none, then the vector
; number) and jumps to isr_common. isr_common saves the rest of the
; interrupted task's registers - together they form struct trap_frame
; (x86.h) - on that task's own kernel stack, and calls trap_dispatch(frame).
;
; If the interrupt leads to a task switch, trap_dispatch does not return
; until this task is chosen again: its trap frame waits here, on its stack,
; where GDB can read it. Then we restore every register and IRET.

section .text

%macro STUB 1
isr_stub_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
    ; the CPU pushed an error code
%else
    push dword 0
%endif
    push dword %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

extern trap_dispatch
global isr_common
isr_common:
    pushad
    push ds
    push es
    push fs
    push gs
    mov ax, 0x10                ; SEL_KDATA
    mov ds, ax
    mov es, ax
    cld
    mov eax, esp                ; trap_dispatch(struct trap_frame *), in EAX (-mregparm=3)
    call trap_dispatch
global isr_return
isr_return:
    pop gs
    pop fs
    pop es
    pop ds
    popad
    add esp, 8                  ; vector and error code
    iretd

section .rodata
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
    dd isr_stub_ %+ v
%assign v v + 1
%endrep
