/*
 * General references on frames (count_info & PGC_count_mask), see the
 * reference-count notes in <xenia/mm.h>. Lock-free: every update is a
 * compare-and-exchange of the whole count_info word, so flags and count
 * change together.
 */
#include <xenia/lib.h>
#include <xenia/mm.h>

/*
 * get_page(): +1 general reference on pg, if it is allocated (count != 0,
 * not free) and owned by d (any owner when d is NULL). Returns false when
 * the frame is free, unowned, owned by another domain, or the count would
 * overflow. No lock; safe against concurrent put_page().
 */
bool get_page(struct page_info *pg, const struct domain *d)
{
    unsigned long x = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED), nx;

    do {
        if (x & PGC_free)
            return false;
        if (!(x & PGC_count_mask) || ((x + 1) & PGC_count_mask) == 0)
            return false;
        nx = x + 1;
    } while (!__atomic_compare_exchange_n(&pg->count_info, &x, nx, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));

    /* The reference pins the frame, so its owner can no longer change under us. */
    const struct domain *owner = page_get_owner(pg);
    if (owner && (!d || owner == d))
        return true;
    put_page(pg);
    return false;
}

/*
 * put_page(): -1 general reference. When the count reaches 0 the frame goes
 * back to the heap through free_domheap_pages() (leaving its owner's
 * page_list). Dropping a reference that is not held is a BUG.
 */
void put_page(struct page_info *pg)
{
    unsigned long x = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED), nx;

    do {
        if (!(x & PGC_count_mask) || (x & PGC_free))
            panic("put_page: MFN 0x%lx has no reference (count_info 0x%lx)",
                  mfn_x(page_to_mfn(pg)), x);
        nx = x - 1;
    } while (!__atomic_compare_exchange_n(&pg->count_info, &x, nx, false,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED));

    if (!(nx & PGC_count_mask))
        free_domheap_pages(pg, 0);
}
