/*
 * Taking over a domain builder's hand-made page tables (dom0): see
 * pv_validate_initial_tables() in <asm/pv_mm.h>.
 *
 * Three passes over the hierarchy below the L4 (recursion depth <= 4):
 *   1. mark: give every table frame its level's type with type count 0
 *      (no reference, not validated - the state Xen's dom0 builder
 *      leaves too), refusing a frame reached at two levels or not d's;
 *   2. read-only: clear _PAGE_RW in every L1 entry naming a marked frame;
 *   3. validate and pin the L4 through the ordinary get_page_type(),
 *      which takes every reference (invariants T2-T5 of page_type.c).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

static bool is_child(pte_t e, unsigned long table, unsigned int level, unsigned int slot)
{
    return (e & _PAGE_PRESENT) && pte_mfn(e) != table && !(level == 4 && pt_is_hv_l4_slot(slot));
}

static int mark_tables(struct domain *d, unsigned long mfn, unsigned int level)
{
    struct page_info *pg;
    pte_t *t;

    if (!mfn_valid(_mfn(mfn)))
        return -EINVAL;
    pg = mfn_to_page(_mfn(mfn));
    if (page_get_owner(pg) != d || (pg->type_info & PGT_count_mask))
        return -EINVAL;
    if (pg->type_info == pt_level_type(level))
        return 0;                                               /* shared subtable, done */
    if (pt_type_level(pg->type_info))
        return -EINVAL;                                         /* reached at two levels */
    pg->type_info = pt_level_type(level);
    if (level == 1)
        return 0;
    t = pt_map(mfn);
    for (unsigned int i = 0; i < PAGETABLE_ENTRIES; i++) {
        int rc = is_child(t[i], mfn, level, i) ? mark_tables(d, pte_mfn(t[i]), level - 1) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* A frame marked by pass 1 (a table of this hierarchy)? */
static bool is_marked_table(unsigned long mfn)
{
    const struct page_info *pg;

    if (!mfn_valid(_mfn(mfn)))
        return false;
    pg = mfn_to_page(_mfn(mfn));
    return pt_type_level(pg->type_info) && !(pg->type_info & PGT_count_mask);
}

static void make_tables_ro(unsigned long mfn, unsigned int level)
{
    pte_t *t = pt_map(mfn);

    for (unsigned int i = 0; i < PAGETABLE_ENTRIES; i++) {
        if (level == 1) {
            if ((t[i] & _PAGE_PRESENT) && is_marked_table(pte_mfn(t[i])))
                t[i] &= ~_PAGE_RW;
        } else if (is_child(t[i], mfn, level, i)) {
            make_tables_ro(pte_mfn(t[i]), level - 1);
        }
    }
}

int pv_validate_initial_tables(struct domain *d, mfn_t l4)
{
    struct page_info *pg;
    int rc = mark_tables(d, mfn_x(l4), 4);

    if (rc)
        return rc;
    make_tables_ro(mfn_x(l4), 4);
    pg = mfn_to_page(l4);
    rc = get_page_and_type(pg, d, PGT_l4_page_table);
    if (rc)
        return rc;
    ASSERT(!(pg->type_info & PGT_pinned));
    pt_test_and_set_pinned(pg);                                 /* the pin keeps both refs */
    return 0;
}
