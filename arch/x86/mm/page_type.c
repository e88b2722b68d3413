/*
 * PV page types: the type count that keeps page tables and descriptor
 * tables out of reach of guest writes.
 *
 * The model (the same as Xen's, see its mm.c essay; our words):
 *
 * Each frame has a general count (count_info & PGC_count_mask: anything
 * that names the frame) and a type count (type_info & PGT_count_mask:
 * uses of the frame *as* its current type). The types are exclusive uses:
 * L1, L2, L3, L4 page table, segment-descriptor page (GDT/LDT), writable
 * page. Every writable mapping of a frame in a guest page table holds a
 * PGT_writable_page type ref, every table-to-table link holds a type ref
 * of the lower level, every pin and every guest_table/guest_table_user
 * holds one. Since a frame has one type at a time, "mapped writable" and
 * "used as a page table" cannot both be true: that is the whole of PV
 * memory isolation.
 *
 * Invariants (refining I1-I3 of <xenia/mm.h>):
 *
 *  T1. The type field may change only while the type count is 0. A
 *      frame that gets a page-table type (count 0 -> 1 with a different
 *      type, or the same type after devalidation) is validated before
 *      anyone else can use it as that type: while PGT_validated is clear
 *      and the count is 1, one CPU is (de)validating it ("busy") and
 *      every other taker of the same type waits; takers of another type
 *      fail. With PGT_partial also set the table is "parked" (T9): nobody
 *      is working on it.
 *  T2. A validated L1 table holds, for every present entry, a general ref
 *      on the frame and, if _PAGE_RW, a PGT_writable_page type ref -
 *      except for I/O frames (no page_info or not RAM), which hold
 *      nothing and may only appear for domains with I/O access.
 *  T3. A validated Ln table (n = 2..4) holds, for every present entry in
 *      a guest slot, a general ref and a PGT_l(n-1) type ref on the
 *      frame named - except a read-only entry naming the table itself
 *      (a "linear" self-map, Xen's rule: read-only, no ref). Entries
 *      linking to another table of the same level are refused.
 *  T4. A validated L4 has the hypervisor's entries in slots 256..271,
 *      installed by the validator whatever the guest wrote there, and no
 *      guest update may reach those slots.
 *  T5. Entries never carry flags outside the guest-allowed set (Xen's
 *      base_disallow_mask: PWT, PCD, PSE/PAT, G refused; L1 may carry G,
 *      which is dropped while PV_GLOBAL_USER_PAGES is 0; L1 cache
 *      attributes only with I/O access) and never a superpage.
 *  T6. When a page-table type count drops to 0 the table is devalidated:
 *      every reference T2/T3 took is dropped (which may cascade down the
 *      levels, at most 4 deep), then the count reaches 0 with the type
 *      kept and PGT_validated clear.
 *  T7. When a frame changes type (from writable, a table or descriptor
 *      type, to anything else), every CPU that may still cache a
 *      translation through it (a writable mapping, or paging-structure
 *      caches of a former table) is flushed before the new use starts.
 *      A frame of type none has never been typed since allocation. The
 *      frame is stamped with the TLB clock when its type count drops to
 *      0, so CPUs that have flushed since are left alone (Xen's
 *      tlbflush_timestamp filter, <asm/flushtlb.h>).
 *  T8. PGT_pinned is set only while the pin's own type ref is held, so it
 *      is clear whenever the type count is 0 and on a parked table.
 *  T9. A parked L2-L4 table (count 1, PGT_partial, !PGT_validated) is a
 *      (de)validation stopped half-way (Xen's PGT_partial): entries
 *      [0, nr_validated_ptes) hold their T3 references, the others none,
 *      except that with PTF_partial_child the table named by entry
 *      nr_validated_ptes may itself be parked, as part of this one. The
 *      parked state owns the count of 1 and one general reference of its
 *      own; no caller holds a type ref. The next taker of the same type
 *      takes it over and resumes validation from there (count stays 1);
 *      pt_put_partial() takes it over to devalidate it from there down
 *      (abandoning it, children included). Takers of another type fail
 *      as for any typed frame. L1 tables (at most 512 entries of work)
 *      and descriptor pages are never parked.
 *
 * Atomicity: type_info is only changed by compare-and-exchange of the
 * whole word (count, type, flags together), or by the single CPU that
 * owns a (de)validation (T1). nr_validated_ptes / partial_flags belong to
 * that owner and are published with PGT_partial (release/acquire). No
 * lock is taken here; callers that rewrite table entries serialise per
 * table in pt_validate.c.
 *
 * Preemption (Xen's -ERESTART / hypercall continuations): validation and
 * devalidation of L2-L4 tables check hypercall_preempt_check() before
 * each entry once they have made progress (one entry: at most one L1 of
 * 512 entries below it), and when it says so they park every table on
 * the path (T9) and return -ERESTART up to the hypercall, which the
 * guest re-issues: get_page_type_preemptible() then takes the tables
 * over where they stopped. A release that is preempted leaves the table
 * in the vCPU's old_guest_table, which pv_put_old_guest_table() finishes
 * before the next MMU hypercall of that vCPU does anything else. The
 * plain get_page_type()/put_page_type() run to the end (boot, domain
 * destruction, bounded L1 work).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/hypercall.h>
#include <asm/current.h>
#include <asm/pv_domain.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <asm/flushtlb.h>

static inline unsigned long ti_load(struct page_info *pg)
{
    return __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);
}

static inline bool ti_cmpxchg(struct page_info *pg, unsigned long *x, unsigned long nx)
{
    return __atomic_compare_exchange_n(&pg->type_info, x, nx, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline bool type_is_pt(unsigned long t)
{
    return pt_type_level(t) != 0;
}

static inline bool type_needs_validation(unsigned long t)
{
    return (t & PGT_type_mask) != PGT_writable_page;
}

/* One more general ref on a frame the caller already holds one on (Xen's get_page_light()). */
static void get_page_light(struct page_info *pg)
{
    unsigned long c = __atomic_fetch_add(&pg->count_info, 1, __ATOMIC_ACQUIRE);

    ASSERT(c & PGC_count_mask);
    ASSERT(((c + 1) & PGC_count_mask) != 0);
}

/*
 * Wait while another CPU (de)validates pg: the word stays *x meanwhile.
 * False (nothing changed) when preemptible and work is pending.
 */
static bool wait_validation(struct page_info *pg, unsigned long *x, bool preemptible)
{
    unsigned long y;
#ifdef XENIA_HOST_TEST
    /* Single-threaded tests never have a concurrent validator: waiting would deadlock. */
    ASSERT(!"get_page_type: waiting for a validation in progress");
#endif
    while ((y = ti_load(pg)) == *x) {
        if (preemptible && hypercall_preempt_check())
            return false;
        __builtin_ia32_pause();
    }
    *x = y;
    return true;
}

static int validate(struct page_info *pg, unsigned long type, bool preemptible)
{
    if (type_is_pt(type))
        return pt_validate_table(pg, pt_type_level(type), preemptible);
    ASSERT((type & PGT_type_mask) == PGT_seg_desc_page);
    return pv_validate_segdesc_page(pg);
}

/*
 * Park pg (T9): we own its (de)validation (count 1, busy). had_park: it
 * came from a parked state, whose general ref it keeps; else it gets one.
 */
static void park(struct page_info *pg, bool had_park)
{
    ASSERT((ti_load(pg) & (PGT_count_mask | PGT_validated | PGT_partial)) == 1);
    if (!had_park)
        get_page_light(pg);
    __atomic_fetch_or(&pg->type_info, PGT_partial, __ATOMIC_RELEASE);
}

/*
 * Publish the outcome of a validation we own. 0: validated, the count of
 * 1 is the taker's. -ERESTART: parked. An error: parked if references
 * are left to unwind (*parked), else back to an unused frame.
 */
static int settle_validation(struct page_info *pg, unsigned long type, int rc, bool had_park,
                             bool *parked)
{
    if (!rc) {
        __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        if (had_park)
            put_page(pg);
        return 0;
    }
    if (rc == -ERESTART || pg->nr_validated_ptes || pg->partial_flags) {
        park(pg, had_park);
        *parked = true;
        return rc;
    }
    /* A frame that was a table before (parked by a devalidation) keeps its type for T7. */
    pg->tlbflush_timestamp = tlbflush_current_time();
    __atomic_store_n(&pg->type_info, had_park ? type : 0, __ATOMIC_RELEASE);
    if (had_park)
        put_page(pg);
    return rc;
}

/* Publish the outcome of a devalidation we own: parked (-ERESTART) or done (T6). */
static int settle_devalidation(struct page_info *pg, unsigned long type, int rc, bool had_park)
{
    if (rc == -ERESTART) {
        park(pg, had_park);
        return rc;
    }
    ASSERT(!rc);
    pg->tlbflush_timestamp = tlbflush_current_time();          /* T7: its use as type ends */
    __atomic_store_n(&pg->type_info, type, __ATOMIC_RELEASE);
    if (had_park)
        put_page(pg);
    return 0;
}

/*
 * We hold the only type ref, in state (type | 1), !validated (T1), from
 * a frame that was not parked. Run the checks and publish the result.
 */
static int first_ref(struct page_info *pg, unsigned long old, unsigned long type,
                     bool preemptible, bool *parked)
{
    unsigned long old_type = old & PGT_type_mask;
    struct domain *owner = page_get_owner(pg);

    if (old_type != PGT_none && old_type != type && owner)
        pv_flush_tlb_domain_since(owner, pg->tlbflush_timestamp);  /* T7 */

    if (!type_needs_validation(type)) {
        __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        return 0;
    }
    pg->nr_validated_ptes = 0;
    pg->partial_flags = 0;
    return settle_validation(pg, type, validate(pg, type, preemptible), false, parked);
}

int pt_get_type(struct page_info *pg, unsigned long type, bool preemptible, bool *parked)
{
    unsigned long x = ti_load(pg), nx;

    ASSERT(!(type & ~PGT_type_mask) && type != PGT_none);
    *parked = false;
    for (;;) {
        nx = x + 1;
        if (!(nx & PGT_count_mask))
            return -EINVAL;                                     /* overflow */
        if (!(x & PGT_count_mask)) {
            ASSERT(!(x & (PGT_pinned | PGT_partial)));          /* T8, T9 */
            if ((x & PGT_type_mask) != type)
                nx = (nx & ~(PGT_type_mask | PGT_validated)) | type;
        } else if ((x & PGT_type_mask) != type) {
            return -EINVAL;                                     /* in use as another type */
        } else if (x & PGT_partial) {
            ASSERT((x & (PGT_count_mask | PGT_validated)) == 1);
            nx = x & ~PGT_partial;                              /* take the parked table over */
        } else if (!(x & PGT_validated)) {
            if (!wait_validation(pg, &x, preemptible))
                return -ERESTART;
            continue;
        }
        if (ti_cmpxchg(pg, &x, nx))
            break;
    }
    if (nx & PGT_validated)
        return 0;
    if (x & PGT_partial)
        return settle_validation(pg, type, validate(pg, type, preemptible), true, parked);
    return first_ref(pg, x, type, preemptible, parked);
}

int pt_put_type(struct page_info *pg, bool preemptible)
{
    unsigned long x = ti_load(pg), nx;

    for (;;) {
        ASSERT(x & PGT_count_mask);
        ASSERT(!(x & PGT_partial));
        ASSERT((x & PGT_validated) || !type_needs_validation(x));
        nx = x - 1;
        if ((nx & PGT_count_mask) || !type_is_pt(x)) {
            ASSERT((nx & PGT_count_mask) || !(nx & PGT_pinned)); /* T8 */
            if (!(nx & PGT_count_mask))     /* T7: the last use as this type ends */
                pg->tlbflush_timestamp = tlbflush_current_time();
            if (ti_cmpxchg(pg, &x, nx))
                return 0;
            continue;
        }
        /* Last ref on a table: claim the devalidation (count stays 1). */
        if (ti_cmpxchg(pg, &x, x & ~PGT_validated))
            break;
    }
    ASSERT(!(x & PGT_pinned));
    /* No idle pCPU still has this L4 in CR3: pv_sync_lazy() came first. */
    ASSERT(pt_type_level(x) != 4 || !pv_lazy_holds_table(mfn_x(page_to_mfn(pg))));
    pg->nr_validated_ptes = PAGETABLE_ENTRIES;
    pg->partial_flags = 0;
    return settle_devalidation(pg, x & PGT_type_mask,
                               pt_devalidate_table(pg, pt_type_level(x), preemptible), false);
}

int pt_put_partial(struct page_info *pg, bool preemptible)
{
    unsigned long x = ti_load(pg);

    do {
        if (!(x & PGT_partial))
            return 0;                                           /* taken over or finished meanwhile */
        ASSERT((x & (PGT_count_mask | PGT_validated)) == 1 && type_is_pt(x));
    } while (!ti_cmpxchg(pg, &x, x & ~PGT_partial));
    return settle_devalidation(pg, x & PGT_type_mask,
                               pt_devalidate_table(pg, pt_type_level(x), preemptible), true);
}

/*
 * get_page_type(): one reference on pg as type (a PGT_* type value, no
 * flags). Changes the type if the count is 0 (T1), validating page
 * tables and descriptor pages (T2-T5) and flushing stale writable
 * translations (T7); resumes a parked table of that type (T9). Runs to
 * the end, however large the tree (not preemptible). Returns 0; -EINVAL
 * if pg is in use as another type, the count would overflow, or
 * validation refused an entry (whatever error the entry check gave:
 * -EINVAL, -EBUSY, -EPERM); on error nothing is left taken. The caller
 * holds a general reference. May wait for a validation running on
 * another CPU.
 */
int get_page_type(struct page_info *pg, unsigned long type)
{
    bool parked;
    int rc = pt_get_type(pg, type, false, &parked);

    if (rc && parked)
        pt_put_partial(pg, false);
    return rc;
}

/* Unwind what a failed preemptible validation left parked; what does not fit goes to old_guest_table. */
static void unwind_failed(struct page_info *pg)
{
    struct vcpu *v = current;

    if (v->arch.old_guest_table) {
        pt_put_partial(pg, false);                              /* only one slot: finish here */
        return;
    }
    if (pt_put_partial(pg, true) == -ERESTART) {
        get_page_light(pg);                                     /* the slot's own general ref */
        v->arch.old_guest_table = pg;
    }
}

/*
 * get_page_type_preemptible(): get_page_type() for hypercalls a guest
 * can make long (Xen's get_page_type_preemptible(), MMUEXT_PIN_*,
 * MMUEXT_NEW_BASEPTR, mmu_update of L2-L4 entries). Returns 0 (the
 * reference is held), -ERESTART (work was pending: nothing is held, pg
 * may be parked; re-issue the same operation, which resumes it), or
 * get_page_type()'s errors (nothing is held; what the failed validation
 * had taken is unwound, and if that unwinding was itself preempted the
 * rest waits in current's old_guest_table: the caller's hypercall must
 * call pv_put_old_guest_table() before returning to the guest - the
 * batch hypercalls do it through a continuation). The caller holds a
 * general reference; current is a PV vCPU. No lock; may wait for a
 * validation running on another CPU (giving up with -ERESTART when work
 * is pending).
 */
int get_page_type_preemptible(struct page_info *pg, unsigned long type)
{
    bool parked;
    int rc = pt_get_type(pg, type, true, &parked);

    if (rc && rc != -ERESTART && parked)
        unwind_failed(pg);
    return rc;
}

/*
 * put_page_type(): drop one type reference. The last reference on a
 * validated page table devalidates it (T6), which drops the references
 * its entries held and may free frames. The caller must hold the
 * reference (and a general one). No lock; runs to the end.
 */
void put_page_type(struct page_info *pg)
{
    int rc = pt_put_type(pg, false);

    ASSERT(!rc);
    (void)rc;
}

/*
 * get_page_and_type(): a general reference (pg must be owned by d) and a
 * type reference, or neither. Returns 0, -EINVAL (not d's frame, or
 * get_page_type()'s -EINVAL), or a validation error.
 */
int get_page_and_type(struct page_info *pg, struct domain *d, unsigned long type)
{
    int rc;

    if (!get_page(pg, d))
        return -EINVAL;
    rc = get_page_type(pg, type);
    if (rc)
        put_page(pg);
    return rc;
}

/*
 * get_page_and_type_preemptible(): get_page_and_type() with
 * get_page_type_preemptible()'s rules: 0, -ERESTART (nothing held,
 * re-issue), -EINVAL (not d's frame), or a validation error.
 */
int get_page_and_type_preemptible(struct page_info *pg, struct domain *d, unsigned long type)
{
    int rc;

    if (!get_page(pg, d))
        return -EINVAL;
    rc = get_page_type_preemptible(pg, type);
    if (rc)
        put_page(pg);
    return rc;
}

/*
 * put_page_and_type_preemptible(): drop a type and a general reference
 * (Xen's put_page_and_type_preemptible() plus its callers' handling of
 * old_guest_table). Returns 0 when done, -ERESTART when the
 * devalidation was preempted: the rest is parked and current's
 * old_guest_table keeps the general reference, for
 * pv_put_old_guest_table(). With the slot already taken it runs to the
 * end instead. Never fails. Current is a PV vCPU; no lock; may free
 * frames.
 */
int put_page_and_type_preemptible(struct page_info *pg)
{
    struct vcpu *v = current;

    if (v->arch.old_guest_table) {
        put_page_and_type(pg);
        return 0;
    }
    if (pt_put_type(pg, true) == -ERESTART) {
        v->arch.old_guest_table = pg;                           /* our general ref moves there */
        return -ERESTART;
    }
    put_page(pg);
    return 0;
}

/*
 * pv_put_old_guest_table(): finish the parked devalidation v's
 * old_guest_table holds (Xen's put_old_guest_table()). Returns 0 (done,
 * slot empty) or -ERESTART (preempted again, preemptible only: the
 * hypercall must be re-issued unchanged). v is current, or not running
 * (destruction, not preemptible). No lock; may free frames.
 */
int pv_put_old_guest_table(struct vcpu *v, bool preemptible)
{
    struct page_info *pg = v->arch.old_guest_table;

    if (!pg)
        return 0;
    if (pt_put_partial(pg, preemptible) == -ERESTART)
        return -ERESTART;
    v->arch.old_guest_table = NULL;
    put_page(pg);
    return 0;
}

unsigned long pt_get_current_type(struct page_info *pg)
{
    unsigned long x = ti_load(pg);

    do {
        if (!(x & PGT_count_mask) || !(x & PGT_validated))
            return PGT_none;
        if (!((x + 1) & PGT_count_mask))
            return PGT_none;
    } while (!ti_cmpxchg(pg, &x, x + 1));
    return x & PGT_type_mask;
}

bool pt_test_and_set_pinned(struct page_info *pg)
{
    ASSERT((ti_load(pg) & PGT_count_mask) && !(ti_load(pg) & PGT_partial));
    return __atomic_fetch_or(&pg->type_info, PGT_pinned, __ATOMIC_ACQ_REL) & PGT_pinned;
}

bool pt_test_and_clear_pinned(struct page_info *pg)
{
    return __atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_ACQ_REL) & PGT_pinned;
}
