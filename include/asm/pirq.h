/*
 * Physical IRQs for the hardware domain: GSIs of the IO-APICs and MSI /
 * MSI-X vectors of PCI functions, handed to dom0 as PIRQs and delivered
 * on event channels (arch/x86/irq.c, the device side in msi.c).
 *
 * A GSI's PIRQ number is the GSI (what Linux asks for); an MSI's is the
 * next free number above the GSIs. Life of a GSI:
 * PHYSDEVOP_map_pirq (pirq_map_gsi) gives it to dom0; PHYSDEVOP_setup_gsi
 * (pirq_setup_gsi) sets trigger mode and polarity; EVTCHNOP_bind_pirq
 * (pirq_bind) ties it to a port and unmasks the pin; each interrupt sets
 * that port pending; a level-triggered one stays in service at the LAPIC
 * (no EOI, pin left unmasked: the IO-APIC holds the line meanwhile) until
 * dom0's PHYSDEVOP_eoi (pirq_eoi), Xen's default "new ack" for IO-APIC
 * level interrupts; the LAPIC EOI is then done on the CPU that took it.
 *
 * Locking: pirq_lock (IRQ-safe) guards the table; it is taken outside a
 * domain's event lock (the interrupt path raises the port under it), so
 * callers must not hold an event lock.
 */
#ifndef ASM_PIRQ_H
#define ASM_PIRQ_H

#include <xenia/sched.h>
#include <xen/event_channel.h>

#define GSI_VECTOR_BASE     0x30         /* GSI n arrives on vector 0x30 + n */
#define NR_PIRQS_DOM0       256          /* Xen: nr_static_irqs + extra (for Xenia: fixed) */
#define NR_PIRQS_DOMU       56           /* Xen: nr_irqs_gsi (24) + extra_domU_irqs (32) */
#define MAX_PIRQ_DESCS      (0xe0 - GSI_VECTOR_BASE)   /* GSIs, then MSIs: one vector each */

/* domain_nr_pirqs(): the PIRQ numbers d may name, [0, this) (Xen's d->nr_pirqs). */
static inline unsigned int domain_nr_pirqs(const struct domain *d)
{
    return d->is_privileged ? NR_PIRQS_DOM0 : NR_PIRQS_DOMU;
}

/* pirq_init(): a vector and handler for every IO-APIC GSI. Boot, after ioapic_init(). */
void pirq_init(void);

/*
 * pirq_map_gsi(): give gsi to d as a PIRQ. *pirq: the number wanted (-1:
 * any); set to the PIRQ (= gsi). 0 if mapped now or already d's (the
 * hypervisor's own timer line too: it maps, but never binds); -EINVAL (no
 * such GSI, or a PIRQ number other than the GSI), -EBUSY (another
 * domain's), -EPERM (d not the hardware domain).
 */
int pirq_map_gsi(struct domain *d, int gsi, int *pirq);

/*
 * pirq_map_msi(): give d an MSI (table_base 0) or MSI-X vector (entry
 * `entry` of the table in the BAR at physical address table_base) of PCI
 * function bus:devfn (segment 0), its message written by the hypervisor
 * (vector on CPU 0), masked until bound. Sets *pirq. 0 (also when that
 * vector is already d's: the same PIRQ), -EPERM (d not the hardware
 * domain), -ENOSPC (no vector left), msi_setup()'s -ENODEV / -EINVAL /
 * -EOPNOTSUPP. Takes pirq_lock, then config space without it.
 */
int pirq_map_msi(struct domain *d, unsigned int bus, unsigned int devfn, unsigned int entry,
                 uint64_t table_base, int *pirq);

/* pirq_unmap(): take PIRQ pirq from d (unbinding it; an MSI vector is masked). 0 or -EINVAL (not d's). */
int pirq_unmap(struct domain *d, int pirq);

/*
 * pirq_setup_gsi(): program gsi's trigger mode and polarity (pin masked
 * until bound). 0, -EINVAL (no such GSI), -EEXIST (already set up: as
 * Xen, the first setting stays), -EBUSY (the hypervisor's line).
 */
int pirq_setup_gsi(int gsi, bool level, bool active_low);

/*
 * pirq_bind(): deliver d's PIRQ pirq on port (vCPU 0's, already claimed
 * as ECS_PIRQ) and unmask the pin. 0, -EINVAL (not mapped to d), -EEXIST
 * (already bound), -EBUSY (the hypervisor's timer line).
 */
int pirq_bind(struct domain *d, int pirq, evtchn_port_t port);

/*
 * pirq_unbind(): stop delivering d's pirq on port (the pin is masked, an
 * owed LAPIC EOI done: interrupts on, no lock held); no-op unless pirq is
 * bound to that port (a failed second bind's port must not undo the first).
 */
void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port);

/*
 * pirq_eoi(): d is done with pirq's interrupt: a level GSI's deferred LAPIC
 * EOI is done (on the CPU that took the interrupt: a call-function IPI if
 * that is another; interrupts on, no lock held). 0 or -EINVAL (not d's).
 */
int pirq_eoi(struct domain *d, int pirq);

/*
 * pirq_dump(): print every mapped PIRQ: vector, kind, domain, port, the
 * CPU it is delivered to, interrupts taken (debug key 'i', as Xen's
 * "dump interrupt bindings"). Takes pirq_lock per entry, then printk.
 */
void pirq_dump(void);

/* pirq_domain_destroy(): unmap every PIRQ d holds. */
void pirq_domain_destroy(struct domain *d);

/* physdev_domain_destroy(): drop d's PIRQ EOI bitmap frame (arch/x86/physdev.c). */
void physdev_domain_destroy(struct domain *d);

#endif
