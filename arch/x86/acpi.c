/*
 * acpi.c - finding the CPUs and the I/O APICs: the ACPI MADT, else the
 * Intel MultiProcessor tables.
 *
 * The firmware describes the interrupt hardware in one of two ways. ACPI's
 * Multiple APIC Description Table (MADT, signature "APIC") lists every
 * processor's local APIC, the I/O APICs with the first global system
 * interrupt (GSI) each handles, and "interrupt source overrides": an ISA IRQ
 * wired to another GSI or with another polarity or trigger than ISA's
 * active-high edge (on QEMU, IRQ 0 arrives on GSI 2). We find it from the
 * RSDP ("RSD PTR ", in the first KiB of the EBDA or in 0xE0000-0xFFFFF, on a
 * 16-byte boundary), then the RSDT (32-bit pointers) or XSDT (64-bit).
 * Older machines (and QEMU with -machine acpi=off) have only the MP
 * specification's floating pointer ("_MP_") and configuration table
 * ("PCMP"): processor entries, I/O APIC entries, and I/O interrupt entries
 * that say which I/O APIC pin each ISA IRQ reaches.
 *
 * Everything is read once, by the boot CPU, before anything is started,
 * where it is: the kernel maps itself the first 4 MiB and the memory map's
 * regions below the user window (paging_init), and a table the firmware put
 * elsewhere (QEMU puts ACPI's at the top of RAM: above 1 GiB with -m 1536)
 * is mapped while we read it (x86_firmware_map), and unmapped after.
 */
#include "kernel/lib/kprintf.h"
#include "smp.h"

static struct x86_topology topo;

static bool checksum_ok(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + b[i]);
    return sum == 0;
}

static bool sig_is(const void *p, const char *sig, size_t n)
{
    const char *a = p;
    for (size_t i = 0; i < n; i++)
        if (a[i] != sig[i])
            return false;
    return true;
}

/* The first 16-byte-aligned structure with signature `sig` whose first
 * `len` bytes sum to 0, in [start, start + size). */
static const uint8_t *scan(uintptr_t start, size_t size, const char *sig, size_t sig_len, size_t len)
{
    for (uintptr_t p = start; p + len <= start + size; p += 16)
        if (sig_is((const void *)p, sig, sig_len) && checksum_ok((const void *)p, len))
            return (const uint8_t *)p;
    return NULL;
}

/* Where the firmware's pointers hide: the EBDA's first KiB, the last KiB of
 * base memory, and the BIOS ROM area. */
static const uint8_t *find_low(const char *sig, size_t sig_len, size_t len, uintptr_t rom_start)
{
    /* The BIOS data area's word at 0x40E: the EBDA's segment. (The empty asm
     * hides the small constant address from gcc's array-bounds warning.) */
    uintptr_t bda = 0x40e;
    __asm__("" : "+r"(bda));
    uintptr_t ebda = (uintptr_t)(*(const volatile uint16_t *)bda) << 4;
    const uint8_t *p = NULL;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        p = scan(ebda, 1024, sig, sig_len, len);
    if (!p)
        p = scan(0x9fc00, 1024, sig, sig_len, len);
    if (!p)
        p = scan(rom_start, 0x100000 - rom_start, sig, sig_len, len);
    return p;
}

/* Whether [p, p + n) can be read (mapped for the probe if it must be); if
 * not, a line saying which table is left unread. */
static bool readable(const void *table, size_t n, const char *what)
{
    if (x86_firmware_map((uintptr_t)table, n))
        return true;
    kprintf("acpi: cannot read the %s at %p (%u bytes): the kernel's stack window (0x80000000-0x90000000) is "
            "there, or the tables are spread over too many places; left unread\n", what, table, (unsigned)n);
    return false;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void add_cpu(uint32_t apic_id)
{
    if (topo.ncpus < ARCH_MAX_CPUS)
        topo.apic_ids[topo.ncpus] = apic_id;
    topo.ncpus_found++;
    topo.ncpus += topo.ncpus < ARCH_MAX_CPUS;
}

static void add_ioapic(uint32_t id, uint32_t addr, uint32_t gsi_base)
{
    x86_map_mmio(addr);
    if (topo.nioapics < X86_MAX_IOAPICS)
        topo.ioapics[topo.nioapics++] = (struct x86_ioapic){id, addr, gsi_base};
}

/* ---- ACPI --------------------------------------------------------------- */

/* The MADT from the RSDT or XSDT the RSDP points at, or NULL. */
static const uint8_t *find_madt(void)
{
    const uint8_t *rsdp = find_low("RSD PTR ", 8, 20, 0xe0000);
    if (!rsdp)
        return NULL;
    const uint8_t *sdt;
    unsigned entry_size;
    if (rsdp[15] >= 2 && rd32(rsdp + 28) == 0 && rd32(rsdp + 24)) { /* ACPI 2.0+: the XSDT, if below 4 GiB */
        sdt = (const uint8_t *)(uintptr_t)rd32(rsdp + 24);
        entry_size = 8;
    } else {
        sdt = (const uint8_t *)(uintptr_t)rd32(rsdp + 16);
        entry_size = 4;
    }
    const char *sdt_name = entry_size == 8 ? "XSDT" : "RSDT";
    if (!sdt || !readable(sdt, 36, sdt_name) || !readable(sdt, rd32(sdt + 4), sdt_name) ||
        !checksum_ok(sdt, rd32(sdt + 4)))
        return NULL;
    uint32_t len = rd32(sdt + 4);
    for (uint32_t off = 36; off + entry_size <= len; off += entry_size) {
        if (entry_size == 8 && rd32(sdt + off + 4))
            continue; /* above 4 GiB: out of reach without paging */
        const uint8_t *t = (const uint8_t *)(uintptr_t)rd32(sdt + off);
        if (t && readable(t, 8, "ACPI table") && sig_is(t, "APIC", 4) && readable(t, rd32(t + 4), "MADT") &&
            checksum_ok(t, rd32(t + 4)))
            return t;
    }
    return NULL;
}

static bool parse_madt(const uint8_t *madt)
{
    topo.lapic_addr = rd32(madt + 36);
    uint32_t len = rd32(madt + 4);
    for (uint32_t off = 44; off + 2 <= len;) {
        const uint8_t *e = madt + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || off + elen > len)
            break;
        switch (type) {
        case 0: /* processor local APIC: ACPI id, APIC id, flags (bit 0: enabled) */
            if (rd32(e + 4) & 1)
                add_cpu(e[3]);
            break;
        case 1: /* I/O APIC: id, reserved, address, first GSI */
            add_ioapic(e[2], rd32(e + 4), rd32(e + 8));
            break;
        case 2: /* interrupt source override: bus (0 = ISA), source IRQ, GSI, flags */
            if (e[2] == 0 && e[3] < 16) {
                topo.isa[e[3]].gsi = rd32(e + 4);
                topo.isa[e[3]].flags = rd16(e + 8);
                topo.noverrides++;
            }
            break;
        case 5: /* local APIC address override (64-bit) */
            if (rd32(e + 8) == 0)
                topo.lapic_addr = rd32(e + 4);
            break;
        }
        off += elen;
    }
    return topo.ncpus > 0;
}

/* ---- Intel MP specification 1.4 ---------------------------------------- */

static bool parse_mp(const uint8_t *fp)
{
    topo.imcr = fp[12] & 0x80; /* feature byte 2: an IMCR, set to PIC mode at reset */
    const uint8_t *cfg = (const uint8_t *)(uintptr_t)rd32(fp + 4);
    if (!cfg || fp[11] != 0) /* a default configuration (no table): not supported */
        return false;
    if (!readable(cfg, 8, "MP configuration table") || !sig_is(cfg, "PCMP", 4) ||
        !readable(cfg, rd16(cfg + 4), "MP configuration table") || !checksum_ok(cfg, rd16(cfg + 4)))
        return false;
    topo.lapic_addr = rd32(cfg + 36);
    unsigned count = rd16(cfg + 34);
    const uint8_t *e = cfg + 44, *end = cfg + rd16(cfg + 4);
    int isa_bus = -1;
    for (unsigned i = 0; i < count && e < end; i++) {
        switch (e[0]) {
        case 0: /* processor: APIC id, version, flags (bit 0 enabled, bit 1 boot CPU) */
            if (e[3] & 1)
                add_cpu(e[1]);
            e += 20;
            break;
        case 1: /* bus: id, type "ISA   " */
            if (sig_is(e + 2, "ISA", 3))
                isa_bus = e[1];
            e += 8;
            break;
        case 2: /* I/O APIC: id, version, flags (bit 0 usable), address */
            if (e[3] & 1)
                add_ioapic(e[1], rd32(e + 4), topo.nioapics ? 0xffffffffu : 0);
            e += 8;
            break;
        case 3: /* I/O interrupt: type (0 = INT), flags, source bus, IRQ, dest I/O APIC, pin */
            if (e[1] == 0 && e[4] == isa_bus && e[5] < 16) {
                /* Pins of the first I/O APIC are GSIs from 0 (we route to it only). */
                topo.isa[e[5]].gsi = e[7];
                topo.isa[e[5]].flags = rd16(e + 2); /* same encoding as the MADT's */
            }
            e += 8;
            break;
        default: /* 4: local interrupt; others are 8 bytes too */
            e += 8;
            break;
        }
    }
    return topo.ncpus > 0;
}

/* See smp.h. */
static const struct x86_topology *probe(void);

const struct x86_topology *x86_topology_probe(void)
{
    const struct x86_topology *t = probe();
    x86_firmware_unmap(); /* (what it keeps, it has copied) */
    return t;
}

static const struct x86_topology *probe(void)
{
    topo = (struct x86_topology){0};
    for (unsigned irq = 0; irq < 16; irq++)
        topo.isa[irq] = (struct x86_isa_route){irq, 0}; /* ISA default: identity, active high, edge */
    const uint8_t *madt = find_madt();
    if (madt && parse_madt(madt)) {
        topo.source = "ACPI MADT";
        topo.table = (uintptr_t)madt;
        return &topo;
    }
    topo = (struct x86_topology){0};
    for (unsigned irq = 0; irq < 16; irq++)
        topo.isa[irq] = (struct x86_isa_route){irq, 0};
    const uint8_t *fp = find_low("_MP_", 4, 16, 0xf0000);
    if (fp && parse_mp(fp)) {
        topo.source = "MP tables";
        topo.table = (uintptr_t)fp;
        return &topo;
    }
    topo = (struct x86_topology){0};
    topo.source = "no ACPI MADT or MP table";
    return &topo;
}
