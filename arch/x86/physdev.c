/*
 * HYPERVISOR_physdev_op (<xen/physdev.h>) for 64-bit PV domains. The
 * hardware domain gets the IO-APIC GSIs and its PCI functions' MSI/MSI-X
 * vectors as PIRQs (arch/x86/irq.c, msi.c); dom0's PCI device reports
 * are accepted and ignored.
 * What Linux PV dom0 calls at boot and what it does with the answers:
 *   set_iopl, set_iobitmap        done (iopl kept in v->arch.iopl; the
 *                                 bitmap is validated but not kept yet:
 *                                 arch_vcpu has no field for it)
 *   apic_read / apic_write        real IO-APIC MMIO reads at a base the
 *                                 MADT lists; RTE writes are checked and
 *                                 ignored (Xen owns the IO-APIC)
 *   alloc_irq_vector              Xen's dummy: vector = irq
 *   map_pirq (GSI), setup_gsi,    a GSI becomes PIRQ number = GSI, its pin
 *   unmap_pirq, eoi               programmed, bound with EVTCHNOP_bind_pirq;
 *                                 a level pin stays masked from the
 *                                 interrupt to the guest's eoi
 *   map_pirq (MSI, MSI_SEG with   the hypervisor writes the message (an
 *   table_base for MSI-X)         MSI-X entry stays masked until bound);
 *                                 multi-MSI: one vector as MSI, 0 or
 *                                 > 32 -EDOM, more -EOPNOTSUPP (no
 *                                 interrupt remapping; Linux retries one)
 *   irq_status_query              needs_eoi, as Xen says to every PV guest
 *   pirq_eoi_gmfn_v2              the EOI bitmap: a bit is set while a
 *                                 level PIRQ waits for eoi
 *   pirq_eoi_gmfn_v1              -ENOSYS after Xen's checks
 *   get_free_pirq                 -ENOSPC (map_pirq picks MSI PIRQs itself)
 *   pci_device_add/remove, manage_pci_*, pci_mmcfg_reserved   0
 *   restore_msi(_ext)             -ENODEV (no such device known)
 * Privileged-only ops return -EPERM for a domU.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <xen/physdev.h>
#include <asm/current.h>
#include <asm/io_apic.h>
#include <asm/msi.h>
#include <asm/pirq.h>
#include <asm/page.h>
#include <xenia/page_alloc.h>

#define IOBMP_BYTES         8192
#define IOAPIC_RTE_FIRST    0x10
#define RTE_DELIVERY_LOWEST 1       /* delivery modes above this are refused */

/* PHYSDEVOP_apic_read/write (dom0): Xen's ioapic_guest_read/write. */
static long apic_op(int cmd, hc_arg_t arg)
{
    struct physdev_apic a;

    if (raw_copy_from_guest(&a, (void *)arg, sizeof(a)))
        return -EFAULT;
    if (!current->domain->is_privileged)
        return -EPERM;
    int idx = ioapic_index_of(a.apic_physbase);
    if (idx < 0)
        return -EINVAL;
    if (cmd == PHYSDEVOP_apic_read) {
        a.value = ioapic_read_reg((unsigned int)idx, a.reg);
        return raw_copy_to_guest((void *)arg, &a, sizeof(a)) ? -EFAULT : 0;
    }
    if (a.reg < IOAPIC_RTE_FIRST || (a.reg & 1))
        return 0;                       /* only RTE low halves are acted on */
    if (((a.value >> 8) & 7) > RTE_DELIVERY_LOWEST)
        return -EINVAL;                 /* SMI/NMI/INIT/ExtINT */
    return 0;                           /* TODO: route the pin when PIRQs exist */
}

/* ---- per-vCPU I/O privilege ---- */

static long set_iopl(hc_arg_t arg)
{
    struct physdev_set_iopl s;

    if (raw_copy_from_guest(&s, (void *)arg, sizeof(s)))
        return -EFAULT;
    if (s.iopl > 3)
        return -EINVAL;
    current->arch.iopl = s.iopl;
    return 0;
}

static long set_iobitmap(hc_arg_t arg)
{
    struct physdev_set_iobitmap s;

    if (raw_copy_from_guest(&s, (void *)arg, sizeof(s)))
        return -EFAULT;
    if (!guest_range_ok((unsigned long)s.bitmap.p, IOBMP_BYTES) || s.nr_ports > 65536)
        return -EINVAL;
    return 0;                           /* TODO: keep bitmap + nr_ports for I/O emulation */
}

/* ---- PIRQs (none bound yet) ---- */

static long irq_status_query(hc_arg_t arg)
{
    struct physdev_irq_status_query q;

    if (raw_copy_from_guest(&q, (void *)arg, sizeof(q)))
        return -EFAULT;
    if (q.irq >= domain_nr_pirqs(current->domain))
        return -EINVAL;
    q.flags = XENIRQSTAT_needs_eoi;
    return raw_copy_to_guest((void *)arg, &q, sizeof(q)) ? -EFAULT : 0;
}

/* PHYSDEVOP_eoi: the guest handled its PIRQ's interrupt; a level GSI's LAPIC EOI is done. */
static long eoi(hc_arg_t arg)
{
    struct physdev_eoi e;

    if (raw_copy_from_guest(&e, (void *)arg, sizeof(e)))
        return -EFAULT;
    if (e.irq >= domain_nr_pirqs(current->domain))
        return -EINVAL;
    return pirq_eoi(current->domain, (int)e.irq);   /* -EINVAL: nothing mapped there */
}

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v2: a frame of the caller's as its PIRQ EOI
 * bitmap (the hypervisor sets bit n while PIRQ n waits for PHYSDEVOP_eoi,
 * so the guest skips the hypercall otherwise); held (writable type) until
 * the domain dies. v1 (which also has PHYSDEVOP_eoi unmask the port) is
 * refused after the same checks: Linux then uses v2 or the status query.
 * -EFAULT, -EINVAL (not the caller's frame, or in use as a table),
 * -EBUSY (a map already registered), -ENOSYS (v1).
 */
static long pirq_eoi_gmfn(int cmd, hc_arg_t arg)
{
    struct physdev_pirq_eoi_gmfn g;
    struct domain *d = current->domain;

    if (raw_copy_from_guest(&g, (void *)arg, sizeof(g)))
        return -EFAULT;
    if (!mfn_valid(_mfn(g.gmfn)))
        return -EINVAL;
    struct page_info *pg = mfn_to_page(_mfn(g.gmfn));
    if (!get_page(pg, d))
        return -EINVAL;
    if (get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return -EINVAL;
    }
    if (cmd == PHYSDEVOP_pirq_eoi_gmfn_v1) {
        put_page_and_type(pg);
        return -ENOSYS;
    }
#ifdef XENIA_HOST_TEST
    unsigned long *map = host_mfn_to_virt(g.gmfn);
#else
    unsigned long *map = mfn_to_virt(g.gmfn);
#endif
    unsigned long none = 0;
    if (!__atomic_compare_exchange_n(&d->arch.pirq_eoi_mfn, &none, g.gmfn, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        put_page_and_type(pg);
        return -EBUSY;
    }
    memset(map, 0, PAGE_SIZE);          /* no EOI pending yet (as Xen clears it) */
    __atomic_store_n(&d->arch.pirq_eoi_map, map, __ATOMIC_RELEASE);
    return 0;
}

void physdev_domain_destroy(struct domain *d)
{
    unsigned long mfn = __atomic_exchange_n(&d->arch.pirq_eoi_mfn, 0, __ATOMIC_ACQ_REL);

    __atomic_store_n(&d->arch.pirq_eoi_map, NULL, __ATOMIC_RELEASE);
    if (mfn)
        put_page_and_type(mfn_to_page(_mfn(mfn)));
}

static long alloc_irq_vector(hc_arg_t arg)
{
    struct physdev_irq irq;

    if (raw_copy_from_guest(&irq, (void *)arg, sizeof(irq)))
        return -EFAULT;
    if (!current->domain->is_privileged)
        return -EPERM;
    irq.vector = irq.irq;
    return raw_copy_to_guest((void *)arg, &irq, sizeof(irq)) ? -EFAULT : 0;
}

/* PHYSDEVOP_map_pirq for the hardware domain on itself: a GSI, an MSI or an MSI-X vector. */
static long map_one(struct domain *d, struct physdev_map_pirq *m)
{
    switch (m->type) {
    case MAP_PIRQ_TYPE_GSI:
        return pirq_map_gsi(d, m->index, &m->pirq);
    case MAP_PIRQ_TYPE_MSI_SEG:
        if (m->bus >> 16)
            return -ENODEV;             /* segment 0 only (no MMCONFIG yet) */
        /* fall through */
    case MAP_PIRQ_TYPE_MSI:
        if (m->pirq >= 0)
            return -EINVAL;             /* Xen picks MSI PIRQs itself */
        return pirq_map_msi(d, m->bus & 0xff, (unsigned int)m->devfn & 0xff,
                            m->table_base ? (unsigned int)m->entry_nr : 0, m->table_base,
                            &m->pirq);
    case MAP_PIRQ_TYPE_MULTI_MSI:
        /*
         * Xen 4.17's allocate_pirq(): 1..MSI_MAX_VECTORS vectors; more
         * than one needs interrupt remapping (an IOMMU), which this
         * machine lacks: -EOPNOTSUPP, and Linux retries with one vector.
         * One vector is a plain MSI (entry_nr stays 1 in the reply).
         */
        if (m->entry_nr <= 0 || m->entry_nr > MSI_MAX_VECTORS)
            return -EDOM;
        if (m->entry_nr != 1)
            return -EOPNOTSUPP;
        if (m->bus >> 16)
            return -ENODEV;             /* segment 0 only, as MSI_SEG */
        if (m->pirq >= 0)
            return -EINVAL;
        return pirq_map_msi(d, m->bus & 0xff, (unsigned int)m->devfn & 0xff, 0, 0, &m->pirq);
    default:
        return -EINVAL;
    }
}

/*
 * map_pirq/unmap_pirq: the domain checks of Xen's physdev_map_pirq(),
 * then, for the hardware domain on itself, GSIs and MSI/MSI-X vectors
 * through arch/x86/irq.c (mapping for another domain: -ENOSYS). Only a
 * privileged domain may call them (-EPERM), as Xen's XSM_DM_PRIV check says.
 */
static long map_pirq(int cmd, hc_arg_t arg)
{
    union { struct physdev_map_pirq map; struct physdev_unmap_pirq unmap; } u;
    size_t size = cmd == PHYSDEVOP_map_pirq ? sizeof(u.map) : sizeof(u.unmap);

    if (raw_copy_from_guest(&u, (void *)arg, size))
        return -EFAULT;
    domid_t domid = cmd == PHYSDEVOP_map_pirq ? u.map.domid : u.unmap.domid;
    if (cmd == PHYSDEVOP_map_pirq && u.map.type == MAP_PIRQ_TYPE_MULTI_MSI && u.map.table_base)
        return -EINVAL;
    if (domid != DOMID_SELF && domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    struct domain *d = rcu_lock_domain_by_id(domid);
    if (!d)
        return -ESRCH;
    long rc;
    if (!current->domain->is_privileged)
        rc = -EPERM;                    /* Xen's XSM_DM_PRIV: a domU maps no PIRQ, not even its own */
    else if (d != hardware_domain || d != current->domain)
        rc = cmd == PHYSDEVOP_map_pirq ? -ENOSYS : -EINVAL;
    else if (cmd == PHYSDEVOP_unmap_pirq)
        rc = u.unmap.pirq < 0 || (unsigned int)u.unmap.pirq >= domain_nr_pirqs(d)
             ? -EINVAL : pirq_unmap(d, u.unmap.pirq);
    else if (u.map.pirq >= (int)domain_nr_pirqs(d))
        rc = -EINVAL;
    else {
        rc = map_one(d, &u.map);
        if (!rc && raw_copy_to_guest((void *)arg, &u.map, sizeof(u.map)))
            rc = -EFAULT;
    }
    rcu_unlock_domain(d);
    return rc;
}

/* Ops that only copy their argument and need the hardware domain. */
static long copy_and_priv(hc_arg_t arg, size_t size, long ok)
{
    uint8_t buf[64];

    if (size > sizeof(buf) || raw_copy_from_guest(buf, (void *)arg, size))
        return -EFAULT;
    return current->domain->is_privileged ? ok : -EPERM;
}

static long setup_gsi(hc_arg_t arg)
{
    struct physdev_setup_gsi s;

    if (raw_copy_from_guest(&s, (void *)arg, sizeof(s)))
        return -EFAULT;
    if (s.gsi < 0 || s.gsi >= 24)       /* Xen: nr_irqs_gsi */
        return -EINVAL;
    if (!current->domain->is_privileged)
        return -EPERM;
    return pirq_setup_gsi(s.gsi, s.triggering, s.polarity);
}

static long get_free_pirq(hc_arg_t arg)
{
    struct physdev_get_free_pirq f;

    if (raw_copy_from_guest(&f, (void *)arg, sizeof(f)))
        return -EFAULT;
    return -ENOSPC;                     /* no PIRQ space handed out yet */
}

/*
 * do_physdev_op(): cmd PHYSDEVOP_*, arg the op's struct in guest memory
 * (copied in once, out once where the op has output). Returns 0 or -errno
 * as listed at the top: -EFAULT (bad arg), -EPERM (privileged op from a
 * domU), -EINVAL (bad value), -EBUSY (a GSI the hypervisor or another
 * domain holds), -EEXIST (setup_gsi again), -ENODEV (no such PCI function
 * or capability), -ENOSPC (no vector left), -ENOSYS (unknown cmd).
 * Takes pirq_lock and ioapic_lock (both IRQ-safe).
 */
long do_physdev_op(hc_arg_t cmd, hc_arg_t arg)
{
    int c = (int)cmd;

    switch (c) {
    case PHYSDEVOP_eoi:
        return eoi(arg);
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
        return pirq_eoi_gmfn(c, arg);
    case PHYSDEVOP_IRQ_UNMASK_NOTIFY:
        return 0;
    case PHYSDEVOP_irq_status_query:
        return irq_status_query(arg);
    case PHYSDEVOP_map_pirq:
    case PHYSDEVOP_unmap_pirq:
        return map_pirq(c, arg);
    case PHYSDEVOP_apic_read:
    case PHYSDEVOP_apic_write:
        return apic_op(c, arg);
    case PHYSDEVOP_alloc_irq_vector:
        return alloc_irq_vector(arg);
    case PHYSDEVOP_set_iopl:
        return set_iopl(arg);
    case PHYSDEVOP_set_iobitmap:
        return set_iobitmap(arg);
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove:
        return copy_and_priv(arg, sizeof(struct physdev_manage_pci), 0);
    case PHYSDEVOP_manage_pci_add_ext: {
        struct physdev_manage_pci_ext m;
        if (raw_copy_from_guest(&m, (void *)arg, sizeof(m)))
            return -EFAULT;
        if (m.is_extfn > 1 || m.is_virtfn > 1)
            return -EINVAL;
        return current->domain->is_privileged ? 0 : -EPERM;
    }
    case PHYSDEVOP_pci_device_add:
        return copy_and_priv(arg, sizeof(struct physdev_pci_device_add), 0);
    case PHYSDEVOP_pci_device_remove:
        return copy_and_priv(arg, sizeof(struct physdev_pci_device), 0);
    case PHYSDEVOP_pci_mmcfg_reserved:
        if (!current->domain->is_privileged)
            return -EPERM;              /* Xen checks privilege before copying */
        return copy_and_priv(arg, sizeof(struct physdev_pci_mmcfg_reserved), 0);
    case PHYSDEVOP_prepare_msix:
    case PHYSDEVOP_release_msix:
        return copy_and_priv(arg, sizeof(struct physdev_pci_device), -ENODEV);
    case PHYSDEVOP_restore_msi:
        return copy_and_priv(arg, sizeof(struct physdev_restore_msi), -ENODEV) == -EFAULT
               ? -EFAULT : -ENODEV;
    case PHYSDEVOP_restore_msi_ext:
        return copy_and_priv(arg, sizeof(struct physdev_pci_device), -ENODEV) == -EFAULT
               ? -EFAULT : -ENODEV;
    case PHYSDEVOP_setup_gsi:
        return setup_gsi(arg);
    case PHYSDEVOP_get_free_pirq:
        return get_free_pirq(arg);
    case PHYSDEVOP_dbgp_op:
        if (!current->domain->is_privileged)
            return -EPERM;
        return copy_and_priv(arg, sizeof(struct physdev_dbgp_op), -ENOSYS) == -EFAULT
               ? -EFAULT : 0;           /* no USB debug port driver: nothing to do */
    default:
        return -ENOSYS;
    }
}
