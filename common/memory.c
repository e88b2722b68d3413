/*
 * HYPERVISOR_memory_op (<xen/memory.h>), the architecture-neutral subops,
 * for 64-bit PV domains as Xen 4.17 answers them.
 *
 * PV domains are not translated: a GFN is an MFN. So
 *   increase_reservation  hands out fresh frames and writes their MFNs to
 *                         the extent list (the M2P entry stays invalid);
 *   populate_physmap      does the same, but reads a GPFN per extent first
 *                         and records GPFN -> MFN in the M2P;
 *   decrease_reservation  takes MFNs the domain owns and drops their
 *                         allocation reference: the frame is freed when
 *                         its last mapping/type reference goes, as in Xen
 *                         (a frame still mapped or typed stays owned until
 *                         then, and no longer counts as "allocated").
 * HVM domains are translated (common/memory.c hands the P2M side to
 * arch/x86/hvm/physmap.c): populate_physmap maps the new frames at the
 * GFNs and writes nothing back; decrease_reservation takes GFNs, each of
 * which must hold RAM (else the extent fails, Xen's -ENOENT); the GFN then
 * reads all ones. increase_reservation and PoD: not for HVM yet.
 * These three never return an error: they return how many extents were
 * done (Xen's rule), stopping at the first extent that fails.
 *
 * Long extent lists are preemptible as in Xen: between two extents, with
 * work pending, the call returns -ERESTART with the next extent encoded in
 * its cmd argument (cmd | next << MEMOP_EXTENT_SHIFT) and the guest
 * re-issues it.
 *
 * XENMEM_exchange lives in common/memory_exchange.c. Allocation below an address limit
 * (XENMEMF_address_bits) is checked after the fact: a frame above the
 * limit is given back and the extent fails.
 */
#include <xenia/lib.h>
#include <xenia/perfc.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/sched.h>
#include <xen/memory.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>

/* Xen 4.17 x86 defaults: CONFIG_DOMU_MAX_ORDER, CTLDOM (= PAGEALLOC) max. */
#define DOMU_MAX_ORDER      9
#define CTLDOM_MAX_ORDER    18
#define XEN_MAX_ORDER       18          /* Xen x86's MAX_ORDER */

/* One extent-list request, validated (Xen's struct memop_args). */
struct memop_args {
    struct domain *d;
    xen_pfn_t *list;                    /* guest pointer; NULL allowed for increase */
    unsigned int nr_extents;
    unsigned int order;
    unsigned int address_bits;          /* 0: anywhere */
    bool pod;                           /* XENMEMF_populate_on_demand */
    unsigned int nr_done;               /* in: start extent; out: extents done */
    bool preempted;                     /* stopped early for pending work */
};

/* Stop before extent i (never before the call's first) when work is pending (Xen's rule). */
static bool extent_preempt(struct memop_args *a, unsigned int i, unsigned int first)
{
    if (i == first || !hypercall_preempt_check())
        return false;
    a->preempted = true;
    return true;
}

unsigned int memop_max_order(const struct domain *d)
{
    return d->is_privileged ? CTLDOM_MAX_ORDER : DOMU_MAX_ORDER;
}

int memop_domain_lookup(domid_t domid, struct domain **out)
{
    struct domain *curr = current->domain;

    if (domid != DOMID_SELF && domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    struct domain *d = rcu_lock_domain_by_id(domid);
    if (!d)
        return -ESRCH;
    if (d != curr && !curr->is_privileged) {
        rcu_unlock_domain(d);
        return -EPERM;
    }
    *out = d;
    return 0;
}

/* Xen's guest_handle_subrange_okay() on the extent list, [first, last]. */
static bool extent_range_ok(const struct memop_args *a)
{
    unsigned long n = a->nr_extents - a->nr_done;
    return guest_range_ok((unsigned long)(a->list + a->nr_done), n * sizeof(xen_pfn_t));
}

static bool get_extent(const struct memop_args *a, unsigned int i, xen_pfn_t *val)
{
    return raw_copy_from_guest(val, a->list + i, sizeof(*val)) == 0;
}

static bool put_extent(const struct memop_args *a, unsigned int i, xen_pfn_t val)
{
    return raw_copy_to_guest(a->list + i, &val, sizeof(val)) == 0;
}

/* Frames of log2 bits of physical address (for XENMEMF_address_bits). */
static bool below_address_limit(const struct memop_args *a, unsigned long mfn)
{
    if (!a->address_bits || a->address_bits >= 64)
        return true;
    unsigned long limit = 1UL << (a->address_bits - PAGE_SHIFT);
    return mfn + (1UL << a->order) <= limit;
}

/* 2^order fresh frames for a->d, M2P entries invalid; NULL if none/over quota/too high. */
static struct page_info *alloc_extent(const struct memop_args *a)
{
    struct page_info *pg = alloc_domheap_pages(a->d, a->order, 0);

    if (!pg)
        return NULL;
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    if (!below_address_limit(a, mfn)) {
        for (unsigned long j = 0; j < (1UL << a->order); j++)
            put_page(pg + j);           /* drops PGC_allocated's ref: frees */
        return NULL;
    }
    for (unsigned long j = 0; j < (1UL << a->order); j++)
        set_gpfn_from_mfn(mfn + j, INVALID_M2P_ENTRY);
    return pg;
}

static void increase_reservation(struct memop_args *a)
{
    if (a->list && !extent_range_ok(a))
        return;
    if (a->order > memop_max_order(current->domain))
        return;

    unsigned int i, first = a->nr_done;
    for (i = first; i < a->nr_extents; i++) {
        if (extent_preempt(a, i, first))
            break;
        struct page_info *pg = alloc_extent(a);
        if (!pg)
            break;
        if (a->list && !put_extent(a, i, mfn_x(page_to_mfn(pg))))
            break;                      /* the frames stay the domain's, as in Xen */
    }
    a->nr_done = i;
}

/* One populate_physmap extent: allocate, record gpfn in the M2P, report the MFN. */
static bool populate_one(struct memop_args *a, unsigned int i, xen_pfn_t gpfn)
{
    if (a->pod)                          /* PV: PoD is a no-op, but not on oneself */
        return a->d != current->domain && !is_hvm_domain(a->d);   /* HVM: no PoD yet */

    struct page_info *pg = alloc_extent(a);
    if (!pg)
        return false;
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    if (is_hvm_domain(a->d)) {
        /* Translated: into the P2M; the extent list is not written (Xen). */
        if (!hvm_physmap_add_ram(a->d, gpfn, mfn, a->order))
            return true;
        for (unsigned long j = 0; j < (1UL << a->order); j++)
            guest_remove_page(a->d, mfn + j);   /* never mapped: freed */
        return false;
    }
    for (unsigned long j = 0; j < (1UL << a->order); j++)
        set_gpfn_from_mfn(mfn + j, gpfn + j);
    return put_extent(a, i, mfn);
}

static void populate_physmap(struct memop_args *a)
{
    if (!extent_range_ok(a))
        return;
    if (a->order > (a->pod ? XEN_MAX_ORDER : memop_max_order(current->domain)))
        return;

    unsigned int i, first = a->nr_done;
    for (i = first; i < a->nr_extents; i++) {
        if (extent_preempt(a, i, first))
            break;
        xen_pfn_t gpfn;
        if (!get_extent(a, i, &gpfn) || !populate_one(a, i, gpfn))
            break;
    }
    a->nr_done = i;
}

/*
 * guest_remove_page() for a PV domain: drop d's allocation reference on
 * frame mfn. 0, -EINVAL (not a frame / hypervisor-shared frame), -ENXIO
 * (not d's).
 */
int guest_remove_page(struct domain *d, unsigned long mfn)
{
    if (!mfn_valid(_mfn(mfn)))
        return -EINVAL;
    struct page_info *pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, d))
        return -ENXIO;
    if (ACCESS_ONCE(pg->count_info) & PGC_xen_heap) {
        put_page(pg);                   /* shared_info & co. are not the guest's to free */
        return -EINVAL;
    }
    unsigned long old = __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_SEQ_CST);
    if (old & PGC_allocated)
        put_page(pg);                   /* never the last: we hold one */
    if ((ACCESS_ONCE(pg->count_info) & PGC_count_mask) == 1)
        set_gpfn_from_mfn(mfn, INVALID_M2P_ENTRY);  /* our put below frees it */
    put_page(pg);
    return 0;
}

static void decrease_reservation(struct memop_args *a)
{
    if (!extent_range_ok(a) || a->order > memop_max_order(current->domain))
        return;

    unsigned int i, first = a->nr_done;
    for (i = first; i < a->nr_extents; i++) {
        if (extent_preempt(a, i, first))
            break;
        xen_pfn_t gmfn;
        if (!get_extent(a, i, &gmfn))
            break;
        unsigned long j;
        for (j = 0; j < (1UL << a->order); j++)
            if (is_hvm_domain(a->d) ? hvm_physmap_remove_ram(a->d, gmfn + j)
                                    : guest_remove_page(a->d, gmfn + j))
                break;
        if (j < (1UL << a->order))
            break;
    }
    a->nr_done = i;
}

/* Xen's construct_memop_from_reservation(): false for an impossible address limit. */
static bool memop_from_reservation(const struct xen_memory_reservation *r, struct memop_args *a)
{
    unsigned int bits = XENMEMF_get_address_bits(r->mem_flags);
    unsigned int max_bits = PAGE_SHIFT;

    while (max_bits < 64 && (1UL << (max_bits - PAGE_SHIFT)) < max_page)
        max_bits++;                     /* get_order_from_pages(max_page) + PAGE_SHIFT */
    a->list = r->extent_start.p;
    a->nr_extents = (unsigned int)r->nr_extents;
    a->order = r->extent_order;
    a->address_bits = 0;
    a->pod = false;
    if (bits && bits < max_bits) {
        if (bits <= PAGE_SHIFT)
            return false;
        a->address_bits = bits;
    }
    return true;
}

/* The three extent-list subops. Returns extents done (never an errno). */
static long reservation_op(unsigned int op, unsigned long start, hc_arg_t arg)
{
    struct xen_memory_reservation r;
    struct memop_args a;

    if (raw_copy_from_guest(&r, (void *)arg, sizeof(r)))
        return (long)start;
    if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents)
        return (long)start;
    if (memop_domain_lookup(r.domid, &a.d))
        return (long)start;
    if (!memop_from_reservation(&r, &a)) {
        rcu_unlock_domain(a.d);
        return (long)start;
    }
    a.nr_done = (unsigned int)start;
    a.preempted = false;
    if (op == XENMEM_populate_physmap && (r.mem_flags & XENMEMF_populate_on_demand))
        a.pod = true;

    if (op == XENMEM_increase_reservation)
        increase_reservation(&a);
    else if (op == XENMEM_decrease_reservation)
        decrease_reservation(&a);
    else
        populate_physmap(&a);
    rcu_unlock_domain(a.d);
    if (a.preempted) {
        hypercall_set_arg(0, op | ((unsigned long)a.nr_done << MEMOP_EXTENT_SHIFT));
        return -ERESTART;
    }
    return a.nr_done;
}

/*
 * Xen's domain_get_maximum_gpfn(): HVM, the highest GFN its P2M ever
 * mapped (max_mapped_pfn); PV, from the guest's shared_info max_pfn.
 */
static long maximum_gpfn(const struct domain *d)
{
    if (is_hvm_domain(d))
        return (long)ACCESS_ONCE(d->arch.hvm->p2m.max_gfn);
    unsigned long max_pfn = d->shared_info ? ACCESS_ONCE(d->shared_info->arch.max_pfn) : 0;
    return (long)((max_pfn ? max_pfn : 1) - 1);
}

static long reservation_query(unsigned int op, hc_arg_t arg)
{
    domid_t domid;
    struct domain *d;

    if (raw_copy_from_guest(&domid, (void *)arg, sizeof(domid)))
        return -EFAULT;
    int rc = memop_domain_lookup(domid, &d);
    if (rc)
        return rc;
    long ret;
    if (op == XENMEM_current_reservation)
        ret = (long)ACCESS_ONCE(d->tot_pages);
    else if (op == XENMEM_maximum_reservation)
        ret = (long)d->max_pages;
    else
        ret = maximum_gpfn(d);
    rcu_unlock_domain(d);
    return ret;
}

/*
 * XENMEM_add_to_physmap(_batch), remove_from_physmap: translated guests
 * only (PV: -EACCES). For an HVM domain add_to_physmap goes to
 * hvm_add_to_physmap() and remove_from_physmap to hvm_remove_from_physmap()
 * after Xen's XSM_TARGET check; the batch is not built for HVM yet (-ENOSYS).
 */
static long physmap_op(unsigned int op, unsigned long start, hc_arg_t arg)
{
    struct domain *d;
    domid_t domid;
    unsigned int x_space = 0;
    unsigned long x_idx = 0, x_gpfn = 0;
    long rc;

    if (op == XENMEM_add_to_physmap) {
        struct xen_add_to_physmap x;
        if (start != (uint16_t)start)
            return -EDOM;
        if (raw_copy_from_guest(&x, (void *)arg, sizeof(x)))
            return -EFAULT;
        if (x.space == XENMAPSPACE_gmfn_foreign)
            return -ENOSYS;
        domid = x.domid;
        x_space = x.space;
        x_idx = x.idx;
        x_gpfn = x.gpfn;
    } else if (op == XENMEM_add_to_physmap_batch) {
        struct xen_add_to_physmap_batch x;
        if (start != (uint16_t)start)
            return -EDOM;
        if (raw_copy_from_guest(&x, (void *)arg, sizeof(x)))
            return -EFAULT;
        if (x.space == XENMAPSPACE_gmfn_range)
            return -EOPNOTSUPP;
        domid = x.domid;
    } else {
        struct xen_remove_from_physmap x;
        if (start)
            return -EINVAL;
        if (raw_copy_from_guest(&x, (void *)arg, sizeof(x)))
            return -EFAULT;
        domid = x.domid;
        x_gpfn = x.gpfn;
    }
    /* Xen looks the domain up, then refuses any non-translated one. */
    if (domid != DOMID_SELF && domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    d = rcu_lock_domain_by_id(domid);
    if (!d)
        return -ESRCH;
    rc = -EACCES;                       /* PV: !paging_mode_translate() */
    if (is_hvm_domain(d)) {
        if (d != current->domain && !current->domain->is_privileged)
            rc = -EPERM;                /* xsm_add_to_physmap(XSM_TARGET) */
        else if (op == XENMEM_add_to_physmap)
            rc = hvm_add_to_physmap(d, x_space, x_idx, x_gpfn);
        else if (op == XENMEM_remove_from_physmap)
            rc = hvm_remove_from_physmap(d, x_gpfn);
        else
            rc = -ENOSYS;
    }
    rcu_unlock_domain(d);
    return rc;
}

/*
 * XENMEM_claim_pages: validated as Xen's domain_set_outstanding_pages(),
 * but nothing is set aside yet (Xenia keeps no claims): a claim that
 * would succeed returns 0.
 */
static long claim_pages(hc_arg_t arg)
{
    struct xen_memory_reservation r;

    if (raw_copy_from_guest(&r, (void *)arg, sizeof(r)))
        return -EFAULT;
    if (r.extent_start.p || r.extent_order || r.mem_flags)
        return -EINVAL;
    if (r.domid == DOMID_SELF || r.domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;                 /* Xen: rcu_lock_domain_by_id(), no DOMID_SELF */
    struct domain *d = rcu_lock_domain_by_id(r.domid);
    if (!d)
        return -EINVAL;
    long rc = 0;
    if (!current->domain->is_privileged)
        rc = -EPERM;
    else if (r.nr_extents && (r.nr_extents <= d->tot_pages || r.nr_extents > d->max_pages))
        rc = -EINVAL;
    else if (r.nr_extents && r.nr_extents - d->tot_pages > total_free_pages())
        rc = -ENOMEM;
    rcu_unlock_domain(d);
    return rc;
}

/* XENMEM_get_vnumainfo: no domain has a vNUMA layout. */
static long get_vnumainfo(hc_arg_t arg)
{
    struct xen_vnuma_topology_info t;
    struct domain *d;

    if (raw_copy_from_guest(&t, (void *)arg, sizeof(t)))
        return -EFAULT;
    if (t.pad)
        return -EINVAL;
    int rc = memop_domain_lookup(t.domid, &d);
    if (rc)
        return rc;
    rcu_unlock_domain(d);
    return -EOPNOTSUPP;
}

/* XENMEM_reserved_device_memory_map: no IOMMU, so no reserved regions. */
static long reserved_device_memory_map(hc_arg_t arg)
{
    struct xen_reserved_device_memory_map m;

    if (raw_copy_from_guest(&m, (void *)arg, sizeof(m)))
        return -EFAULT;
    if (!guest_range_ok((unsigned long)m.buffer.p,
                        (size_t)m.nr_entries * sizeof(struct xen_reserved_device_memory)))
        return -EFAULT;
    if (m.flags & ~XENMEM_RDM_ALL)
        return -EINVAL;
    m.nr_entries = 0;
    return raw_copy_to_guest((void *)arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* XENMEM_access_op: mem_access needs a translated guest on a remote domain. */
static long access_op(hc_arg_t arg)
{
    struct xen_mem_access_op op;

    if (raw_copy_from_guest(&op, (void *)arg, sizeof(op)))
        return -EFAULT;
    if (op.domid == DOMID_SELF || op.domid == current->domain->domain_id)
        return -EPERM;                  /* rcu_lock_live_remote_domain_by_id() */
    if (op.domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    struct domain *d = rcu_lock_domain_by_id(op.domid);
    if (!d)
        return -ESRCH;
    long rc = current->domain->is_privileged ? -EINVAL : -EPERM;
    rcu_unlock_domain(d);
    return rc;
}

/* XENMEM_acquire_resource: not yet (grant table / ioreq frames come later). */
static long acquire_resource(hc_arg_t arg)
{
    struct xen_mem_acquire_resource r;

    if (raw_copy_from_guest(&r, (void *)arg, sizeof(r)))
        return -EFAULT;
    return -EOPNOTSUPP;
}

/*
 * do_memory_op(): HYPERVISOR_memory_op for current's domain. cmd = subop |
 * (start extent << MEMOP_EXTENT_SHIFT); arg points to the subop's struct
 * in guest memory (copied in once). Returns per subop as Xen 4.17:
 * extent-list subops the number of extents done; queries the value;
 * others 0; or -EFAULT/-EINVAL/-ESRCH/-EPERM/-EACCES/-EDOM/-EOPNOTSUPP,
 * -ENOSYS for unknown subops. Takes the domain list lock (lookups) and
 * the heap/page_alloc locks through the allocator.
 */
static long memory_op(unsigned int op, unsigned long start, hc_arg_t cmd, hc_arg_t arg)
{

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(op, start, arg);
    case XENMEM_exchange:
        return start ? -EINVAL : memory_exchange(arg);
    case XENMEM_maximum_ram_page:
        return start ? -EINVAL : (long)max_page;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return start ? -EINVAL : reservation_query(op, arg);
    case XENMEM_add_to_physmap:
    case XENMEM_add_to_physmap_batch:
    case XENMEM_remove_from_physmap:
        return physmap_op(op, start, arg);
    case XENMEM_access_op:
        return access_op(arg);
    case XENMEM_claim_pages:
        return start ? -EINVAL : claim_pages(arg);
    case XENMEM_get_vnumainfo:
        return start ? -EINVAL : get_vnumainfo(arg);
    case XENMEM_reserved_device_memory_map:
        return start ? -EINVAL : reserved_device_memory_map(arg);
    case XENMEM_acquire_resource:
        return acquire_resource(arg);
    default:
        return arch_memory_op(cmd, arg);
    }
}

/* A name for the perf counters (debug key 'p'). */
static const char *memop_name(unsigned int op)
{
    switch (op) {
    case XENMEM_increase_reservation:   return "increase_reservation";
    case XENMEM_decrease_reservation:   return "decrease_reservation";
    case XENMEM_populate_physmap:       return "populate_physmap";
    case XENMEM_exchange:               return "exchange";
    case XENMEM_add_to_physmap:         return "add_to_physmap";
    case XENMEM_add_to_physmap_batch:   return "add_to_physmap_batch";
    case XENMEM_remove_from_physmap:    return "remove_from_physmap";
    case XENMEM_claim_pages:            return "claim_pages";
    case XENMEM_acquire_resource:       return "acquire_resource";
    default:                            return "other";
    }
}

long do_memory_op(hc_arg_t cmd, hc_arg_t arg)
{
    unsigned int op = (unsigned int)(cmd & MEMOP_CMD_MASK);
    s_time_t t0 = NOW();
    long rc = memory_op(op, cmd >> MEMOP_EXTENT_SHIFT, cmd, arg);

    perfc_memop(op, memop_name(op), NOW() - t0);
    return rc;
}
