/*
 * trap.c - what happens after isr.S has saved the interrupted context.
 *
 * CPU exceptions (vectors 0-31) in kernel code are bugs: we print the
 * exception, the full register state and the task it happened in, and stop
 * with the panic status. In a process (ring 3) they are the process's
 * fault: we say which instruction or access it was, and kernel/proc ends
 * that process only. System calls (int 0x80) come only from ring 3. Hardware interrupts (32-47) go to their handler
 * between sched_irq_enter and sched_irq_exit, with the end-of-interrupt in
 * between, so that a task switch - if the handler asked for one - happens
 * only once the PIC can deliver the next tick.
 *
 * Once other CPUs run (smp.c), the interrupts come from the APICs instead:
 * each CPU's timer (VEC_LAPIC_TIMER), reschedule IPIs (VEC_RESCHED), and
 * the devices through the I/O APIC (VEC_IOAPIC_BASE + IRQ), with the EOI
 * to the local APIC. An NMI from arch_stop_others halts the CPU.
 */
#include "drivers/drivers.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/lang.h"
#include "kernel/lib/panic.h"
#include "kernel/proc/proc.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"
#include "smp.h"
#include "x86.h"

static const char *const exception_names[32] = {
    "#DE Divide Error", "#DB Debug", "NMI Interrupt", "#BP Breakpoint",
    "#OF Overflow", "#BR BOUND Range Exceeded", "#UD Invalid Opcode", "#NM Device Not Available",
    "#DF Double Fault", "Coprocessor Segment Overrun", "#TS Invalid TSS", "#NP Segment Not Present",
    "#SS Stack-Segment Fault", "#GP General Protection", "#PF Page Fault", "(reserved 15)",
    "#MF x87 Floating-Point Error", "#AC Alignment Check", "#MC Machine Check", "#XM SIMD Floating-Point",
    "#VE Virtualization", "#CP Control Protection", "(reserved 22)", "(reserved 23)",
    "(reserved 24)", "(reserved 25)", "(reserved 26)", "(reserved 27)",
    "#HV Hypervisor Injection", "#VC VMM Communication", "#SX Security", "(reserved 31)",
};

struct regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags;
    uint32_t cs, ds, es, fs, gs, ss;
};

static void dump(unsigned vector, uint32_t error, const struct regs *r)
{
    struct task *t = task_current();
    kprintf(TR("\nEXCEPTION: %s (vector %u, error code 0x%x)\n", "\nEXCEPTION: %s (vecteur %u, code d'erreur 0x%x)\n"),
            exception_names[vector], vector, error);
    if (x86_apic_mode) {
        struct x86_cpu *c = x86_this_cpu();
        kprintf(TR("  on cpu %u (APIC id %u)\n", "  sur le processeur %u (APIC id %u)\n"), c->id, (unsigned)c->apic_id);
    }
    if (t)
        kprintf(TR("  in task '%s' (id %u, %s) at tick %u\n", "  dans la tâche '%s' (id %u, %s) au tick %u\n"), t->name,
                (unsigned)t->id,
                sched_in_irq() ? TR("in an interrupt handler", "dans un gestionnaire d'interruption")
                               : task_state_name(t->state),
                (unsigned)sched_ticks_locked()); /* (the lock may be held: no waiting for it) */
    kprintf("  EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r->eax, r->ebx, r->ecx, r->edx);
    kprintf("  ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r->esi, r->edi, r->ebp, r->esp);
    kprintf("  EIP=%08x EFLAGS=%08x CS=%04x DS=%04x ES=%04x FS=%04x GS=%04x SS=%04x\n", r->eip, r->eflags,
            r->cs, r->ds, r->es, r->fs, r->gs, r->ss);
    kprintf("  CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
    if (vector == 14)
        kprintf(TR("  CR2 is the address that faulted\n", "  CR2 est l'adresse fautive\n"));
    uintptr_t lo, hi;
    if ((vector == 14 || vector == 8) && x86_stack_guard(read_cr2(), &lo, &hi))
        kprintf(TR("  CR2 is in the guard page under the kernel stack [%p, %p)%s: a kernel stack overflow\n",
                   "  CR2 est dans la page de garde sous la pile noyau [%p, %p)%s : un débordement de pile noyau\n"),
                (void *)lo, (void *)hi,
                t && (uintptr_t)t->stack == lo ? TR(", this task's", ", celle de cette tâche") : "");
}

static __attribute__((noreturn, noinline)) void exception(struct trap_frame *f)
{
    if (f->vector == 2 && x86_stop_requested())
        arch_halt(); /* arch_stop_others on another CPU: stop here, quietly */
    arch_stop_others(); /* so this report is the only thing on the console */
    uint16_t ss;
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));
    struct regs r = {
        f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp, trap_frame_esp(f), f->eip, f->eflags,
        f->cs, f->ds, f->es, f->fs, f->gs, ss,
    };
    dump(f->vector, f->error, &r);
    panic("CPU exception %s at EIP=%08x", exception_names[f->vector], f->eip);
}

/* The byte at user address a in the running process, or -1 if none. */
static int user_byte(uint32_t a)
{
    uintptr_t k = arch_space_lookup(task_current()->space, a, NULL);
    return k ? *(const uint8_t *)k : -1;
}

/* What a #GP in ring 3 was, from the instruction at EIP and the error code. */
static const char *why_gp(const struct trap_frame *f)
{
    /* The course's reason (communication interprocessus, slide 6). */
#define COURSE_SAYS "a user may not disable interrupts: \"on ne peut pas permettre aux usagers " \
                    "d'utiliser une telle instruction\""
#define COURSE_DIT "un usager ne peut pas couper les interruptions : « on ne peut pas permettre aux " \
                   "usagers d'utiliser une telle instruction »"
    if (f->error & 2) /* an IDT vector: INT n on a gate ring 3 may not use */
        return TR("INT to a vector that only the kernel may raise: system calls are int 0x80",
                  "INT vers un vecteur que seul le noyau peut lever : les appels système sont int 0x80");
    switch (user_byte(f->eip)) {
    case 0xfa:
        return TR("CLI in user mode: " COURSE_SAYS, "CLI en mode utilisateur : " COURSE_DIT);
    case 0xfb:
        return TR("STI in user mode: " COURSE_SAYS, "STI en mode utilisateur : " COURSE_DIT);
    case 0xf4:
        return TR("HLT in user mode: only the kernel stops the CPU",
                  "HLT en mode utilisateur : seul le noyau arrête le processeur");
    case 0xe4: case 0xe5: case 0xec: case 0xed: case 0x6c: case 0x6d:
        return TR("IN from an I/O port in user mode: devices are the kernel's",
                  "IN depuis un port d'entrée-sortie en mode utilisateur : les périphériques sont au noyau");
    case 0xe6: case 0xe7: case 0xee: case 0xef: case 0x6e: case 0x6f:
        return TR("OUT to an I/O port in user mode: devices are the kernel's",
                  "OUT vers un port d'entrée-sortie en mode utilisateur : les périphériques sont au noyau");
    default:
        return f->error ? TR("a segment selector it may not use", "un sélecteur de segment qu'il ne peut pas utiliser")
                        : TR("a privileged instruction, or a protection check",
                             "une instruction privilégiée, ou un contrôle de protection");
    }
}

/* An exception in ring 3: the process's, not the kernel's. */
static __attribute__((noreturn)) void user_exception(struct trap_frame *f)
{
    struct user_fault u = {
        .vector = f->vector, .name = exception_names[f->vector], .eip = f->eip, .esp = trap_frame_esp(f),
        .error = f->error,
    };
    if (f->vector == 14) {
        u.has_addr = true;
        u.addr = read_cr2();
        u.why = !(f->error & 1)          ? TR("no page is mapped there", "aucune page n'est projetée là")
                : u.addr < ARCH_USER_BASE || u.addr >= ARCH_USER_TOP
                    ? TR("the kernel's pages are supervisor-only: a process may not touch them",
                         "les pages du noyau sont réservées au superviseur : un processus ne peut pas y toucher")
                : f->error & 2            ? TR("a write to a read-only page (its text, or its constants)",
                                               "une écriture dans une page en lecture seule (son code, ou ses constantes)")
                                          : TR("an access the page does not allow", "un accès que la page ne permet pas");
    } else if (f->vector == 13) {
        u.why = why_gp(f);
    } else if (f->vector == 0) {
        u.why = TR("a division by zero (or a quotient too large for its register)",
                   "une division par zéro (ou un quotient trop grand pour son registre)");
    } else if (f->vector == 6) {
        u.why = TR("not an instruction this CPU runs", "pas une instruction que ce processeur exécute");
    } else if (f->vector == 1) {
        u.why = TR("a debug trap: the trap flag (TF) set, so every instruction traps, and no debugger is there",
                   "un piège de débogage : l'indicateur TF est mis, chaque instruction déroute, et aucun débogueur "
                   "n'est là");
    } else if (f->vector == 5) {
        u.why = TR("BOUND found an index outside its bounds", "BOUND a trouvé un indice hors de ses bornes");
    } else if (f->vector == 10) {
        u.why = TR("a task switch through a bad TSS (IRET with the nested-task flag, NT, set)",
                   "une commutation de tâche par un TSS invalide (IRET avec l'indicateur NT mis)");
    } else if (f->vector == 11 || f->vector == 12) {
        u.why = TR("a segment that is not present, or a stack segment it may not use",
                   "un segment absent, ou un segment de pile qu'il ne peut pas utiliser");
    } else if (f->vector == 17) {
        u.why = TR("an unaligned access with alignment checking (AC) on",
                   "un accès non aligné avec la vérification d'alignement (AC) activée");
    } else if (f->vector == 7) {
        u.why = TR("a floating-point instruction: the kernel keeps no FPU state for processes (build without floats)",
                   "une instruction à virgule flottante : le noyau ne garde pas l'état du FPU des processus "
                   "(compilez sans flottants)");
    }
    proc_fault(&u);
}

/* Every trap from ring 3 (isr.S), on the thread's kernel stack: a system
 * call, an interrupt that came while it ran, or its fault. Then, on the
 * way back to ring 3, a killed process ends. */
void trap_dispatch_user(struct trap_frame *f)
{
    if (f->vector == VEC_SYSCALL) {
        arch_irq_enable();
        f->eax = (uint32_t)syscall_dispatch(f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi);
        arch_irq_disable();
    } else if (f->vector < 32 && f->vector != 2) {
        user_exception(f);
    } else {
        trap_dispatch(f);
    }
    proc_return_to_user();
}

/* The double fault arrives through a task gate (gdt.c): we run on this
 * CPU's double-fault stack (its df_tss loaded FS with its per-CPU segment),
 * and the CPU saved the faulting state in this CPU's main TSS. */
void x86_double_fault(void)
{
    arch_stop_others();
    const struct tss *s = &x86_this_cpu()->tss;
    struct regs r = {
        s->eax, s->ebx, s->ecx, s->edx, s->esi, s->edi, s->ebp, s->esp, s->eip, s->eflags,
        s->cs, s->ds, s->es, s->fs, s->gs, s->ss,
    };
    dump(8, 0, &r);
    uintptr_t lo, hi;
    struct task *t = task_current();
    if (x86_stack_guard(read_cr2(), &lo, &hi) && t && (uintptr_t)t->stack == lo)
        panic("kernel stack overflow: task '%s' (id %u) ran off the bottom of its %u-byte stack [%p, %p) "
              "into the guard page under it (CR2=%08x), where the CPU could not push the fault's frame "
              "either; give it a bigger stack or fewer/lighter locals",
              t->name, (unsigned)t->id, (unsigned)(hi - lo), (void *)lo, (void *)hi, read_cr2());
    panic("double fault (an exception while handling one: often a kernel stack overflow)");
}

/* An interrupt may end this CPU's HLT (arch_idle): say it is awake, and
 * forget what was unmapped while it slept, before anything can switch to
 * a task's stack - here, or in the idle loop once the interrupt returns,
 * which is why even a vector that does nothing else calls it. */
static inline struct x86_cpu *wake_from_halt(void)
{
    struct x86_cpu *c = x86_this_cpu();
    if (c->halted)
        x86_tlb_wake(c);
    return c;
}

/* The APIC vectors (only once other CPUs run; the PIC path above is the
 * single-CPU one, left exactly as it was). */
static __attribute__((noinline)) void apic_interrupt(uint32_t v)
{
    struct x86_cpu *c = wake_from_halt();
    if (v == VEC_STOP)
        arch_halt(); /* a fixed-vector stop: arch_stop_others' twin for a CPU that takes interrupts */
    sched_irq_enter();
    if (v == VEC_LAPIC_TIMER) {
        c->timer_ticks++;
        x86_tlb_tick(c);
        if (lapic_timer_tick(c))
            sched_tick();
    } else if (v == VEC_RESCHED) {
        c->resched_ipis++; /* the work is sched_irq_exit's: a need-resched flag */
    } else if (v == VEC_IOAPIC_BASE + IRQ_COM1) {
        serial_irq();
    } else if (v == VEC_IOAPIC_BASE + IRQ_KEYBOARD) {
        keyboard_irq();
    }
    lapic_eoi();
    sched_irq_exit(); /* may switch tasks: returns when this one runs again */
}

/* A tick of the PIT, whole (the EOI first: interrupts stay off until the
 * IRET, so the next tick waits for this one anyway). */
static inline void pit_tick_interrupt(void)
{
    pic_eoi_master();
    sched_tick_interrupt(); /* may switch tasks: returns when this one runs again */
}

/* Every vector but the PIT's plain ticks (trap_dispatch). */
static __attribute__((noinline)) void trap_dispatch_other(struct trap_frame *f)
{
    uint32_t v = f->vector;
    if (v == IRQ_BASE + IRQ_TIMER && pit_tick_special()) { /* jitter, or slow ticks: this one is a tick */
        pit_tick_interrupt();
        return;
    }
    if (v < 32)
        exception(f);
    if (v < IRQ_BASE + 16) {
        unsigned irq = v - IRQ_BASE;
        if ((irq == 7 || irq == 15) && pic_is_spurious(irq))
            return;
        sched_irq_enter(); /* (IRQ 0 here: a timer interrupt between two slow ticks, only its EOI) */
        if (irq == IRQ_COM1) {
            serial_irq();
        } else if (irq == IRQ_KEYBOARD) {
            keyboard_irq();
        }
        pic_eoi(irq);
        sched_irq_exit(); /* may switch tasks: returns when this one runs again */
        return;
    }
    if (v >= VEC_IOAPIC_BASE && v <= VEC_STOP) {
        apic_interrupt(v);
        return;
    }
    wake_from_halt(); /* (a spurious or unknown vector wakes a HLT too) */
    if (v == VEC_SPURIOUS)
        return; /* the local APIC's spurious vector: not in service, no EOI */
    kprintf("trap: unexpected interrupt vector %u (no device or exception uses it); ignored\n",
            (unsigned)v);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == IRQ_BASE + IRQ_TIMER && !pit_special) { /* the PIT's tick first: the hottest path there is */
        pit_tick_interrupt();
        return;
    }
    trap_dispatch_other(f);
}
