/*
 * user/lib/crt0.S - a process's first instructions.
 *
 * The kernel enters here in ring 3 with ESP at argc, then argv (a
 * NULL-terminated array of strings) - kernel/proc/proc.c, push_args - and
 * every other register zero. main(argc, argv)'s return value is the
 * process's exit status.
 */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp          /* the end of the frame chain, for GDB */
    call main               /* main(argc, argv): they are already where cdecl wants them */
    push %eax
    call exit               /* never returns */
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
