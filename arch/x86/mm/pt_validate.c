/*
 * Guest page-table entries: the checks and references behind invariants
 * T2-T6 of page_type.c, table (de)validation, and single-entry updates
 * (mmu_update, update_va_mapping).
 *
 * Xen 4.17 semantics (arch/x86/mm.c get_page_from_l*e, promote_l*_table,
 * mod_l*_entry): flags outside the guest-allowed set are -EINVAL; an L1
 * entry naming a frame the page owner does not own, or asking for a
 * writable mapping of a frame used as another type, is -EBUSY; an I/O
 * frame without I/O access is -EPERM; an L2-L4 entry naming a frame that
 * is not the owner's, or that cannot take the next-lower table type, is
 * -EINVAL; updates to the hypervisor's L4 slots are -EINVAL.
 *
 * Locking: updates of one table frame are serialised by a hashed
 * spinlock (Xen's page_lock()); the references of the replaced entry are
 * dropped after the lock is released, since that may cascade into
 * devalidation of whole subtrees. Validation needs no lock: the frame's
 * type count is 1 and not validated, so nobody else can use or map it.
 *
 * Preemption (page_type.c T9): L2-L4 (de)validation runs from entry
 * nr_validated_ptes, checks for pending work before each entry once one
 * is done, and records where it stopped when it returns -ERESTART; a
 * lower table it was working on stays parked too (PTF_partial_child).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <xenia/hypercall.h>
#include <asm/hv_paging.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

#define PT_LOCKS 64
static spinlock_t pt_locks[PT_LOCKS];

/* Flags a guest may change without the entry being re-validated (Xen's FASTPATH_FLAG_WHITELIST). */
#define PT_FASTPATH_FLAGS \
    (_PAGE_NX | PTE_AVAIL_HIGH | PTE_AVAIL_LOW | _PAGE_GLOBAL | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER)

static spinlock_t *pt_lock_for(unsigned long mfn)
{
    return &pt_locks[mfn % PT_LOCKS];
}

/* Xen: iomem_caps / ioport caps non-empty. Dom0 has them all. */
static bool domain_has_io(const struct domain *d)
{
    return d->is_privileged;
}

/* Flag bits refused in a present entry of a table at level (T5). */
static pte_t disallow_mask(unsigned int level, const struct domain *d)
{
    pte_t allowed = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY |
                    PTE_AVAIL_LOW | PTE_AVAIL_HIGH | (cpu_has_nx ? _PAGE_NX : 0);
    pte_t mask = PTE_FLAGS_ALL & ~allowed;

    if (level != 1)
        return mask;
    mask &= ~_PAGE_GLOBAL;
    if (domain_has_io(d))
        mask &= ~PTE_CACHE_ATTRS;
    return mask;
}

/* The bits Xen's adjust_guest_l*e() add: a PV kernel runs in ring 3. */
static pte_t adjust_entry(unsigned int level, pte_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (level == 4)
        return e | _PAGE_ACCESSED | _PAGE_USER;
    if (level != 1)
        return e | _PAGE_USER;
    if (!(e & _PAGE_USER))
        e |= _PAGE_GUEST_KERNEL | _PAGE_USER;
    if (!PV_GLOBAL_USER_PAGES)
        return e & ~_PAGE_GLOBAL;
    if (!(e & _PAGE_GUEST_KERNEL))
        e |= _PAGE_GLOBAL;
    return e;
}

/* I/O frame in an L1 entry: permission only, no references; WB/WT/WP become UC (Xen). */
static int get_io_l1e(pte_t *e, unsigned long mfn, const struct pt_ctx *ctx)
{
    pte_t cache = *e & PTE_CACHE_ATTRS;

    if (!pv_io_access_permitted(ctx->pg_owner, mfn) || !pv_io_access_permitted(ctx->pt_dom, mfn))
        return -EPERM;
    if (cache == 0 || cache == _PAGE_PWT || cache == (_PAGE_PWT | _PAGE_PAT))
        *e = (*e & ~PTE_CACHE_ATTRS) | _PAGE_PCD | _PAGE_PWT;
    return 0;
}

/* References for a present, flag-checked L1 entry (T2). May rewrite *e's cache bits. */
static int get_l1e(pte_t *e, const struct pt_ctx *ctx)
{
    unsigned long mfn = pte_mfn(*e);
    struct page_info *pg;

    if (pv_mfn_is_io(mfn))
        return get_io_l1e(e, mfn, ctx);
    if (ctx->io_only)
        return -EBUSY;
    ASSERT(mfn_valid(_mfn(mfn)));
    pg = mfn_to_page(_mfn(mfn));
    if (!get_page(pg, ctx->pg_owner))
        return -EBUSY;
    if ((*e & _PAGE_RW) && get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return -EBUSY;
    }
    return 0;
}

void pv_put_l1e(pte_t e)
{
    unsigned long mfn = pte_mfn(e);
    struct page_info *pg;

    if (!(e & _PAGE_PRESENT) || pv_mfn_is_io(mfn))
        return;
    pg = mfn_to_page(_mfn(mfn));
    if (e & _PAGE_RW)
        put_page_type(pg);
    put_page(pg);
}

/*
 * References for a present, flag-checked L2-L4 entry of table table_mfn
 * (T3). child_parked != NULL: for the validation of that table (nested,
 * preemptible as ctx says; *child_parked tells whether the lower table
 * was left parked); NULL: for a single-entry update (top level).
 */
static int get_upper(pte_t e, unsigned int level, unsigned long table_mfn,
                     const struct pt_ctx *ctx, bool *child_parked)
{
    unsigned long mfn = pte_mfn(e), type = pt_level_type(level - 1);
    struct page_info *pg;
    int rc;

    if (mfn == table_mfn)
        return (e & _PAGE_RW) ? -EINVAL : 0;        /* linear self-map: read-only, no ref */
    if (!mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (!child_parked)
        return ctx->preemptible ? get_page_and_type_preemptible(pg, ctx->pt_dom, type)
                                : get_page_and_type(pg, ctx->pt_dom, type);
    if (!get_page(pg, ctx->pt_dom))
        return -EINVAL;
    rc = pt_get_type(pg, type, ctx->preemptible, child_parked);
    if (rc)
        put_page(pg);                               /* a parked table holds its own */
    return rc;
}

/* The lower table an L2-L4 entry links to, or NULL (not present, self-map, L1). */
static struct page_info *linked_table(unsigned int level, pte_t e, unsigned long table_mfn)
{
    unsigned long mfn = pte_mfn(e);

    if (level == 1 || !(e & _PAGE_PRESENT) || mfn == table_mfn)
        return NULL;
    return mfn_to_page(_mfn(mfn));
}

/* Drop entry e's references, as the devalidation of its table (nested). 0 or -ERESTART. */
static int put_entry(unsigned int level, pte_t e, unsigned long table_mfn, bool preemptible)
{
    struct page_info *pg = linked_table(level, e, table_mfn);
    int rc;

    if (level == 1) {
        pv_put_l1e(e);
        return 0;
    }
    if (!pg)
        return 0;
    rc = pt_put_type(pg, preemptible);
    put_page(pg);                                   /* a parked table holds its own */
    return rc;
}

/*
 * Check a new present entry for a table at level and take its references.
 * *e is adjusted (user bits, I/O cache bits) to what will be stored.
 */
static int get_entry(unsigned int level, pte_t *e, unsigned long table_mfn,
                     const struct pt_ctx *ctx, bool *child_parked)
{
    ASSERT(*e & _PAGE_PRESENT);
    if (*e & disallow_mask(level, ctx->pt_dom))
        return -EINVAL;
    *e = adjust_entry(level, *e);
    if (level == 1)
        return get_l1e(e, ctx);
    return get_upper(*e, level, table_mfn, ctx, child_parked);
}

static bool guest_slot(unsigned int level, unsigned int slot)
{
    return level != 4 || !pt_is_hv_l4_slot(slot);
}

static void log_refusal(const struct domain *d, unsigned long mfn, unsigned int i, pte_t e,
                        unsigned int level, int rc)
{
    printk("d%u: mfn %#lx entry %u (%#lx) refused as L%u: %d\n",
           d->domain_id, mfn, i, (unsigned long)e, level, rc);
}

/* An L1 (at most 512 entries of work): all or nothing, never parked. */
static int validate_l1(struct page_info *pg, pte_t *t, const struct pt_ctx *ctx)
{
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    unsigned int i;
    int rc = 0;

    for (i = 0; i < PAGETABLE_ENTRIES; i++) {
        pte_t e = t[i];

        if (!(e & _PAGE_PRESENT))
            continue;
        rc = get_entry(1, &e, mfn, ctx, NULL);
        if (rc)
            break;
        t[i] = e;
    }
    if (!rc)
        return 0;
    log_refusal(ctx->pt_dom, mfn, i, t[i], 1, rc);
    while (i-- > 0)
        pv_put_l1e(t[i]);
    return rc;
}

int pt_validate_table(struct page_info *pg, unsigned int level, bool preemptible)
{
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    pte_t *t = pt_map(mfn);
    struct domain *owner = page_get_owner(pg);
    struct pt_ctx ctx = { owner, owner, false, preemptible };
    unsigned int i = pg->nr_validated_ptes;
    bool progressed = false;
    int rc = 0;

    ASSERT(level >= 1 && level <= 4 && i <= PAGETABLE_ENTRIES);
    if (!ctx.pt_dom)
        return -EINVAL;
    if (level == 1)
        return validate_l1(pg, t, &ctx);
    for (; i < PAGETABLE_ENTRIES; i++) {
        pte_t e = t[i];
        bool child_parked = false;

        if (!guest_slot(level, i) || !(e & _PAGE_PRESENT))
            continue;
        /* One entry (its lower tables included) always gets done: progress. */
        if (preemptible && progressed && hypercall_preempt_check()) {
            rc = -ERESTART;
            break;
        }
        rc = get_entry(level, &e, mfn, &ctx, &child_parked);
        if (rc) {
            pg->partial_flags = (rc == -ERESTART || child_parked) ? PTF_partial_child : 0;
            break;
        }
        t[i] = e;
        pg->partial_flags = 0;
        progressed = true;
    }
    pg->nr_validated_ptes = (uint16_t)i;
    if (!rc) {
        if (level == 4)
            hv_install_l4_slots(t);                             /* T4 */
        return 0;
    }
    if (rc != -ERESTART)
        log_refusal(ctx.pt_dom, mfn, i, t[i], level, rc);
    return rc;
}

/* Abandon the lower table entry e names if it is (still) parked as part of table pg (T9). */
static int put_parked_child(struct page_info *pg, unsigned int level, pte_t e, bool preemptible)
{
    unsigned long mfn = pte_mfn(e);
    struct page_info *child;
    int rc = 0;

    if (!mfn_valid(_mfn(mfn)) || !(child = linked_table(level, e, mfn_x(page_to_mfn(pg)))))
        return 0;
    if (!get_page(child, page_get_owner(pg)))
        return 0;                                   /* no longer the owner's: not ours to finish */
    if ((__atomic_load_n(&child->type_info, __ATOMIC_ACQUIRE) & PGT_type_mask) ==
        pt_level_type(level - 1))
        rc = pt_put_partial(child, preemptible);
    put_page(child);
    return rc;
}

int pt_devalidate_table(struct page_info *pg, unsigned int level, bool preemptible)
{
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    pte_t *t = pt_map(mfn);
    unsigned int i = pg->nr_validated_ptes;
    bool progressed = false;
    int rc;

    ASSERT(level >= 1 && level <= 4 && i <= PAGETABLE_ENTRIES);
    if (pg->partial_flags & PTF_partial_child) {
        ASSERT(level != 1 && i < PAGETABLE_ENTRIES);
        rc = put_parked_child(pg, level, t[i], preemptible);
        if (rc)
            return rc;
        pg->partial_flags = 0;
        progressed = true;
    }
    if (level == 1) {                               /* no lower tables: nothing to preempt */
        while (i > 0)
            if (t[--i] & _PAGE_PRESENT)
                pv_put_l1e(t[i]);
        pg->nr_validated_ptes = 0;
        return 0;
    }
    while (i > 0) {
        i--;
        if (!guest_slot(level, i) || !linked_table(level, t[i], mfn))
            continue;
        /* One entry (its lower tables included) always gets done: progress. */
        if (preemptible && progressed && hypercall_preempt_check()) {
            pg->nr_validated_ptes = (uint16_t)(i + 1);
            return -ERESTART;
        }
        progressed = true;
        if (put_entry(level, t[i], mfn, preemptible)) {
            pg->nr_validated_ptes = (uint16_t)i;
            pg->partial_flags = PTF_partial_child;
            return -ERESTART;
        }
    }
    pg->nr_validated_ptes = 0;
    return 0;
}

static void write_entry(pte_t *p, pte_t old, pte_t nval, bool preserve_ad)
{
    if (!preserve_ad) {
        __atomic_store_n(p, nval, __ATOMIC_RELEASE);
        return;
    }
    /* Only the CPU's A/D updates can race with us (we hold the table lock). */
    while (!__atomic_compare_exchange_n(p, &old, nval | (old & (_PAGE_ACCESSED | _PAGE_DIRTY)),
                                        false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ;
}

/* Drop a replaced entry's references; a preempted devalidation goes to old_guest_table. */
static void put_replaced(unsigned int level, pte_t old, unsigned long table_mfn, const struct pt_ctx *ctx)
{
    struct page_info *pg = linked_table(level, old, table_mfn);

    if (level == 1)
        pv_put_l1e(old);
    else if (pg && ctx->preemptible)
        put_page_and_type_preemptible(pg);
    else if (pg)
        put_page_and_type(pg);
}

static bool entry_changed(pte_t old, pte_t nval)
{
    return ((old ^ nval) & ~(pte_t)PT_FASTPATH_FLAGS) != 0;
}

/*
 * pt_mod_entry(): write nval into entry slot of table (a validated level
 * table), as MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD do: the new
 * entry's references are taken before it is stored, the old one's
 * dropped after. preserve_ad ORs in the A/D bits the old entry has.
 * The caller holds a general and a level-type reference on table.
 * Returns 0, -EINVAL (bad flags, hypervisor slot, foreign page owner for
 * L2-L4, or a refused L2-L4 target), -EBUSY (L1 target not the page
 * owner's, or not available writable), -EPERM (I/O frame not allowed).
 * With ctx->preemptible (L2-L4 updates by a hypercall that can be
 * re-issued) the new target's validation may stop with -ERESTART (entry
 * unchanged; the same update resumes it), and the devalidation of the
 * replaced target may be left in current's old_guest_table (page_type.c).
 * Takes the table's lock; may free frames.
 */
int pt_mod_entry(struct page_info *table, unsigned int level, unsigned int slot,
                 pte_t nval, const struct pt_ctx *ctx, bool preserve_ad)
{
    unsigned long mfn = mfn_x(page_to_mfn(table));
    pte_t *p = pt_map(mfn) + slot;
    spinlock_t *lock = pt_lock_for(mfn);
    pte_t old;
    int rc = 0;

    ASSERT(slot < PAGETABLE_ENTRIES && pt_type_level(table->type_info) == level);
    if (!guest_slot(level, slot))
        return -EINVAL;                                         /* T4 */
    if (level != 1 && (ctx->pg_owner != ctx->pt_dom || ctx->io_only))
        return -EINVAL;
    if ((nval & _PAGE_PRESENT) && (nval & disallow_mask(level, ctx->pt_dom)))
        return -EINVAL;

    spin_lock(lock);
    old = ACCESS_ONCE(*p);
    if ((nval & _PAGE_PRESENT) && !entry_changed(old, adjust_entry(level, nval))) {
        write_entry(p, old, adjust_entry(level, nval), preserve_ad);
        spin_unlock(lock);
        return 0;
    }
    if (nval & _PAGE_PRESENT)
        rc = get_entry(level, &nval, mfn, ctx, NULL);
    if (!rc)
        write_entry(p, old, nval, preserve_ad);
    spin_unlock(lock);
    if (rc)
        return rc;
    /*
     * A replaced L2-L4 link may live on in paging-structure caches; flush
     * them before the old table can be devalidated, retyped or freed
     * (Xen flushes all dirty CPUs after such updates).
     */
    if (level != 1 && (old & _PAGE_PRESENT))
        pv_flush_tlb_domain(ctx->pt_dom);
    put_replaced(level, old, mfn, ctx);
    return 0;
}
