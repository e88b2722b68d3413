/*
 * XENMEM_exchange (<xen/memory.h>) for PV domains, with Xen 4.17's
 * semantics: the domain hands in frames (in.extent_start: MFNs, 2^in.order
 * each) and gets the same number of fresh frames (out.extent_start: the
 * GPFNs to give them in, overwritten with their MFNs; 2^out.order each,
 * below out.mem_flags' address limit). Linux uses it to make its swiotlb
 * buffers machine-contiguous for DMA.
 *
 * Work goes in chunks of max(2^in.order, 2^out.order) frames: a chunk's
 * inputs are stolen (each must be the domain's, mapped and typed nowhere),
 * its outputs allocated, and only then is anything committed; a failing
 * chunk gives the stolen frames back. nr_exchanged counts the input
 * extents done and is written back; between chunks the call may be
 * preempted (-ERESTART: the guest re-issues it and it resumes there).
 * Frame contents are not preserved (Xen's rule).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/list.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xen/memory.h>
#include <asm/current.h>

/* Does [first, last] of a guest xen_pfn_t list lie in guest space? */
static bool list_range_ok(const xen_pfn_t *list, unsigned long first, unsigned long last)
{
    return first <= last &&
           guest_range_ok((unsigned long)(list + first), (last - first + 1) * sizeof(xen_pfn_t));
}

/* Xen's sanity checks, in its order. 0 or -EINVAL / -EFAULT. */
static int exchange_args_ok(const struct xen_memory_exchange *x)
{
    if (x->nr_exchanged > x->in.nr_extents || x->in.domid != x->out.domid ||
        (~0UL >> x->in.extent_order) < x->in.nr_extents ||
        (~0UL >> x->out.extent_order) < x->out.nr_extents ||
        (x->in.nr_extents << x->in.extent_order) != (x->out.nr_extents << x->out.extent_order))
        return -EINVAL;
    return 0;
}

/* Give a chunk's stolen frames back to d. */
static void return_stolen(struct domain *d, struct page_list_head *stolen)
{
    struct page_info *pg;

    while ((pg = page_list_remove_head(stolen)) != NULL) {
        unsteal_page(d, pg);
        put_page(pg);                    /* the reference steal_page() kept */
    }
}

/* Steal the 2^in.order frames of input extent e into `stolen`. 0, -EFAULT, -EINVAL. */
static int steal_extent(struct domain *d, const struct xen_memory_exchange *x, unsigned long e,
                        struct page_list_head *stolen)
{
    xen_pfn_t gmfn;

    if (raw_copy_from_guest(&gmfn, x->in.extent_start.p + e, sizeof(gmfn)))
        return -EFAULT;
    for (unsigned long k = 0; k < (1UL << x->in.extent_order); k++) {
        unsigned long mfn = gmfn + k;
        if (mfn < gmfn || !mfn_valid(_mfn(mfn)))
            return -EINVAL;
        struct page_info *pg = mfn_to_page(_mfn(mfn));
        if (!get_page(pg, d))
            return -EINVAL;
        if (steal_page(d, pg)) {
            put_page(pg);
            return -EINVAL;
        }
        set_gpfn_from_mfn(mfn, INVALID_M2P_ENTRY);
        page_list_add_tail(pg, stolen);
    }
    return 0;
}

/* A fresh extent of 2^out.order frames below the address limit, unowned; NULL if none. */
static struct page_info *alloc_out_extent(const struct xen_memory_exchange *x)
{
    unsigned int bits = XENMEMF_get_address_bits(x->out.mem_flags);
    struct page_info *pg = alloc_domheap_pages(NULL, x->out.extent_order, MEMF_no_owner);

    if (!pg || !bits || bits >= 64)
        return pg;
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    if (bits > PAGE_SHIFT && mfn + (1UL << x->out.extent_order) <= 1UL << (bits - PAGE_SHIFT))
        return pg;
    free_domheap_pages(pg, x->out.extent_order);   /* above the limit */
    return NULL;
}

/*
 * Exchange chunk c: steal its inputs, allocate its outputs, then commit
 * (inputs freed, outputs given to d with their GPFNs, MFNs reported).
 * 0 or an error with nothing of the chunk changed, except -EFAULT while
 * reporting an MFN (the exchange itself is done, as in Xen).
 */
static int exchange_chunk(struct domain *d, const struct xen_memory_exchange *x, unsigned long c,
                          unsigned int in_chunk_order, unsigned int out_chunk_order)
{
    PAGE_LIST_HEAD(stolen);
    PAGE_LIST_HEAD(fresh);
    struct page_info *pg;
    int rc = 0;

    for (unsigned long j = 0; j < (1UL << in_chunk_order) && !rc; j++)
        rc = steal_extent(d, x, (c << in_chunk_order) + j, &stolen);
    for (unsigned long j = 0; j < (1UL << out_chunk_order) && !rc; j++) {
        pg = alloc_out_extent(x);
        if (!pg)
            rc = -ENOMEM;
        else
            page_list_add_tail(pg, &fresh);
    }
    if (rc) {
        return_stolen(d, &stolen);
        while ((pg = page_list_remove_head(&fresh)) != NULL)
            free_domheap_pages(pg, x->out.extent_order);
        return rc;
    }

    /* Committed from here on: the chunk cannot fail any more. */
    while ((pg = page_list_remove_head(&stolen)) != NULL)
        put_page(pg);                    /* the last reference: back to the heap */
    for (unsigned long j = 0; (pg = page_list_remove_head(&fresh)) != NULL; j++) {
        unsigned long e = (c << out_chunk_order) + j, mfn = mfn_x(page_to_mfn(pg));
        xen_pfn_t gpfn = 0;
        BUG_ON(!assign_domheap_pages(d, pg, x->out.extent_order));  /* inputs made room */
        if (raw_copy_from_guest(&gpfn, x->out.extent_start.p + e, sizeof(gpfn)))
            rc = -EFAULT;
        for (unsigned long k = 0; k < (1UL << x->out.extent_order); k++)
            set_gpfn_from_mfn(mfn + k, rc ? INVALID_M2P_ENTRY : gpfn + k);
        xen_pfn_t out = mfn;
        if (raw_copy_to_guest(x->out.extent_start.p + e, &out, sizeof(out)))
            rc = -EFAULT;
    }
    return rc;
}

long memory_exchange(unsigned long arg)
{
    struct xen_memory_exchange x;
    struct xen_memory_exchange *u = (struct xen_memory_exchange *)arg;
    struct domain *d;
    long rc;

    if (raw_copy_from_guest(&x, u, sizeof(x)))
        return -EFAULT;
    if (MAX(x.in.extent_order, x.out.extent_order) > memop_max_order(current->domain))
        rc = -EPERM;
    else
        rc = exchange_args_ok(&x);
    if (rc || x.nr_exchanged == x.in.nr_extents)
        goto out;

    unsigned int in_chunk_order = 0, out_chunk_order = 0;
    if (x.in.extent_order <= x.out.extent_order)
        in_chunk_order = x.out.extent_order - x.in.extent_order;
    else
        out_chunk_order = x.in.extent_order - x.out.extent_order;
    unsigned long first_out = in_chunk_order ? x.nr_exchanged >> in_chunk_order
                                             : x.nr_exchanged << out_chunk_order;
    if (!list_range_ok(x.in.extent_start.p, x.nr_exchanged, x.in.nr_extents - 1) ||
        !list_range_ok(x.out.extent_start.p, first_out, x.out.nr_extents - 1)) {
        rc = -EFAULT;
        goto out;
    }
    if (x.nr_exchanged & ((1UL << in_chunk_order) - 1)) {
        rc = -EINVAL;                    /* not at a chunk boundary */
        goto out;
    }
    rc = memop_domain_lookup(x.in.domid, &d);
    if (rc)
        goto out;

    unsigned long c = x.nr_exchanged >> in_chunk_order;
    unsigned long last = x.in.nr_extents >> in_chunk_order;
    for (; c < last; c++) {
        if (c != (x.nr_exchanged >> in_chunk_order) && hypercall_preempt_check()) {
            rc = -ERESTART;              /* the guest re-issues the call: resume at c */
            break;
        }
        rc = exchange_chunk(d, &x, c, in_chunk_order, out_chunk_order);
        if (rc && rc != -EFAULT)
            break;
        if (rc) {
            c++;                         /* this chunk is done all the same */
            break;
        }
    }
    x.nr_exchanged = c << in_chunk_order;
    rcu_unlock_domain(d);
out:
    if (raw_copy_to_guest(&u->nr_exchanged, &x.nr_exchanged, sizeof(x.nr_exchanged)))
        rc = -EFAULT;
    return rc;
}
