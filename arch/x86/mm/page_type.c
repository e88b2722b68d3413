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
 *      and the count is 1, one CPU is (de)validating it and every other
 *      taker of the same type waits; takers of another type fail.
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
 *      A frame of type none has never been typed since allocation.
 *  T8. PGT_pinned is set only while the pin's own type ref is held, so it
 *      is clear whenever the type count is 0.
 *
 * Atomicity: type_info is only changed by compare-and-exchange of the
 * whole word (count, type, flags together), or by the single CPU that
 * owns a (de)validation (T1). No lock is taken here; callers that
 * rewrite table entries serialise per table in pt_validate.c.
 *
 * Cost: (de)validation is not preemptible yet. Validating an L4 touches
 * at most 512^3 L1 entries; Xen bounds this with -ERESTART
 * continuations (PGT_partial), which remain to be added.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

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

/* Wait while another CPU (de)validates pg: the word stays at x meanwhile. */
static unsigned long wait_validation(struct page_info *pg, unsigned long x)
{
    unsigned long y;
#ifdef XENIA_HOST_TEST
    /* Single-threaded tests never have a concurrent validator: waiting would deadlock. */
    ASSERT(!"get_page_type: waiting for a validation in progress");
#endif
    while ((y = ti_load(pg)) == x)
        __builtin_ia32_pause();
    return y;
}

static int validate(struct page_info *pg, unsigned long type)
{
    if (type_is_pt(type))
        return pt_validate_table(pg, pt_type_level(type));
    ASSERT((type & PGT_type_mask) == PGT_seg_desc_page);
    return pv_validate_segdesc_page(pg);
}

/*
 * We hold the only type ref, in state (type | 1), !validated (T1).
 * Run the checks and publish the result.
 */
static int finish_first_ref(struct page_info *pg, unsigned long old, unsigned long type)
{
    int rc;

    unsigned long old_type = old & PGT_type_mask;

    if (old_type != PGT_none && old_type != type && pg->owner)
        pv_flush_tlb_domain(pg->owner);                         /* T7 */

    if (!type_needs_validation(type)) {
        __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
        return 0;
    }
    rc = validate(pg, type);
    if (rc) {
        ASSERT((ti_load(pg) & (PGT_count_mask | PGT_validated)) == 1);
        __atomic_store_n(&pg->type_info, 0, __ATOMIC_RELEASE);
        return rc;
    }
    __atomic_fetch_or(&pg->type_info, PGT_validated, __ATOMIC_RELEASE);
    return 0;
}

/*
 * get_page_type(): one reference on pg as type (a PGT_* type value, no
 * flags). Changes the type if the count is 0 (T1), validating page
 * tables and descriptor pages (T2-T5) and flushing stale writable
 * translations (T7). Returns 0; -EINVAL if pg is in use as another type,
 * the count would overflow, or validation refused an entry (whatever
 * error the entry check gave: -EINVAL, -EBUSY, -EPERM). The caller holds
 * a general reference. May wait for a validation running on another CPU.
 */
int get_page_type(struct page_info *pg, unsigned long type)
{
    unsigned long x = ti_load(pg), nx;

    ASSERT(!(type & ~PGT_type_mask) && type != PGT_none);
    for (;;) {
        nx = x + 1;
        if (!(nx & PGT_count_mask))
            return -EINVAL;                                     /* overflow */
        if (!(x & PGT_count_mask)) {
            ASSERT(!(x & PGT_pinned));                          /* T8 */
            if ((x & PGT_type_mask) != type)
                nx = (nx & ~(PGT_type_mask | PGT_validated)) | type;
        } else if ((x & PGT_type_mask) != type) {
            return -EINVAL;                                     /* in use as another type */
        } else if (!(x & PGT_validated)) {
            x = wait_validation(pg, x);
            continue;
        }
        if (ti_cmpxchg(pg, &x, nx))
            break;
    }
    if (nx & PGT_validated)
        return 0;
    return finish_first_ref(pg, x, type);
}

/*
 * put_page_type(): drop one type reference. The last reference on a
 * validated page table devalidates it (T6), which drops the references
 * its entries held and may free frames. The caller must hold the
 * reference (and a general one). No lock; not preemptible yet.
 */
void put_page_type(struct page_info *pg)
{
    unsigned long x = ti_load(pg), nx;

    for (;;) {
        ASSERT(x & PGT_count_mask);
        ASSERT((x & PGT_validated) || !type_needs_validation(x));
        nx = x - 1;
        if ((nx & PGT_count_mask) || !type_is_pt(x)) {
            ASSERT((nx & PGT_count_mask) || !(nx & PGT_pinned)); /* T8 */
            if (ti_cmpxchg(pg, &x, nx))
                return;
            continue;
        }
        /* Last ref on a table: claim the devalidation (count stays 1). */
        if (ti_cmpxchg(pg, &x, x & ~PGT_validated))
            break;
    }
    ASSERT(!(x & PGT_pinned));
    pt_devalidate_table(pg, pt_type_level(x));
    __atomic_store_n(&pg->type_info, (x & PGT_type_mask), __ATOMIC_RELEASE);
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
    ASSERT(ti_load(pg) & PGT_count_mask);
    return __atomic_fetch_or(&pg->type_info, PGT_pinned, __ATOMIC_ACQ_REL) & PGT_pinned;
}

bool pt_test_and_clear_pinned(struct page_info *pg)
{
    return __atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_ACQ_REL) & PGT_pinned;
}
