/*
 * HYPERVISOR_mmu_update (<xen/xen.h>: struct mmu_update, MMU_*).
 *
 * Each request is (ptr, val): ptr's low 3 bits are the command, the rest
 * the machine address of an 8-byte entry (MMU_NORMAL_PT_UPDATE,
 * MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE) or of a frame
 * (MMU_MACHPHYS_UPDATE: M2P[ptr >> 12] = val). A new L1 entry mapping a
 * frame of an HVM page owner (foreigndom; privcmd's foreign mappings of an
 * HVM domU) names a GFN, translated through that domain's P2M, except with
 * MMU_PT_UPDATE_NO_TRANSLATE (-EINVAL: no RAM or shared frame there). Requests run in order; the first failing one stops the batch,
 * its error is returned, and *pdone (if given) receives how many
 * succeeded, as in Xen 4.17.
 *
 * foreigndom: low 16 bits name the owner of the frames mapped (DOMID_SELF,
 * DOMID_IO, or another domain for a privileged caller); bits 16+ name the
 * owner of the page tables plus one (0 = the caller). Foreign page-table
 * owners are not supported yet (-EOPNOTSUPP for privileged callers).
 *
 * Long batches yield to pending work every PV_BATCH_CHECK_EVERY requests
 * and continue where they stopped (include/asm/pv_batch.h); an L2-L4
 * update whose new lower table needs a long validation, or whose replaced
 * one a long devalidation, is preempted inside it and continued
 * (pt_mod_entry(), arch/x86/mm/page_type.c).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <asm/current.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <asm/pv_batch.h>
#include <asm/hvm/hvm.h>

/*
 * pv_get_pg_owner(): fill ctx for the current domain and foreign domain
 * id domid (Xen's get_pg_owner() plus the XSM default policy): DOMID_SELF
 * is the caller; the caller's own id is -ESRCH (Xen refuses it); an
 * unknown domain is -ESRCH; another domain needs privilege (-EPERM);
 * DOMID_XEN is not supported (-EPERM / -EOPNOTSUPP). Pair with
 * pv_put_pg_owner().
 */
int pv_get_pg_owner(unsigned int domid, struct pt_ctx *ctx)
{
    struct domain *currd = current->domain;
    struct domain *d;

    ctx->pt_dom = currd;
    ctx->pg_owner = currd;
    ctx->io_only = false;
    ctx->preemptible = false;
    if (domid == DOMID_SELF)
        return 0;
    if (domid == currd->domain_id)
        return -ESRCH;
    if (domid == DOMID_IO) {
        ctx->io_only = true;
        return 0;
    }
    if (domid == DOMID_XEN)
        return currd->is_privileged ? -EOPNOTSUPP : -EPERM;
    if (domid >= DOMID_FIRST_RESERVED || !(d = rcu_lock_domain_by_id(domid)))
        return -ESRCH;
    if (!currd->is_privileged) {
        rcu_unlock_domain(d);
        return -EPERM;
    }
    ctx->pg_owner = d;
    return 0;
}

void pv_put_pg_owner(struct pt_ctx *ctx)
{
    if (ctx->pg_owner && ctx->pg_owner != ctx->pt_dom)
        rcu_unlock_domain(ctx->pg_owner);
    ctx->pg_owner = NULL;
}

/* A plain 8-byte write into a frame that is (now) an ordinary writable page. */
static int write_plain(struct page_info *pg, unsigned long ptr, uint64_t val)
{
    pte_t *p = pt_map(mfn_x(page_to_mfn(pg))) + ((ptr & ~PAGE_MASK) / sizeof(pte_t));

    __atomic_store_n(p, val, __ATOMIC_RELEASE);
    return 0;
}

/*
 * A new L1 entry naming a frame of a translated (HVM) page owner names a
 * GFN: the frame its P2M maps there, RAM or a shared hypervisor frame
 * (Xen's mod_l1_entry(): get_page_from_gfn(), -EINVAL for anything else).
 * The reference is taken later on the machine frame, as for PV.
 */
static int translate_l1e(uint64_t *val, const struct pt_ctx *ctx)
{
    unsigned long mfn;

    if (!(*val & _PAGE_PRESENT) || ctx->io_only || !is_hvm_domain(ctx->pg_owner))
        return 0;
    if (hvm_gfn_to_mappable_mfn(ctx->pg_owner, pte_mfn(*val), &mfn))
        return -EINVAL;
    *val = (*val & ~PTE_ADDR_MASK) | ((uint64_t)mfn << PAGE_SHIFT);
    return 0;
}

/*
 * Update the entry at machine address ptr (8-aligned) in the table frame
 * it lies in; translate: an L1 entry's frame is a GFN of an HVM page owner.
 */
static int update_entry(unsigned long ptr, uint64_t val, bool preserve_ad, bool translate,
                        const struct pt_ctx *ctx)
{
    unsigned long mfn = ptr >> PAGE_SHIFT;
    unsigned int slot = (ptr & ~PAGE_MASK) / sizeof(pte_t);
    struct page_info *pg;
    unsigned long type;
    int rc = -EINVAL;

    if (!mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pt_dom))
        return -EINVAL;
    type = pt_get_current_type(pg);
    if (pt_type_level(type) == 1 && translate && translate_l1e(&val, ctx))
        rc = -EINVAL;
    else if (pt_type_level(type))
        rc = pt_mod_entry(pg, pt_type_level(type), slot, val, ctx, preserve_ad);
    else if (type == PGT_writable_page)
        rc = write_plain(pg, ptr, val);
    else if (type == PGT_none && !get_page_type(pg, PGT_writable_page)) {
        rc = write_plain(pg, ptr, val);
        put_page_type(pg);
    }
    if (pt_type_level(type) > 1)
        put_page_and_type_preemptible(pg);                      /* last ref if unpinned meanwhile */
    else if (type != PGT_none)
        put_page_and_type(pg);
    else
        put_page(pg);
    return rc;
}

/* MMU_MACHPHYS_UPDATE: the M2P entry of a frame the page owner owns. */
static int machphys_update(unsigned long ptr, uint64_t val, const struct pt_ctx *ctx)
{
    unsigned long mfn = ptr >> PAGE_SHIFT;
    struct page_info *pg;

    if (ctx->io_only || !mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pg_owner))
        return -EINVAL;
    set_gpfn_from_mfn(mfn, val);
    put_page(pg);
    return 0;
}

static int one_request(const struct mmu_update *req, const struct pt_ctx *ctx)
{
    unsigned int cmd = req->ptr & (sizeof(pte_t) - 1);
    unsigned long ptr = req->ptr - cmd;

    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
        return update_entry(ptr, req->val, false, true, ctx);
    case MMU_PT_UPDATE_NO_TRANSLATE:
        return update_entry(ptr, req->val, false, false, ctx);
    case MMU_PT_UPDATE_PRESERVE_AD:
        return update_entry(ptr, req->val, true, true, ctx);
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(ptr, req->val, ctx);
    default:
        return -ENOSYS;
    }
}

/* Bits 16+ of foreigndom: the page tables' owner + 1. Only the caller itself for now. */
static int check_pt_owner(unsigned int pt_dom)
{
    struct domain *currd = current->domain, *d;

    if (!pt_dom || pt_dom - 1 == currd->domain_id)
        return 0;
    if (!(d = rcu_lock_domain_by_id(pt_dom - 1)))
        return -ESRCH;
    rcu_unlock_domain(d);
    return currd->is_privileged ? -EOPNOTSUPP : -EPERM;
}

static int run_batch(const struct mmu_update *ureqs, unsigned int count,
                     unsigned int foreigndom, unsigned int *done)
{
    struct pt_ctx ctx;
    struct mmu_update req;
    int rc = pv_get_pg_owner(foreigndom & 0xffff, &ctx);

    if (rc)
        return rc;
    ctx.preemptible = true;
    for (*done = 0; *done < count; (*done)++) {
        if (pv_batch_preempt(*done)) {
            rc = -ERESTART;
            break;
        }
        if (raw_copy_from_guest(&req, ureqs + *done, sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        rc = one_request(&req, &ctx);
        if (rc)
            break;
    }
    pv_put_pg_owner(&ctx);
    return rc;
}

/*
 * do_mmu_update(): HYPERVISOR_mmu_update(ureqs, count, pdone, foreigndom)
 * for the current vCPU. Returns 0 or the first failing request's error
 * (see pt_mod_entry(); -EINVAL for a frame that is not the page-table
 * owner's or is a descriptor page; -ENOSYS unknown command; -EFAULT
 * unreadable request), or -EFAULT (ureqs not guest memory), -ESRCH /
 * -EPERM (foreigndom). *pdone gets the number of requests done, except
 * when ureqs itself is rejected or the page tables' owner (foreigndom
 * bits 16+) does not exist (-ESRCH), as Xen 4.17 returns before writing
 * it; a pdone that cannot be written is ignored, as by Xen. Count is
 * truncated to 32 bits as in Xen.
 * -ERESTART: continued (see the file comment).
 * Flushes: none; the guest flushes (mmuext_op / update_va_mapping flags)
 * - but see TODO in the report: Xen flushes all dirty CPUs after L2-L4
 * updates.
 */
long do_mmu_update(hc_arg_t ureqs, hc_arg_t count, hc_arg_t pdone, hc_arg_t foreigndom)
{
    unsigned int n = (unsigned int)count, done = 0, before;
    const struct mmu_update *reqs = (const struct mmu_update *)ureqs;
    long early;

    if (pv_batch_enter(ureqs, count, foreigndom, &early))
        return early;
    if (pv_batch_resume(&n, pdone, &before))
        return -EFAULT;
    if (!guest_range_ok(ureqs, (size_t)n * sizeof(*reqs)))
        return -EFAULT;
    long rc = check_pt_owner((unsigned int)foreigndom >> 16);
    if (rc == -ESRCH)
        return rc;                      /* Xen 4.17: before its out: path, pdone untouched */
    if (!rc)
        rc = run_batch(reqs, n, (unsigned int)foreigndom, &done);
    return pv_batch_finish(rc, ureqs, sizeof(*reqs), n, done, before, pdone);
}
