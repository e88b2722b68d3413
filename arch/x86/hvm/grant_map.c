/*
 * The P2M side of grant mappings for HVM callers (Xen 4.17's
 * create_grant_p2m_mapping()/replace_grant_p2m_mapping()): a PVH domain
 * that maps another domain's grant with GNTMAP_host_map names a GFN of its
 * own (host_addr is a guest-physical address, usually a ballooned-out
 * frame), and the granted frame appears there in its P2M, as
 * p2m_grant_map_rw or, with GNTMAP_readonly, p2m_grant_map_ro (a guest
 * write to it is a nested page fault that crashes the domain, as on Xen).
 * What the GFN held before: nothing or the domain's own RAM (unhooked from
 * the P2M, still the domain's until it is destroyed, as Xen's
 * guest_physmap_add_entry()); another grant or passed-through MMIO there
 * crashes the domain, as Xen's p2m_add_page() does; a shared hypervisor
 * frame there is refused.
 *
 * References: the P2M entry holds a general reference on the frame (as
 * rd's) and, unless read-only, a writable type reference. The unmap
 * (common/grant_table.c) removes the entry under the granter's grant lock,
 * then with no lock held makes the mapper's vCPUs flush their TLBs and
 * drops them (gnttab_hvm_release_mapping()); a mapper destroyed with
 * mappings left has them dropped by grant_table_domain_destroy().
 *
 * Locking: the mapper's p2m_lock around each P2M change (inside the
 * granter's grant lock on unmap).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/grant_table.h>
#include <xen/grant_table.h>
#include <asm/current.h>
#include <asm/flushtlb.h>
#include <asm/page.h>
#include <asm/hvm/hvm.h>

static enum p2m_type grant_type(unsigned int flags)
{
    return (flags & GNTMAP_readonly) ? p2m_grant_map_ro : p2m_grant_map_rw;
}

static void put_grant_refs(unsigned long mfn, unsigned int flags)
{
    struct page_info *pg = mfn_to_page(_mfn(mfn));

    if (flags & GNTMAP_readonly)
        put_page(pg);
    else
        put_page_and_type(pg);
}

int gnttab_hvm_create_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, struct domain *rd)
{
    struct domain *ld = current->domain;
    struct hvm_domain *h = ld->arch.hvm;
    struct page_info *pg = mfn_to_page(_mfn(mfn));
    unsigned long gfn = addr >> PAGE_SHIFT;
    enum p2m_type t;
    int rc;

    if (gfn > P2M_MAX_GFN || !mfn_valid(_mfn(mfn)) || !get_page(pg, rd))
        return GNTST_general_error;
    if (!(flags & GNTMAP_readonly) && get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return GNTST_general_error;
    }
    spin_lock(&h->p2m_lock);
    unsigned long old = p2m_get_entry(&h->p2m, gfn, &t);
    if (t == p2m_invalid || t == p2m_ram_rw) {
        rc = p2m_set_entry(&h->p2m, gfn, mfn, grant_type(flags));
        if (!rc && t == p2m_ram_rw)
            set_gpfn_from_mfn(old, INVALID_M2P_ENTRY);  /* unhooked, still ld's */
    } else {
        rc = -EBUSY;                    /* a grant, shared or MMIO frame is there */
    }
    spin_unlock(&h->p2m_lock);
    if (rc) {
        put_grant_refs(mfn, flags);
        /* Xen 4.17 (p2m_add_page()): replacing a grant or MMIO mapping so crashes the caller. */
        if (t == p2m_grant_map_rw || t == p2m_grant_map_ro || t == p2m_mmio_direct)
            domain_crash(ld, "grant map over a grant or MMIO mapping");
        return GNTST_general_error;
    }
    if (t == p2m_ram_rw)
        flush_tlb_domain(ld);           /* no vCPU still reaches the RAM at gfn */
    return GNTST_okay;
}

int gnttab_hvm_destroy_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, uint64_t new_addr)
{
    struct hvm_domain *h = current->domain->arch.hvm;
    unsigned long gfn = addr >> PAGE_SHIFT;
    enum p2m_type t;
    int rc = GNTST_general_error;

    if (new_addr || gfn > P2M_MAX_GFN)
        return GNTST_general_error;     /* Xen: no unmap_and_replace for HVM */
    spin_lock(&h->p2m_lock);
    if (p2m_get_entry(&h->p2m, gfn, &t) == mfn && t == grant_type(flags)) {
        p2m_set_entry(&h->p2m, gfn, 0, p2m_invalid);    /* removal: cannot fail */
        rc = GNTST_okay;
    }
    spin_unlock(&h->p2m_lock);
    return rc;
}

void gnttab_hvm_release_mapping(unsigned long mfn, unsigned int flags)
{
    put_grant_refs(mfn, flags);
}
