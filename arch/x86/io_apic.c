/*
 * IO-APIC ownership: the hypervisor alone programs redirection entries
 * (RTEs). At boot every pin of every MADT-listed IO-APIC is masked; a pin
 * is then routed only by the hypervisor: the watchdog's NMI (nmi.c) and
 * GSIs given to dom0 as PIRQs (irq.c). Dom0 reads registers through
 * PHYSDEVOP_apic_read (physdev.c).
 * Registers: IOREGSEL at +0x00, IOWIN at +0x10 (82093AA datasheet);
 * register 1 holds the version and the highest RTE index, RTE n is the
 * pair of registers 0x10 + 2n (low) and 0x11 + 2n (high: destination).
 */
#include <xenia/lib.h>
#include <xenia/acpi.h>
#include <xenia/errno.h>
#include <xenia/spinlock.h>
#include <asm/io_apic.h>
#include <asm/madt.h>
#include <asm/page.h>

#define IOAPIC_REGSEL       0x00
#define IOAPIC_WINDOW       0x10
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_RTE_LOW(n)   (0x10 + 2 * (n))
#define IOAPIC_RTE_HIGH(n)  (0x11 + 2 * (n))

#define RTE_DM_NMI          (4u << 8)
#define RTE_POLARITY_LOW    (1u << 13)
#define RTE_LEVEL           (1u << 15)
#define RTE_MASKED          (1u << 16)

struct ioapic {
    volatile uint32_t *mmio;             /* direct map of the register window */
    uint64_t paddr;
    uint32_t gsi_base;
    unsigned int nr_pins;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned int nr_ioapics;
static DEFINE_SPINLOCK(ioapic_lock);    /* IRQ-safe: IOREGSEL/IOWIN pairs */

static uint32_t reg_read(const struct ioapic *io, unsigned int reg)
{
    io->mmio[IOAPIC_REGSEL / 4] = reg;
    return io->mmio[IOAPIC_WINDOW / 4];
}

static void reg_write(const struct ioapic *io, unsigned int reg, uint32_t val)
{
    io->mmio[IOAPIC_REGSEL / 4] = reg;
    io->mmio[IOAPIC_WINDOW / 4] = val;
}

void ioapic_init(void)
{
    const struct madt_info *m = acpi_madt();
    unsigned long flags;

    for (unsigned int i = 0; m && i < m->nr_ioapics; i++) {
        struct ioapic *io = &ioapics[nr_ioapics++];
        io->paddr = m->ioapics[i].paddr;
        io->gsi_base = m->ioapics[i].gsi_base;
        io->mmio = __va(io->paddr);
        spin_lock_irqsave(&ioapic_lock, flags);
        io->nr_pins = ((reg_read(io, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1;
        for (unsigned int pin = 0; pin < io->nr_pins; pin++)
            reg_write(io, IOAPIC_RTE_LOW(pin), RTE_MASKED);
        spin_unlock_irqrestore(&ioapic_lock, flags);
        printk("IO-APIC %u: at 0x%lx, GSIs %u-%u, all pins masked\n", i,
               (unsigned long)io->paddr, io->gsi_base, io->gsi_base + io->nr_pins - 1);
    }
}

int ioapic_index_of(uint64_t paddr)
{
    for (unsigned int i = 0; i < nr_ioapics; i++)
        if (ioapics[i].paddr == paddr)
            return (int)i;
    return -1;
}

uint32_t ioapic_read_reg(unsigned int idx, unsigned int reg)
{
    unsigned long flags;
    uint32_t val;

    ASSERT(idx < nr_ioapics);
    spin_lock_irqsave(&ioapic_lock, flags);
    val = reg_read(&ioapics[idx], reg);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return val;
}

/* Rewrite a pin's RTE: masked first, then the destination, then low (which may unmask). */
static void write_rte(const struct ioapic *io, unsigned int pin, uint32_t low, uint32_t dest)
{
    unsigned long flags;

    spin_lock_irqsave(&ioapic_lock, flags);
    reg_write(io, IOAPIC_RTE_LOW(pin), RTE_MASKED);
    reg_write(io, IOAPIC_RTE_HIGH(pin), dest << 24);
    reg_write(io, IOAPIC_RTE_LOW(pin), low);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

/* The IO-APIC and pin of gsi; NULL if no IO-APIC has it. */
static const struct ioapic *pin_of(unsigned int gsi, unsigned int *pin)
{
    for (unsigned int i = 0; i < nr_ioapics; i++) {
        const struct ioapic *io = &ioapics[i];
        if (gsi >= io->gsi_base && gsi < io->gsi_base + io->nr_pins) {
            *pin = gsi - io->gsi_base;
            return io;
        }
    }
    return NULL;
}

unsigned int ioapic_nr_gsis(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < nr_ioapics; i++)
        n = MAX(n, ioapics[i].gsi_base + ioapics[i].nr_pins);
    return n;
}

int ioapic_route_gsi(unsigned int gsi, uint8_t vector, uint32_t dest, bool level, bool active_low)
{
    unsigned int pin;
    const struct ioapic *io = pin_of(gsi, &pin);

    if (!io)
        return -ENOENT;
    write_rte(io, pin, RTE_MASKED | vector | (level ? RTE_LEVEL : 0) |
                       (active_low ? RTE_POLARITY_LOW : 0), dest);
    return 0;
}

void ioapic_mask_gsi(unsigned int gsi, bool mask)
{
    unsigned int pin;
    const struct ioapic *io = pin_of(gsi, &pin);
    unsigned long flags;

    if (!io)
        return;
    spin_lock_irqsave(&ioapic_lock, flags);
    uint32_t low = reg_read(io, IOAPIC_RTE_LOW(pin));
    reg_write(io, IOAPIC_RTE_LOW(pin), mask ? low | RTE_MASKED : low & ~RTE_MASKED);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

int ioapic_route_isa_nmi(unsigned int irq, uint32_t dest)
{
    const struct madt_info *m = acpi_madt();
    uint16_t inti = 0;
    uint32_t gsi = m ? madt_isa_irq_to_gsi(m, irq, &inti) : irq;
    unsigned int pin;
    const struct ioapic *io = pin_of(gsi, &pin);

    if (!io)
        return -ENOENT;
    uint32_t low = RTE_DM_NMI;           /* physical destination, edge */
    if ((inti & MADT_POLARITY_MASK) == MADT_POLARITY_LOW)
        low |= RTE_POLARITY_LOW;
    write_rte(io, pin, low, dest);
    return 0;
}
