/*
 * IO-APIC ownership: the hypervisor alone programs redirection entries
 * (RTEs). At boot every pin of every MADT-listed IO-APIC is masked; a pin
 * is then routed only by the hypervisor: the watchdog's NMI (nmi.c) and
 * GSIs given to dom0 as PIRQs (irq.c). Dom0 reads registers through
 * PHYSDEVOP_apic_read (physdev.c).
 * Registers: IOREGSEL at +0x00, IOWIN at +0x10 (82093AA datasheet);
 * register 1 holds the version and the highest RTE index, RTE n is the
 * pair of registers 0x10 + 2n (low) and 0x11 + 2n (high: destination).
 * Since only the hypervisor writes them, each IO-APIC's selected register
 * and every RTE's low word are remembered: masking or unmasking a pin (per
 * level interrupt, twice: irq.c) is then one MMIO write, or none if the
 * pin is already so, instead of a read-modify-write of four accesses, each
 * of which QEMU emulates.
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
#define IOAPIC_MAX_PINS     256          /* the version register's 8-bit highest index, + 1 */
#define REGSEL_UNKNOWN      0xffffffffu

struct ioapic {
    volatile uint32_t *mmio;             /* direct map of the register window */
    uint64_t paddr;
    uint32_t gsi_base;
    unsigned int nr_pins;
    uint32_t regsel;                     /* IOREGSEL as last written, under ioapic_lock */
    uint32_t rte_low[IOAPIC_MAX_PINS];   /* each RTE's low word as last written */
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned int nr_ioapics;
static DEFINE_SPINLOCK(ioapic_lock);    /* IRQ-safe: IOREGSEL/IOWIN pairs */

/* Point IOWIN at register reg (ioapic_lock held). */
static void reg_select(struct ioapic *io, unsigned int reg)
{
    if (io->regsel != reg) {
        io->mmio[IOAPIC_REGSEL / 4] = reg;
        io->regsel = reg;
    }
}

static uint32_t reg_read(struct ioapic *io, unsigned int reg)
{
    reg_select(io, reg);
    return io->mmio[IOAPIC_WINDOW / 4];
}

static void reg_write(struct ioapic *io, unsigned int reg, uint32_t val)
{
    reg_select(io, reg);
    io->mmio[IOAPIC_WINDOW / 4] = val;
}

/* Write RTE pin's low word, remembering it (ioapic_lock held). */
static void rte_low_write(struct ioapic *io, unsigned int pin, uint32_t low)
{
    reg_write(io, IOAPIC_RTE_LOW(pin), low);
    io->rte_low[pin] = low;
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
        io->regsel = REGSEL_UNKNOWN;
        spin_lock_irqsave(&ioapic_lock, flags);
        io->nr_pins = ((reg_read(io, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1;
        for (unsigned int pin = 0; pin < io->nr_pins; pin++)
            rte_low_write(io, pin, RTE_MASKED);
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
static void write_rte(struct ioapic *io, unsigned int pin, uint32_t low, uint32_t dest)
{
    unsigned long flags;

    spin_lock_irqsave(&ioapic_lock, flags);
    rte_low_write(io, pin, RTE_MASKED);
    reg_write(io, IOAPIC_RTE_HIGH(pin), dest << 24);
    rte_low_write(io, pin, low);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

/* The IO-APIC and pin of gsi; NULL if no IO-APIC has it. */
static struct ioapic *pin_of(unsigned int gsi, unsigned int *pin)
{
    for (unsigned int i = 0; i < nr_ioapics; i++) {
        struct ioapic *io = &ioapics[i];
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
    struct ioapic *io = pin_of(gsi, &pin);

    if (!io)
        return -ENOENT;
    write_rte(io, pin, RTE_MASKED | vector | (level ? RTE_LEVEL : 0) |
                       (active_low ? RTE_POLARITY_LOW : 0), dest);
    return 0;
}

/* gsi's IO-APIC and pin, with ioapic_lock taken (irqsave); NULL (no lock) if none has it. */
static struct ioapic *lock_pin(unsigned int gsi, unsigned int *pin, unsigned long *flags)
{
    struct ioapic *io = pin_of(gsi, pin);

    if (io)
        spin_lock_irqsave(&ioapic_lock, *flags);
    return io;
}

void ioapic_mask_gsi(unsigned int gsi, bool mask)
{
    unsigned int pin;
    unsigned long flags;
    struct ioapic *io = lock_pin(gsi, &pin, &flags);

    if (!io)
        return;
    uint32_t low = io->rte_low[pin], want = mask ? low | RTE_MASKED : low & ~RTE_MASKED;
    if (want != low)
        rte_low_write(io, pin, want);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

void ioapic_set_dest(unsigned int gsi, uint32_t dest)
{
    unsigned int pin;
    unsigned long flags;
    struct ioapic *io = lock_pin(gsi, &pin, &flags);

    if (!io)
        return;
    uint32_t low = io->rte_low[pin];
    if (!(low & RTE_MASKED))
        rte_low_write(io, pin, low | RTE_MASKED);
    reg_write(io, IOAPIC_RTE_HIGH(pin), dest << 24);
    if (!(low & RTE_MASKED))
        rte_low_write(io, pin, low);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

int ioapic_route_isa_nmi(unsigned int irq, uint32_t dest)
{
    const struct madt_info *m = acpi_madt();
    uint16_t inti = 0;
    uint32_t gsi = m ? madt_isa_irq_to_gsi(m, irq, &inti) : irq;
    unsigned int pin;
    struct ioapic *io = pin_of(gsi, &pin);

    if (!io)
        return -ENOENT;
    uint32_t low = RTE_DM_NMI;           /* physical destination, edge */
    if ((inti & MADT_POLARITY_MASK) == MADT_POLARITY_LOW)
        low |= RTE_POLARITY_LOW;
    write_rte(io, pin, low, dest);
    return 0;
}
