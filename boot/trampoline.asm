; boot/trampoline.asm - where a started CPU (an AP) runs its first instructions.
;
; An application processor wakes from the boot CPU's STARTUP IPI in 16-bit
; real mode at vector * 4 KiB: the boot CPU sends vector 0x08, so it starts at
; CS:IP = 0800:0000, physical 0x8000, and smp.c copies this code there first
; (the CPU cannot start above 1 MiB, where the kernel is). From there: load a
; small flat GDT, set CR0.PE (and clear CD/NW, which INIT leaves set), far
; jump into 32-bit code, load the flat data segments and the stack the boot
; CPU left in the parameter block, and call x86_ap_main(cpu) (EAX: the kernel
; is built -mregparm=3), which loads the CPU's own tables.
;
; How it is linked: assembled as elf32 like boot.asm, into .rodata, and
; written to run at TRAMP_BASE whatever address the linker gives it: every
; address is TRAMP_BASE + (label - trampoline_start), a difference within
; one section that NASM resolves itself, so nothing is relocated. (One file
; and no incbin step; the price is that the labels are only meaningful in the
; copy at 0x8000.) smp.c copies [trampoline_start, trampoline_end) and fills
; the parameter block at its end, one AP at a time.

TRAMP_BASE equ 0x8000
%define ADDR(label) (TRAMP_BASE + ((label) - trampoline_start))

section .rodata
align 16
global trampoline_start, trampoline_end, trampoline_params

bits 16
trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax                      ; DS = 0: data at its physical address (< 64 KiB)
    lgdt [ADDR(tramp_gdtr)]
    mov eax, cr0
    and eax, 0x9fffffff             ; caches on: clear CD (bit 30) and NW (bit 29)
    or eax, 1                       ; PE
    mov cr0, eax
    jmp dword 0x08:ADDR(tramp_pm32) ; 66 EA: a far jump with a 32-bit offset

bits 32
tramp_pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, [ADDR(trampoline_params) + 0]    ; the stack the boot CPU handed over
    mov eax, [ADDR(trampoline_params) + 8]    ; x86_ap_main(cpu)
    xor ebp, ebp                              ; the end of the frame chain, for GDB
    call [ADDR(trampoline_params) + 4]
.hang:                                        ; x86_ap_main does not return
    cli
    hlt
    jmp .hang

align 8
tramp_gdt:                          ; null, flat ring-0 code, flat ring-0 data
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
tramp_gdtr:
    dw 3 * 8 - 1
    dd ADDR(tramp_gdt)

align 4
trampoline_params:                  ; filled in by smp.c in the copy (struct trampoline_params)
    dd 0                            ; 0: the initial ESP (top of the AP's stack)
    dd 0                            ; 4: the C entry (x86_ap_main)
    dd 0                            ; 8: its argument (struct x86_cpu *)
trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
