/*
 * Physical IRQs: IO-APIC GSIs routed to the hardware domain as PIRQs (the
 * model and the locking are described in <asm/pirq.h>). Every GSI has a
 * fixed vector (GSI_VECTOR_BASE + gsi) on CPU 0.
 */
#include <xenia/lib.h>
#include <xenia/acpi.h>
#include <xenia/errno.h>
#include <xenia/event.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <asm/apic.h>
#include <asm/io_apic.h>
#include <asm/irq.h>
#include <asm/madt.h>
#include <asm/pirq.h>
#include <asm/smp.h>

#define PIT_ISA_IRQ     0                /* the hypervisor's timer line (watchdog NMI) */
#define FIRST_PCI_GSI   16               /* below: ISA lines; from here: PCI INTx */

struct gsi_irq {
    struct domain *d;                    /* the domain it is mapped to, or NULL */
    evtchn_port_t port;                  /* the bound event channel port, or 0 */
    bool level, active_low;              /* trigger mode, polarity */
    bool set_up;                         /* the pin is programmed (setup_gsi or defaults) */
    bool awaiting_eoi;                   /* level: masked until the guest's EOI */
    unsigned long count;                 /* interrupts taken */
};

static struct gsi_irq gsis[MAX_GSIS];
static unsigned int nr_gsis;
static DEFINE_SPINLOCK(pirq_lock);

static bool hypervisor_gsi(unsigned int gsi)
{
    const struct madt_info *m = acpi_madt();
    uint16_t flags;

    return gsi == (m ? madt_isa_irq_to_gsi(m, PIT_ISA_IRQ, &flags) : PIT_ISA_IRQ);
}

static struct gsi_irq *gsi_of(int gsi)
{
    return gsi >= 0 && (unsigned int)gsi < nr_gsis ? &gsis[gsi] : NULL;
}

/* The domain's PIRQ: its GSI, if mapped to d. */
static struct gsi_irq *pirq_of(const struct domain *d, int pirq)
{
    struct gsi_irq *g = gsi_of(pirq);

    return g && g->d == d ? g : NULL;
}

/* Program the pin (masked). pirq_lock held. */
static void program(unsigned int gsi, struct gsi_irq *g, bool level, bool active_low)
{
    g->level = level;
    g->active_low = active_low;
    g->set_up = true;
    g->awaiting_eoi = false;
    ioapic_route_gsi(gsi, (uint8_t)(GSI_VECTOR_BASE + gsi), cpu_physical_id(0), level, active_low);
}

/* Defaults for a pin dom0 binds before setup_gsi: ISA per the MADT, PCI level/low. */
static void program_defaults(unsigned int gsi, struct gsi_irq *g)
{
    const struct madt_info *m = acpi_madt();
    bool level = gsi >= FIRST_PCI_GSI, low = gsi >= FIRST_PCI_GSI;

    for (unsigned int i = 0; m && i < m->nr_overrides; i++) {
        if (m->overrides[i].gsi != gsi)
            continue;
        uint16_t f = m->overrides[i].flags;
        if (f & MADT_TRIGGER_MASK)
            level = (f & MADT_TRIGGER_MASK) == MADT_TRIGGER_LEVEL;
        if (f & MADT_POLARITY_MASK)
            low = (f & MADT_POLARITY_MASK) == MADT_POLARITY_LOW;
    }
    program(gsi, g, level, low);
}

/* An interrupt on a GSI's vector: raise the bound port; a level pin waits for the EOI. */
static void gsi_interrupt(struct cpu_user_regs *regs)
{
    unsigned int gsi = regs->entry_vector - GSI_VECTOR_BASE;
    struct gsi_irq *g = &gsis[gsi];

    spin_lock(&pirq_lock);
    g->count++;
    if (g->level) {
        ioapic_mask_gsi(gsi, true);
        g->awaiting_eoi = true;
    }
    apic_eoi();
    if (g->d && g->port)
        send_guest_pirq(g->d, g->port, gsi);
    spin_unlock(&pirq_lock);
}

void pirq_init(void)
{
    nr_gsis = MIN(ioapic_nr_gsis(), (unsigned int)MAX_GSIS);
    for (unsigned int gsi = 0; gsi < nr_gsis; gsi++)
        set_irq_handler((uint8_t)(GSI_VECTOR_BASE + gsi), gsi_interrupt);
}

int pirq_map_gsi(struct domain *d, int gsi, int *pirq)
{
    struct gsi_irq *g = gsi_of(gsi);
    unsigned long flags;
    int rc = 0;

    if (d != hardware_domain)
        return -EPERM;
    if (!g || (*pirq >= 0 && *pirq != gsi))
        return -EINVAL;
    spin_lock_irqsave(&pirq_lock, flags);
    if (g->d && g->d != d)
        rc = -EBUSY;
    else
        g->d = d;
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!rc)
        *pirq = gsi;
    return rc;
}

/* Stop delivery: pin masked, port forgotten. pirq_lock held. */
static void unbind_locked(unsigned int gsi, struct gsi_irq *g)
{
    if (!g->port || hypervisor_gsi(gsi))
        return;
    ioapic_mask_gsi(gsi, true);
    g->port = 0;
    g->awaiting_eoi = false;
}

int pirq_unmap(struct domain *d, int pirq)
{
    unsigned long flags;
    int rc = -EINVAL;

    spin_lock_irqsave(&pirq_lock, flags);
    struct gsi_irq *g = pirq_of(d, pirq);
    if (g) {
        unbind_locked((unsigned int)pirq, g);
        g->d = NULL;
        rc = 0;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

int pirq_setup_gsi(int gsi, bool level, bool active_low)
{
    struct gsi_irq *g = gsi_of(gsi);
    unsigned long flags;
    int rc = 0;

    if (!g)
        return -EINVAL;
    if (hypervisor_gsi((unsigned int)gsi))
        return -EBUSY;
    spin_lock_irqsave(&pirq_lock, flags);
    if (g->set_up)
        rc = -EEXIST;
    else
        program((unsigned int)gsi, g, level, active_low);
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

int pirq_bind(struct domain *d, int pirq, evtchn_port_t port)
{
    unsigned long flags;
    int rc = 0;

    spin_lock_irqsave(&pirq_lock, flags);
    struct gsi_irq *g = pirq_of(d, pirq);
    if (!g) {
        rc = -EINVAL;
    } else if (hypervisor_gsi((unsigned int)pirq)) {
        rc = -EBUSY;                     /* mappable (Linux maps every ISA line), never delivered */
    } else if (g->port) {
        rc = -EEXIST;
    } else {
        if (!g->set_up)
            program_defaults((unsigned int)pirq, g);
        g->port = port;
        g->awaiting_eoi = false;
        ioapic_mask_gsi((unsigned int)pirq, false);
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port)
{
    unsigned long flags;

    spin_lock_irqsave(&pirq_lock, flags);
    struct gsi_irq *g = pirq_of(d, pirq);
    if (g && g->port == port)
        unbind_locked((unsigned int)pirq, g);
    spin_unlock_irqrestore(&pirq_lock, flags);
}

int pirq_eoi(struct domain *d, int pirq)
{
    unsigned long flags;
    int rc = -EINVAL;

    spin_lock_irqsave(&pirq_lock, flags);
    struct gsi_irq *g = pirq_of(d, pirq);
    if (g) {
        if (g->awaiting_eoi && g->port) {
            g->awaiting_eoi = false;
            ioapic_mask_gsi((unsigned int)pirq, false);
        }
        rc = 0;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    return rc;
}

void pirq_domain_destroy(struct domain *d)
{
    for (unsigned int gsi = 0; gsi < nr_gsis; gsi++)
        pirq_unmap(d, (int)gsi);
}
