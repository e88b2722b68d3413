/*
 * The heap: a binary buddy allocator over frame_table[], for both the xen
 * heap (hypervisor-owned frames, used through the direct map) and the
 * domain heap (frames owned by domains).
 *
 * A free block of 2^order frames is kept on free_lists[order] through its
 * first frame's page_info (the "head", whose ->order is valid); every frame
 * of a free block carries PGC_free, which is how double frees are caught.
 * When a block is freed it merges with its buddy (the block whose MFN
 * differs only in bit `order`) as long as that buddy is a free head of the
 * same order, so the heap coalesces back to the largest aligned blocks.
 *
 * Scrubbing, as Xen 4.17 does it by default: freeing a frame does not zero
 * it, it marks it PGC_need_scrub. Idle CPUs zero marked free frames in the
 * background (scrub_free_pages()), and an allocation zeroes whatever marked
 * frames it is handed, outside heap_lock; so every allocation still returns
 * zeroed frames, and creating a domain costs no zeroing once the idle CPUs
 * have caught up. Each free list keeps its clean blocks first and the
 * blocks that may hold marked frames last: allocation takes the first, the
 * scrubber the last. A head's first_dirty is the first frame of its block
 * that may be marked (frames before it are not); when a split leaves it in
 * the lower half, the upper half is assumed dirty from its first frame, so
 * the per-frame mark is what counts.
 *
 * Stale translations (Xen's TLB-flush filtering, <asm/flushtlb.h>): a
 * guest may still cache a translation of a frame after unmapping it, as
 * long as it has not flushed. So every freed frame is stamped with the
 * TLB clock, and alloc_heap_pages() flushes the CPUs that have not
 * flushed since the newest stamp of the block it hands out, before anyone
 * else can use it. Boot memory carries stamp 0 (never mapped by a guest).
 *
 * Locking: heap_lock guards free_lists[], nr_free_frames, nr_dirty_frames
 * and the PGC_need_scrub marks of free frames (a frame taken off the lists
 * is its taker's, mark included, until alloc_heap_pages() clears it). It nests
 * inside d->page_alloc_lock (see <xenia/sched.h>), which guards a domain's
 * page_list and tot_pages.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/spinlock.h>
#include <xenia/types.h>
#include <xenia/sched.h>
#include <asm/flushtlb.h>

#ifdef XENIA_HOST_TEST
#include <string.h>
#define heap_mfn_to_virt(mfn)   host_mfn_to_virt(mfn)
#define heap_virt_to_mfn(va)    host_virt_to_mfn(va)
#else
#include <asm/page.h>
#define heap_mfn_to_virt(mfn)   mfn_to_virt(mfn)
#define heap_virt_to_mfn(va)    virt_to_mfn(va)
#endif

static DEFINE_SPINLOCK(heap_lock);
static struct page_list_head free_lists[MAX_ORDER + 1];
static bool free_lists_ready;
static unsigned long nr_free_frames;
static unsigned long nr_dirty_frames;   /* free frames with PGC_need_scrub */

/* first_dirty of a block that holds no marked frame. */
#define DIRTY_NONE  ((1U << 27) - 1)

static void free_lists_init(void)
{
    if (free_lists_ready)
        return;
    for (unsigned int i = 0; i <= MAX_ORDER; i++)
        INIT_PAGE_LIST_HEAD(&free_lists[i]);
    free_lists_ready = true;
}

unsigned int get_order_from_bytes(size_t size)
{
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < size)
        order++;
    return order;
}

/* ---- the buddy core (heap_lock held) ---- */

/* List free head pg: clean blocks at the front, possibly dirty ones at the back. */
static void list_block(struct page_info *pg, unsigned int order, unsigned int first_dirty)
{
    pg->order = order;
    pg->first_dirty = first_dirty;
    if (first_dirty == DIRTY_NONE)
        page_list_add(pg, &free_lists[order]);
    else
        page_list_add_tail(pg, &free_lists[order]);
}

/*
 * The smallest free block of at least 2^order frames, preferring one that
 * needs no scrubbing even if it is larger (as Xen 4.17 does); single frames
 * are taken dirty or not, scrubbing one costs little. NULL if none.
 */
static struct page_info *find_block(unsigned int order, unsigned int *block_order)
{
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned int o = order; o <= MAX_ORDER; o++) {
            struct page_info *pg = page_list_first(&free_lists[o]);
            if (!pg || (pass == 0 && order > 0 && pg->first_dirty != DIRTY_NONE))
                continue;
            *block_order = o;
            return pg;
        }
    }
    return NULL;
}

/*
 * Take a block of 2^order frames off the free lists (see find_block()), or
 * NULL; *stamp gets the newest TLB stamp of its frames.
 */
static struct page_info *take_block(unsigned int order, uint32_t *stamp)
{
    unsigned int o;
    struct page_info *pg = find_block(order, &o);

    if (!pg)
        return NULL;
    page_list_del(pg, &free_lists[o]);
    /* Split: hand the upper halves back until the block is the right size. */
    unsigned int first_dirty = pg->first_dirty;
    while (o > order) {
        o--;
        unsigned long half = 1UL << o;
        if (first_dirty == DIRTY_NONE) {
            list_block(pg + half, o, DIRTY_NONE);
        } else if (first_dirty >= half) {
            list_block(pg + half, o, first_dirty - half);
            first_dirty = DIRTY_NONE;       /* the lower half is all before it */
        } else {
            list_block(pg + half, o, 0);
        }
    }
    uint32_t now = tlbflush_current_time(), youngest = UINT32_MAX;
    for (unsigned long i = 0; i < (1UL << order); i++) {
        uint32_t age = now - pg[i].tlbflush_timestamp;
        if (age < youngest)
            youngest = age;
        if (pg[i].count_info & PGC_need_scrub)
            nr_dirty_frames--;          /* alloc_heap_pages() zeroes it */
        pg[i].count_info &= PGC_need_scrub;
        pg[i].type_info = 0;
        page_set_owner(&pg[i], NULL);
    }
    nr_free_frames -= 1UL << order;
    *stamp = now - youngest;
    return pg;
}

/*
 * Return a block to the free lists, marked for scrubbing and stamped with
 * stamp (the TLB clock), merging with free buddies.
 */
static void put_block(struct page_info *pg, unsigned int order, uint32_t stamp)
{
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    unsigned int first_dirty = 0;

    for (unsigned long i = 0; i < (1UL << order); i++) {
        struct page_info *p = pg + i;
        if (p->count_info & (PGC_free | PGC_reserved))
            panic("freeing MFN 0x%lx: %s (count_info 0x%lx)", mfn + i,
                  (p->count_info & PGC_free) ? "already free" : "reserved",
                  p->count_info);
        p->count_info = PGC_free | PGC_need_scrub;
        p->type_info = 0;
        page_set_owner(p, NULL);
        p->tlbflush_timestamp = stamp;
    }
    nr_free_frames += 1UL << order;
    nr_dirty_frames += 1UL << order;

    while (order < MAX_ORDER) {
        unsigned long half = 1UL << order;
        unsigned long buddy_mfn = mfn ^ half;
        struct page_info *buddy = mfn_to_page(_mfn(buddy_mfn));
        if (!mfn_valid(_mfn(buddy_mfn)) || !(buddy->count_info & PGC_free) ||
            buddy->order != order)
            break;
        page_list_del(buddy, &free_lists[order]);
        unsigned int buddy_dirty = buddy->first_dirty;
        if (buddy_mfn < mfn)            /* buddy first, then this block */
            first_dirty = buddy_dirty != DIRTY_NONE ? buddy_dirty :
                          first_dirty != DIRTY_NONE ? first_dirty + half : DIRTY_NONE;
        else if (first_dirty == DIRTY_NONE && buddy_dirty != DIRTY_NONE)
            first_dirty = buddy_dirty + half;
        mfn &= ~half;
        order++;
    }
    list_block(mfn_to_page(_mfn(mfn)), order, first_dirty);
}

/* Zero frame pg if it is marked PGC_need_scrub, and clear the mark; true if it was. */
static bool scrub_frame(struct page_info *pg)
{
    if (!(pg->count_info & PGC_need_scrub))
        return false;
    memset(heap_mfn_to_virt(mfn_x(page_to_mfn(pg))), 0, PAGE_SIZE);
    pg->count_info &= ~PGC_need_scrub;
    return true;
}

/* Zero the frames of a block just taken that still hold old contents. */
static void scrub_taken_block(struct page_info *pg, unsigned int order)
{
    for (unsigned long i = 0; i < (1UL << order); i++)
        scrub_frame(pg + i);
}

static struct page_info *alloc_heap_pages(unsigned int order)
{
    unsigned long flags;
    struct page_info *pg;
    uint32_t stamp;

    if (order > MAX_ORDER)
        return NULL;
    spin_lock_irqsave(&heap_lock, flags);
    pg = free_lists_ready ? take_block(order, &stamp) : NULL;
    spin_unlock_irqrestore(&heap_lock, flags);
    if (!pg)
        return NULL;
    flush_tlb_all_since(stamp);         /* no CPU still reaches the block */
    scrub_taken_block(pg, order);
    return pg;
}

static void free_heap_pages(struct page_info *pg, unsigned int order)
{
    unsigned long flags;

    BUG_ON(order > MAX_ORDER);
    uint32_t stamp = tlbflush_current_time();
    spin_lock_irqsave(&heap_lock, flags);
    put_block(pg, order, stamp);
    spin_unlock_irqrestore(&heap_lock, flags);
}

void init_heap_pages(mfn_t mfn, unsigned long nr_frames)
{
    unsigned long m = mfn_x(mfn), end = m + nr_frames;
    unsigned long flags;

    BUG_ON(end > max_page || end < m);
    spin_lock_irqsave(&heap_lock, flags);
    free_lists_init();
    while (m < end) {
        unsigned int order = 0;
        while (order < MAX_ORDER && !(m & (1UL << order)) && m + (2UL << order) <= end)
            order++;
        for (unsigned long i = 0; i < (1UL << order); i++)
            mfn_to_page(_mfn(m + i))->count_info = 0;
        put_block(mfn_to_page(_mfn(m)), order, 0);
        m += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

unsigned long total_free_pages(void)
{
    return ACCESS_ONCE(nr_free_frames);
}

unsigned long total_dirty_pages(void)
{
    return ACCESS_ONCE(nr_dirty_frames);
}

/* How many frames one scrub_free_pages() call looks at, at most. */
#define SCRUB_LOOK_MAX  512UL

unsigned long scrub_free_pages(unsigned long max_frames)
{
    unsigned long flags, scrubbed = 0;

    if (!ACCESS_ONCE(nr_dirty_frames))
        return 0;
    spin_lock_irqsave(&heap_lock, flags);
    for (int o = MAX_ORDER; o >= 0 && free_lists_ready; o--) {
        struct page_info *pg = page_list_last(&free_lists[o]);
        if (!pg || pg->first_dirty == DIRTY_NONE)
            continue;                   /* the back of the list is clean: all of it is */
        unsigned long i = pg->first_dirty, end = 1UL << o;
        if (end - i > SCRUB_LOOK_MAX)
            end = i + SCRUB_LOOK_MAX;
        for (; i < end && scrubbed < max_frames; i++) {
            if (scrub_frame(pg + i)) {
                nr_dirty_frames--;
                scrubbed++;
            }
        }
        if (i == 1UL << o) {            /* the whole block is clean: to the front */
            page_list_del(pg, &free_lists[o]);
            list_block(pg, o, DIRTY_NONE);
        } else {
            pg->first_dirty = i;
        }
        break;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return scrubbed;
}

/* ---- the xen heap ---- */

void *alloc_xenheap_pages(unsigned int order)
{
    struct page_info *pg = alloc_heap_pages(order);

    if (!pg)
        return NULL;
    for (unsigned long i = 0; i < (1UL << order); i++)
        pg[i].count_info = PGC_xen_heap;
    return heap_mfn_to_virt(mfn_x(page_to_mfn(pg)));
}

void free_xenheap_pages(void *va, unsigned int order)
{
    struct page_info *pg;

    if (!va)
        return;
    pg = mfn_to_page(_mfn(heap_virt_to_mfn(va)));
    for (unsigned long i = 0; i < (1UL << order); i++) {
        BUG_ON(!(pg[i].count_info & PGC_xen_heap));
        pg[i].count_info &= ~PGC_xen_heap;
    }
    free_heap_pages(pg, order);
}

void *xzalloc_bytes(size_t size)
{
    return alloc_xenheap_pages(get_order_from_bytes(size));
}

void xfree_bytes(void *va, size_t size)
{
    free_xenheap_pages(va, get_order_from_bytes(size));
}

/* ---- the domain heap ---- */

/* Give 2^order fresh frames to d; -ENOMEM-style false if over quota or d is dying. */
static bool assign_pages(struct domain *d, struct page_info *pg, unsigned int order)
{
    unsigned long n = 1UL << order;

    spin_lock(&d->page_alloc_lock);
    /* Xen's assign_pages(): nothing more for a domain being destroyed. */
    if (d->is_dying || d->tot_pages + n > d->max_pages || d->tot_pages + n < n) {
        spin_unlock(&d->page_alloc_lock);
        return false;
    }
    for (unsigned long i = 0; i < n; i++) {
        page_set_owner(&pg[i], d);
        pg[i].count_info = PGC_allocated | 1;
        page_list_add_tail(&pg[i], &d->page_list);
    }
    d->tot_pages += n;
    spin_unlock(&d->page_alloc_lock);
    return true;
}

/* Take frames [pg, pg + 2^order) off their owner's page_list (or relmem_list). */
static void unassign_pages(struct domain *d, struct page_info *pg, unsigned int order)
{
    unsigned long n = 1UL << order;

    spin_lock(&d->page_alloc_lock);
    for (unsigned long i = 0; i < n; i++) {
        BUG_ON(page_get_owner(&pg[i]) != d);
        page_list_del2(&pg[i], &d->page_list, &d->relmem_list);
        page_set_owner(&pg[i], NULL);
    }
    BUG_ON(d->tot_pages < n);
    d->tot_pages -= n;
    bool last = d->tot_pages == 0;
    spin_unlock(&d->page_alloc_lock);
    if (last)
        domain_last_page_freed(d);      /* a destroyed domain may now go */
}

struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order, unsigned int memflags)
{
    struct page_info *pg;

    if (d && !(memflags & MEMF_no_owner) && d->tot_pages + (1UL << order) > d->max_pages)
        return NULL;                    /* early refusal; assign_pages() re-checks */
    pg = alloc_heap_pages(order);
    if (!pg || !d || (memflags & MEMF_no_owner))
        return pg;
    if (assign_pages(d, pg, order))
        return pg;
    free_heap_pages(pg, order);
    return NULL;
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    struct domain *d = page_get_owner(pg);

    for (unsigned long i = 0; i < (1UL << order); i++) {
        BUG_ON((pg[i].count_info & PGC_count_mask) > 1);
        pg[i].count_info &= ~(PGC_allocated | PGC_xen_heap | PGC_count_mask);
    }
    if (d)
        unassign_pages(d, pg, order);
    free_heap_pages(pg, order);
}

int steal_page(struct domain *d, struct page_info *pg)
{
    int rc = -EINVAL;

    spin_lock(&d->page_alloc_lock);
    unsigned long x = __atomic_load_n(&pg->count_info, __ATOMIC_ACQUIRE);
    /* Only d's allocation reference and the caller's; not typed in any use. */
    if (page_get_owner(pg) == d && (x & (PGC_allocated | PGC_xen_heap | PGC_count_mask)) ==
                          (PGC_allocated | 2) &&
        !(__atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE) & PGT_count_mask) &&
        __atomic_compare_exchange_n(&pg->count_info, &x, (x & ~PGC_allocated) - 1, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        page_list_del2(pg, &d->page_list, &d->relmem_list);
        page_set_owner(pg, NULL);
        d->tot_pages--;
        rc = 0;
    }
    spin_unlock(&d->page_alloc_lock);
    return rc;
}

void unsteal_page(struct domain *d, struct page_info *pg)
{
    spin_lock(&d->page_alloc_lock);
    page_set_owner(pg, d);
    __atomic_fetch_or(&pg->count_info, PGC_allocated, __ATOMIC_RELEASE);
    __atomic_fetch_add(&pg->count_info, 1, __ATOMIC_RELEASE);
    page_list_add_tail(pg, &d->page_list);
    d->tot_pages++;
    spin_unlock(&d->page_alloc_lock);
}

bool assign_domheap_pages(struct domain *d, struct page_info *pg, unsigned int order)
{
    return assign_pages(d, pg, order);
}
