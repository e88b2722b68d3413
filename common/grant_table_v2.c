/*
 * Grant tables version 2 (Xen 4.17, <xen/grant_table.h>): what version 1
 * does not have. The ops both versions share are in common/grant_table.c.
 *
 *   - GNTTABOP_set_version (1 <-> 2, the current domain only): refused
 *     with -EBUSY while any entry past the 8 reserved ones
 *     (GNTTAB_NR_RESERVED_ENTRIES, the toolstack's console and xenstore
 *     grants) is pinned, and going back to 1 while the guest still maps a
 *     status frame; -ERANGE going back to 1 while a reserved entry cannot
 *     be written as v1 (transitive, or a frame above 32 bits); -ENOSYS
 *     for 2 when the domain's max_version is 1 (createdomain's
 *     grant_opts, or "gnttab=max-ver:1"), as Xen before set_version
 *     existed. On a switch the reserved entries are carried over
 *     (converted, their GTF_reading/GTF_writing moved between the entry
 *     and the status word), every other entry is cleared; status frames
 *     are allocated going to 2 and freed going back to 1.
 *   - GNTTABOP_get_status_frames: the status frames' MFNs (PV).
 *   - The v2 status protocol (Xen's _set_status_v2): GTF_reading /
 *     GTF_writing live in a separate grant_status_t the hypervisor alone
 *     sets, so the entry is checked again after they are set.
 *   - Copies through a transitive entry (GTF_transitive: trans_domid's
 *     entry gref, granted to this table's domain): followed one level
 *     only, never to the same domain, while the pin holds an RCU
 *     reference on the domain it leads to (Xen's acquire_grant_for_copy).
 *
 * Status frames are xen-heap frames shared with the domain: one general
 * reference for PGC_allocated plus one per guest mapping. Freeing them
 * takes each frame's count from exactly that one reference to 0 in one
 * compare-and-exchange, so a frame the guest maps (or starts to map) is
 * never freed.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/param.h>
#include <xenia/sched.h>
#include <xenia/guest_access.h>
#include <xenia/grant_table.h>
#include "grant_table_internal.h"
#include <asm/current.h>
#include <asm/page.h>

unsigned int opt_gnttab_max_version = 2;        /* Xen 4.17: GNTTAB_MAX_VERSION */
bool opt_transitive_grants = true;

/*
 * gnttab_parse_opt(): Xen's "gnttab=" option, comma-separated:
 * "max-ver:N" (or "max_ver:N"), N 1 or 2; "[no-]transitive" or
 * "transitive=<bool>"; "[no-]transfer" / "transfer=<bool>" is accepted
 * and ignored (GNTTABOP_transfer is not offered). Returns 0, or -EINVAL
 * when some item was not understood (the others still apply, as Xen).
 */
int gnttab_parse_opt(const char *s)
{
    int rc = 0;

    for (const char *e; *s; s = *e ? e + 1 : e) {
        e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        size_t len = (size_t)(e - s);
        int val = -1;

        if (len == 9 && (!strncmp(s, "max-ver:", 8) || !strncmp(s, "max_ver:", 8)) &&
            (s[8] == '1' || s[8] == '2'))
            opt_gnttab_max_version = (unsigned int)(s[8] - '0');
        else if ((val = parse_boolean("transitive", s, e)) >= 0)
            opt_transitive_grants = val;
        else if ((val = parse_boolean("transfer", s, e)) >= 0)
            ;
        else
            rc = -EINVAL;
    }
    return rc;
}
custom_param("gnttab", gnttab_parse_opt);

int grant_table_set_max_version(struct domain *d, unsigned int version)
{
    if (!version || version > opt_gnttab_max_version)
        return -EINVAL;
    d->grant_table->max_version = version;
    return 0;
}

/* ---- the v2 status protocol ---- */

/* May entry flags f be pinned for a map (mapflag) or a copy? */
static bool v2_type_ok(uint16_t f, bool mapflag)
{
    uint16_t type = f & (GTF_type_mask | (mapflag ? GTF_sub_page : 0));

    return type == GTF_permit_access || (!mapflag && type == GTF_transitive);
}

int gt_set_status_v2(grant_entry_header_t *hdr, uint16_t *status, const struct active_grant_entry *act,
                     bool readonly, bool mapflag, domid_t ldomid)
{
    uint32_t raw = ACCESS_ONCE(*(uint32_t *)hdr);       /* flags, domid: read together */
    uint16_t flags = (uint16_t)raw;
    domid_t domid = (domid_t)(raw >> 16);

    if (!act->pin && (!v2_type_ok(flags, mapflag) || domid != ldomid))
        return GNTST_general_error;
    if (!readonly && (flags & GTF_readonly))
        return GNTST_general_error;
    __atomic_fetch_or(status, (uint16_t)(readonly ? GTF_reading : GTF_reading | GTF_writing),
                      __ATOMIC_SEQ_CST);
    /* The guest sees the status before we look again: it cannot revoke unseen. */
    raw = __atomic_load_n((uint32_t *)hdr, __ATOMIC_SEQ_CST);
    flags = (uint16_t)raw;
    domid = (domid_t)(raw >> 16);
    if (!act->pin) {
        if (!v2_type_ok(flags, mapflag) || domid != ldomid || (!readonly && (flags & GTF_readonly))) {
            __atomic_fetch_and(status, (uint16_t)~(GTF_reading | GTF_writing), __ATOMIC_SEQ_CST);
            return GNTST_general_error;
        }
    } else if (flags & GTF_readonly) {
        __atomic_fetch_and(status, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

/* ---- transitive grants (copy only) ---- */

/* Has rd's active entry act changed since we dropped the lock? (Xen: give up, retry the op) */
static bool transitive_changed(const struct grant_table *rgt, const struct active_grant_entry *act,
                               uint32_t old_pin, domid_t ldomid, const struct gnt_pin *in,
                               const struct domain *td, grant_ref_t tref)
{
    if (rgt->gt_version != 2 || act->pin != old_pin)
        return true;
    return old_pin && (act->domid != ldomid || act->mfn != in->mfn || act->start != in->start ||
                       act->length != in->length || act->trans_domain != td ||
                       act->trans_gref != tref || !act->is_sub_page);
}

int gt_pin_transitive(struct domain *rd, grant_ref_t ref, domid_t ldomid, bool readonly,
                      bool transitive_ok, uint32_t pin_incr, struct gnt_pin *out)
{
    struct grant_table *rgt = rd->grant_table;
    struct active_grant_entry *act = gt_active(rgt, ref);
    uint32_t old_pin = act->pin;
    struct gnt_pin in;
    int rc = GNTST_okay;

    ASSERT_LOCKED(&rgt->lock);
    if (!old_pin || (!readonly && !(old_pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask))))
        rc = gt_set_status_v2(gt_header(rgt, ref), gt_status(rgt, ref), act, readonly, false, ldomid);
    if (rc != GNTST_okay) {
        spin_unlock(&rgt->lock);
        return rc;
    }
    grant_entry_v2_t *e = gt_entry_v2(rgt, ref);
    domid_t tdom = ACCESS_ONCE(e->transitive.trans_domid);
    grant_ref_t tref = ACCESS_ONCE(e->transitive.gref);
    struct domain *td = NULL;

    /* One level only (the next table's entry may not be transitive), never to rd itself. */
    if (!transitive_ok || tdom == rd->domain_id || !(td = rcu_lock_domain_by_id(tdom)) || !td->grant_table)
        goto fail;
    spin_unlock(&rgt->lock);            /* never two grant-table locks at once */
    rc = gt_pin_entry(td, tref, rd->domain_id, readonly, false, false, pin_incr, &in);
    spin_lock(&rgt->lock);
    if (rc != GNTST_okay)
        goto fail_rc;
    if (transitive_changed(rgt, act, old_pin, ldomid, &in, td, tref)) {
        spin_unlock(&rgt->lock);
        gt_unpin_entry(td, tref, readonly, pin_incr);
        spin_lock(&rgt->lock);
        rc = GNTST_RETRY;
        goto fail_rc;
    }
    if (!old_pin) {
        act->domid = ldomid;
        act->mfn = in.mfn;
        act->start = in.start;
        act->length = in.length;
        act->trans_domain = td;
        act->trans_gref = tref;
        act->is_sub_page = true;        /* so it is never mapped, whatever td grants (Xen) */
    }
    act->pin += pin_incr;
    *out = in;
    spin_unlock(&rgt->lock);
    return GNTST_okay;                  /* td stays locked until gt_unpin_entry() */

fail:
    rc = GNTST_general_error;
fail_rc:
    if (rgt->gt_version == 2)           /* else the switch cleared every status word */
        gt_reduce_status(gt_status(rgt, ref), act, readonly);
    spin_unlock(&rgt->lock);
    if (td)
        rcu_unlock_domain(td);
    return rc;
}

/* ---- status frames ---- */

int gt_populate_status(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;
    unsigned int i, old = gt->nr_status_frames, want = GNTTAB_STATUS_FRAMES(nr);

    ASSERT_LOCKED(&gt->lock);
    ASSERT(want <= GNTTAB_MAX_STATUS_FRAMES);
    for (i = old; i < want; i++) {
        gt->status[i] = alloc_xenheap_page();
        if (!gt->status[i])
            goto fail;
        memset(gt->status[i], 0, PAGE_SIZE);
    }
    for (i = old; i < want; i++)
        share_xen_page_with_guest(gt->status[i], d);
    if (want > old)
        gt->nr_status_frames = want;
    return 0;
fail:
    while (i-- > old) {
        free_xenheap_page(gt->status[i]);
        gt->status[i] = NULL;
    }
    return -ENOMEM;
}

/* Back to the xen heap (PGC_allocated's reference already gone). */
static void status_frame_free(struct grant_table *gt, unsigned int i)
{
    struct page_info *pg = mfn_to_page(_mfn(gt_virt_to_mfn(gt->status[i])));

    page_set_owner(pg, NULL);
    pg->type_info = 0;
    pg->count_info = PGC_xen_heap;
    free_xenheap_page(gt->status[i]);
    gt->status[i] = NULL;
}

/*
 * Take every status frame from "allocated, not mapped" to "no references"
 * at once, or none: -EBUSY (all as before) if the guest maps one. Caller
 * holds gt->lock.
 */
static int status_unshare_all(struct grant_table *gt)
{
    const unsigned long shared = PGC_xen_heap | PGC_allocated | 1;
    unsigned int i;

    ASSERT_LOCKED(&gt->lock);
    for (i = 0; i < gt->nr_status_frames; i++) {
        struct page_info *pg = mfn_to_page(_mfn(gt_virt_to_mfn(gt->status[i])));
        unsigned long x = shared;

        if (!__atomic_compare_exchange_n(&pg->count_info, &x, PGC_xen_heap, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            break;
    }
    if (i == gt->nr_status_frames)
        return 0;
    while (i-- > 0)                     /* count 0: nobody could take a reference meanwhile */
        __atomic_store_n(&mfn_to_page(_mfn(gt_virt_to_mfn(gt->status[i])))->count_info, shared,
                         __ATOMIC_RELEASE);
    return -EBUSY;
}

void gt_destroy_status(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    for (unsigned int i = 0; i < gt->nr_status_frames; i++) {
        struct page_info *pg = mfn_to_page(_mfn(gt_virt_to_mfn(gt->status[i])));

        if ((pg->count_info & PGC_count_mask) > 1) {
            printk("d%u: grant status frame %u still mapped (count_info %#lx): leaked\n",
                   d->domain_id, i, pg->count_info);
            continue;
        }
        status_frame_free(gt, i);
    }
    gt->nr_status_frames = 0;
}

/* ---- GNTTABOP_set_version ---- */

/* Reserved entry i of a v2 table as a v1 entry (Xen: status bits folded into flags; other types: empty). */
static grant_entry_v1_t reserved_as_v1(struct grant_table *gt, grant_ref_t i)
{
    grant_entry_v2_t *e = gt_entry_v2(gt, i);

    if ((e->hdr.flags & GTF_type_mask) != GTF_permit_access)
        return (grant_entry_v1_t){ 0 };
    return (grant_entry_v1_t){ .flags = e->hdr.flags | *gt_status(gt, i), .domid = e->hdr.domid,
                               .frame = (uint32_t)e->full_page.frame };
}

/* Can v2 reserved entry i be written as v1? (else Xen refuses the switch: -ERANGE) */
static bool reserved_fits_v1(struct grant_table *gt, grant_ref_t i)
{
    grant_entry_v2_t *e = gt_entry_v2(gt, i);

    switch (e->hdr.flags & GTF_type_mask) {
    case GTF_permit_access:
        return !(e->full_page.frame >> 32);
    case GTF_transitive:
        return false;
    default:
        return true;
    }
}

/* Switch d's table (gt->lock held) to version v, as described at the top. 0, -EBUSY, -ERANGE, -ENOMEM. */
static int switch_version(struct domain *d, unsigned int v)
{
    struct grant_table *gt = d->grant_table;
    grant_entry_v1_t keep[GNTTAB_NR_RESERVED_ENTRIES];
    grant_ref_t i;
    int rc;

    ASSERT_LOCKED(&gt->lock);
    for (i = GNTTAB_NR_RESERVED_ENTRIES; i < gt_nr_entries(gt); i++)
        if (ACCESS_ONCE(gt_active(gt, i)->pin))
            return -EBUSY;
    if (gt->gt_version == 2)
        for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++)
            if (!reserved_fits_v1(gt, i))
                return -ERANGE;
    if (gt->gt_version == 1 && (rc = gt_populate_status(d, gt->nr_grant_frames)))
        return rc;
    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++)
        keep[i] = gt->gt_version == 1 ? *(grant_entry_v1_t *)gt_header(gt, i) : reserved_as_v1(gt, i);
    if (gt->gt_version == 2) {
        if ((rc = status_unshare_all(gt)))
            return rc;
        for (i = 0; i < gt->nr_status_frames; i++)
            status_frame_free(gt, i);
        gt->nr_status_frames = 0;
    }
    for (i = 0; i < gt->nr_grant_frames; i++)
        memset(gt->shared_raw[i], 0, PAGE_SIZE);
    gt->gt_version = v;
    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (v == 1) {
            *(grant_entry_v1_t *)gt_header(gt, i) = keep[i];
            continue;
        }
        grant_entry_v2_t *e = gt_entry_v2(gt, i);
        *gt_status(gt, i) = keep[i].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = keep[i].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = keep[i].domid;
        e->full_page.frame = keep[i].frame;
    }
    return 0;
}

/*
 * gnttab_set_version(): GNTTABOP_set_version for the current vCPU's
 * domain (<xen/grant_table.h>; Xen 4.17 gnttab_set_version()). uop: one
 * struct gnttab_set_version, whose version is rewritten with the version
 * in force when the call ends (even on failure). Returns 0, -EFAULT,
 * -EINVAL (not 1 or 2), -ENOSYS (2 beyond max_version), -EBUSY, -ERANGE,
 * -ENOMEM. Takes the domain's gt->lock.
 */
long gnttab_set_version(hc_arg_t uop)
{
    struct domain *d = current->domain;
    struct grant_table *gt = d->grant_table;
    struct gnttab_set_version op;
    long rc = 0;

    if (raw_copy_from_guest(&op, (void *)uop, sizeof(op)))
        return -EFAULT;
    if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version == 2 && gt->max_version == 1)
        rc = -ENOSYS;                   /* as before set_version existed */
    else if (op.version != ACCESS_ONCE(gt->gt_version)) {
        spin_lock(&gt->lock);
        if (op.version != gt->gt_version)
            rc = switch_version(d, op.version);
        spin_unlock(&gt->lock);
    }
    op.version = ACCESS_ONCE(gt->gt_version);
    if (raw_copy_to_guest((void *)uop, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

/*
 * gnttab_get_status_frames(): GNTTABOP_get_status_frames (Xen 4.17).
 * uop: one struct gnttab_get_status_frames; its frame_list gets the
 * MFNs of the first nr_frames status frames of op.dom (self, or any
 * domain for a privileged caller). Per-op status: GNTST_okay,
 * bad_domain, permission_denied, general_error (more frames than the
 * table has: any under version 1), bad_virt_addr. Returns 0, -EINVAL
 * (count != 1), -EFAULT (op or frame_list unusable). Takes gt->lock.
 */
long gnttab_get_status_frames(hc_arg_t uop, unsigned int count)
{
    struct gnttab_get_status_frames op, *u = (struct gnttab_get_status_frames *)uop;
    struct domain *d;

    if (count != 1)
        return -EINVAL;
    if (raw_copy_from_guest(&op, u, sizeof(op)))
        return -EFAULT;
    if (!guest_range_ok((unsigned long)op.frame_list.p, (size_t)op.nr_frames * sizeof(uint64_t)))
        return -EFAULT;
    d = gt_lock_target(op.dom, &op.status);
    if (d) {
        struct grant_table *gt = d->grant_table;

        spin_lock(&gt->lock);
        op.status = GNTST_okay;
        if (op.nr_frames > gt->nr_status_frames)
            op.status = GNTST_general_error;
        for (unsigned int i = 0; op.status != GNTST_general_error && i < op.nr_frames; i++) {
            uint64_t mfn = gt_virt_to_mfn(gt->status[i]);
            if (raw_copy_to_guest(op.frame_list.p + i, &mfn, sizeof(mfn)))
                op.status = GNTST_bad_virt_addr;
        }
        spin_unlock(&gt->lock);
        rcu_unlock_domain(d);
    }
    if (raw_copy_to_guest(&u->status, &op.status, sizeof(op.status)))
        return -EFAULT;
    return 0;
}
