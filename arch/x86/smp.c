/*
 * smp.c - the CPUs group of the arch contract: probing, starting an AP
 * (INIT-SIPI-SIPI), per-CPU data, reschedule IPIs, stopping the others.
 *
 * The boot CPU finds the CPUs in the firmware's tables (acpi.c). Starting
 * another one - an application processor, AP - follows the MP
 * specification's universal start-up algorithm (Intel SDM vol. 3, "MP
 * initialization"): an INIT IPI, 10 ms, then a STARTUP IPI twice, 200 us
 * after each. The STARTUP IPI's vector says where the AP starts in real
 * mode: vector 0x08, physical 0x8000, where we copied boot/trampoline.asm.
 * The trampoline reaches protected mode and calls x86_ap_main on the stack
 * the boot CPU handed it; x86_ap_main loads the CPU's own GDT, TSSs and the
 * IDT, enables its local APIC, says it is up, and calls the core's entry.
 *
 * APs are started one at a time: the trampoline's parameter block is one,
 * and the boot CPU waits until the AP has reached its entry (or gives up).
 * The first start switches the machine from the 8259 PIC and the PIT to the
 * APICs (apic.c), since an AP cannot take the PIC's interrupts anyway.
 */
#include "kernel/lib/kprintf.h"
#include "kernel/lib/lang.h"
#include "smp.h"

#define TRAMP_BASE 0x8000u /* boot/trampoline.asm is written for this address */
#define SIPI_VECTOR (TRAMP_BASE >> 12)

extern const char trampoline_start[], trampoline_end[], trampoline_params[]; /* boot/trampoline.asm */

/* The block at trampoline_params, in the copy. */
struct trampoline_params {
    uint32_t esp;                           /* 0 */
    void (*main)(struct x86_cpu *);         /* 4: x86_ap_main */
    struct x86_cpu *cpu;                    /* 8 */
};

static const struct x86_topology *topo;
static unsigned ncpus = 1;
static void (*ap_entry)(void); /* for the AP being started */
static volatile uint32_t stopper; /* 0, or 1 + the number of the CPU in arch_stop_others */

void x86_ap_main(struct x86_cpu *c);

struct arch_cpu_dep arch_cpu_may_change; /* only its address matters: see arch_this_cpu */

void arch_cpu_set_local(void *local) { x86_this_cpu()->local = local; }

unsigned arch_cpus_probe(void)
{
    static struct x86_topology sorted;
    const struct x86_topology *t = x86_topology_probe();
    x86_cpus[0].id = 0;
    if (t->ncpus == 0) {
        kprintf(TR("smp: 1 CPU (%s)\n", "smp : 1 processeur (%s)\n"), t->source);
        topo = NULL;
        return ncpus = 1;
    }
    /* The boot CPU first, the others in table order. (The APIC's registers
     * can be read before it is software-enabled.) */
    sorted = *t;
    lapic_set_base(t->lapic_addr);
    uint32_t me = lapic_id();
    unsigned n = 0;
    sorted.apic_ids[n++] = me;
    for (unsigned i = 0; i < t->ncpus; i++)
        if (t->apic_ids[i] != me && n < ARCH_MAX_CPUS)
            sorted.apic_ids[n++] = t->apic_ids[i];
    sorted.ncpus = n;
    topo = &sorted;
    ncpus = n;
    x86_cpus[0].apic_id = me;
    kprintf(TR("smp: %u CPU(s) from the %s at %p (APIC ids", "smp : %u processeur(s) d'après les tables (%s) à %p (APIC ids"), n,
            t->source, (void *)t->table);
    for (unsigned i = 0; i < n; i++)
        kprintf(" %u", (unsigned)sorted.apic_ids[i]);
    kprintf(TR("), %u I/O APIC(s), %u interrupt override(s), local APIC at 0x%x%s\n",
               "), %u I/O APIC, %u redirection(s) d'interruption, APIC local à 0x%x%s\n"),
            t->nioapics, t->noverrides, (unsigned)t->lapic_addr,
            t->ncpus_found > n ? TR("; only the first 8 are used", " ; seuls les 8 premiers servent") : "");
    return n;
}

/* The first AP start: the boot CPU goes over to its local APIC. */
static void enter_apic_mode(void)
{
    arch_irqstate_t s = arch_irq_save();
    lapic_enable();
    lapic_timer_calibrate();
    x86_cpus[0].started = X86_CPU_UP;
    apic_switch_boot_cpu(topo, x86_timer_hz);
    arch_irq_restore(s);
}

/* INIT: assert, 10 ms, de-assert (for the CPUs that want it). It resets the
 * CPU to wait for a STARTUP IPI, wherever it was. */
static void send_init(uint32_t apic_id)
{
    lapic_send_ipi(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    pit_wait_us(10000);
    lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL);
}

bool arch_cpu_start(unsigned cpu, void *local, void *stack, size_t size, void (*entry)(void))
{
    if (!topo || cpu == 0 || cpu >= ncpus || x86_cpus[cpu].started != X86_CPU_OFF) {
        kprintf("smp: cannot start cpu %u: %s\n", cpu,
                !topo                                 ? "no CPU table was found (arch_cpus_probe)"
                : cpu == 0 || cpu >= ncpus            ? "no such CPU"
                : x86_cpus[cpu].started == X86_CPU_UP ? "it already runs"
                                                      : "it did not come up the first time, and is parked");
        return false;
    }
    if (!x86_apic_mode && topo->nioapics == 0) {
        kprintf("smp: cannot start cpu %u: the tables list no I/O APIC to route the devices through\n", cpu);
        return false;
    }
    struct x86_cpu *c = &x86_cpus[cpu];
    c->local = local;
    c->id = cpu;
    c->self = c;
    c->apic_id = topo->apic_ids[cpu];
    if (!x86_apic_mode)
        enter_apic_mode();

    __builtin_memcpy((void *)TRAMP_BASE, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    volatile struct trampoline_params *p =
        (volatile struct trampoline_params *)(TRAMP_BASE + (uintptr_t)(trampoline_params - trampoline_start));
    p->esp = (uint32_t)(((uintptr_t)stack + size) & ~(uintptr_t)15);
    p->main = x86_ap_main;
    p->cpu = c;
    ap_entry = entry;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    /* INIT, then STARTUP twice with 200 us after each (a CPU already
     * running ignores the second one). */
    send_init(c->apic_id);
    for (int i = 0; i < 2 && c->started == X86_CPU_OFF; i++) {
        lapic_send_ipi(c->apic_id, ICR_STARTUP | SIPI_VECTOR);
        pit_wait_us(200);
    }
    for (unsigned waited = 0; __atomic_load_n(&c->started, __ATOMIC_ACQUIRE) == X86_CPU_OFF && waited < 100000;
         waited += 100)
        pit_wait_us(100);
    /* Up, or given up on: the first of the AP and us to claim it decides. */
    uint32_t was = X86_CPU_OFF;
    if (!__atomic_compare_exchange_n(&c->started, &was, X86_CPU_GAVE_UP, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return true; /* (it made it, if only just) */
    /* Late, and perhaps still on its way: an INIT stops it wherever it is,
     * waiting for a STARTUP IPI that will not come. */
    send_init(c->apic_id);
    kprintf(TR("smp: cpu %u (APIC id %u) did not reach its entry within 100 ms of its STARTUP IPIs; parked it "
               "(INIT)\n",
               "smp : le processeur %u (APIC id %u) n'a pas atteint son entrée 100 ms après ses IPI STARTUP ; mis "
               "à l'arrêt (INIT)\n"),
            cpu, (unsigned)c->apic_id);
    return false;
}

/*
 * An AP, from the trampoline: flat segments, interrupts off, on the stack
 * arch_cpu_start handed over. Take this CPU's own tables, its local APIC,
 * say so, tell the boot CPU, and run the core's entry.
 */
void x86_ap_main(struct x86_cpu *c)
{
    paging_enable_cpu(c);
    gdt_init_cpu(c);
    idt_load();
    lapic_enable();
    void (*entry)(void) = ap_entry; /* before `started`: the boot CPU may then start the next AP */
    kprintf(TR("smp: cpu %u up (APIC id %u)\n", "smp : processeur %u démarré (APIC id %u)\n"), c->id,
            (unsigned)lapic_id());
    uint32_t was = X86_CPU_OFF;
    if (!__atomic_compare_exchange_n(&c->started, &was, X86_CPU_UP, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        kprintf(TR("smp: cpu %u came up too late: the boot CPU has given up on it; halting it\n",
                   "smp : le processeur %u a démarré trop tard : le processeur de démarrage y a renoncé ; on "
                   "l'arrête\n"),
                c->id);
        arch_halt(); /* (the boot CPU's INIT is on its way) */
    }
    entry();
    kprintf("smp: cpu %u: its entry returned; halting it\n", c->id);
    arch_halt();
}

void arch_send_resched(unsigned cpu)
{
    if (!x86_apic_mode || cpu >= ARCH_MAX_CPUS || x86_cpus[cpu].started != X86_CPU_UP)
        return;
    lapic_send_ipi(x86_cpus[cpu].apic_id, ICR_FIXED | VEC_RESCHED);
}

bool x86_stop_requested(void)
{
    uint32_t s = __atomic_load_n(&stopper, __ATOMIC_ACQUIRE);
    return s && s != arch_cpu_id() + 1;
}

void arch_stop_others(void)
{
    if (!x86_apic_mode)
        return;
    uint32_t me = arch_cpu_id() + 1, expected = 0;
    if (!__atomic_compare_exchange_n(&stopper, &expected, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (expected != me)
            arch_halt(); /* another CPU is stopping everyone: its NMI will find us here */
        return;
    }
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++)
        if (i != me - 1 && x86_cpus[i].started == X86_CPU_UP)
            lapic_send_ipi(x86_cpus[i].apic_id, ICR_NMI);
    /* Let them take it before we print (a CPU in the middle of a line
     * finishes its character, not its line). */
    for (int i = 0; i < 100000; i++)
        __asm__ volatile("" ::: "memory");
}

void arch_cpu_counts(unsigned cpu, struct arch_cpu_counts *out)
{
    out->timer_ticks = cpu < ARCH_MAX_CPUS ? x86_cpus[cpu].timer_ticks : 0;
    out->resched_ipis = cpu < ARCH_MAX_CPUS ? x86_cpus[cpu].resched_ipis : 0;
}
