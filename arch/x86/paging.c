/*
 * paging.c - address spaces: the kernel's window, and one user window per process.
 *
 * The 4 GiB of virtual addresses are cut in three:
 *
 *   0          .. 1 GiB    the kernel: memory mapped at its own address
 *                          (identity), with 4 MiB pages, supervisor only
 *   1 GiB      .. 2 GiB    the user window (ARCH_USER_BASE .. ARCH_USER_TOP):
 *                          a process's own pages, 4 KiB each, through page tables
 *   2 GiB      .. 4 GiB    nothing, but the APICs' registers (identity, uncached)
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
#include "kernel/lib/kprintf.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/frames.h"
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

void paging_enable_cpu(void)
{
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
    x86_map_mmio(0xfec00000u); /* the I/O APIC, and the local APICs at 0xfee00000 */
    paging_enable_cpu();
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
