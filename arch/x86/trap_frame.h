/*
 * trap_frame.h - the size of struct trap_frame, for C and for isr.S alike.
 *
 * isr.S includes this file (it goes through the C preprocessor) and checks,
 * at assembly time, that the pushes it makes add up to TRAP_FRAME_SIZE;
 * x86.h checks with _Static_assert that the struct has that size. A push
 * that an assembler encodes in its 16-bit form (clang's integrated
 * assembler does that for the Intel-syntax `push ds`) then breaks the
 * build instead of the first interrupt.
 */
#ifndef X86_TRAP_FRAME_H
#define X86_TRAP_FRAME_H

#define TRAP_FRAME_SIZE 68 /* 4 segments + PUSHAD + vector + error + EIP, CS, EFLAGS */

#endif
