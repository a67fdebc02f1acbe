/*
 * arch/x86/switch.S - the context switch, for every switch there is.
 *
 *   struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to);
 *
 * The kernel is compiled with -mregparm=3: `from` arrives in EAX and `to` in
 * EDX. EAX is never touched, so the task we resume finds in it, as
 * arch_switch's return value, the context of the task that just left this
 * CPU: its own `from` argument is stale by then (Linux's `last`). The i386 ABI lets a function clobber EAX, ECX and EDX, so the caller
 * has already given those up; we save the four registers it expects to
 * survive (EBX, ESI, EDI, EBP) on the old stack, store the old ESP in
 * from->esp (offset 0), load to->esp, pop the new task's four registers and
 * RET - to wherever the new task called arch_switch from, or, for a task that
 * has never run, to the start routine arch_context_init placed there.
 *
 * Interrupts are off throughout (the scheduler core guarantees it). A
 * preempted task's full register state is not here: it is in the trap frame
 * further up its stack (isr.S), restored by IRET once we return to it.
 *
 * Why GNU as here, when boot/ and isr.S are NASM: the kernel is compiled
 * without frame pointers, so GDB unwinds with the DWARF call-frame
 * information (CFI), and only GNU as can write CFI for hand-written code.
 * Both stacks have the same layout at the moment ESP changes, so one CFI
 * description holds at every instruction: `bt` works wherever you stepi,
 * and after the `mov esp` it shows the new task's stack.
 */
    .intel_syntax noprefix
    .cfi_sections .debug_frame     /* where the C code's CFI is too (.eh_frame is discarded) */
    .text
    .globl arch_switch
    .type arch_switch, @function
arch_switch:
    .cfi_startproc
    /* LAB(switch) BEGIN: save the callee-saved registers, swap stacks, restore the new task's */
    push ebx
    .cfi_adjust_cfa_offset 4
    .cfi_rel_offset ebx, 0
    push esi
    .cfi_adjust_cfa_offset 4
    .cfi_rel_offset esi, 0
    push edi
    .cfi_adjust_cfa_offset 4
    .cfi_rel_offset edi, 0
    push ebp
    .cfi_adjust_cfa_offset 4
    .cfi_rel_offset ebp, 0
    mov [eax], esp          /* from->esp = esp */
    mov esp, [edx]          /* esp = to->esp: now on the new task's stack */
    pop ebp
    .cfi_adjust_cfa_offset -4
    .cfi_restore ebp
    pop edi
    .cfi_adjust_cfa_offset -4
    .cfi_restore edi
    pop esi
    .cfi_adjust_cfa_offset -4
    .cfi_restore esi
    pop ebx
    .cfi_adjust_cfa_offset -4
    .cfi_restore ebx
    /* LAB(switch) STUB
    // TODO(lab): from (EAX) and to (EDX) are struct arch_context *: save EBX, ESI, EDI, EBP
    // on this stack, store ESP in from->esp, load to->esp, restore the four, return
    LAB(switch) END */
    ret
    .cfi_endproc
    .size arch_switch, . - arch_switch

/*
 * A new task's first arch_switch "returns" here: arch_context_init puts
 * arch_task_start_ret on its stack, and its start routine in the EBX slot.
 * (The return address is after a NOP because GDB names a frame by the
 * instruction before its return address.) This is the bottom of every
 * task's stack: the CFI says there is no caller, so `bt` ends here.
 */
    .globl arch_task_start, arch_task_start_ret
    .type arch_task_start, @function
arch_task_start:
    .cfi_startproc
    .cfi_undefined eip
    nop
arch_task_start_ret:
    call ebx                /* start(last), last still in EAX: never returns */
    ud2
    .cfi_endproc
    .size arch_task_start, . - arch_task_start

    .section .note.GNU-stack, "", @progbits
