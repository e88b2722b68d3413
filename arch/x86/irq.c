/*
 * Physical IRQs for the hardware domain (the model and the locking are in
 * <asm/pirq.h>). One descriptor per vector from GSI_VECTOR_BASE up: the
 * first nr_gsis are the IO-APIC's GSIs (descriptor = GSI = PIRQ number),
 * the rest are handed out to MSI/MSI-X vectors as dom0 maps them (PIRQ
 * number = descriptor index). Each starts on CPU 0 and then follows the
 * vCPU its event channel notifies (follow_vcpu()).
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
#include <asm/msi.h>
#include <asm/pirq.h>
#include <asm/smp.h>

#define PIT_ISA_IRQ     0                /* the hypervisor's timer line (watchdog NMI) */
#define FIRST_PCI_GSI   16               /* below: ISA lines; from here: PCI INTx */

struct irq_desc {
    struct domain *d;                    /* the domain it is mapped to, or NULL */
    evtchn_port_t port;                  /* the bound event channel port, or 0 */
    bool is_msi;                         /* an MSI/MSI-X vector (else a GSI) */
    bool level, active_low;              /* GSI: trigger mode, polarity */
    bool set_up;                         /* GSI: the pin is programmed */
    bool awaiting_eoi;                   /* level GSI: in service at eoi_cpu's LAPIC until the guest's EOI */
    unsigned int eoi_cpu;                /* where awaiting_eoi's LAPIC EOI is owed */
    struct msi_desc msi;                 /* MSI: the device side */
    unsigned int cpu;                    /* the CPU the interrupt is delivered to */
    unsigned long count;                 /* interrupts taken */
};

static struct irq_desc descs[MAX_PIRQ_DESCS];

/*
 * Level GSIs are acknowledged as Xen's default "new ack" does: the LAPIC
 * EOI waits for the guest's EOI and the pin is never masked. While the
 * vector stays in service its IO-APIC pin (remote IRR) sends nothing more,
 * and this CPU takes only higher-priority vectors (every later deferred
 * one is of a higher class: at most one per class is pending). A LAPIC EOI
 * ends the highest vector in service, so each CPU keeps its deferred
 * vectors as a stack and ends them from the top, each once its guest EOI
 * has come (ready). Under pirq_lock; the EOIs themselves on that CPU.
 */
#define MAX_PENDING_EOIS    16           /* one per priority class */
struct pending_eoi {
    uint8_t vector;
    bool ready;
};
static DEFINE_PER_CPU(struct pending_eoi, pending_eois[MAX_PENDING_EOIS]);
static DEFINE_PER_CPU(unsigned int, nr_pending_eois);
static unsigned int nr_gsis;
static unsigned int timer_gsi;           /* the PIT's GSI (set by pirq_init()) */
static DEFINE_SPINLOCK(pirq_lock);

static bool hypervisor_gsi(unsigned int gsi)
{
    return gsi == timer_gsi;
}

static uint8_t vector_of(unsigned int i) { return (uint8_t)(GSI_VECTOR_BASE + i); }

/* Defer the EOI of the vector in service on this CPU (its handler, pirq_lock held). */
static void eoi_defer(unsigned int i, struct irq_desc *g)
{
    unsigned int cpu = smp_processor_id(), n = per_cpu(nr_pending_eois, cpu);

    ASSERT_LOCKED(&pirq_lock);
    if (n == MAX_PENDING_EOIS) {          /* cannot happen (one per class): end it now */
        apic_eoi();
        return;
    }
    per_cpu(pending_eois, cpu)[n] = (struct pending_eoi){ .vector = vector_of(i) };
    per_cpu(nr_pending_eois, cpu) = n + 1;
    g->awaiting_eoi = true;
    g->eoi_cpu = cpu;
}

/* End this CPU's ready deferred EOIs from the top of its stack. pirq_lock held. */
static void eoi_flush_here(void)
{
    unsigned int cpu = smp_processor_id();
    unsigned int *n = &per_cpu(nr_pending_eois, cpu);

    ASSERT_LOCKED(&pirq_lock);
    while (*n && per_cpu(pending_eois, cpu)[*n - 1].ready) {
        (*n)--;
        apic_eoi();
    }
}

static void eoi_flush_ipi(void *unused)
{
    unsigned long flags;

    spin_lock_irqsave(&pirq_lock, flags);
    eoi_flush_here();
    spin_unlock_irqrestore(&pirq_lock, flags);
}

/*
 * g's guest EOI (or its unbinding): mark its deferred EOI ready and end
 * what can be ended if it is owed here. Returns the other CPU that owes
 * it, which the caller asks with eoi_flush_elsewhere() once pirq_lock is
 * dropped, or -1. pirq_lock held.
 */
static int eoi_release(unsigned int i, struct irq_desc *g)
{
    ASSERT_LOCKED(&pirq_lock);
    if (!g->awaiting_eoi)
        return -1;
    g->awaiting_eoi = false;
    unsigned int cpu = g->eoi_cpu;
    struct pending_eoi *stack = per_cpu(pending_eois, cpu);
    for (unsigned int k = per_cpu(nr_pending_eois, cpu); k--;)
        if (stack[k].vector == vector_of(i) && !stack[k].ready) {
            stack[k].ready = true;
            break;
        }
    if (cpu != smp_processor_id())
        return (int)cpu;
    eoi_flush_here();
    return -1;
}

/* Have cpu end its ready deferred EOIs (eoi_release()'s answer). Interrupts on, no lock held. */
static void eoi_flush_elsewhere(int cpu)
{
    if (cpu < 0)
        return;
    cpumask_t m;
    cpumask_clear(&m);
    cpumask_set_cpu((unsigned int)cpu, &m);
    on_selected_cpus(&m, eoi_flush_ipi, NULL, false);
}

/* Mark PIRQ i in d's EOI bitmap (PHYSDEVOP_pirq_eoi_gmfn_v2), if it has one. */
static void eoi_map_set(struct domain *d, unsigned int i, bool needs_eoi)
{
    unsigned long *map = __atomic_load_n(&d->arch.pirq_eoi_map, __ATOMIC_ACQUIRE);
    unsigned long bit = 1UL << (i % (8 * sizeof(unsigned long)));

    if (!map)
        return;
    if (needs_eoi)
        __atomic_fetch_or(&map[i / (8 * sizeof(unsigned long))], bit, __ATOMIC_RELEASE);
    else
        __atomic_fetch_and(&map[i / (8 * sizeof(unsigned long))], ~bit, __ATOMIC_RELEASE);
}

static struct irq_desc *gsi_desc(int gsi)
{
    return gsi >= 0 && (unsigned int)gsi < nr_gsis ? &descs[gsi] : NULL;
}

/* The descriptor of d's PIRQ pirq, if d holds it. */
static struct irq_desc *pirq_of(const struct domain *d, int pirq)
{
    if (pirq < 0 || pirq >= MAX_PIRQ_DESCS || descs[pirq].d != d || !d)
        return NULL;
    return &descs[pirq];
}

/* Program a GSI's pin (masked). pirq_lock held. */
static void program(unsigned int gsi, struct irq_desc *g, bool level, bool active_low)
{
    ASSERT_LOCKED(&pirq_lock);
    g->level = level;
    g->active_low = active_low;
    g->set_up = true;
    g->cpu = 0;
    ioapic_route_gsi(gsi, vector_of(gsi), cpu_physical_id(0), level, active_low);
}

/* Defaults for a pin dom0 binds before setup_gsi: ISA per the MADT, PCI level/low. */
static void program_defaults(unsigned int gsi, struct irq_desc *g)
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

/*
 * Point interrupt i at cpu, where the vCPU it notifies runs (Xen moves a
 * guest's PIRQs with the vCPU, evtchn_move_pirqs()): the next one then
 * raises the event there without an IPI to that CPU. IO-APIC pins and
 * MSI-X entries; a plain MSI stays put (its message is in config space).
 * pirq_lock held.
 */
static void follow_vcpu(unsigned int i, struct irq_desc *g, unsigned int cpu)
{
    ASSERT_LOCKED(&pirq_lock);
    if (!cpu_online(cpu))
        return;
    if (g->is_msi) {
        if (!msi_set_dest(&g->msi, cpu_physical_id(cpu)))
            return;
    } else {
        ioapic_set_dest(i, cpu_physical_id(cpu));
    }
    g->cpu = cpu;
}

/*
 * An interrupt on one of our vectors: raise the bound port, and move the
 * interrupt to the notified vCPU's CPU if it ran elsewhere. A bound level
 * GSI stays in service until the guest's EOI (eoi_defer()); an unbound one
 * is masked; MSIs and edge GSIs are ended at once.
 */
static void pirq_interrupt(struct cpu_user_regs *regs)
{
    unsigned int i = regs->entry_vector - GSI_VECTOR_BASE;
    struct irq_desc *g = &descs[i];

    spin_lock(&pirq_lock);
    g->count++;
    if (!g->is_msi && g->level && g->d && g->port && !g->awaiting_eoi) {
        eoi_defer(i, g);
        eoi_map_set(g->d, i, true);
    } else {
        if (!g->is_msi && g->level && !(g->d && g->port))
            ioapic_mask_gsi(i, true);    /* nobody to EOI it: keep it quiet */
        apic_eoi();
    }
    if (g->d && g->port) {
        int cpu = send_guest_pirq(g->d, g->port, i);
        if (cpu >= 0 && (unsigned int)cpu != g->cpu)
            follow_vcpu(i, g, (unsigned int)cpu);
    }
    spin_unlock(&pirq_lock);
}

void pirq_init(void)
{
    const struct madt_info *m = acpi_madt();
    uint16_t flags;

    timer_gsi = m ? madt_isa_irq_to_gsi(m, PIT_ISA_IRQ, &flags) : PIT_ISA_IRQ;
    nr_gsis = MIN(ioapic_nr_gsis(), (unsigned int)MAX_PIRQ_DESCS);
    for (unsigned int i = 0; i < MAX_PIRQ_DESCS; i++)
        set_irq_handler(vector_of(i), pirq_interrupt);
}

int pirq_map_gsi(struct domain *d, int gsi, int *pirq)
{
    struct irq_desc *g = gsi_desc(gsi);
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

int pirq_map_msi(struct domain *d, unsigned int bus, unsigned int devfn, unsigned int entry,
                 uint64_t table_base, int *pirq)
{
    unsigned long flags;
    unsigned int i;

    if (d != hardware_domain)
        return -EPERM;
    /* Already mapped, the same vector of the same function: the same PIRQ (Xen's answer). */
    spin_lock_irqsave(&pirq_lock, flags);
    for (i = nr_gsis; i < MAX_PIRQ_DESCS; i++) {
        const struct irq_desc *g = &descs[i];
        if (g->d == d && g->is_msi && g->msi.bus == bus && g->msi.devfn == devfn &&
            g->msi.entry == entry && g->msi.msix == (table_base != 0))
            break;
    }
    if (i < MAX_PIRQ_DESCS) {
        spin_unlock_irqrestore(&pirq_lock, flags);
        *pirq = (int)i;
        return 0;
    }
    for (i = nr_gsis; i < MAX_PIRQ_DESCS && descs[i].d; i++)
        ;
    if (i == MAX_PIRQ_DESCS) {
        spin_unlock_irqrestore(&pirq_lock, flags);
        return -ENOSPC;
    }
    struct irq_desc *g = &descs[i];
    *g = (struct irq_desc){ .d = d, .is_msi = true };    /* reserved: not bindable yet */
    g->msi.msix = table_base != 0;
    spin_unlock_irqrestore(&pirq_lock, flags);

    /* The device's registers: config space (interrupts on), outside pirq_lock. */
    struct msi_desc m;
    int rc = msi_setup(&m, bus, devfn, entry, table_base, vector_of(i), cpu_physical_id(0));
    spin_lock_irqsave(&pirq_lock, flags);
    if (rc)
        *g = (struct irq_desc){ 0 };
    else
        g->msi = m;
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (!rc)
        *pirq = (int)i;
    return rc;
}

/*
 * Stop delivery: GSI pin masked, port forgotten, a deferred EOI released.
 * Returns eoi_release()'s CPU for eoi_flush_elsewhere(). pirq_lock held;
 * MSI masking is the caller's.
 */
static int unbind_locked(unsigned int i, struct irq_desc *g)
{
    ASSERT_LOCKED(&pirq_lock);
    if (!g->port)
        return -1;
    if (!g->is_msi)
        ioapic_mask_gsi(i, true);
    g->port = 0;
    return eoi_release(i, g);
}

int pirq_unmap(struct domain *d, int pirq)
{
    unsigned long flags;
    struct msi_desc m = { 0 };
    bool msi = false;
    int rc = -EINVAL, eoi_cpu = -1;

    spin_lock_irqsave(&pirq_lock, flags);
    struct irq_desc *g = pirq_of(d, pirq);
    if (g) {
        eoi_cpu = unbind_locked((unsigned int)pirq, g);
        if ((msi = g->is_msi)) {
            m = g->msi;
            *g = (struct irq_desc){ 0 };
        } else {
            g->d = NULL;
        }
        rc = 0;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    eoi_flush_elsewhere(eoi_cpu);
    if (msi)
        msi_mask(&m, true);
    return rc;
}

int pirq_setup_gsi(int gsi, bool level, bool active_low)
{
    struct irq_desc *g = gsi_desc(gsi);
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
    struct msi_desc m = { 0 };
    bool msi = false;
    int rc = 0;

    spin_lock_irqsave(&pirq_lock, flags);
    struct irq_desc *g = pirq_of(d, pirq);
    if (!g || (g->is_msi && !g->msi.pos)) {
        rc = -EINVAL;                    /* not mapped (or an MSI still being set up) */
    } else if (!g->is_msi && hypervisor_gsi((unsigned int)pirq)) {
        rc = -EBUSY;                     /* mappable (Linux maps every ISA line), never delivered */
    } else if (g->port) {
        rc = -EEXIST;
    } else {
        g->port = port;
        if ((msi = g->is_msi)) {
            m = g->msi;
        } else {
            if (!g->set_up)
                program_defaults((unsigned int)pirq, g);
            ioapic_mask_gsi((unsigned int)pirq, false);
        }
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    if (msi)
        msi_mask(&m, false);
    return rc;
}

void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port)
{
    unsigned long flags;
    struct msi_desc m = { 0 };
    bool msi = false;
    int eoi_cpu = -1;

    spin_lock_irqsave(&pirq_lock, flags);
    struct irq_desc *g = pirq_of(d, pirq);
    if (g && g->port == port) {
        eoi_cpu = unbind_locked((unsigned int)pirq, g);
        if ((msi = g->is_msi))
            m = g->msi;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    eoi_flush_elsewhere(eoi_cpu);
    if (msi)
        msi_mask(&m, true);
}

int pirq_eoi(struct domain *d, int pirq)
{
    unsigned long flags;
    int rc = -EINVAL, eoi_cpu = -1;

    spin_lock_irqsave(&pirq_lock, flags);
    struct irq_desc *g = pirq_of(d, pirq);
    if (g) {
        eoi_cpu = eoi_release((unsigned int)pirq, g);
        eoi_map_set(d, (unsigned int)pirq, false);
        rc = 0;
    }
    spin_unlock_irqrestore(&pirq_lock, flags);
    eoi_flush_elsewhere(eoi_cpu);
    return rc;
}

void pirq_dump(void)
{
    for (unsigned int i = 0; i < MAX_PIRQ_DESCS; i++) {
        unsigned long flags;
        spin_lock_irqsave(&pirq_lock, flags);
        struct irq_desc g = descs[i];
        spin_unlock_irqrestore(&pirq_lock, flags);
        if (!g.d)
            continue;
        printk("   PIRQ %3u: vec %#04x %s d%u port %u on CPU%u, %lu taken%s\n", i, vector_of(i),
               !g.is_msi ? (g.level ? "GSI level" : "GSI edge ") : g.msi.msix ? "MSI-X    " : "MSI      ",
               g.d->domain_id, g.port, g.cpu, g.count, g.awaiting_eoi ? ", awaiting EOI" : "");
    }
}

void pirq_domain_destroy(struct domain *d)
{
    for (unsigned int i = 0; i < MAX_PIRQ_DESCS; i++)
        pirq_unmap(d, (int)i);
}
