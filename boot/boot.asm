; boot/boot.asm - the Multiboot (v1) header and the kernel's first instructions.
;
; A Multiboot loader (GRUB, or QEMU's -kernel) enters _start in 32-bit
; protected mode with paging off, interrupts off, EAX = 0x2BADB002 and EBX
; pointing at the Multiboot information structure. We have no stack yet, so
; we set one up (boot_stack, below) and call x86_start() in C, passing the two
; registers on. That stack becomes the idle task's stack later on.
;
; The very first thing we do is read the time-stamp counter: under QEMU with
; -icount shift=0 it counts executed instructions, so `make bench` can tell
; how many instructions it takes to get from here to the first task.

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ (1 << 0) | (1 << 1)   ; page-align modules, give us the memory map
MB_CHECKSUM equ -(MB_MAGIC + MB_FLAGS)

BOOT_STACK_SIZE equ 16384

section .multiboot
align 4
    dd MB_MAGIC
    dd MB_FLAGS
    dd MB_CHECKSUM

section .bss
align 16
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    resb BOOT_STACK_SIZE
boot_stack_top:

section .data
align 8
global boot_tsc
boot_tsc: dq 0                  ; TSC at the first kernel instruction

section .text
global _start
extern x86_start
_start:
    mov ecx, eax                ; keep the Multiboot magic: RDTSC clobbers EAX
    rdtsc
    mov [boot_tsc], eax
    mov [boot_tsc + 4], edx
    mov esp, boot_stack_top
    xor ebp, ebp                ; end of the frame-pointer chain, for GDB's bt
    mov eax, ecx                ; x86_start(magic, info): EAX, EDX (-mregparm=3)
    mov edx, ebx
    cld
    call x86_start
    ; x86_start never returns; if it did, stop here quietly.
.hang:
    cli
    hlt
    jmp .hang
