/*
 * HYPERVISOR_grant_table_op (<xen/grant_table.h>), versions 1 and 2, for
 * PV domains, with Xen 4.17's semantics: per-op results go in each op's
 * status field (GNTST_*); the hypercall returns 0, -EFAULT when an op (or
 * the array) cannot be read or its status written back, -EINVAL for a
 * bad count / command bits, -ENOSYS for an unknown command.
 *
 * This file: the ops both versions share (map, unmap, copy, swap,
 * setup_table, query_size, get_version, cache_flush), pinning an entry of
 * either layout. common/grant_table_v2.c: GNTTABOP_set_version,
 * get_status_frames, status frames, the v2 status protocol and copies
 * through transitive grants.
 *
 * Version 2 as Xen 4.17: full-page entries map and copy; sub-page entries
 * copy within their bytes (GNTST_general_error outside them) and never
 * map; a transitive entry is followed by a copy (one level, never back
 * to the same table) and never mapped. XENMEM_add_to_physmap with
 * XENMAPSPACE_grant_table is for translated guests: a PV domain gets
 * -EACCES (common/memory.c), and finds its frames with setup_table and
 * get_status_frames instead.
 *
 * Differences from Xen 4.17, deliberate for now:
 *   - GNTTABOP_transfer is -ENOSYS;
 *   - GNTTABOP_dump_table is -ENOSYS, as in Xen 4.17 (no handler there);
 *   - createdomain's max_grant_frames / max_maptrack_frames are not
 *     applied (every domain gets the defaults).
 * Batches (map, unmap, unmap_and_replace, copy, swap) are preemptible as
 * in Xen: between two items, with work pending, the op returns how many
 * items are left and do_grant_table_op() makes the guest re-issue the
 * call for them (uop advanced, count reduced: -ERESTART); a copy whose
 * transitive grant changed under it is re-issued the same way.
 * Data structures, reference ownership and lock order: <xenia/grant_table.h>.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/grant_table.h>
#include <asm/hvm/hvm.h>
#include <xen/memory.h>
#include "grant_table_internal.h"
#include <asm/current.h>
#include <asm/flushtlb.h>
#include <asm/page.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

#define MAPTRACK_NONE   (~0u)

/* Stop a batch before item i (never before the first) when work is pending. */
static bool batch_preempt(unsigned int i)
{
    return i && hypercall_preempt_check();
}
#define GNTTABOP_CMD_MASK  ((1u << 12) - 1)     /* Xen: GNTTABOP_CONTINUATION_ARG_SHIFT 12 */


/* Xen's rcu_lock_domain_by_any_id(): DOMID_SELF is the caller's domain. NULL if none. */
static struct domain *lock_any_domain(domid_t dom)
{
    return rcu_lock_domain_by_id(dom == DOMID_SELF ? current->domain->domain_id : dom);
}

/* ---- table helpers ---- */

#define nr_entries(gt)        gt_nr_entries(gt)
#define active_entry(gt, ref) gt_active(gt, ref)

#define ACTIVE_BYTES (GNTTAB_V1_PER_FRAME * sizeof(struct active_grant_entry))

/*
 * Grow d's table to nr frames (<= max), and its status frames with it
 * under version 2. Caller holds gt->lock, or d is not yet visible. 0 or
 * -ENOMEM (table unchanged).
 */
static int grow_table(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;
    unsigned int i, old = gt->nr_grant_frames;

    ASSERT(nr <= gt->max_grant_frames);
    for (i = old; i < nr; i++) {
        gt->shared[i] = alloc_xenheap_page();
        gt->active[i] = xzalloc_bytes(ACTIVE_BYTES);
        if (!gt->shared[i] || !gt->active[i])
            goto fail;
        memset(gt->shared[i], 0, PAGE_SIZE);
    }
    if (gt->gt_version == 2 && gt_populate_status(d, nr))
        goto fail;
    for (i = old; i < nr; i++)
        share_xen_page_with_guest(gt->shared[i], d);
    gt->nr_grant_frames = nr;
    return 0;
fail:
    for (i = old; i < nr; i++) {        /* frames past the table are NULL until allocated */
        if (gt->shared[i])
            free_xenheap_page(gt->shared[i]);
        if (gt->active[i])
            xfree_bytes(gt->active[i], ACTIVE_BYTES);
        gt->shared[i] = NULL;
        gt->active[i] = NULL;
    }
    return -ENOMEM;
}

int grant_table_domain_init(struct domain *d)
{
    struct grant_table *gt = xzalloc_bytes(sizeof(*gt));

    if (!gt)
        return -ENOMEM;
    spin_lock_init(&gt->lock);
    spin_lock_init(&gt->maptrack_lock);
    gt->domain = d;
    gt->gt_version = 1;
    gt->max_version = opt_gnttab_max_version;
    gt->max_grant_frames = GNTTAB_MAX_FRAMES;
    gt->max_maptrack_frames = GNTTAB_MAX_MAPTRACK_FRAMES;
    gt->maptrack_free = MAPTRACK_NONE;
    d->grant_table = gt;
    if (grow_table(d, GNTTAB_INITIAL_FRAMES)) {
        d->grant_table = NULL;
        xfree_bytes(gt, sizeof(*gt));
        return -ENOMEM;
    }
    return 0;
}

int gnttab_shared_frame_mfn(struct domain *d, unsigned long idx, unsigned long *mfn)
{
    struct grant_table *gt = d->grant_table;
    int rc = 0;

    spin_lock(&gt->lock);
    if (gt->gt_version == 2 && (idx & XENMAPIDX_grant_table_status))
        rc = -ENOSYS;                   /* status frames for translated domains: not yet */
    else if (idx >= gt->max_grant_frames)
        rc = -EINVAL;
    else if (idx >= gt->nr_grant_frames && grow_table(d, (unsigned int)idx + 1))
        rc = -EINVAL;                   /* Xen: the table did not grow */
    else
        *mfn = gt_virt_to_mfn(gt->shared[idx]);
    spin_unlock(&gt->lock);
    return rc;
}

/* ---- maptrack ---- */

static struct grant_mapping *maptrack_entry(struct grant_table *gt, uint32_t h)
{
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_FRAME][h % GNTTAB_MAPTRACK_PER_FRAME];
}

static uint32_t maptrack_limit(const struct grant_table *gt)
{
    return gt->maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME;
}

/* A free handle (entry flags 0, reserved), or MAPTRACK_NONE (Xen: GNTST_no_space). */
static uint32_t get_maptrack_handle(struct grant_table *gt)
{
    uint32_t h = MAPTRACK_NONE;

    spin_lock(&gt->maptrack_lock);
    if (gt->maptrack_free == MAPTRACK_NONE && gt->maptrack_frames < gt->max_maptrack_frames) {
        struct grant_mapping *page = xzalloc_bytes(PAGE_SIZE);
        if (page) {
            uint32_t base = maptrack_limit(gt);
            for (uint32_t i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
                page[i].next_free = (i + 1 < GNTTAB_MAPTRACK_PER_FRAME) ? base + i + 1 : MAPTRACK_NONE;
            gt->maptrack[gt->maptrack_frames] = page;
            __atomic_store_n(&gt->maptrack_frames, gt->maptrack_frames + 1, __ATOMIC_RELEASE);
            gt->maptrack_free = base;
        }
    }
    if (gt->maptrack_free != MAPTRACK_NONE) {
        h = gt->maptrack_free;
        gt->maptrack_free = maptrack_entry(gt, h)->next_free;
        maptrack_entry(gt, h)->next_free = MAPTRACK_NONE;
        gt->maptrack_used++;
    }
    spin_unlock(&gt->maptrack_lock);
    return h;
}

static void put_maptrack_handle(struct grant_table *gt, uint32_t h)
{
    spin_lock(&gt->maptrack_lock);
    maptrack_entry(gt, h)->flags = 0;
    maptrack_entry(gt, h)->next_free = gt->maptrack_free;
    gt->maptrack_free = h;
    gt->maptrack_used--;
    spin_unlock(&gt->maptrack_lock);
}

/* ---- status flags: in the entry (v1) or the status array (v2) ---- */

/*
 * Set GTF_reading (and GTF_writing unless readonly) in rd's v1 entry for
 * a pin by ldomid, checking type/domid when not yet pinned and
 * GTF_readonly for write pins (Xen's _set_status_v1). Caller holds
 * rgt->lock. GNTST_okay or GNTST_general_error.
 */
static int set_status_v1(grant_entry_header_t *e, const struct active_grant_entry *act,
                         bool readonly, bool mapflag, domid_t ldomid)
{
    uint32_t *raw = (uint32_t *)e;      /* flags (low 16 bits), domid (high 16) */
    uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
    uint32_t cur = __atomic_load_n(raw, __ATOMIC_ACQUIRE);

    for (int retries = 0;; retries++) {
        uint16_t flags = (uint16_t)cur;
        domid_t domid = (domid_t)(cur >> 16);
        uint32_t nval = cur | GTF_reading;

        if (!act->pin && ((flags & mask) != GTF_permit_access || domid != ldomid))
            return GNTST_general_error;
        if (!readonly) {
            nval |= GTF_writing;
            if (flags & GTF_readonly)
                return GNTST_general_error;
        }
        if (__atomic_compare_exchange_n(raw, &cur, nval, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (retries == 4)
            return GNTST_general_error;         /* the guest keeps changing it */
    }
}

void gt_reduce_status(uint16_t *status, const struct active_grant_entry *act, bool readonly)
{
    uint16_t clear = act->pin ? 0 : GTF_reading;

    if (!readonly && !(act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)))
        clear |= GTF_writing;
    if (clear)
        __atomic_fetch_and(status, (uint16_t)~clear, __ATOMIC_ACQ_REL);
}

/* Xen's GNTPIN_incr2oflow_mask: a counter about to pass 127. */
static uint32_t pin_oflow_mask(uint32_t incr)
{
    return incr << 7;
}

/*
 * The frame entry ref names, and which bytes of it (whole page unless a
 * v2 sub-page grant; a map, whose status check refused sub-page entries,
 * always takes the full-page frame, as Xen, whatever the guest wrote since).
 */
static unsigned long entry_frame(struct grant_table *gt, grant_ref_t ref, bool mapflag,
                                 uint16_t *start, uint16_t *length, bool *sub_page)
{
    *start = 0;
    *length = PAGE_SIZE;
    *sub_page = false;
    if (gt->gt_version == 1)
        return ACCESS_ONCE(gt->shared[ref / GNTTAB_V1_PER_FRAME][ref % GNTTAB_V1_PER_FRAME].frame);
    grant_entry_v2_t *e = gt_entry_v2(gt, ref);
    if (mapflag || !(ACCESS_ONCE(e->hdr.flags) & GTF_sub_page))
        return ACCESS_ONCE(e->full_page.frame);
    *sub_page = true;
    *start = ACCESS_ONCE(e->sub_page.page_off);
    *length = ACCESS_ONCE(e->sub_page.length);
    return ACCESS_ONCE(e->sub_page.frame);
}

/*
 * The frame a grant entry names must be rd's (Xen's get_paged_frame()):
 * PV names an MFN, an HVM granter a GFN, looked up in its P2M (RAM or a
 * shared hypervisor frame). *frame becomes the MFN.
 */
static bool frame_is_rds(unsigned long *frame, struct domain *rd)
{
    if (is_hvm_domain(rd) && hvm_gfn_to_mappable_mfn(rd, *frame, frame))
        return false;
    struct page_info *pg = mfn_valid(_mfn(*frame)) ? mfn_to_page(_mfn(*frame)) : NULL;

    return pg && !pv_mfn_is_io(*frame) && page_get_owner(pg) == rd && (pg->count_info & PGC_allocated);
}

/* First pin of a non-transitive entry, or a write pin of a read-pinned one. Caller holds rgt->lock. */
static int pin_status(struct domain *rd, grant_ref_t ref, domid_t ldomid, bool readonly, bool mapflag)
{
    struct grant_table *rgt = rd->grant_table;
    struct active_grant_entry *act = active_entry(rgt, ref);
    uint16_t *status = gt_status(rgt, ref);
    uint16_t start, length;
    bool sub_page;
    int rc;

    if (rgt->gt_version == 1)
        rc = set_status_v1(gt_header(rgt, ref), act, readonly, mapflag, ldomid);
    else
        rc = gt_set_status_v2(gt_header(rgt, ref), status, act, readonly, mapflag, ldomid);
    if (rc != GNTST_okay || act->pin)
        return rc;
    unsigned long frame = entry_frame(rgt, ref, mapflag, &start, &length, &sub_page);
    if (!frame_is_rds(&frame, rd)) {
        gt_reduce_status(status, act, readonly);
        return GNTST_bad_page;
    }
    act->domid = ldomid;
    act->mfn = frame;
    act->start = start;
    act->length = length;
    act->is_sub_page = sub_page;
    act->trans_domain = rd;
    act->trans_gref = ref;
    return GNTST_okay;
}

int gt_pin_entry(struct domain *rd, grant_ref_t ref, domid_t ldomid, bool readonly,
                 bool mapflag, bool transitive_ok, uint32_t pin_incr, struct gnt_pin *out)
{
    struct grant_table *rgt = rd->grant_table;
    int rc = GNTST_okay;

    spin_lock(&rgt->lock);
    if (ref >= nr_entries(rgt)) {
        spin_unlock(&rgt->lock);
        return GNTST_bad_gntref;
    }
    struct active_grant_entry *act = active_entry(rgt, ref);

    if (act->pin && (act->domid != ldomid || (act->pin & pin_oflow_mask(pin_incr)) ||
                     (mapflag && act->is_sub_page))) {
        spin_unlock(&rgt->lock);
        return GNTST_general_error;
    }
    if (!mapflag && rgt->gt_version == 2 &&
        (ACCESS_ONCE(gt_header(rgt, ref)->flags) & GTF_type_mask) == GTF_transitive)
        return gt_pin_transitive(rd, ref, ldomid, readonly, transitive_ok, pin_incr, out);
    if (act->pin && act->trans_domain != rd)
        rc = GNTST_bad_domain;      /* pinned through a transitive grant: not rd's frame (Xen) */
    else if (!act->pin || (!readonly && !(act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask))))
        rc = pin_status(rd, ref, ldomid, readonly, mapflag);
    if (rc == GNTST_okay) {
        act->pin += pin_incr;
        *out = (struct gnt_pin){ act->mfn, act->start, act->length, rd };
    }
    spin_unlock(&rgt->lock);
    return rc;
}

void gt_unpin_entry(struct domain *rd, grant_ref_t ref, bool readonly, uint32_t pin_incr)
{
    struct grant_table *rgt = rd->grant_table;

    spin_lock(&rgt->lock);
    struct active_grant_entry *act = active_entry(rgt, ref);
    ASSERT(ref < nr_entries(rgt) && act->pin >= pin_incr);
    struct domain *td = act->trans_domain;
    grant_ref_t tref = act->trans_gref;
    act->pin -= pin_incr;
    gt_reduce_status(gt_status(rgt, ref), act, readonly);
    spin_unlock(&rgt->lock);
    if (td != rd) {                     /* a transitive grant's own pin */
        gt_unpin_entry(td, tref, readonly, pin_incr);
        rcu_unlock_domain(td);
    }
}

static struct page_info *rd_page(unsigned long mfn)
{
    return mfn_to_page(_mfn(mfn));
}

/* ---- GNTTABOP_map_grant_ref ---- */

static void map_grant_ref(struct gnttab_map_grant_ref *op)
{
    struct domain *ld = current->domain, *rd;
    struct grant_table *lgt = ld->grant_table;
    bool ro = op->flags & GNTMAP_readonly;
    uint32_t pin_incr = 0, handle;
    unsigned long mfn;
    int rc;

    if (op->flags & GNTMAP_device_map)
        pin_incr += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    if (op->flags & GNTMAP_host_map)
        pin_incr += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    if (!pin_incr) {
        op->status = GNTST_bad_gntref;
        return;
    }
    /* An HVM caller maps into its P2M only: no device or PTE forms (Xen). */
    if (is_hvm_domain(ld) &&
        (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))) {
        op->status = GNTST_general_error;
        return;
    }
    /* Xen looks the granter up by id only: DOMID_SELF is no domain here. */
    rd = op->dom == DOMID_SELF ? NULL : lock_any_domain(op->dom);
    if (!rd || !rd->grant_table) {
        if (rd)
            rcu_unlock_domain(rd);
        op->status = GNTST_bad_domain;
        return;
    }
    handle = get_maptrack_handle(lgt);
    if (handle == MAPTRACK_NONE) {
        rcu_unlock_domain(rd);
        op->status = GNTST_no_space;
        return;
    }
    struct gnt_pin pin;
    rc = gt_pin_entry(rd, op->ref, ld->domain_id, ro, true, false, pin_incr, &pin);
    if (rc != GNTST_okay)
        goto fail_handle;
    mfn = pin.mfn;

    /* References: device map's belong to the maptrack entry, host map's to the PTE. */
    struct page_info *pg = rd_page(mfn);
    bool dev_refs = false;
    if (op->flags & GNTMAP_device_map) {
        rc = GNTST_general_error;
        if (!get_page(pg, rd))
            goto fail_pin;
        if (!ro && get_page_type(pg, PGT_writable_page)) {
            put_page(pg);
            goto fail_pin;
        }
        dev_refs = true;
    }
    if (op->flags & GNTMAP_host_map) {
        rc = is_hvm_domain(ld) ? gnttab_hvm_create_mapping(op->host_addr, mfn, op->flags, rd)
                               : gnttab_pv_create_mapping(op->host_addr, mfn, op->flags, rd);
        if (rc != GNTST_okay) {
            if (dev_refs)
                ro ? put_page(pg) : put_page_and_type(pg);
            goto fail_pin;
        }
    }

    struct grant_mapping *mt = maptrack_entry(lgt, handle);
    mt->domid = op->dom == DOMID_SELF ? ld->domain_id : op->dom;
    mt->ref = op->ref;
    __atomic_store_n(&mt->flags, (uint16_t)op->flags, __ATOMIC_RELEASE);
    op->dev_bus_addr = (uint64_t)mfn << PAGE_SHIFT;
    op->handle = handle;
    op->status = GNTST_okay;
    rcu_unlock_domain(rd);
    return;

fail_pin:
    gt_unpin_entry(rd, op->ref, ro, pin_incr);
fail_handle:
    put_maptrack_handle(lgt, handle);
    rcu_unlock_domain(rd);
    op->status = (int16_t)rc;
}

/* ---- GNTTABOP_unmap_grant_ref / unmap_and_replace ---- */

/*
 * A host unmap whose grant status waits for the TLB flush: until then
 * another vCPU of the grantee may still reach the frame through a stale
 * translation, so the granter must still see GTF_reading/GTF_writing
 * (Xen's unmap_common_complete). Holds a reference to rd.
 */
struct unmap_pending {
    struct domain *rd;                  /* NULL: nothing pending */
    grant_ref_t ref;
    bool ro;
};

/* After the flush: drop the GTF_* bits no pin needs any more, and rd. */
static void unmap_complete(struct unmap_pending *p)
{
    struct grant_table *rgt = p->rd->grant_table;

    spin_lock(&rgt->lock);
    if (p->ref < nr_entries(rgt))
        gt_reduce_status(gt_status(rgt, p->ref), active_entry(rgt, p->ref), p->ro);
    spin_unlock(&rgt->lock);
    rcu_unlock_domain(p->rd);
    p->rd = NULL;
}

/*
 * Undo the parts of mapping handle that the op names (host_addr != 0:
 * the host mapping, dev_bus_addr != 0: the device mapping); Xen's
 * unmap_common. A host mapping's status bits are left to unmap_complete()
 * after the TLB flush (*pending): a PV mapping's PTE is cleared here and
 * the batch flushes once; an HVM one's P2M entry is flushed here.
 */
static int16_t unmap_one(grant_handle_t handle, uint64_t host_addr, uint64_t dev_bus_addr,
                         uint64_t new_addr, struct unmap_pending *pending)
{
    struct domain *ld = current->domain, *rd;
    struct grant_table *lgt = ld->grant_table, *rgt;
    struct grant_mapping *mt;
    unsigned int flags, done = 0;
    int16_t rc = GNTST_okay;
    bool hvm = is_hvm_domain(ld);

    if (handle >= __atomic_load_n(&lgt->maptrack_frames, __ATOMIC_ACQUIRE) * GNTTAB_MAPTRACK_PER_FRAME)
        return GNTST_bad_handle;
    mt = maptrack_entry(lgt, handle);
    if (!__atomic_load_n(&mt->flags, __ATOMIC_ACQUIRE))
        return GNTST_bad_handle;
    domid_t dom = mt->domid;
    /* A destroyed granter lingers (zombie) while its frames are mapped: find it. */
    rd = rcu_lock_domain_by_id_any(dom);
    if (!rd || !rd->grant_table) {
        /* Xen: implicitly unmapped granter gone: crash the caller. */
        if (rd)
            rcu_unlock_domain(rd);
        domain_crash(ld, "grant unmap of a handle whose granter is gone");
        return GNTST_general_error;
    }
    rgt = rd->grant_table;

    unsigned long mfn = 0;
    bool ro = false;
    spin_lock(&rgt->lock);
    grant_ref_t ref = mt->ref;
    flags = mt->flags;
    if (!flags || mt->domid != dom || ref >= nr_entries(rgt)) {
        rc = GNTST_bad_handle;
        goto out;
    }
    struct active_grant_entry *act = active_entry(rgt, ref);
    mfn = act->mfn;
    ro = flags & GNTMAP_readonly;

    if (dev_bus_addr && (flags & GNTMAP_device_map) && dev_bus_addr != ((uint64_t)mfn << PAGE_SHIFT)) {
        rc = GNTST_bad_dev_addr;
        goto out;
    }
    if (host_addr && (flags & GNTMAP_host_map)) {
        rc = (int16_t)(hvm ? gnttab_hvm_destroy_mapping(host_addr, mfn, flags, new_addr)
                           : gnttab_pv_destroy_mapping(host_addr, mfn, flags, new_addr));
        if (rc != GNTST_okay)
            goto out;
        mt->flags &= ~GNTMAP_host_map;
        done |= GNTMAP_host_map;
        act->pin -= ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    }
    if (dev_bus_addr && (flags & GNTMAP_device_map)) {
        mt->flags &= ~GNTMAP_device_map;
        done |= GNTMAP_device_map;
        act->pin -= ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    }
    if (done && !(done & GNTMAP_host_map))
        gt_reduce_status(gt_status(rgt, ref), act, ro);
out:
    spin_unlock(&rgt->lock);
    if (hvm && (done & GNTMAP_host_map)) {
        flush_tlb_domain(ld);           /* then the P2M entry's references may go */
        gnttab_hvm_release_mapping(mfn, flags);
    }
    if (done & GNTMAP_device_map)
        ro ? put_page(rd_page(mfn)) : put_page_and_type(rd_page(mfn));
    if (rc == GNTST_okay && done && !(mt->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        put_maptrack_handle(lgt, handle);
    if (done & GNTMAP_host_map)
        *pending = (struct unmap_pending){ rd, ref, ro };  /* keeps the reference */
    else
        rcu_unlock_domain(rd);
    return rc;
}

/*
 * Unmaps per TLB flush, at most (and between preemption checks): Linux
 * netback's largest unmap batch (MAX_PENDING_REQS), so each of its batches
 * costs one flush; Xen's GNTTAB_UNMAP_BATCH_SIZE is 32. 4 KiB of stack.
 */
#define UNMAP_BATCH 256

static long gnttab_unmap(hc_arg_t uop, unsigned int count, bool replace)
{
    struct unmap_pending pending[UNMAP_BATCH];
    long rc = 0;
    unsigned int i = 0;

    while (i < count && !rc) {
        unsigned int n = 0;
        bool host_done = false;

        if (batch_preempt(i)) {
            rc = count - i;
            break;
        }
        for (; i < count && n < UNMAP_BATCH; i++) {
            struct unmap_pending *p = &pending[n++];
            int16_t status;

            p->rd = NULL;
            if (!replace) {
                struct gnttab_unmap_grant_ref op, *u = (struct gnttab_unmap_grant_ref *)uop + i;
                if (raw_copy_from_guest(&op, u, sizeof(op))) {
                    rc = -EFAULT;
                    break;
                }
                status = unmap_one(op.handle, op.host_addr, op.dev_bus_addr, 0, p);
                rc = raw_copy_to_guest(&u->status, &status, sizeof(status)) ? -EFAULT : 0;
            } else {
                struct gnttab_unmap_and_replace op, *u = (struct gnttab_unmap_and_replace *)uop + i;
                if (raw_copy_from_guest(&op, u, sizeof(op))) {
                    rc = -EFAULT;
                    break;
                }
                status = unmap_one(op.handle, op.host_addr, 0, op.new_addr, p);
                rc = raw_copy_to_guest(&u->status, &status, sizeof(status)) ? -EFAULT : 0;
            }
            host_done |= p->rd && !is_hvm_domain(current->domain);
            if (rc)
                break;
        }
        if (host_done)
            pv_flush_tlb_domain(current->domain);
        for (unsigned int k = 0; k < n; k++)
            if (pending[k].rd)
                unmap_complete(&pending[k]);
    }
    return rc;
}

/* ---- setup_table, query_size, versions ---- */

struct domain *gt_lock_target(domid_t dom, int16_t *status)
{
    struct domain *d = lock_any_domain(dom);

    if (!d || !d->grant_table) {
        if (d)
            rcu_unlock_domain(d);
        *status = GNTST_bad_domain;
        return NULL;
    }
    if (d != current->domain && !current->domain->is_privileged) {
        rcu_unlock_domain(d);
        *status = GNTST_permission_denied;
        return NULL;
    }
    return d;
}

static long gnttab_setup_table(hc_arg_t uop, unsigned int count)
{
    struct gnttab_setup_table op, *u = (struct gnttab_setup_table *)uop;
    struct domain *d;

    if (count != 1)
        return -EINVAL;
    if (raw_copy_from_guest(&op, u, sizeof(op)))
        return -EFAULT;
    if (!guest_range_ok((unsigned long)op.frame_list.p, (size_t)op.nr_frames * sizeof(xen_pfn_t)))
        return -EFAULT;
    d = gt_lock_target(op.dom, &op.status);
    if (d) {
        struct grant_table *gt = d->grant_table;

        spin_lock(&gt->lock);
        if (op.nr_frames > gt->max_grant_frames)
            op.status = GNTST_general_error;
        else if ((op.nr_frames > gt->nr_grant_frames ||
                  (gt->gt_version == 2 && GNTTAB_STATUS_FRAMES(op.nr_frames) > gt->nr_status_frames)) &&
                 grow_table(d, op.nr_frames))
            op.status = GNTST_general_error;
        else {
            op.status = GNTST_okay;
            for (unsigned int i = 0; i < op.nr_frames; i++) {
                /* A translated domain's frames are named by GFN (Xen's gnttab_shared_gmfn()). */
                xen_pfn_t mfn = is_hvm_domain(d) ? hvm_gnttab_frame_gfn(d, i)
                                                 : gt_virt_to_mfn(gt->shared[i]);
                if (raw_copy_to_guest(op.frame_list.p + i, &mfn, sizeof(mfn)))
                    op.status = GNTST_bad_virt_addr;
            }
        }
        spin_unlock(&gt->lock);
        rcu_unlock_domain(d);
    }
    if (raw_copy_to_guest(&u->status, &op.status, sizeof(op.status)))
        return -EFAULT;
    return 0;
}

static long gnttab_query_size(hc_arg_t uop, unsigned int count)
{
    struct gnttab_query_size op;
    struct domain *d;

    if (count != 1)
        return -EINVAL;
    if (raw_copy_from_guest(&op, (void *)uop, sizeof(op)))
        return -EFAULT;
    d = gt_lock_target(op.dom, &op.status);
    if (d) {
        spin_lock(&d->grant_table->lock);
        op.nr_frames = d->grant_table->nr_grant_frames;
        op.max_nr_frames = d->grant_table->max_grant_frames;
        op.status = GNTST_okay;
        spin_unlock(&d->grant_table->lock);
        rcu_unlock_domain(d);
    }
    if (raw_copy_to_guest((void *)uop, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}

static long gnttab_get_version(hc_arg_t uop)
{
    struct gnttab_get_version op, *u = (struct gnttab_get_version *)uop;
    struct domain *d;

    if (raw_copy_from_guest(&op, u, sizeof(op)))
        return -EFAULT;
    d = lock_any_domain(op.dom);
    if (!d || !d->grant_table) {
        if (d)
            rcu_unlock_domain(d);
        return -ESRCH;
    }
    if (d != current->domain && !current->domain->is_privileged) {
        rcu_unlock_domain(d);
        return -EPERM;
    }
    op.version = d->grant_table->gt_version;
    rcu_unlock_domain(d);
    if (raw_copy_to_guest(&u->version, &op.version, sizeof(op.version)))
        return -EFAULT;
    return 0;
}

/* ---- GNTTABOP_copy ---- */

struct copy_buf {
    struct domain *d;
    struct page_info *pg;
    unsigned long mfn;
    uint16_t start, length;             /* the bytes a (sub-page) grant allows */
    grant_ref_t ref;
    bool have_grant, have_type, readonly;
};

/* Is [off, off + len) inside the bytes b's grant allows? (Xen: GNTST_general_error if not) */
static bool copy_in_grant(const struct copy_buf *b, uint16_t off, uint16_t len)
{
    return off >= b->start && (unsigned int)off + len <= (unsigned int)b->start + b->length;
}

static void *frame_va(unsigned long mfn)
{
#ifdef XENIA_HOST_TEST
    return host_mfn_to_virt(mfn);
#else
    return mfn_to_virt(mfn);
#endif
}

static void copy_release(struct copy_buf *b)
{
    if (b->have_grant)
        gt_unpin_entry(b->d, b->ref, b->readonly, b->readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc);
    if (b->have_type)
        put_page_type(b->pg);
    if (b->pg)
        put_page(b->pg);
    if (b->d)
        rcu_unlock_domain(b->d);
    *b = (struct copy_buf){ 0 };
}

static int16_t copy_claim(const struct gnttab_copy_ptr *p, bool is_gref, bool readonly, struct copy_buf *b)
{
    domid_t ldomid = current->domain->domain_id;

    b->readonly = readonly;
    if (is_gref) {
        struct gnt_pin pin;
        int rc = gt_pin_entry(b->d, p->u.ref, ldomid, readonly, false, opt_transitive_grants,
                              readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, &pin);
        if (rc != GNTST_okay)
            return (int16_t)rc;
        b->have_grant = true;
        b->ref = p->u.ref;
        b->mfn = pin.mfn;
        b->start = pin.start;
        b->length = pin.length;
        /* A transitive grant's frame belongs to the domain it leads to. */
        if (!get_page(rd_page(b->mfn), pin.owner))
            return GNTST_general_error;
    } else {
        b->mfn = p->u.gmfn;             /* an HVM domain names its frame by GFN */
        b->start = 0;
        b->length = PAGE_SIZE;
        if (is_hvm_domain(b->d) && hvm_gfn_to_ram_mfn(b->d, p->u.gmfn, &b->mfn))
            return GNTST_bad_page;
        if (!mfn_valid(_mfn(b->mfn)) || pv_mfn_is_io(b->mfn) || !get_page(rd_page(b->mfn), b->d))
            return GNTST_bad_page;
    }
    b->pg = rd_page(b->mfn);
    if (!readonly) {
        if (get_page_type(b->pg, PGT_writable_page))
            return GNTST_general_error;
        b->have_type = true;
    }
    return GNTST_okay;
}

static int16_t copy_one(const struct gnttab_copy *op)
{
    struct copy_buf src = { 0 }, dst = { 0 };
    bool sg = op->flags & GNTCOPY_source_gref, dg = op->flags & GNTCOPY_dest_gref;
    int16_t rc;

    /*
     * Each side's domain must exist; then only DOMID_SELF may name a frame
     * directly. Xen 4.17 answers in that order (a missing domain is
     * GNTST_bad_domain even for a frame).
     */
    if (!(src.d = lock_any_domain(op->source.domid)) || !src.d->grant_table) {
        rc = GNTST_bad_domain;
        goto out;
    }
    if (op->source.domid != DOMID_SELF && !sg) {
        rc = GNTST_permission_denied;
        goto out;
    }
    if (!(dst.d = lock_any_domain(op->dest.domid)) || !dst.d->grant_table) {
        rc = GNTST_bad_domain;
        goto out;
    }
    if (op->dest.domid != DOMID_SELF && !dg) {
        rc = GNTST_permission_denied;
        goto out;
    }
    rc = copy_claim(&op->source, sg, true, &src);
    if (rc != GNTST_okay)
        goto out;
    rc = copy_claim(&op->dest, dg, false, &dst);
    if (rc != GNTST_okay)
        goto out;
    if ((unsigned int)op->source.offset + op->len > PAGE_SIZE ||
        (unsigned int)op->dest.offset + op->len > PAGE_SIZE) {
        rc = GNTST_bad_copy_arg;
        goto out;
    }
    if (!copy_in_grant(&src, op->source.offset, op->len) || !copy_in_grant(&dst, op->dest.offset, op->len)) {
        rc = GNTST_general_error;
        goto out;
    }
    memmove((uint8_t *)frame_va(dst.mfn) + op->dest.offset,
            (const uint8_t *)frame_va(src.mfn) + op->source.offset, op->len);
    rc = GNTST_okay;
out:
    copy_release(&dst);
    copy_release(&src);
    return rc;
}

static long gnttab_copy(hc_arg_t uop, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        if (batch_preempt(i))
            return count - i;
        struct gnttab_copy op, *u = (struct gnttab_copy *)uop + i;

        if (raw_copy_from_guest(&op, u, sizeof(op)))
            return -EFAULT;
        op.status = copy_one(&op);
        if (op.status == GNTST_RETRY)
            return count - i;           /* a transitive grant changed: this op again */
        if (raw_copy_to_guest(&u->status, &op.status, sizeof(op.status)))
            return -EFAULT;
    }
    return 0;
}

/* ---- swap_grant_ref, cache_flush ---- */

static int16_t swap_grant_ref(grant_ref_t a, grant_ref_t b)
{
    struct grant_table *gt = current->domain->grant_table;
    int16_t rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (a >= nr_entries(gt) || b >= nr_entries(gt))
        rc = GNTST_bad_gntref;
    else if (a != b && (active_entry(gt, a)->pin || active_entry(gt, b)->pin))
        rc = GNTST_eagain;
    else if (a != b && gt->gt_version == 1) {
        grant_entry_v1_t *ea = (grant_entry_v1_t *)gt_header(gt, a), *eb = (grant_entry_v1_t *)gt_header(gt, b);
        grant_entry_v1_t t = *ea;
        *ea = *eb;
        *eb = t;
    } else if (a != b) {                /* v2: the entries and their status words */
        grant_entry_v2_t t = *gt_entry_v2(gt, a);
        uint16_t st = *gt_status(gt, a);
        *gt_entry_v2(gt, a) = *gt_entry_v2(gt, b);
        *gt_status(gt, a) = *gt_status(gt, b);
        *gt_entry_v2(gt, b) = t;
        *gt_status(gt, b) = st;
    }
    spin_unlock(&gt->lock);
    return rc;
}

static long gnttab_swap(hc_arg_t uop, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        if (batch_preempt(i))
            return count - i;
        struct gnttab_swap_grant_ref op, *u = (struct gnttab_swap_grant_ref *)uop + i;

        if (raw_copy_from_guest(&op, u, sizeof(op)))
            return -EFAULT;
        op.status = swap_grant_ref(op.ref_a, op.ref_b);
        if (raw_copy_to_guest(&u->status, &op.status, sizeof(op.status)))
            return -EFAULT;
    }
    return 0;
}

/* Does ld have rd's frame mfn pinned through some grant? (Xen's grant_map_exists, without continuation.) */
static bool grant_pinned_by(struct domain *ld, struct domain *rd, unsigned long mfn)
{
    struct grant_table *rgt = rd->grant_table;
    bool found = false;

    spin_lock(&rgt->lock);
    for (grant_ref_t r = 0; r < nr_entries(rgt) && !found; r++) {
        struct active_grant_entry *act = active_entry(rgt, r);
        found = act->pin && act->domid == ld->domain_id && act->mfn == mfn;
    }
    spin_unlock(&rgt->lock);
    return found;
}

static long cache_flush_one(const struct gnttab_cache_flush *c)
{
    struct domain *d = current->domain, *owner;
    unsigned long mfn;
    struct page_info *pg;
    long rc = 0;

    if (c->offset >= PAGE_SIZE || c->length > PAGE_SIZE || c->offset + c->length > PAGE_SIZE ||
        (c->op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)))
        return -EINVAL;
    if (c->length == 0 || c->op == 0)
        return 0;
    if (c->op & GNTTAB_CACHE_SOURCE_GREF)
        return -EOPNOTSUPP;
    mfn = c->a.dev_bus_addr >> PAGE_SHIFT;
    if (!mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = rd_page(mfn);
    owner = page_get_owner(pg);
    if (!owner || !owner->grant_table || !get_page(pg, owner))
        return -EPERM;
    if (d != owner && !grant_pinned_by(d, owner, mfn))
        rc = -EINVAL;
    else if (c->op == GNTTAB_CACHE_INVAL)
        rc = -EOPNOTSUPP;               /* x86: invalidate without clean is not offered */
    else
        pv_flush_cache_local();
    put_page(pg);
    return rc;
}

static long gnttab_cache_flush(hc_arg_t uop, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        struct gnttab_cache_flush op;

        if (raw_copy_from_guest(&op, (struct gnttab_cache_flush *)uop + i, sizeof(op)))
            return -EFAULT;
        long rc = cache_flush_one(&op);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- the hypercall ---- */

static long gnttab_map(hc_arg_t uop, unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        if (batch_preempt(i))
            return count - i;
        struct gnttab_map_grant_ref op, *u = (struct gnttab_map_grant_ref *)uop + i;

        if (raw_copy_from_guest(&op, u, sizeof(op)))
            return -EFAULT;
        map_grant_ref(&op);
        if (raw_copy_to_guest(u, &op, sizeof(op)))
            return -EFAULT;
    }
    return 0;
}

static long grant_table_op_single(unsigned int cmd, hc_arg_t uop, unsigned int count);

/*
 * do_grant_table_op(): HYPERVISOR_grant_table_op(cmd, uop, count) for the
 * current vCPU's domain, Xen 4.17 ABI (<xen/grant_table.h>). uop is a
 * guest pointer to count ops of cmd's type (exactly 1 for setup_table,
 * query_size, get_status_frames). Returns 0 (per-op results in the ops'
 * status fields), -EINVAL (count negative or != 1 where required,
 * continuation bits on a command other than cache_flush, bad version),
 * -EFAULT (array unreadable or status not writable), -ENOSYS (unknown
 * command, transfer, dump_table, set_version 2 beyond the domain's
 * max_version), set_version's -EBUSY/-ERANGE/-ENOMEM, -ESRCH/-EPERM
 * (get_version), cache_flush's -EINVAL/-EPERM/-EOPNOTSUPP, -ERESTART (a
 * preempted batch, or a copy through a transitive grant that changed:
 * the guest's uop/count arguments now name the rest). Takes grant table
 * locks one at a time; may take page-table locks and free frames.
 */
long do_grant_table_op(hc_arg_t cmd_arg, hc_arg_t uop, hc_arg_t count_arg)
{
    unsigned int cmd = (unsigned int)cmd_arg, count = (unsigned int)count_arg;
    size_t size = 0;

    if ((int)count < 0)
        return -EINVAL;
    if ((cmd & ~GNTTABOP_CMD_MASK) && (cmd & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush)
        return -EINVAL;
    cmd &= GNTTABOP_CMD_MASK;
    if (!current->domain->grant_table)
        return -ENOSYS;

    switch (cmd) {
    case GNTTABOP_map_grant_ref:     size = sizeof(struct gnttab_map_grant_ref); break;
    case GNTTABOP_unmap_grant_ref:   size = sizeof(struct gnttab_unmap_grant_ref); break;
    case GNTTABOP_unmap_and_replace: size = sizeof(struct gnttab_unmap_and_replace); break;
    case GNTTABOP_copy:              size = sizeof(struct gnttab_copy); break;
    case GNTTABOP_swap_grant_ref:    size = sizeof(struct gnttab_swap_grant_ref); break;
    case GNTTABOP_cache_flush:       size = sizeof(struct gnttab_cache_flush); break;
    }
    if (size && !guest_range_ok(uop, (size_t)count * size))
        return -EFAULT;

    long left;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:     left = gnttab_map(uop, count); break;
    case GNTTABOP_unmap_grant_ref:   left = gnttab_unmap(uop, count, false); break;
    case GNTTABOP_unmap_and_replace: left = gnttab_unmap(uop, count, true); break;
    case GNTTABOP_copy:              left = gnttab_copy(uop, count); break;
    case GNTTABOP_swap_grant_ref:    left = gnttab_swap(uop, count); break;
    default:                         return grant_table_op_single(cmd, uop, count);
    }
    if (left > 0) {                     /* stopped with `left` items to go: those later */
        hypercall_set_arg(1, uop + (count - (unsigned long)left) * size);
        hypercall_set_arg(2, (unsigned long)left);
        return -ERESTART;
    }
    return left;
}

/* The grant table ops that are not batches (or not preemptible). */
static long grant_table_op_single(unsigned int cmd, hc_arg_t uop, unsigned int count)
{
    switch (cmd) {
    case GNTTABOP_setup_table:       return gnttab_setup_table(uop, count);
    case GNTTABOP_query_size:        return gnttab_query_size(uop, count);
    case GNTTABOP_set_version:       return gnttab_set_version(uop);
    case GNTTABOP_get_status_frames: return gnttab_get_status_frames(uop, count);
    case GNTTABOP_get_version:       return gnttab_get_version(uop);
    case GNTTABOP_cache_flush:       return gnttab_cache_flush(uop, count);
    case GNTTABOP_transfer:          /* TODO: page transfer (Xen 4.17 has it for PV) */
    default:                         return -ENOSYS;
    }
}

/* ---- debug key 'g' ---- */

/*
 * One table's usage in Xen 4.17's 'g' format (gnttab_usage_print): sizes,
 * then every active entry with a pin. Caller holds a reference on d. From
 * the serial console this runs with interrupts off, where gt->lock (an
 * interrupts-on lock) may only be tried: a busy table is reported as such.
 */
void gnttab_dump(struct domain *d)
{
    struct grant_table *gt = d->grant_table;
    bool first = true;

    printk("      -------- active --------       -------- shared --------\n");
    printk("[ref] localdom mfn      pin          localdom gmfn     flags\n");
    if (!spin_trylock(&gt->lock)) {
        printk("grant-table for remote d%d: busy, not printed\n", d->domain_id);
        return;
    }
    printk("grant-table for remote d%d (v%u)\n"
           "  %u frames (%u max), %u maptrack frames (%u max)\n",
           d->domain_id, gt->gt_version, gt->nr_grant_frames, gt->max_grant_frames,
           ACCESS_ONCE(gt->maptrack_frames), gt->max_maptrack_frames);
    for (grant_ref_t ref = 0; ref < nr_entries(gt); ref++) {
        const struct active_grant_entry *act = active_entry(gt, ref);
        const grant_entry_header_t *hdr = gt_header(gt, ref);
        if (!act->pin)
            continue;
        first = false;
        uint64_t gmfn = gt->gt_version == 1 ? ACCESS_ONCE(gt->shared[ref / GNTTAB_V1_PER_FRAME]
                                                                     [ref % GNTTAB_V1_PER_FRAME].frame)
                                            : ACCESS_ONCE(gt_entry_v2(gt, ref)->full_page.frame);
        printk("[0x%03x]  %5d 0x%lx 0x%08x      %5d 0x%06lx 0x%02x\n", ref, act->domid,
               act->mfn, act->pin, ACCESS_ONCE(hdr->domid), (unsigned long)gmfn,
               ACCESS_ONCE(hdr->flags));
    }
    spin_unlock(&gt->lock);
    if (first)
        printk("no active grant table entries\n");
}

/* ---- domain destruction ---- */

void grant_table_domain_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return;
    /* Mappings d holds of other domains' grants. */
    for (uint32_t h = 0; h < maptrack_limit(gt); h++) {
        struct grant_mapping *mt = maptrack_entry(gt, h);
        unsigned int flags = mt->flags;

        if (!flags)
            continue;
        struct domain *rd = rcu_lock_domain_by_id_any(mt->domid);
        if (rd && rd->grant_table && mt->ref < nr_entries(rd->grant_table)) {
            bool ro = flags & GNTMAP_readonly;
            struct grant_table *rgt = rd->grant_table;

            spin_lock(&rgt->lock);
            struct active_grant_entry *act = active_entry(rgt, mt->ref);
            unsigned long mfn = act->mfn;
            if (flags & GNTMAP_device_map)
                act->pin -= ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
            /* PV: host mappings' references go with d's L1 entries; HVM: with its P2M's, here. */
            if (flags & GNTMAP_host_map)
                act->pin -= ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
            gt_reduce_status(gt_status(rgt, mt->ref), act, ro);
            spin_unlock(&rgt->lock);
            if (flags & GNTMAP_device_map)
                ro ? put_page(rd_page(mfn)) : put_page_and_type(rd_page(mfn));
            if ((flags & GNTMAP_host_map) && is_hvm_domain(d))
                gnttab_hvm_release_mapping(mfn, flags);
        }
        if (rd)
            rcu_unlock_domain(rd);
        mt->flags = 0;
    }
    for (unsigned int i = 0; i < gt->maptrack_frames; i++)
        xfree_bytes(gt->maptrack[i], PAGE_SIZE);
    gt_destroy_status(d);
    for (unsigned int i = 0; i < gt->nr_grant_frames; i++) {
        struct page_info *pg = rd_page(gt_virt_to_mfn(gt->shared[i]));

        xfree_bytes(gt->active[i], ACTIVE_BYTES);
        if ((pg->count_info & PGC_count_mask) > 1) {
            printk("d%u: grant frame %u still mapped (count_info %#lx): leaked\n",
                   d->domain_id, i, pg->count_info);
            continue;
        }
        page_set_owner(pg, NULL);
        pg->count_info &= PGC_xen_heap;
        pg->type_info = 0;
        free_xenheap_page(gt->shared[i]);
    }
    d->grant_table = NULL;
    xfree_bytes(gt, sizeof(*gt));
}
