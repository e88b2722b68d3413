/* Xen-heap frames a guest may map (shared_info). */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/page.h>

void share_xen_page_with_guest(void *va, struct domain *d)
{
    struct page_info *pg = mfn_to_page(_mfn(virt_to_mfn(va)));

    page_set_owner(pg, d);
    /* One general ref for PGC_allocated; the type is always writable. */
    pg->count_info = (pg->count_info & PGC_xen_heap) | PGC_allocated | 1;
    pg->type_info = PGT_writable_page | PGT_validated | 1;
    set_gpfn_from_mfn(virt_to_mfn(va), INVALID_M2P_ENTRY);
}
