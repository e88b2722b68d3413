/*
 * HYPERVISOR_mmuext_op (<xen/xen.h>: struct mmuext_op, MMUEXT_*): pinning,
 * base pointers, TLB and cache maintenance, LDT, page copy/clear.
 *
 * Like mmu_update, ops run in order, the first failure stops the batch
 * and is returned, *pdone gets the number done. Errors follow Xen 4.17:
 * a frame that is not the page owner's is -EINVAL; a pin that fails
 * validation returns the validation error (-EINVAL for a frame in use as
 * another type, -EBUSY for a writable mapping of a table frame or a
 * foreign frame in an L1); pinning twice / unpinning an unpinned frame
 * is -EINVAL; MARK_SUPER / UNMARK_SUPER are -EOPNOTSUPP; unknown ops
 * -ENOSYS; ops on another domain's behalf other than pin/unpin/copy/clear
 * are -EPERM.
 *
 * Preemption: pins and NEW_BASEPTR / NEW_USER_BASEPTR validate with
 * get_page_type_preemptible(): when work is pending the op stops with its
 * tables parked and the call is continued at that op, which resumes them
 * (arch/x86/mm/page_type.c). Unpins and the release of a replaced base
 * pointer that get preempted leave the rest in the vCPU's
 * old_guest_table, finished by the continuation before the guest sees the
 * call return (include/asm/pv_batch.h).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <asm/current.h>
#include <asm/pv_domain.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <asm/pv_batch.h>

/* Xen's __addr_ok(): lower canonical half, or above the hypervisor's hole. */
static bool pv_addr_ok(unsigned long va)
{
    return va < (1UL << 47) || va >= HYPERVISOR_VIRT_END;
}

/* The guest_table / guest_table_user field of v. */
static unsigned long *table_field(struct vcpu *v, bool user)
{
    return user ? &v->arch.guest_table_user : &v->arch.guest_table;
}

int pv_set_guest_table(struct vcpu *v, unsigned long mfn, bool user, bool preemptible)
{
    unsigned long *field = table_field(v, user);
    unsigned long old = *field;
    struct page_info *pg;
    int rc;

    if (old == mfn) {
        if (!user)
            pv_update_cr3(v);
        return 0;
    }
    if (old)
        pv_sync_lazy(v);            /* no idle pCPU may keep old in CR3 once we let it go */
    if (mfn || !user) {
        if (!mfn_valid(_mfn(mfn)))
            return -EINVAL;
        pg = mfn_to_page(_mfn(mfn));
        rc = preemptible ? get_page_and_type_preemptible(pg, v->domain, PGT_l4_page_table)
                         : get_page_and_type(pg, v->domain, PGT_l4_page_table);
        if (rc)
            return rc;
    }
    *field = mfn;
    if (!user)
        pv_update_cr3(v);
    /* Global user mappings of the old tables survive a CR3 load: drop them, as Xen's write_ptbase(). */
    if (PV_GLOBAL_USER_PAGES && !user && v == current)
        pv_flush_tlb_local();
    if (old && preemptible)
        put_page_and_type_preemptible(mfn_to_page(_mfn(old)));
    else if (old)
        put_page_and_type(mfn_to_page(_mfn(old)));
    return 0;
}

void pv_drop_guest_tables(struct vcpu *v)
{
    pv_sync_lazy(v);
    pv_put_old_guest_table(v, false);
    for (int user = 0; user < 2; user++) {
        unsigned long *field = table_field(v, user);
        unsigned long old = *field;

        *field = 0;
        if (old)
            put_page_and_type(mfn_to_page(_mfn(old)));
    }
}

/*
 * pv_read_vcpumask(): read the guest's vCPU bitmap (unsigned longs, one
 * bit per vCPU of d, d->max_vcpus bits) and report whether it names
 * nothing but the current vCPU. 0 or -EFAULT.
 */
int pv_read_vcpumask(struct domain *d, const void *guest_mask, bool *only_current)
{
    const unsigned long *gm = guest_mask;
    unsigned int self = current->vcpu_id;

    *only_current = true;
    for (unsigned int base = 0; base < d->max_vcpus; base += 64) {
        unsigned long word;

        if (raw_copy_from_guest(&word, gm + base / 64, sizeof(word)))
            return -EFAULT;
        if (d->max_vcpus - base < 64)
            word &= (1UL << (d->max_vcpus - base)) - 1;
        if (self >= base && self < base + 64)
            word &= ~(1UL << (self - base));
        if (word)
            *only_current = false;
    }
    return 0;
}

static int pin_table(unsigned long mfn, unsigned long type, const struct pt_ctx *ctx)
{
    struct page_info *pg;
    int rc;

    if (ctx->io_only || !mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pg_owner))
        return -EINVAL;
    rc = get_page_type_preemptible(pg, type);
    if (rc) {
        put_page(pg);
        return rc;                                              /* -ERESTART: the op is re-issued */
    }
    if (pt_test_and_set_pinned(pg)) {
        put_page_and_type(pg);
        return -EINVAL;                                         /* already pinned */
    }
    return 0;                                                   /* the pin keeps both refs */
}

static int unpin_table(unsigned long mfn, const struct pt_ctx *ctx)
{
    struct page_info *pg;

    if (ctx->io_only || !mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pg_owner))
        return -EINVAL;
    if (!pt_test_and_clear_pinned(pg)) {
        put_page(pg);
        return -EINVAL;                                         /* not pinned */
    }
    put_page_and_type_preemptible(pg);                          /* the pin's refs */
    put_page(pg);
    return 0;
}

/* A frame of the page owner, as a writable page for the duration of an op. */
static struct page_info *get_writable(unsigned long mfn, const struct pt_ctx *ctx)
{
    struct page_info *pg;

    if (ctx->io_only || !mfn_valid(_mfn(mfn)))
        return NULL;
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pg_owner))
        return NULL;
    if (get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return NULL;
    }
    return pg;
}

static int clear_page_op(unsigned long mfn, const struct pt_ctx *ctx)
{
    struct page_info *pg = get_writable(mfn, ctx);

    if (!pg)
        return -EINVAL;
    memset(pt_map(mfn), 0, PAGE_SIZE);
    put_page_and_type(pg);
    return 0;
}

static int copy_page_op(unsigned long dst, unsigned long src, const struct pt_ctx *ctx)
{
    struct page_info *spg, *dpg;

    if (ctx->io_only || !mfn_valid(_mfn(src)))
        return -EINVAL;
    spg = mfn_to_page(_mfn(src));
    if (!get_page(spg, ctx->pg_owner))
        return -EINVAL;
    dpg = get_writable(dst, ctx);
    if (!dpg) {
        put_page(spg);
        return -EINVAL;
    }
    memcpy(pt_map(dst), pt_map(src), PAGE_SIZE);
    put_page_and_type(dpg);
    put_page(spg);
    return 0;
}

static int set_ldt(struct vcpu *v, unsigned long base, unsigned int ents)
{
    if (ents > 8192 || (ents && ((base & ~PAGE_MASK) || !pv_addr_ok(base))))
        return -EINVAL;
    if (!ents)
        base = 0;
    if (v->arch.ldt_base == base && v->arch.ldt_ents == ents)
        return 0;
    v->arch.ldt_base = base;
    v->arch.ldt_ents = ents;
    pv_load_ldt(v);
    return 0;
}

static int flush_multi(struct domain *d, const struct mmuext_op *op, bool invlpg)
{
    bool only_me;

    if (pv_read_vcpumask(d, op->arg2.vcpumask.p, &only_me))
        return -EINVAL;                                         /* Xen: -EINVAL, not -EFAULT */
    if (invlpg && !pv_addr_ok(op->arg1.linear_addr))
        return 0;
    if (only_me && invlpg)
        pv_flush_va_local(op->arg1.linear_addr);
    else if (only_me)
        pv_flush_tlb_local();
    else if (invlpg)
        pv_flush_va_domain(d, op->arg1.linear_addr);
    else
        pv_flush_tlb_domain(d);
    return 0;
}

/* The ops that only make sense for the caller itself (pg_owner == caller). */
static int self_op(const struct mmuext_op *op, struct vcpu *v)
{
    struct domain *d = v->domain;

    switch (op->cmd) {
    case MMUEXT_NEW_BASEPTR:
        return pv_set_guest_table(v, op->arg1.mfn, false, true);
    case MMUEXT_NEW_USER_BASEPTR:
        return pv_set_guest_table(v, op->arg1.mfn, true, true);
    case MMUEXT_TLB_FLUSH_LOCAL:
        pv_flush_tlb_local();
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        if (pv_addr_ok(op->arg1.linear_addr))
            pv_flush_va_local(op->arg1.linear_addr);
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
        return flush_multi(d, op, op->cmd == MMUEXT_INVLPG_MULTI);
    case MMUEXT_TLB_FLUSH_ALL:
        pv_flush_tlb_domain(d);
        return 0;
    case MMUEXT_INVLPG_ALL:
        if (pv_addr_ok(op->arg1.linear_addr))
            pv_flush_va_domain(d, op->arg1.linear_addr);
        return 0;
    case MMUEXT_FLUSH_CACHE:
        if (!d->is_privileged)
            return -EACCES;
        pv_flush_cache_local();
        return 0;
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if (!d->is_privileged)
            return -EINVAL;
        pv_flush_cache_all();
        return 0;
    case MMUEXT_SET_LDT:
        return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
    default:
        return -ENOSYS;
    }
}

static bool is_self_op(unsigned int cmd)
{
    switch (cmd) {
    case MMUEXT_NEW_BASEPTR:
    case MMUEXT_NEW_USER_BASEPTR:
    case MMUEXT_TLB_FLUSH_LOCAL:
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_ALL:
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
    case MMUEXT_SET_LDT:
        return true;
    default:
        return false;
    }
}

static int one_op(const struct mmuext_op *op, const struct pt_ctx *ctx)
{
    if (is_self_op(op->cmd))
        return (ctx->pg_owner == ctx->pt_dom && !ctx->io_only) ? self_op(op, current) : -EPERM;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pin_table(op->arg1.mfn, pt_level_type(op->cmd - MMUEXT_PIN_L1_TABLE + 1), ctx);
    case MMUEXT_UNPIN_TABLE:
        return unpin_table(op->arg1.mfn, ctx);
    case MMUEXT_CLEAR_PAGE:
        return clear_page_op(op->arg1.mfn, ctx);
    case MMUEXT_COPY_PAGE:
        return copy_page_op(op->arg1.mfn, op->arg2.src_mfn, ctx);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;
    default:
        return -ENOSYS;
    }
}

/*
 * do_mmuext_op(): HYPERVISOR_mmuext_op(uops, count, pdone, foreigndom)
 * for the current vCPU. Returns 0 or the first failing op's error (see
 * the file comment; -EFAULT if an op cannot be read), -EFAULT if uops is
 * not guest memory, -ESRCH / -EPERM for foreigndom (both: pdone untouched).
 * *pdone gets the number of ops done. -ERESTART: continued (see the file
 * comment). No lock of its own.
 */
long do_mmuext_op(hc_arg_t uops, hc_arg_t count, hc_arg_t pdone, hc_arg_t foreigndom)
{
    unsigned int n = (unsigned int)count, done = 0, before;
    const struct mmuext_op *ops = (const struct mmuext_op *)uops;
    struct pt_ctx ctx;
    struct mmuext_op op;
    long early;
    int rc;

    if (pv_batch_enter(uops, count, foreigndom, &early))
        return early;
    if (pv_batch_resume(&n, pdone, &before))
        return -EFAULT;
    if (!guest_range_ok(uops, (size_t)n * sizeof(*ops)))
        return -EFAULT;
    rc = pv_get_pg_owner((unsigned int)foreigndom & 0xffff, &ctx);
    if (rc)
        return rc;                                              /* Xen: before any op, pdone untouched */
    for (; done < n; done++) {
        if (pv_batch_preempt(done)) {
            rc = -ERESTART;
            break;
        }
        if (raw_copy_from_guest(&op, ops + done, sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        rc = one_op(&op, &ctx);
        if (rc)
            break;
    }
    pv_put_pg_owner(&ctx);
    return pv_batch_finish(rc, uops, sizeof(*ops), n, done, before, pdone);
}
