/*
 * HYPERVISOR_update_va_mapping(va, val, flags) and its _otherdomain form
 * (<xen/xen.h>: UVMF_*): replace the L1 entry that maps va in the current
 * vCPU's kernel page tables, then flush as flags ask.
 *
 * Xen 4.17 semantics: va outside guest space, no L1 table reachable for
 * va, or an L1 frame that is not the caller's validated L1 table: -EINVAL;
 * otherwise the entry check of mmu_update applies (pt_mod_entry()). No
 * flush happens when the update fails. UVMF_MULTI with an unreadable
 * vCPU bitmap: the entry is updated, then -EFAULT.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/hypercall.h>
#include <asm/current.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

static int update_l1(struct vcpu *v, unsigned long va, pte_t val, const struct pt_ctx *ctx)
{
    unsigned long l1 = pv_guest_l1_frame(v->arch.guest_table, va);
    struct page_info *pg;
    int rc = -EINVAL;

    if (!l1 || !mfn_valid(_mfn(l1)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(l1));
    if (!get_page(pg, v->domain))
        return -EINVAL;
    unsigned long type = pt_get_current_type(pg);
    if (type == PGT_l1_page_table)
        rc = pt_mod_entry(pg, 1, l1_table_offset(va), val, ctx, false);
    if (type != PGT_none)
        put_page_type(pg);
    put_page(pg);
    return rc;
}

static int do_flush(struct domain *d, unsigned long va, unsigned long flags)
{
    unsigned long kind = flags & UVMF_FLUSHTYPE_MASK, target = flags & ~UVMF_FLUSHTYPE_MASK;
    bool only_me = true;
    int rc = 0;

    if (kind != UVMF_TLB_FLUSH && kind != UVMF_INVLPG)
        return 0;
    if (target == UVMF_ALL)
        only_me = false;
    else if (target != UVMF_LOCAL)
        rc = pv_read_vcpumask(d, (const void *)target, &only_me);
    if (rc)
        return rc;
    if (kind == UVMF_TLB_FLUSH)
        only_me ? pv_flush_tlb_local() : pv_flush_tlb_domain(d);
    else
        only_me ? pv_flush_va_local(va) : pv_flush_va_domain(d, va);
    return 0;
}

static long update_va_mapping(unsigned long va, pte_t val, unsigned long flags, const struct pt_ctx *ctx)
{
    struct vcpu *v = current;
    int rc = update_l1(v, va, val, ctx);

    if (rc)
        return rc;
    return do_flush(v->domain, va, flags);
}

/*
 * do_update_va_mapping(): see the file comment. Returns 0, -EINVAL,
 * pt_mod_entry()'s errors, or -EFAULT (bad vCPU bitmap, after the
 * update). Takes the L1 table's lock; may free frames.
 */
long do_update_va_mapping(hc_arg_t va, hc_arg_t val, hc_arg_t flags)
{
    struct pt_ctx ctx = { current->domain, current->domain, false, false };

    return update_va_mapping(va, val, flags, &ctx);
}

/*
 * do_update_va_mapping_otherdomain(): the same with the mapped frame
 * owned by domid (privileged callers; DOMID_IO for I/O only). Adds
 * -ESRCH / -EPERM for domid as mmu_update's foreigndom.
 */
long do_update_va_mapping_otherdomain(hc_arg_t va, hc_arg_t val, hc_arg_t flags, hc_arg_t domid)
{
    struct pt_ctx ctx;
    long rc = pv_get_pg_owner((unsigned int)domid & 0xffff, &ctx);

    if (rc)
        return rc;
    rc = update_va_mapping(va, val, flags, &ctx);
    pv_put_pg_owner(&ctx);
    return rc;
}
