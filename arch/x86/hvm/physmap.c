/*
 * XENMEM_add_to_physmap for HVM domains (Xen 4.17 xenmem_add_to_physmap_one()
 * semantics): put a hypervisor frame of the domain into its P2M at a GFN
 * of its choosing.
 *
 * Built: XENMAPSPACE_shared_info (idx 0: d->shared_info) and
 * XENMAPSPACE_grant_table (shared frame idx, the table grown to hold it;
 * each frame's GFN kept in struct hvm_domain as Xen's
 * gnttab_set_frame_gfn()). What the GFN held before goes first: the
 * domain's own RAM there is freed (its reservation drops by one frame, as
 * on Xen), a shared frame is only unhooked, a grant mapping there is
 * refused (-ENXIO, as Xen); a shared_info already mapped at another GFN
 * leaves that GFN (which then holds nothing: loads read all ones); so does
 * a grant frame.
 * Not yet: grant status frames (version 2), XENMAPSPACE_gmfn(_range)
 * (-ENOSYS).
 *
 * TLBs: every VMRUN flushes the whole TLB (svm.c), so only a vCPU of d in
 * guest mode on another pCPU can still use a translation the P2M dropped.
 * Before a frame that left the P2M goes back to the heap (where another
 * domain may get it), flush_tlb_domain(d) sends those pCPUs an IPI (an
 * intercepted interrupt: #VMEXIT) and waits for them, with interrupts on
 * and p2m_lock released. A frame that only moves, or stays d's, needs no
 * wait: d can reach nothing but its own frames meanwhile.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xen/memory.h>
#include <asm/flushtlb.h>
#include <asm/page.h>
#include <asm/hvm/hvm.h>

/*
 * Empty gfn's slot, h->p2m_lock held: RAM of d is freed (the frame
 * returned in *free_mfn for the caller to release after the lock), a
 * shared frame unhooked. 0, -EPERM for passed-through MMIO, -ENXIO for a
 * grant mapping (Xen's answers).
 */
static int clear_slot(struct hvm_domain *h, unsigned long gfn, unsigned long *free_mfn)
{
    enum p2m_type t;
    unsigned long mfn = p2m_get_entry(&h->p2m, gfn, &t);

    *free_mfn = P2M_INVALID_MFN;
    switch (t) {
    case p2m_invalid:
        return 0;
    case p2m_mmio_direct:
        return -EPERM;
    case p2m_grant_map_rw:
    case p2m_grant_map_ro:
        return -ENXIO;                  /* Xen: another domain's frame is no page of d's to free */
    case p2m_ram_rw:
        *free_mfn = mfn;
        break;
    case p2m_xenheap_rw:
        break;
    }
    if (h->shared_info_gfn == gfn)
        h->shared_info_gfn = HVM_GFN_NONE;
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
        if (h->gnttab_gfn[i] == gfn)
            h->gnttab_gfn[i] = HVM_GFN_NONE;
    return p2m_set_entry(&h->p2m, gfn, 0, p2m_invalid);
}

/*
 * Map the hypervisor frame mfn of d at gfn; *where records the GFN it is
 * mapped at (HVM_GFN_NONE: nowhere), and the frame leaves that GFN first.
 */
static int map_xen_frame(struct domain *d, unsigned long mfn, unsigned long *where,
                         unsigned long gfn)
{
    struct hvm_domain *h = d->arch.hvm;
    unsigned long old_mfn;
    int rc;

    spin_lock(&h->p2m_lock);
    rc = clear_slot(h, gfn, &old_mfn);
    if (!rc && *where != HVM_GFN_NONE && *where != gfn) {
        rc = p2m_set_entry(&h->p2m, *where, 0, p2m_invalid);   /* removal: cannot fail */
        *where = HVM_GFN_NONE;
    }
    if (!rc)
        rc = p2m_set_entry(&h->p2m, gfn, mfn, p2m_xenheap_rw);
    if (!rc) {
        *where = gfn;
        set_gpfn_from_mfn(mfn, gfn);
    }
    spin_unlock(&h->p2m_lock);
    if (old_mfn != P2M_INVALID_MFN) {
        flush_tlb_domain(d);             /* no vCPU of d still reaches it */
        guest_remove_page(d, old_mfn);   /* d's RAM frame, out of the P2M now */
    }
    return rc;
}

int hvm_add_to_physmap(struct domain *d, unsigned int space, unsigned long idx,
                       unsigned long gfn)
{
    if (gfn == ~0UL)
        return -EINVAL;                 /* INVALID_GFN */
    switch (space) {
    case XENMAPSPACE_shared_info:
        if (idx != 0 || gfn > P2M_MAX_GFN)
            return -EINVAL;
        return map_xen_frame(d, virt_to_mfn(d->shared_info), &d->arch.hvm->shared_info_gfn, gfn);
    case XENMAPSPACE_grant_table: {
        unsigned long mfn;
        int rc = gnttab_shared_frame_mfn(d, idx, &mfn);
        if (rc)
            return rc;
        if (gfn > P2M_MAX_GFN)
            return -EINVAL;
        return map_xen_frame(d, mfn, &d->arch.hvm->gnttab_gfn[idx], gfn);
    }
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
        return -ENOSYS;                 /* not built for HVM yet */
    default:
        return -EINVAL;                 /* Xen: no frame for this space */
    }
}

/* The MFN behind d's gfn if its P2M type is RAM, or shared hypervisor pages too. */
static int gfn_to_mfn_typed(struct domain *d, unsigned long gfn, bool xenheap_ok,
                            unsigned long *mfn)
{
    enum p2m_type t;
    unsigned long m;

    if (!is_hvm_domain(d) || gfn > P2M_MAX_GFN)
        return -EINVAL;
    m = p2m_get_entry(&d->arch.hvm->p2m, gfn, &t);
    if (t != p2m_ram_rw && !(xenheap_ok && t == p2m_xenheap_rw))
        return -EINVAL;
    *mfn = m;
    return 0;
}

int hvm_gfn_to_ram_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    return gfn_to_mfn_typed(d, gfn, false, mfn);
}

unsigned long hvm_gnttab_frame_gfn(struct domain *d, unsigned int idx)
{
    return idx < GNTTAB_MAX_FRAMES ? ACCESS_ONCE(d->arch.hvm->gnttab_gfn[idx]) : HVM_GFN_NONE;
}

int hvm_remove_from_physmap(struct domain *d, unsigned long gfn)
{
    struct hvm_domain *h = d->arch.hvm;
    enum p2m_type t;
    int rc = -ENOENT;

    if (gfn > P2M_MAX_GFN)
        return -ENOENT;
    spin_lock(&h->p2m_lock);
    p2m_get_entry(&h->p2m, gfn, &t);
    if (t == p2m_ram_rw || t == p2m_xenheap_rw) {
        if (h->shared_info_gfn == gfn)
            h->shared_info_gfn = HVM_GFN_NONE;
        for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
            if (h->gnttab_gfn[i] == gfn)
                h->gnttab_gfn[i] = HVM_GFN_NONE;
        rc = p2m_set_entry(&h->p2m, gfn, 0, p2m_invalid);  /* removal: cannot fail */
    }
    spin_unlock(&h->p2m_lock);
    return rc;
}

int hvm_gfn_to_mappable_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    return gfn_to_mfn_typed(d, gfn, true, mfn);
}

int hvm_physmap_add_ram(struct domain *d, unsigned long gfn, unsigned long mfn, unsigned int order)
{
    struct hvm_domain *h = d->arch.hvm;
    unsigned long n = 1UL << order, j;
    enum p2m_type t;
    int rc = 0;

    if (gfn > P2M_MAX_GFN || n - 1 > P2M_MAX_GFN - gfn)
        return -EINVAL;
    spin_lock(&h->p2m_lock);
    for (j = 0; j < n; j++) {           /* all or nothing: only RAM or holes may be replaced */
        p2m_get_entry(&h->p2m, gfn + j, &t);
        if (t != p2m_invalid && t != p2m_ram_rw) {
            rc = -EBUSY;
            goto out;
        }
    }
    for (j = 0; j < n && !rc; j++) {
        unsigned long old = p2m_get_entry(&h->p2m, gfn + j, &t);
        rc = p2m_set_entry(&h->p2m, gfn + j, mfn + j, p2m_ram_rw);
        if (!rc) {
            if (t == p2m_ram_rw)
                set_gpfn_from_mfn(old, INVALID_M2P_ENTRY);  /* Xen: unhooked, still d's */
            set_gpfn_from_mfn(mfn + j, gfn + j);
        }
    }
    while (rc && j-- > 1)               /* -ENOMEM part-way: undo what was mapped */
        p2m_set_entry(&h->p2m, gfn + j - 1, 0, p2m_invalid);
out:
    spin_unlock(&h->p2m_lock);
    return rc;
}

int hvm_physmap_remove_ram(struct domain *d, unsigned long gfn)
{
    struct hvm_domain *h = d->arch.hvm;
    enum p2m_type t;
    unsigned long mfn;
    int rc = -ENOENT;

    if (gfn > P2M_MAX_GFN)
        return -ENOENT;
    spin_lock(&h->p2m_lock);
    mfn = p2m_get_entry(&h->p2m, gfn, &t);
    if (t == p2m_ram_rw)
        rc = p2m_set_entry(&h->p2m, gfn, 0, p2m_invalid);
    spin_unlock(&h->p2m_lock);
    if (!rc) {
        flush_tlb_domain(d);            /* no vCPU of d still reaches it */
        guest_remove_page(d, mfn);      /* out of the P2M: d's allocation reference goes */
    }
    return rc;
}

unsigned long hvm_p2m_audit(struct domain *d)
{
    struct p2m_table *p = &d->arch.hvm->p2m;
    unsigned long bad = 0;

    for (unsigned long gfn = 0; gfn <= p->max_gfn; gfn++) {
        enum p2m_type t;
        unsigned long mfn = p2m_get_entry(p, gfn, &t);
        if (t != p2m_ram_rw)
            continue;
        const struct page_info *pg = mfn_valid(_mfn(mfn)) ? mfn_to_page(_mfn(mfn)) : NULL;
        const struct domain *owner = pg ? page_get_owner(pg) : NULL;
        if (owner == d && (pg->count_info & PGC_allocated))
            continue;
        if (bad++ < 8)
            printk("  p2m audit d%u: gfn %#lx -> mfn %#lx owner d%d count %#lx type %#lx\n",
                   d->domain_id, gfn, mfn, owner ? (int)owner->domain_id : -1,
                   pg ? pg->count_info : 0UL, pg ? pg->type_info : 0UL);
    }
    return bad;
}
