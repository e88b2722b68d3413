/*
 * MADT ("APIC") parsing: which CPUs exist, where the local APIC and the
 * IO-APICs live, and where ISA IRQs arrive (ACPI 6.4 section 5.2.12).
 * Pure: reads a table the caller mapped.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/madt.h>

#define MADT_HEADER_LEN     44          /* ACPI header (36) + LAPIC address + flags */
#define MADT_LAPIC_ADDR_OFF 36

#define MADT_TYPE_LAPIC             0
#define MADT_TYPE_IOAPIC            1
#define MADT_TYPE_OVERRIDE          2
#define MADT_TYPE_LAPIC_OVERRIDE    5
#define MADT_TYPE_X2APIC            9

#define MADT_ENABLED        (1u << 0)

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void add_cpu(struct madt_info *info, uint32_t apic_id, uint32_t flags)
{
    if (!(flags & MADT_ENABLED)) {
        info->nr_disabled++;
        return;
    }
    for (unsigned int i = 0; i < info->nr_cpus; i++)
        if (info->apic_ids[i] == apic_id)
            return;                     /* listed both as LAPIC and x2APIC */
    if (info->nr_cpus == NR_CPUS) {
        info->nr_dropped++;
        return;
    }
    info->apic_ids[info->nr_cpus++] = apic_id;
}

/* One subtable of length len at e (len already checked against the type). */
static void parse_entry(struct madt_info *info, const uint8_t *e)
{
    switch (e[0]) {
    case MADT_TYPE_LAPIC:
        if (e[3] != 0xff)               /* 0xff: no usable xAPIC id */
            add_cpu(info, e[3], get32(e + 4));
        break;
    case MADT_TYPE_X2APIC:
        add_cpu(info, get32(e + 4), get32(e + 8));
        break;
    case MADT_TYPE_LAPIC_OVERRIDE: {
        uint64_t pa;
        memcpy(&pa, e + 4, 8);
        info->lapic_paddr = pa;
        break;
    }
    case MADT_TYPE_IOAPIC:
        if (info->nr_ioapics < MADT_MAX_IOAPICS)
            info->ioapics[info->nr_ioapics++] = (struct madt_ioapic){
                .id = e[2], .paddr = get32(e + 4), .gsi_base = get32(e + 8) };
        break;
    case MADT_TYPE_OVERRIDE: {
        uint16_t flags;
        memcpy(&flags, e + 8, 2);
        if (e[2] == 0 && e[3] < 16 && info->nr_overrides < MADT_MAX_OVERRIDES)
            info->overrides[info->nr_overrides++] = (struct madt_override){
                .isa_irq = e[3], .gsi = get32(e + 4), .flags = flags };
        break;
    }
    default:
        break;
    }
}

static unsigned int min_len(uint8_t type)
{
    switch (type) {
    case MADT_TYPE_LAPIC:           return 8;
    case MADT_TYPE_IOAPIC:          return 12;
    case MADT_TYPE_OVERRIDE:        return 10;
    case MADT_TYPE_LAPIC_OVERRIDE:  return 12;
    case MADT_TYPE_X2APIC:          return 16;
    default:                        return 2;
    }
}

int madt_parse(const void *table, size_t len, struct madt_info *info)
{
    const uint8_t *t = table;

    memset(info, 0, sizeof(*info));
    if (len < MADT_HEADER_LEN || memcmp(t, "APIC", 4))
        return -EINVAL;
    uint32_t hdr_len = get32(t + 4);
    if (hdr_len < len)
        len = hdr_len;                  /* trust the smaller of the two */
    info->lapic_paddr = get32(t + MADT_LAPIC_ADDR_OFF);

    for (size_t off = MADT_HEADER_LEN; off + 2 <= len;) {
        const uint8_t *e = t + off;
        if (e[1] < min_len(e[0]) || off + e[1] > len)
            break;
        parse_entry(info, e);
        off += e[1];
    }
    return (int)info->nr_cpus;
}

uint32_t madt_isa_irq_to_gsi(const struct madt_info *info, unsigned int irq, uint16_t *flags)
{
    for (unsigned int i = 0; i < info->nr_overrides; i++)
        if (info->overrides[i].isa_irq == irq) {
            *flags = info->overrides[i].flags;
            return info->overrides[i].gsi;
        }
    *flags = 0;
    return irq;
}
