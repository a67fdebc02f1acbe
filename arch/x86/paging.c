/*
 * paging.c - address spaces: the kernel's window, and one user window per process.
 *
 * The 4 GiB of virtual addresses are cut in three:
 *
 *   0          .. 1 GiB    the kernel: memory mapped at its own address
 *                          (identity), with 4 MiB pages, supervisor only
 *   1 GiB      .. 2 GiB    the user window (ARCH_USER_BASE .. ARCH_USER_TOP):
 *                          a process's own pages, 4 KiB each, through page tables
 *   2 GiB      .. +256 MiB the kernel stacks (KSTACK_BASE..KSTACK_TOP): one
 *                          16 KiB slot per task, 16,384 tasks at once (make
 *                          bench runs 10,000), its pages at the top, a guard
 *                          page (or more) under them that nothing maps
 *   then       .. 4 GiB    nothing, but the APICs' registers (identity, uncached)
 *
 * The kernel's part is the same page-directory entries in every address
 * space, copied when the space is made (they never change after boot: the
 * kernel maps all its memory up front), so a system call or an interrupt
 * finds the kernel wherever the CPU is, and a process cannot touch it: its
 * pages are supervisor-only, and NULL (address 0) is among them. Kernel
 * tasks run on the kernel's own directory, which has no user window.
 *
 * With 4 MiB pages (CR4.PSE) the kernel's map is 256 entries and no page
 * table, and the TLB holds all of it in a few entries. A process's page
 * tables and its directory are page frames (kernel/mm/frames.h), counted
 * with its memory.
 */
#include "kernel/boot.h"
#include "kernel/lib/kmem.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/frames.h"
#include "kernel/sync/klock.h"
#include "smp.h"
#include "x86.h"

#include <arch/arch.h>

#define PG_PRESENT 0x001u
#define PG_WRITE 0x002u
#define PG_USER 0x004u
#define PG_PWT 0x008u
#define PG_PCD 0x010u
#define PG_LARGE 0x080u /* a 4 MiB page (in a directory entry) */
#define PG_FRAME 0xfffff000u

#define CR0_WP (1u << 16) /* the kernel too faults on writing a read-only page */
#define CR0_EM (1u << 2)  /* x87 and SSE instructions fault (#NM, #UD): no FPU state is kept for anyone */
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)

#define LARGE (4u << 20)
#define PDE_OF(va) ((uint32_t)(va) >> 22)
#define PTE_OF(va) (((uint32_t)(va) >> 12) & 0x3ff)

_Static_assert(ARCH_USER_BASE % LARGE == 0 && ARCH_USER_TOP % LARGE == 0, "the user window is whole directory entries");
_Static_assert(ARCH_PAGE_SIZE == FRAME_SIZE, "a page is a frame");

/* An address space is its page directory (one frame); CR3 is its address. */
struct arch_space {
    uint32_t pde[1024];
};

static struct arch_space kernel_space __attribute__((aligned(4096)));

#define KSTACK_BASE 0x80000000u
#define KSTACK_TOP 0x90000000u
#define KSTACK_SLOT 16384u
#define KSTACK_SLOTS ((KSTACK_TOP - KSTACK_BASE) / KSTACK_SLOT)
_Static_assert(ARCH_STACK_MAX <= KSTACK_SLOT - ARCH_PAGE_SIZE, "a guard page under the biggest stack");
_Static_assert(KSTACK_BASE >= ARCH_USER_TOP && KSTACK_BASE % LARGE == 0 && KSTACK_TOP % LARGE == 0,
               "the stack window is whole directory entries, outside the user window");

/* The stack window's page tables: in the kernel's directory from boot, so
 * every address space copies them and sees the same stacks. */
static uint32_t kstack_tables[(KSTACK_TOP - KSTACK_BASE) / LARGE][1024] __attribute__((aligned(4096)));

/* Map [lo, hi) at its own address, 4 MiB at a time, with `flags`. */
static void map_large(uint64_t lo, uint64_t hi, uint32_t flags)
{
    for (uint64_t a = lo & ~(uint64_t)(LARGE - 1); a < hi && a < (1ull << 32); a += LARGE) {
        if (a >= ARCH_USER_BASE && a < ARCH_USER_TOP)
            panic("paging: memory at %p lies in the user window (%p..%p): this kernel cannot map it",
                  (void *)(uintptr_t)a, (void *)ARCH_USER_BASE, (void *)ARCH_USER_TOP);
        kernel_space.pde[PDE_OF(a)] = (uint32_t)a | PG_LARGE | PG_WRITE | PG_PRESENT | flags;
    }
}

uint32_t paging_kernel_directory(void) { return (uint32_t)&kernel_space; }

void x86_map_mmio(uint32_t addr) { map_large(addr, (uint64_t)addr + 4096, PG_PCD | PG_PWT); }

static uint32_t firmware_pdes[8]; /* directory entries x86_firmware_map filled, + 1 (0: none) */

bool x86_firmware_map(uintptr_t p, size_t n)
{
    if (n == 0 || p + n < p)
        return false;
    for (uintptr_t a = p & ~(uintptr_t)(LARGE - 1); a < p + n; a += LARGE) {
        uint32_t *pde = &kernel_space.pde[PDE_OF(a)];
        if ((*pde & PG_PRESENT) && (*pde & PG_LARGE) && (*pde & ~(LARGE - 1)) == a)
            continue; /* (the kernel's own, at its own address, or mapped for an earlier table) */
        if (*pde & PG_PRESENT)
            return false; /* (the stack window: these addresses mean something else here) */
        unsigned k = 0;
        while (k < sizeof firmware_pdes / sizeof firmware_pdes[0] && firmware_pdes[k])
            k++;
        if (k == sizeof firmware_pdes / sizeof firmware_pdes[0])
            return false;
        firmware_pdes[k] = PDE_OF(a) + 1;
        *pde = (uint32_t)a | PG_LARGE | PG_PRESENT; /* (read-only: the probe only reads) */
        if (a + LARGE < a)
            break;
    }
    return true;
}

void x86_firmware_unmap(void)
{
    for (unsigned k = 0; k < sizeof firmware_pdes / sizeof firmware_pdes[0] && firmware_pdes[k]; k++) {
        uint32_t i = firmware_pdes[k] - 1;
        kernel_space.pde[i] = 0;
        __asm__ volatile("invlpg (%0)" : : "r"(i << 22) : "memory");
        firmware_pdes[k] = 0;
    }
}

volatile uint32_t x86_kstack_epoch; /* stacks unmapped so far (see the kernel stacks' part) */
#define kstack_epoch x86_kstack_epoch

void paging_enable_cpu(struct x86_cpu *c)
{
    c->tlb_epoch = kstack_epoch; /* (read before CR3 is loaded: an empty TLB forgets everything up to it) */
    __asm__ volatile("mov %%cr4, %%eax\n\t"
                     "or %0, %%eax\n\t"
                     "mov %%eax, %%cr4\n\t"
                     "mov %1, %%cr3\n\t"
                     "mov %%cr0, %%eax\n\t"
                     "or %2, %%eax\n\t"
                     "mov %%eax, %%cr0"
                     :
                     : "i"(CR4_PSE), "r"(&kernel_space), "i"(CR0_PG | CR0_WP | CR0_EM)
                     : "eax", "memory");
}

uintptr_t paging_init(const struct boot_info *bi)
{
    /* Every region of the memory map below the user window (RAM, and the
     * ACPI tables beside it), and the first 4 MiB (BIOS, VGA, the SMP
     * trampoline) whatever the map says. */
    uint64_t top = 0;
    map_large(0, LARGE, 0);
    for (unsigned i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        uint64_t end = r->base + r->length;
        if (r->base >= ARCH_USER_BASE)
            continue;
        if (end > ARCH_USER_BASE)
            end = ARCH_USER_BASE;
        map_large(r->base, end, 0);
        if (r->type == 1 && end > top)
            top = end;
    }
    for (unsigned i = 0; i < (KSTACK_TOP - KSTACK_BASE) / LARGE; i++)
        kernel_space.pde[PDE_OF(KSTACK_BASE) + i] = (uint32_t)kstack_tables[i] | PG_WRITE | PG_PRESENT;
    x86_map_mmio(0xfec00000u); /* the I/O APIC, and the local APICs at 0xfee00000 */
    paging_enable_cpu(&x86_cpus[0]);
    return (uintptr_t)top;
}

/* ---- Process address spaces (arch.h) ------------------------------------ */

struct arch_space *arch_space_new(void)
{
    struct arch_space *s = (struct arch_space *)frame_alloc();
    if (!s)
        return NULL;
    for (unsigned i = 0; i < 1024; i++)
        if (i < PDE_OF(ARCH_USER_BASE) || i >= PDE_OF(ARCH_USER_TOP))
            s->pde[i] = kernel_space.pde[i];
    return s;
}

static bool in_window(uintptr_t va) { return va >= ARCH_USER_BASE && va < ARCH_USER_TOP; }

/* The page-table entry for va, or NULL if its table does not exist (and
 * `make` is false, or no frame is left for one). */
static uint32_t *pte_of(struct arch_space *s, uintptr_t va, bool make)
{
    uint32_t *pde = &s->pde[PDE_OF(va)];
    if (!(*pde & PG_PRESENT)) {
        if (!make)
            return NULL;
        uintptr_t table = frame_alloc();
        if (!table)
            return NULL;
        *pde = (uint32_t)table | PG_USER | PG_WRITE | PG_PRESENT; /* the page entries decide */
    }
    return (uint32_t *)(*pde & PG_FRAME) + PTE_OF(va);
}

int arch_space_map(struct arch_space *s, uintptr_t va, uintptr_t frame, unsigned flags)
{
    KASSERT(in_window(va) && !(va & (ARCH_PAGE_SIZE - 1)) && !(frame & (ARCH_PAGE_SIZE - 1)));
    uint32_t *pte = pte_of(s, va, true);
    if (!pte)
        return -1;
    KASSERT(!(*pte & PG_PRESENT)); /* the core maps a page once */
    *pte = (uint32_t)frame | PG_USER | PG_PRESENT | (flags & ARCH_PAGE_WRITE ? PG_WRITE : 0);
    return 0;
}

uintptr_t arch_space_lookup(struct arch_space *s, uintptr_t va, unsigned *flags)
{
    if (!in_window(va))
        return 0;
    uint32_t *pte = pte_of(s, va, false);
    if (!pte || !(*pte & PG_PRESENT))
        return 0;
    if (flags)
        *flags = *pte & PG_WRITE ? ARCH_PAGE_WRITE : 0;
    return (*pte & PG_FRAME) | (va & (ARCH_PAGE_SIZE - 1));
}

void arch_space_destroy(struct arch_space *s)
{
    KASSERT(s != &kernel_space && read_cr3() != (uint32_t)s); /* no CPU runs on it */
    for (unsigned i = PDE_OF(ARCH_USER_BASE); i < PDE_OF(ARCH_USER_TOP); i++) {
        if (!(s->pde[i] & PG_PRESENT))
            continue;
        uint32_t *table = (uint32_t *)(s->pde[i] & PG_FRAME);
        for (unsigned j = 0; j < 1024; j++)
            if (table[j] & PG_PRESENT)
                frame_put(table[j] & PG_FRAME);
        frame_put((uintptr_t)table);
    }
    frame_put((uintptr_t)s);
}

/* From the switch tail (kernel/sched/sched.c): the task that now runs on
 * this CPU has address space s (NULL: a kernel task) and its kernel stack
 * ends at kstack_top. CR3 changes only when the space does: two threads of
 * one process keep the TLB. */
void arch_space_switch(struct arch_space *s, uintptr_t kstack_top)
{
    struct x86_cpu *c = x86_this_cpu();
    struct arch_space *to = s ? s : &kernel_space;
    if (c->space != to) {
        c->space = to;
        __asm__ volatile("mov %0, %%cr3" : : "r"(to) : "memory");
    }
    if (s)
        c->tss.esp0 = (uint32_t)kstack_top; /* where the CPU puts the trap frame from ring 3 */
}

/* ---- Kernel stacks (arch.h) ---------------------------------------------
 *
 * A task's kernel stack is a slot of the stack window: its pages (blocks
 * of the kernel heap, mapped a second time here) at the top, and under
 * them at least one page that is never mapped. A task that runs off the
 * bottom of its stack touches that guard page and faults at once; the CPU
 * cannot push the fault's frame there either, so it is a double fault,
 * which runs on a stack of its own (gdt.c) and names the task (trap.c).
 * Without the guard, the overflow writes over whatever the heap put below
 * and is found (if ever) at the next switch, by the canary.
 *
 * Unmapping a freed stack has a catch on several CPUs: each CPU that ran
 * the task may still hold the stack's translations in its TLB, and clears
 * only its own. The heap may take the pages back at once (no one touches a
 * dead task's stack), but the slot may not be mapped to other pages while
 * some CPU could still reach the old ones through it. So each unmapping
 * takes a number (kstack_epoch); every CPU, at its timer's tick, empties
 * its TLB when the number moved (x86_tlb_tick) and writes down the number
 * it saw; and a freed slot is used again only once every running CPU has
 * seen its number. A halted CPU counts as having seen every number: the
 * interrupt that wakes it does the same first (x86_tlb_wake); it must, as
 * an idle CPU's timer may not tick for a long while (under -icount QEMU
 * lets a halted vCPU sleep while another runs). Until then new stacks take
 * slots never used yet. Linux
 * does the same for its vmalloc'ed stacks (a lazy TLB flush); the eager
 * way, an interrupt to every CPU and a wait for their answers at each
 * free, is a TLB shootdown.
 */
static struct klock kstack_lock;   /* guards the slot counts and the queue below */
static uint32_t kstack_fresh;      /* slots [kstack_fresh, KSTACK_SLOTS) never used yet */
static uint16_t kstack_next[KSTACK_SLOTS];     /* freed slots, oldest first: a queue through this */
_Static_assert(KSTACK_SLOTS <= UINT16_MAX, "a slot's number, and KSTACK_SLOTS for none, fit in kstack_next");
static uint32_t kstack_freed_at[KSTACK_SLOTS]; /* ...with the epoch of each one's unmapping */
static uint32_t kstack_head = KSTACK_SLOTS, kstack_tail = KSTACK_SLOTS; /* KSTACK_SLOTS: empty */

static uint32_t *kstack_pte(uintptr_t va)
{
    return &kstack_tables[(va - KSTACK_BASE) / LARGE][PTE_OF(va)];
}

/* Every running CPU has emptied its TLB since epoch e (wrap-safe), or is
 * halted: it will when it wakes (x86_tlb_wake), before it touches a
 * stack. (The two sides are Dekker's: the free's locked add before our
 * load of `halted`, the waker's exchange of it before its load of the
 * epoch. One of the two sees the other.) */
static bool forgotten_everywhere(uint32_t e)
{
    for (unsigned i = 0; i < ARCH_MAX_CPUS; i++) {
        struct x86_cpu *c = &x86_cpus[i];
        if (i > 0 && __atomic_load_n(&c->started, __ATOMIC_ACQUIRE) != X86_CPU_UP)
            continue; /* (never started, or parked: it runs nothing) */
        if (x86_apic_mode && __atomic_load_n(&c->halted, __ATOMIC_SEQ_CST))
            continue;
        if ((int32_t)(__atomic_load_n(&c->tlb_epoch, __ATOMIC_ACQUIRE) - e) < 0)
            return false;
    }
    return true;
}

void *arch_stack_alloc(size_t size)
{
    KASSERT(size && size <= ARCH_STACK_MAX && size % ARCH_PAGE_SIZE == 0);
    uint8_t *pages = kmalloc_aligned(size, ARCH_PAGE_SIZE);
    if (!pages)
        return NULL;
    arch_irqstate_t s = klock_irqsave(&kstack_lock);
    uint32_t slot;
    if (kstack_head != KSTACK_SLOTS && forgotten_everywhere(kstack_freed_at[kstack_head])) {
        slot = kstack_head;
        kstack_head = kstack_next[slot];
        if (kstack_head == KSTACK_SLOTS)
            kstack_tail = KSTACK_SLOTS;
    } else if (kstack_fresh < KSTACK_SLOTS) {
        slot = kstack_fresh++;
    } else {
        klock_irqrestore(&kstack_lock, s);
        kfree(pages);
        return NULL;
    }
    klock_irqrestore(&kstack_lock, s);
    /* The slot is ours: no CPU holds a translation for it. */
    uintptr_t top = KSTACK_BASE + (slot + 1) * KSTACK_SLOT, base = top - size;
    for (uintptr_t off = 0; off < size; off += ARCH_PAGE_SIZE)
        *kstack_pte(base + off) = ((uint32_t)(uintptr_t)pages + off) | PG_WRITE | PG_PRESENT;
    return (void *)base;
}

void arch_stack_free(void *stack, size_t size)
{
    uintptr_t base = (uintptr_t)stack, top = base + size;
    KASSERT(base >= KSTACK_BASE && top <= KSTACK_TOP && (top - KSTACK_BASE) % KSTACK_SLOT == 0);
    uint32_t slot = (uint32_t)((base - KSTACK_BASE) / KSTACK_SLOT);
    void *pages = (void *)(uintptr_t)(*kstack_pte(base) & PG_FRAME);
    for (uintptr_t off = 0; off < size; off += ARCH_PAGE_SIZE) {
        *kstack_pte(base + off) = 0;
        __asm__ volatile("invlpg (%0)" : : "r"(base + off) : "memory");
    }
    kfree(pages);
    arch_irqstate_t s = klock_irqsave(&kstack_lock);
    uint32_t e = __atomic_add_fetch(&kstack_epoch, 1, __ATOMIC_ACQ_REL);
    kstack_freed_at[slot] = e;
    kstack_next[slot] = KSTACK_SLOTS;
    if (kstack_tail == KSTACK_SLOTS)
        kstack_head = slot;
    else
        kstack_next[kstack_tail] = (uint16_t)slot;
    kstack_tail = slot;
    klock_irqrestore(&kstack_lock, s);
    /* This CPU forgot the slot just now (invlpg): with no other CPU, that
     * is everyone (and there is no APIC timer to call x86_tlb_tick). */
    if (!x86_apic_mode)
        x86_this_cpu()->tlb_epoch = e;
}

/* The interrupt that ends this CPU's HLT, first thing: it is no longer
 * halted, and forgets what was unmapped while it was. */
void x86_tlb_wake(struct x86_cpu *c)
{
    __atomic_exchange_n(&c->halted, 0, __ATOMIC_SEQ_CST);
    x86_tlb_tick(c); /* (its load of the epoch comes after the exchange: Dekker's other side) */
}

/* x86_tlb_tick (x86.h) found a stack unmapped since this CPU last emptied
 * its TLB: empty it now, and say up to which unmapping. Interrupts off. */
void x86_tlb_flush(struct x86_cpu *c)
{
    uint32_t e = __atomic_load_n(&kstack_epoch, __ATOMIC_ACQUIRE); /* (read before the flush) */
    __asm__ volatile("mov %%cr3, %%eax\n\tmov %%eax, %%cr3" : : : "eax", "memory");
    __atomic_store_n(&c->tlb_epoch, e, __ATOMIC_RELEASE);
}

/* Where a kernel address lies in the stack window: the bounds of the stack
 * of its slot in [*lo, *hi) if it is that slot's guard (unmapped, below
 * the pages), for the fault reports. */
bool x86_stack_guard(uintptr_t va, uintptr_t *lo, uintptr_t *hi)
{
    if (va < KSTACK_BASE || va >= KSTACK_TOP || (*kstack_pte(va) & PG_PRESENT))
        return false;
    uintptr_t top = KSTACK_BASE + ((va - KSTACK_BASE) / KSTACK_SLOT + 1) * KSTACK_SLOT, base = top;
    while (base > va && (*kstack_pte(base - ARCH_PAGE_SIZE) & PG_PRESENT))
        base -= ARCH_PAGE_SIZE;
    if (base == top)
        return false; /* a free slot */
    *lo = base;
    *hi = top;
    return true;
}
