/*
 * arch/x86/isr.S - the interrupt entry and exit path, for all 256 vectors.
 *
 * Each vector has a tiny stub that makes the stack look the same for every
 * vector (a dummy error code where the CPU pushes none, then the vector
 * number) and jumps to isr_common (exceptions, system calls) or irq_common
 * (interrupts). These save the rest of the interrupted task's registers -
 * together they form struct trap_frame (x86.h) - on that task's own kernel
 * stack, and call trap_dispatch(frame) (in EAX: the kernel is built
 * -mregparm=3).
 *
 * If the interrupt leads to a task switch, trap_dispatch does not return
 * until this task is chosen again: its trap frame waits here, on its stack.
 * Then we restore every register we saved and IRET.
 *
 * The call-frame information (CFI) tells GDB where the interrupted code's
 * EIP and ESP are kept in the frame - a "signal frame", whose return address
 * is the very instruction that was interrupted - so `bt` from inside the
 * handler, or from arch_switch during a preemption, goes on into the code
 * the timer interrupted. That is why this file is for GNU as, not NASM.
 */
#include "trap_frame.h"

    .intel_syntax noprefix
    .cfi_sections .debug_frame
    .text

/* The vectors for which the CPU pushes an error code. Exceptions, and the
 * system call (which only ring 3 raises), go to isr_common; interrupts to
 * irq_common, which leaves the segment registers alone in ring 0. */
    .macro STUB n
isr_stub_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    push 0
    .endif
    push \n
    .if (\n < 32) || (\n == 0x80)
    jmp isr_common
    .else
    jmp irq_common
    .endif
    .endm

    .altmacro
    .set vec, 0
    .rept 256
    STUB %vec
    .set vec, vec + 1
    .endr

/*
 * At isr_common the stack holds, from ESP up: vector, error code, EIP, CS,
 * EFLAGS (the CPU's part; then, from ring 3 only, the user's ESP and SS). The
 * interrupted code's ESP, in ring 0, is just past EFLAGS: that is the CFA, and its EIP
 * is 12 bytes below it.
 */
    .macro PUSH_GENERAL_REGISTERS
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa esp, 20
    .set frame_bytes, 20
    .cfi_offset eip, -12
    pushad                      /* EAX, ECX, EDX, EBX, ESP (ignored), EBP, ESI, EDI */
    .cfi_adjust_cfa_offset 32
    .set frame_bytes, frame_bytes + 32
    .cfi_offset eax, -24
    .cfi_offset ecx, -28
    .cfi_offset edx, -32
    .cfi_offset ebx, -36
    .cfi_offset ebp, -44
    .cfi_offset esi, -48
    .cfi_offset edi, -52
    .endm

    .globl isr_common, isr_return
    .type isr_common, @function
isr_common:
    PUSH_GENERAL_REGISTERS
.Lpushad_end:
.Lsave_segments:                /* (irq_common comes here from ring 3) */
.Lseg_push_start:
    .att_syntax prefix
    pushl %ds
    .cfi_adjust_cfa_offset 4
    .set frame_bytes, frame_bytes + 4
    pushl %es
    .cfi_adjust_cfa_offset 4
    .set frame_bytes, frame_bytes + 4
    pushl %fs
    .cfi_adjust_cfa_offset 4
    .set frame_bytes, frame_bytes + 4
    pushl %gs
    .cfi_adjust_cfa_offset 4
    .set frame_bytes, frame_bytes + 4
    .intel_syntax noprefix
.Lseg_push_end:
    /* 1E, 06, 0F A0, 0F A8: the 32-bit forms, 6 bytes; each 16-bit form
     * would add a 66 prefix. PUSHAD is 60 (66 60 would be PUSHAW). */
    .if (.Lseg_push_end - .Lseg_push_start) != 6 || (.Lpushad_end - isr_common) != 1
    .error "isr.S: a PUSH was encoded in its 16-bit form: the trap frame would be short"
    .endif
    /* frame_bytes counts what is on the stack: the CPU's and the stub's
     * 5 words, PUSHAD's 8 and these 4 (each line above that pushes adds its
     * share next to its CFI). */
    .if frame_bytes != TRAP_FRAME_SIZE
    .error "isr.S: the pushes do not add up to TRAP_FRAME_SIZE (trap_frame.h)"
    .endif
    mov ax, 0x10                /* SEL_KDATA */
    mov ds, ax
    mov es, ax
    /* The per-CPU segment, from ring 0 too: an NMI (arch_stop_others') can
     * come where FS already or still holds the process's selector - on the
     * way out to ring 3 between the POP of FS and the IRET, on the way in
     * before this - and the C code reads this CPU's data through FS. */
    mov ax, 0x28                /* SEL_PERCPU */
    mov fs, ax
    cld
    test byte ptr [esp + 60], 3 /* the frame's CS: from ring 3? */
    jnz .Lfrom_user
    mov eax, esp                /* trap_dispatch(struct trap_frame *) */
    call trap_dispatch
isr_return:
    .cfi_remember_state
.Lseg_pop_start:
    .att_syntax prefix
    popl %gs
    .cfi_adjust_cfa_offset -4
    popl %fs
    .cfi_adjust_cfa_offset -4
    popl %es
    .cfi_adjust_cfa_offset -4
    popl %ds
    .cfi_adjust_cfa_offset -4
    .intel_syntax noprefix
.Lseg_pop_end:
    .if (.Lseg_pop_end - .Lseg_pop_start) != 6
    .error "isr.S: a POP was encoded in its 16-bit form"
    .endif
    popad
    .cfi_adjust_cfa_offset -32
    add esp, 8                  /* vector and error code */
    .cfi_adjust_cfa_offset -8
    iretd

/*
 * From ring 3 the CPU has switched to this task's kernel stack (the TSS's
 * ESP0) and pushed the user's SS:ESP above EFLAGS. FS held what the
 * process had (a null selector: a ring-3 IRET clears a kernel segment); the
 * per-CPU segment went back in FS above, before any C code runs, and the
 * POP on the way out gives the process its own back. trap_dispatch_user also
 * looks, before we return to the process, at whether it must die.
 */
.Lfrom_user:
    .cfi_restore_state
    /* For GDB: the interrupted code's ESP is not the CFA here but the
     * user's, which the CPU pushed at the CFA: `bt` in a system call goes
     * on into the process (with its symbols: tq-user PROGRAM). */
    .cfi_offset esp, 0
    mov eax, esp
    call trap_dispatch_user
    jmp isr_return
    .cfi_endproc
    .size isr_common, . - isr_common

/*
 * Interrupts. From ring 0 the segment registers hold what they always hold
 * there - DS and ES the kernel's data, FS this CPU's segment, GS unused -
 * since the only code that loads others, the way back to ring 3, runs with
 * interrupts off from its first POP to its IRET. So the frame keeps their
 * four slots, unwritten, and nothing is reloaded: nine instructions fewer
 * on every tick. From ring 3, isr_common's whole path.
 */
    .globl irq_common, irq_return
    .type irq_common, @function
irq_common:
    PUSH_GENERAL_REGISTERS
    test byte ptr [esp + 44], 3 /* the frame's CS (above PUSHAD, vector, error code, EIP): from ring 3? */
    jnz .Lsave_segments
    sub esp, 16                 /* gs, fs, es, ds: not saved (see above) */
    .cfi_adjust_cfa_offset 16
    .if frame_bytes + 16 != TRAP_FRAME_SIZE
    .error "isr.S: irq_common's frame is not TRAP_FRAME_SIZE (trap_frame.h)"
    .endif
    /* No CLD: nothing in the kernel sets DF (the test kernel-no-std looks
     * for an STD in its code), so ring 0 always runs with it clear. */
    mov eax, esp                /* trap_dispatch(struct trap_frame *) */
    call trap_dispatch
irq_return:
    add esp, 16
    .cfi_adjust_cfa_offset -16
    popad
    .cfi_adjust_cfa_offset -32
    add esp, 8                  /* vector and error code */
    .cfi_adjust_cfa_offset -8
    iretd
    .cfi_endproc
    .size irq_common, . - irq_common

/*
 * arch_enter_user(eip, esp): the first entry of a thread into ring 3 (EAX,
 * EDX: -mregparm=3). An IRET frame for ring 3 - SS:ESP, EFLAGS with IF
 * set, CS:EIP - user data selectors in every segment register (with
 * interrupts off: an interrupt must not find FS without the per-CPU
 * segment), every general register zero, and IRET. The kernel stack below
 * is given up: the next trap from ring 3 starts again at ESP0.
 */
    .globl arch_enter_user
    .type arch_enter_user, @function
arch_enter_user:
    cli
    push 0x3b                   /* SS: SEL_UDATA */
    push edx                    /* ESP */
    push 0x202                  /* EFLAGS: IF, the reserved bit; IOPL 0, so no CLI, STI, IN, OUT */
    push 0x33                   /* CS: SEL_UCODE */
    push eax                    /* EIP */
    mov ax, 0x3b
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    iretd
    .size arch_enter_user, . - arch_enter_user

    .section .rodata
    .globl isr_stub_table
isr_stub_table:
    .macro ENTRY n
    .long isr_stub_\n
    .endm
    .set vec, 0
    .rept 256
    ENTRY %vec
    .set vec, vec + 1
    .endr

    .section .note.GNU-stack, "", @progbits
