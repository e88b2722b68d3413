/*
 * The PV page-table side of grant mappings (Xen 4.17 arch/x86/pv/grant_table.c
 * semantics): GNTTABOP_map_grant_ref with GNTMAP_host_map writes one L1 entry
 * of the caller's page tables, found by linear address or (GNTMAP_contains_pte)
 * by machine address; unmap checks the entry still maps the granted frame
 * and clears it. Entries are written through pt_mod_entry(), so a grant
 * entry holds exactly the references any L1 entry holds and page-table
 * teardown releases them like any other.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/grant_table.h>
#include <asm/current.h>
#include <asm/hv_paging.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>

/* The L1 table frame and slot for addr (see gnttab_pv_create_mapping()); false if none. */
static bool gm_locate(uint64_t addr, bool contains_pte, unsigned long *l1, unsigned int *slot)
{
    if (contains_pte) {
        if (!IS_ALIGNED(addr, sizeof(pte_t)))
            return false;
        *l1 = addr >> PAGE_SHIFT;
        *slot = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
        return mfn_valid(_mfn(*l1));
    }
    *l1 = pv_guest_l1_frame(current->arch.guest_table, addr);
    *slot = l1_table_offset(addr);
    return *l1 != 0;
}

/* Grant PTE flags (Xen's grant_to_pte_flags()), before adjust_guest_l1e(). */
static pte_t gm_pte_flags(unsigned int flags)
{
    pte_t f = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | (cpu_has_nx ? _PAGE_NX : 0);

    if (flags & GNTMAP_application_map)
        f |= _PAGE_USER;
    if (!(flags & GNTMAP_readonly))
        f |= _PAGE_RW;
    f |= ((pte_t)(flags >> _GNTMAP_guest_avail0) << 9) & PTE_AVAIL_LOW;
    return f;
}

/*
 * Write nval at (l1, slot) with ctx, after checking l1 is a validated L1
 * table of the current domain. If expect_mfn != ~0, the current entry must
 * map expect_mfn with P/RW equal to expect_flags' (checked under no lock:
 * a racing guest update only changes which entry's references are dropped).
 */
static int gm_write(unsigned long l1, unsigned int slot, pte_t nval, const struct pt_ctx *ctx,
                    unsigned long expect_mfn, pte_t expect_flags, pte_t *old)
{
    struct domain *ld = current->domain;
    struct page_info *pg = mfn_to_page(_mfn(l1));
    int rc = GNTST_general_error;

    if (!get_page(pg, ld))
        return GNTST_general_error;
    unsigned long type = pt_get_current_type(pg);
    if (type == PGT_l1_page_table) {
        pte_t cur = ACCESS_ONCE(pt_map(l1)[slot]);
        if (old)
            *old = cur;
        if (expect_mfn == ~0UL ||
            (pte_mfn(cur) == expect_mfn && !((cur ^ expect_flags) & (_PAGE_PRESENT | _PAGE_RW))))
            rc = pt_mod_entry(pg, 1, slot, nval, ctx, false) ? GNTST_general_error : GNTST_okay;
    }
    if (type != PGT_none)
        put_page_type(pg);
    put_page(pg);
    return rc;
}

int gnttab_pv_create_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, struct domain *rd)
{
    struct pt_ctx ctx = { current->domain, rd, false, false };
    unsigned long l1;
    unsigned int slot;

    if (!gm_locate(addr, flags & GNTMAP_contains_pte, &l1, &slot))
        return GNTST_general_error;
    return gm_write(l1, slot, ((pte_t)mfn << PAGE_SHIFT) | gm_pte_flags(flags), &ctx, ~0UL, 0, NULL);
}

int gnttab_pv_destroy_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, uint64_t new_addr)
{
    struct domain *ld = current->domain;
    struct pt_ctx self = { ld, ld, false, false };
    unsigned long l1, nl1 = 0;
    unsigned int slot, nslot = 0;
    pte_t stolen = 0;

    if (!gm_locate(addr, flags & GNTMAP_contains_pte, &l1, &slot))
        return GNTST_general_error;
    if (new_addr) {
        /* Replace is only defined for linear addresses (Xen). */
        if ((flags & GNTMAP_contains_pte) || !gm_locate(new_addr, false, &nl1, &nslot))
            return GNTST_general_error;
        stolen = ACCESS_ONCE(pt_map(nl1)[nslot]);
        /*
         * Xen moves the entry with its references; here the moved copy
         * takes its own (as ld's frame) and the original drops its below.
         */
        if ((stolen & _PAGE_PRESENT) && pv_mfn_is_io(pte_mfn(stolen)))
            return GNTST_general_error;
    }
    int rc = gm_write(l1, slot, stolen & ~(pte_t)(_PAGE_GUEST_KERNEL | _PAGE_GLOBAL),
                      &self, mfn, gm_pte_flags(flags), NULL);
    if (rc == GNTST_okay && new_addr)
        gm_write(nl1, nslot, 0, &self, ~0UL, 0, NULL);
    return rc;
}
