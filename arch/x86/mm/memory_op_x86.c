/*
 * The x86 subops of HYPERVISOR_memory_op (Xen's arch_memory_op() and
 * subarch_memory_op()) for 64-bit PV domains: the machine and
 * pseudo-physical memory maps, where the read-only M2P lives, and the
 * HVM-only subops refused as Xen refuses them for PV.
 *
 * Pseudo-physical maps (XENMEM_set_memory_map) are kept here, per
 * domain, in a small table: a PV domain without one (dom0 always) gets
 * -ENOSYS from XENMEM_memory_map, which Linux answers with a map of its
 * own making.
 *
 * Not yet: XENMEM_machine_memory_map's extra E820_RESERVED entries that
 * Xen adds for I/O ranges dom0 may not map (IO-APIC and local APIC pages
 * in holes): the host map is returned as is.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <xen/memory.h>
#include <asm/current.h>
#include <asm/e820.h>
#include <asm/page.h>

#define MAX_GUEST_MAPS  32              /* domains with a set memory map at once */

struct guest_map {
    struct domain *d;                   /* NULL: slot free */
    unsigned int nr;
    struct e820entry *map;              /* xzalloc_bytes(nr * 20) */
};

static struct guest_map guest_maps[MAX_GUEST_MAPS];
static DEFINE_SPINLOCK(guest_maps_lock);

static struct guest_map *find_map(const struct domain *d)
{
    for (unsigned int i = 0; i < MAX_GUEST_MAPS; i++)
        if (guest_maps[i].d == d)
            return &guest_maps[i];
    return NULL;
}

/* Replace d's map with (map, nr); the old one (if any) is returned to free. */
static int store_map(struct domain *d, struct e820entry *map, unsigned int nr,
                     struct guest_map *old)
{
    int rc = 0;

    spin_lock(&guest_maps_lock);
    struct guest_map *m = find_map(d);
    if (!m)
        m = find_map(NULL);
    if (!m) {
        rc = -ENOMEM;
    } else {
        *old = *m;
        m->d = d;
        m->map = map;
        m->nr = nr;
    }
    spin_unlock(&guest_maps_lock);
    return rc;
}

void memory_op_domain_destroy(struct domain *d)
{
    struct guest_map old = { 0 };

    spin_lock(&guest_maps_lock);
    struct guest_map *m = find_map(d);
    if (m) {
        old = *m;
        *m = (struct guest_map){ 0 };
    }
    spin_unlock(&guest_maps_lock);
    if (old.map)
        xfree_bytes(old.map, old.nr * sizeof(*old.map));
}

int memory_map_set(struct domain *d, const struct e820entry *src, unsigned int nr)
{
    size_t bytes = (size_t)nr * sizeof(struct e820entry);
    struct e820entry *map = xzalloc_bytes(bytes);
    struct guest_map old = { 0 };
    int rc;

    if (!map)
        return -ENOMEM;
    memcpy(map, src, bytes);
    rc = store_map(d, map, nr, &old);
    if (rc)
        xfree_bytes(map, bytes);
    if (old.map)
        xfree_bytes(old.map, old.nr * sizeof(*old.map));
    return rc;
}

/* XENMEM_set_memory_map: a toolstack gives domid its pseudo-physical e820. */
static long set_memory_map(unsigned long arg)
{
    struct xen_foreign_memory_map f;
    struct domain *d;

    if (raw_copy_from_guest(&f, (void *)arg, sizeof(f)))
        return -EFAULT;
    if (f.map.nr_entries > E820_MAX_GUEST)
        return -EINVAL;
    int rc = memop_domain_lookup(f.domid, &d);
    if (rc)
        return rc;

    size_t bytes = (size_t)f.map.nr_entries * sizeof(struct e820entry);
    struct e820entry *map = bytes ? xzalloc_bytes(bytes) : NULL;
    struct guest_map old = { 0 };
    if (bytes && !map)
        rc = -ENOMEM;
    else if (bytes && raw_copy_from_guest(map, f.map.buffer.p, bytes))
        rc = -EFAULT;
    else
        rc = store_map(d, map, f.map.nr_entries, &old);
    if (rc && map)
        xfree_bytes(map, bytes);
    if (old.map)
        xfree_bytes(old.map, old.nr * sizeof(*old.map));
    rcu_unlock_domain(d);
    return rc;
}

/* XENMEM_memory_map: the caller's own pseudo-physical map, or -ENOSYS. */
static long memory_map(unsigned long arg)
{
    struct xen_memory_map m;
    struct domain *d = current->domain;
    long rc = 0;

    if (raw_copy_from_guest(&m, (void *)arg, sizeof(m)))
        return -EFAULT;
    spin_lock(&guest_maps_lock);
    const struct guest_map *g = find_map(d);
    if (!g || !g->nr) {
        rc = -ENOSYS;                   /* Xen's "backwards compatibility" answer */
    } else {
        m.nr_entries = MIN(m.nr_entries, g->nr);
        if (raw_copy_to_guest(m.buffer.p, g->map, m.nr_entries * sizeof(*g->map)) ||
            raw_copy_to_guest((void *)arg, &m, sizeof(m)))
            rc = -EFAULT;
    }
    spin_unlock(&guest_maps_lock);
    return rc;
}

/*
 * XENMEM_machine_memory_map (privileged): the host e820. With a buffer,
 * Xen insists on room for one more entry than the map has (-EINVAL).
 */
static long machine_memory_map(unsigned long arg)
{
    static struct e820entry buf[E820_MAX];
    static DEFINE_SPINLOCK(buf_lock);
    struct xen_memory_map m;
    long rc = 0;

    if (!current->domain->is_privileged)
        return -EPERM;
    if (raw_copy_from_guest(&m, (void *)arg, sizeof(m)))
        return -EFAULT;

    spin_lock(&buf_lock);
    unsigned int nr = e820_copy_out(buf, E820_MAX);
    bool store = m.buffer.p != NULL;
    nr = MIN(nr, (unsigned int)E820_MAX);
    if (store && m.nr_entries < nr + 1)
        rc = -EINVAL;
    else if (store && !guest_range_ok((unsigned long)m.buffer.p,
                                      (size_t)m.nr_entries * sizeof(struct e820entry)))
        rc = -EFAULT;
    else if (store && raw_copy_to_guest(m.buffer.p, buf, nr * sizeof(struct e820entry)))
        rc = -EFAULT;
    spin_unlock(&buf_lock);
    if (rc)
        return rc;
    m.nr_entries = nr;
    return raw_copy_to_guest((void *)arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* XENMEM_machphys_mapping: where the read-only M2P is and how far it reaches. */
static long machphys_mapping(unsigned long arg)
{
    struct xen_machphys_mapping m = {
        .v_start = RO_MPT_VIRT_START,
        .v_end = RO_MPT_VIRT_END,
        .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
    };

    if (current->domain->is_privileged)     /* Xen: no memory hotplug */
        m.max_mfn = max_page - 1;
    return raw_copy_to_guest((void *)arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/*
 * XENMEM_machphys_mfn_list: the first MFN of every 2 MiB of the M2P
 * (up to max_extents). The M2P is one physically contiguous block.
 */
static long machphys_mfn_list(unsigned long arg)
{
    struct xen_machphys_mfn_list l;
    const unsigned long per_2m = L2_PAGE_SIZE / PAGE_SIZE;
    unsigned long m2p_frames = ROUNDUP(max_page * sizeof(unsigned long), PAGE_SIZE) >> PAGE_SHIFT;
    unsigned long base = virt_to_mfn(machine_to_phys_mapping);
    unsigned int i;

    if (raw_copy_from_guest(&l, (void *)arg, sizeof(l)))
        return -EFAULT;
    for (i = 0; i != l.max_extents && (unsigned long)i * per_2m < m2p_frames; i++) {
        xen_pfn_t mfn = base + (unsigned long)i * per_2m;
        if (raw_copy_to_guest(l.extent_start.p + i, &mfn, sizeof(mfn)))
            return -EFAULT;
    }
    l.nr_extents = i;
    return raw_copy_to_guest((void *)arg, &l, sizeof(l)) ? -EFAULT : 0;
}

/* XENMEM_set/get_pod_target: HVM only. */
static long pod_target(unsigned long arg)
{
    struct xen_pod_target t;
    struct domain *d;

    if (raw_copy_from_guest(&t, (void *)arg, sizeof(t)))
        return -EFAULT;
    if (t.domid != DOMID_SELF && t.domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    d = rcu_lock_domain_by_id(t.domid);
    if (!d)
        return -ESRCH;
    rcu_unlock_domain(d);
    return -EINVAL;                     /* !is_hvm_domain() */
}

long arch_memory_op(unsigned long cmd, unsigned long arg)
{
    switch (cmd) {
    case XENMEM_set_memory_map:
        return set_memory_map(arg);
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_machine_memory_map:
        return machine_memory_map(arg);
    case XENMEM_machphys_mapping:
        return machphys_mapping(arg);
    case XENMEM_machphys_mfn_list:
        return machphys_mfn_list(arg);
    case XENMEM_machphys_compat_mfn_list:
        return -EOPNOTSUPP;             /* no 32-bit PV */
    case XENMEM_set_pod_target:
    case XENMEM_get_pod_target:
        return pod_target(arg);
    case XENMEM_get_sharing_freed_pages:
    case XENMEM_get_sharing_shared_pages:
        return 0;                       /* no memory sharing */
    default:
        return -ENOSYS;
    }
}
