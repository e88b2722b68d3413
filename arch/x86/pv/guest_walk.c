/* Walking a PV guest's own page tables (read through the direct map). */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <xen/xen.h>

/* The next-level frame named by entry idx of table mfn, or 0 (absent, superpage, bad). */
static unsigned long next_table(unsigned long mfn, unsigned int idx)
{
    if (!mfn || !mfn_valid(_mfn(mfn)))
        return 0;
    pte_t e = ACCESS_ONCE(pt_map(mfn)[idx]);
    if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
        return 0;
    return pte_mfn(e);
}

unsigned long pv_guest_l1_frame(unsigned long l4_mfn, unsigned long va)
{
    if (!(va < (1UL << 47) || va >= HYPERVISOR_VIRT_END))
        return 0;                       /* non-canonical, or the hypervisor's slots */
    unsigned long mfn = next_table(l4_mfn, l4_table_offset(va));
    mfn = next_table(mfn, l3_table_offset(va));
    mfn = next_table(mfn, l2_table_offset(va));
    return mfn && mfn_valid(_mfn(mfn)) ? mfn : 0;
}
