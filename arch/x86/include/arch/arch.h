/*
 * arch/arch.h - everything the portable kernel knows about the CPU.
 *
 * kernel/ and demos/ include this file and nothing else from arch/. The kernel
 * build finds it in arch/x86/include; the host build (cmocka tests and the
 * simulator) finds a fake with the same contract in tests/host/fake. If
 * portable code reaches past this header for something x86, the host build
 * breaks: that is the layering check.
 *
 * The contract, in eight groups:
 *   interrupts   arch_irq_save/restore/enable/disable/enabled, arch_idle
 *   context      struct arch_context, arch_context_init, arch_switch
 *   atomics      arch_xchg, arch_test_and_set
 *   time         arch_cycles, arch_timer_start
 *   leaving      arch_exit, arch_halt
 *   CPUs         arch_cpus_probe, arch_cpu_start, arch_cpu_set_local,
 *                arch_this_cpu, arch_cpu_id, arch_cpu_current,
 *                arch_cpu_set_current, arch_send_resched,
 *                arch_stop_others, arch_cpu_relax, arch_cpu_counts
 *   spaces       struct arch_space, arch_space_new/map/lookup/destroy,
 *                arch_space_switch, arch_stack_alloc/free (kernel stacks)
 *   user mode    arch_enter_user, and the hooks the arch calls back:
 *                kernel/proc/proc.h (system calls, faults, the way back)
 * Each function says what the core may expect of it. arch/contract.h holds
 * the contract's prototypes and types, which this file and the host's fake
 * are both checked against.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Interrupts ------------------------------------------------------- */

/* Saved interrupt state, as returned by arch_irq_save (the EFLAGS image). */
typedef uint32_t arch_irqstate_t;

/* Disable interrupts and return the previous state, for arch_irq_restore.
 * Nests: save/save/restore/restore leaves interrupts as they were. */
/* (The .cfi lines tell GDB about the push: a timer interrupt can land
 * between pushfl and popl, and `bt` must still unwind from there.) */
#define ARCH_READ_EFLAGS(var) \
    __asm__ volatile("pushfl\n\t.cfi_adjust_cfa_offset 4\n\tpopl %0\n\t.cfi_adjust_cfa_offset -4" : "=r"(var))

static inline arch_irqstate_t arch_irq_save(void)
{
    arch_irqstate_t flags;
    ARCH_READ_EFLAGS(flags);
    __asm__ volatile("cli" : : : "memory");
    return flags;
}

/* Put the interrupt flag back as arch_irq_save found it. */
static inline void arch_irq_restore(arch_irqstate_t flags)
{
    if (flags & (1u << 9))
        __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }

/* True when interrupts are enabled on this CPU. */
static inline bool arch_irq_enabled(void)
{
    uint32_t flags;
    ARCH_READ_EFLAGS(flags);
    return flags & (1u << 9);
}

/* Enable interrupts and halt until the next one, atomically: an interrupt
 * that arrives between the two cannot be missed (STI takes effect after the
 * next instruction). Called by the idle task with interrupts off. Returns
 * with interrupts enabled, after the interrupt has been handled. (First it
 * marks this CPU halted, %fs:16: a halted CPU reaches no kernel stack, and
 * the interrupt that wakes it empties its TLB if a stack was unmapped
 * meanwhile; arch/x86/paging.c.) */
static inline void arch_idle(void) { __asm__ volatile("movl $1, %%fs:16\n\tsti\n\thlt" : : : "memory"); }

/* ---- Execution contexts ----------------------------------------------- */

/* What a task that is not running keeps of its CPU state: the kernel stack
 * pointer. Everything else (callee-saved registers, the return address, and
 * for a preempted task the whole trap frame) lives on that stack. */
struct arch_context {
    uint32_t esp; /* offset 0: arch/x86/switch.S relies on it */
};
_Static_assert(offsetof(struct arch_context, esp) == 0, "switch.S: mov [eax], esp");

/* Prepare a new context that, when first switched to, calls start(last) on
 * the stack [stack_base, stack_base + size) with interrupts still disabled;
 * `last` is the context that was switched away from to get there (as
 * arch_switch returns it). start() must never return. */
void arch_context_init(struct arch_context *ctx, void *stack_base, size_t size,
                       void (*start)(struct arch_context *last));

/* Save the current CPU state into *from and resume *to. Returns when some
 * later arch_switch resumes *from, and returns the context *that* switch
 * came from: not `to`, which ran long ago, but whoever ran last on this CPU
 * (Linux's switch_to(prev, next, last)). Interrupts must be disabled; they
 * stay disabled across the switch. One routine serves voluntary and
 * preemptive switches alike (arch/x86/switch.S). */
struct arch_context *arch_switch(struct arch_context *from, struct arch_context *to);

/* ---- Atomics ---------------------------------------------------------- */

/* Atomically store v in *p and return the old value (x86 XCHG). */
static inline uint32_t arch_xchg(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

/* Atomically set bit 0 of *p and return its old value (LOCK BTS): the x86
 * spelling of the slides' TSL instruction. */
static inline bool arch_test_and_set(volatile uint32_t *p)
{
    bool old;
    __asm__ volatile("lock btsl $0, %1\n\tsetc %0" : "=q"(old), "+m"(*p) : : "memory", "cc");
    return old;
}

/* ---- Time ------------------------------------------------------------- */

/* A free-running cycle counter (RDTSC). Under QEMU -icount shift=0 it
 * advances by exactly one per executed instruction. */
static inline uint64_t arch_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- The timer ------------------------------------------------------ */

/* Start THIS CPU's periodic timer at `hz` interrupts per second, of which
 * every `every`-th is a tick (1: each one; more: slow ticks, slow=N, which
 * stay as exact as the timer). From then on, each interrupt runs, in
 * interrupt context: sched_irq_enter(), sched_tick() if it is a tick, the
 * end-of-interrupt, sched_irq_exit() (kernel/sched/sched.h). The caller enables
 * interrupts when it is ready for them.
 * While only the boot CPU runs, this is the PIT (through the 8259 PIC).
 * Once arch_cpu_start has started another CPU, every CPU (the boot CPU
 * switches over by itself at that moment) uses its local APIC timer,
 * calibrated once against the PIT, and devices go through the I/O APIC.
 * (For now only CPU 0 calls the sched_* hooks: see the SMP core comments
 * in arch/x86/trap.c.) */
void arch_timer_start(unsigned hz, unsigned every);

/* Make each timer period vary at random by up to `percent` % around 1/hz,
 * from a seeded generator: different interleavings, each one replayable.
 * 0 turns it off. Works for the PIT and for the local APIC timers (which
 * then run one-shot, reloaded at each tick, each CPU from its own
 * generator seeded from `seed` and its number). */
void arch_timer_jitter(unsigned percent, uint32_t seed);

/* Start delivering typed characters (serial line, keyboard) to the kernel's
 * input buffer (kernel/input.h), from their interrupt handlers. */
void arch_input_start(void);

/* The input buffer has room again after the serial line was paused
 * (kernel/input.h): let it deliver again. */
void arch_input_resume(void);

/* ---- Leaving ---------------------------------------------------------- */

/* Leave the machine with a status: under QEMU with the isa-debug-exit
 * device, QEMU exits with (code << 1) | 1. Without it, halts forever.
 * See kernel/lib/panic.h for the codes. */
__attribute__((noreturn)) void arch_exit(int code);

/* Stop this CPU for good (interrupts off, HLT in a loop). */
__attribute__((noreturn)) void arch_halt(void);

/* ---- CPUs --------------------------------------------------------------- */

/* The most CPUs the arch layer starts; arch_cpus_probe never reports more. */
#define ARCH_MAX_CPUS 8

/* Per-CPU data of the core: each CPU has one pointer, set once, read in one
 * instruction. arch_cpu_set_local sets this CPU's pointer (the boot CPU's
 * before arch_cpus_probe; another CPU's is given to arch_cpu_start, so it is
 * set before that CPU runs any core code). Until set, arch_this_cpu() is
 * NULL. Any context, interrupts on or off. */
void arch_cpu_set_local(void *local);

/* This CPU's pointer: one MOVL from FS, whose segment base is this CPU's
 * arch data (each CPU has its own GDT; the selector is the same on all).
 * Not volatile: the compiler may reuse the value it read until the next
 * function call - after which the task may be running on another CPU. The
 * dummy memory operand is what a call may change, so the read is redone
 * after each call (arch_switch is one); its type is one that no store in
 * the kernel can alias, so ordinary stores do not force a new read. */
struct arch_cpu_dep {
    void (*never_used)(struct arch_cpu_dep *);
};
extern struct arch_cpu_dep arch_cpu_may_change;
static inline void *arch_this_cpu(void)
{
    void *p;
    __asm__("movl %%fs:0, %0" : "=r"(p) : "m"(arch_cpu_may_change));
    return p;
}

/* This CPU's number: 0 for the boot CPU, then 1..n-1 in the order they were
 * started (not the APIC ids). Valid from the first instruction of kernel_main. */
static inline unsigned arch_cpu_id(void)
{
    unsigned id;
    __asm__ volatile("movl %%fs:4, %0" : "=r"(id));
    return id;
}

/* How many CPUs there are (at least 1, at most ARCH_MAX_CPUS): from the
 * ACPI MADT, else the Intel MP tables, else 1. Prints one line saying what
 * it found and where. Starts nothing: the machine is as before. Boot CPU,
 * task context; calling it again returns the same answer (and prints again). */
unsigned arch_cpus_probe(void);

/* Start CPU `cpu` (1..probed-1, each once, in order). It loads its own
 * GDT/TSS/IDT, enables its local APIC, sets arch_this_cpu() == local, prints
 * "smp: cpu N up (APIC id M)", and calls entry() on the stack
 * [stack, stack + size) with interrupts off; entry() must not return (if it
 * does, the CPU halts). Returns true once the CPU has reached entry, false
 * (with a one-line message) after a timeout of about 100 ms. The first
 * successful start switches the whole machine to the APICs (see
 * arch_timer_start). Boot CPU, task context, may spin with interrupts on;
 * not from an interrupt handler. */
bool arch_cpu_start(unsigned cpu, void *local, void *stack, size_t size, void (*entry)(void));

/* Send CPU `cpu` a reschedule IPI: it takes an interrupt and runs
 * sched_irq_enter(); EOI; sched_irq_exit(), so a need-resched flag the core
 * set for it is acted on at its interrupt tail. (For now only CPU 0 calls
 * the sched_* hooks; the others count the IPI: arch_cpu_counts.) Any CPU,
 * any context; does nothing before APs run or for a CPU not started. */
void arch_send_resched(unsigned cpu);

/* For panic: every other started CPU halts with interrupts off (an NMI, so
 * even a CPU spinning with interrupts off stops), so the panic message is
 * readable. Does nothing while only the boot CPU runs. If two CPUs call it
 * at once, the second one halts and the first goes on. Interrupts off. */
void arch_stop_others(void);

/* One more per-CPU word for the core, read and written in one instruction
 * each: the core keeps the task running on this CPU there (task_current).
 * One instruction matters: reading the per-CPU pointer and then a field
 * through it takes two, and a task preempted and moved to another CPU in
 * between would read the other CPU's task. The value a task reads is
 * always itself, wherever it runs, so the compiler may keep it. NULL
 * until set. */
static inline void *arch_cpu_current(void)
{
    void *t;
    __asm__("movl %%fs:12, %0" : "=r"(t));
    return t;
}
static inline void arch_cpu_set_current(void *t) { __asm__ volatile("movl %0, %%fs:12" : : "r"(t) : "memory"); }

/* Spin-wait hint (PAUSE), for loops that poll memory another CPU writes. */
static inline void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* What the arch layer counted for CPU `cpu`, for tests and diagnostics:
 * interrupts from its timer, and reschedule IPIs it took. Any CPU, any
 * context; zeros for a CPU never started. */
struct arch_cpu_counts {
    uint32_t timer_ticks;
    uint32_t resched_ipis;
};
void arch_cpu_counts(unsigned cpu, struct arch_cpu_counts *out);

/* ---- Address spaces ---------------------------------------------------- */

/* A process's view of memory: the kernel's window (the same in every
 * space, supervisor only) and a user window, [ARCH_USER_BASE, ARCH_USER_TOP),
 * of pages the core maps one by one. Opaque to the core. */
struct arch_space;
#define ARCH_PAGE_SIZE 4096u
#define ARCH_USER_BASE 0x40000000u /* 1 GiB: below it, the kernel */
#define ARCH_USER_TOP 0x80000000u  /* 2 GiB: the first address past the user window */
#define ARCH_PAGE_WRITE 1u         /* arch_space_map: the process may write the page */
/* The user addresses one page table maps (aligned): mapping pages in one
 * such span needs a frame for a table at most once, at the first. */
#define ARCH_TABLE_SPAN (4u << 20)

/* A new space: the kernel's window, an empty user window. Its tables are
 * page frames (kernel/mm/frames.h). NULL if no frame is left. */
struct arch_space *arch_space_new(void);

/* Map the user page at va (page-aligned, in the window, not yet mapped) to
 * `frame`, readable by the process and writable with ARCH_PAGE_WRITE. The
 * space takes over the caller's reference to the frame. -1 if no frame
 * was left for a page table (nothing changed), else 0. */
int arch_space_map(struct arch_space *s, uintptr_t va, uintptr_t frame, unsigned flags);

/* Where the byte at user address va is (the kernel sees it there), with
 * the page's flags in *flags (if not NULL); 0 if va is outside the window
 * or not mapped. Never faults: this is how system calls check pointers. */
uintptr_t arch_space_lookup(struct arch_space *s, uintptr_t va, unsigned *flags);

/* Free s: its tables, and a reference to each frame mapped in it. No CPU
 * may be running on s (its last thread is off every CPU). */
void arch_space_destroy(struct arch_space *s);

/* The switch tail (sched_finish_switch) of a task with space s, or of a
 * kernel task (s NULL) after a task with a space: make s this CPU's space
 * (the kernel's for NULL), and, for a task with a space, make
 * kstack_top where the CPU puts its trap frame when it enters the kernel
 * from user mode. Interrupts off. */
void arch_space_switch(struct arch_space *s, uintptr_t kstack_top);

/* A task's kernel stack: `size` bytes (whole pages, at most
 * ARCH_STACK_MAX), with a guard page under it that nothing maps, the same
 * in every address space. Running off the bottom faults there at once (on
 * x86 a double fault, reported with the task and the stack's bounds)
 * instead of overwriting whatever lies below. NULL if there is no memory
 * or no room left for another stack. Any context but an interrupt handler. */
#define ARCH_STACK_MAX 12288u
void *arch_stack_alloc(size_t size);

/* Give back a stack from arch_stack_alloc once no CPU runs on it. */
void arch_stack_free(void *stack, size_t size);

/* ---- User mode -------------------------------------------------------- */

/* Leave the kernel for user mode (ring 3) at eip with stack pointer esp, in
 * the address space this CPU runs (the caller's, made current by
 * arch_space_switch), interrupts on, every other register zero. Never
 * returns: the task comes back to the kernel only through a trap (a system
 * call, an interrupt, a fault; kernel/proc/proc.h). */
__attribute__((noreturn)) void arch_enter_user(uintptr_t eip, uintptr_t esp);

#include <arch/contract.h> /* (the contract's prototypes and types: drift fails the build) */

#endif /* ARCH_ARCH_H */
