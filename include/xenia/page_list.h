/*
 * Lists of frames linked through their struct page_info by 32-bit MFN, as
 * Xen's page_list: 8 bytes a frame where a list_head would take 16, which
 * is what keeps struct page_info at Xen's 32 bytes.
 *
 * A head holds pointers to its first and last frame (NULL when empty); an
 * entry holds the MFNs of its neighbours, PAGE_LIST_NULL at either end. A
 * frame is on at most one list, and removal names the list. Callers hold
 * whatever lock guards the list (heap_lock, d->page_alloc_lock, ...).
 * Included by <xenia/mm.h> after struct page_info.
 */
#ifndef XENIA_PAGE_LIST_H
#define XENIA_PAGE_LIST_H

#define PAGE_LIST_NULL 0xffffffffu

struct page_list_head {
    struct page_info *head, *tail;
};

#define PAGE_LIST_HEAD_INIT(name) { NULL, NULL }
#define PAGE_LIST_HEAD(name) struct page_list_head name = PAGE_LIST_HEAD_INIT(name)

static inline void INIT_PAGE_LIST_HEAD(struct page_list_head *h) { h->head = h->tail = NULL; }
static inline bool page_list_empty(const struct page_list_head *h) { return !h->head; }
static inline struct page_info *page_list_first(const struct page_list_head *h) { return h->head; }
static inline struct page_info *page_list_last(const struct page_list_head *h) { return h->tail; }

static inline struct page_info *page_list_link(uint32_t mfn)
{
    return mfn == PAGE_LIST_NULL ? NULL : frame_table + mfn;
}
static inline uint32_t page_list_mfn(const struct page_info *pg)
{
    return pg ? (uint32_t)(pg - frame_table) : PAGE_LIST_NULL;
}

/* The frame after pg on its list, or NULL at the end. */
static inline struct page_info *page_list_next(const struct page_info *pg)
{
    return page_list_link(pg->list.next);
}

/* Put pg first on h. */
static inline void page_list_add(struct page_info *pg, struct page_list_head *h)
{
    pg->list.prev = PAGE_LIST_NULL;
    pg->list.next = page_list_mfn(h->head);
    if (h->head)
        h->head->list.prev = page_list_mfn(pg);
    else
        h->tail = pg;
    h->head = pg;
}

/* Put pg last on h. */
static inline void page_list_add_tail(struct page_info *pg, struct page_list_head *h)
{
    pg->list.next = PAGE_LIST_NULL;
    pg->list.prev = page_list_mfn(h->tail);
    if (h->tail)
        h->tail->list.next = page_list_mfn(pg);
    else
        h->head = pg;
    h->tail = pg;
}

/* Take pg off h, the list it is on. */
static inline void page_list_del(struct page_info *pg, struct page_list_head *h)
{
    struct page_info *next = page_list_link(pg->list.next);
    struct page_info *prev = page_list_link(pg->list.prev);

    if (prev)
        prev->list.next = pg->list.next;
    else
        h->head = next;
    if (next)
        next->list.prev = pg->list.prev;
    else
        h->tail = prev;
    pg->list.next = pg->list.prev = PAGE_LIST_NULL;
}

/*
 * Take pg off whichever of h1 and h2 it is on: a domain's frame may be on
 * its page_list or, while the domain is destroyed, on its relmem_list.
 * Only a frame at an end of a list has a NULL link, and then it is that
 * list's head or tail pointer that names it.
 */
static inline void page_list_del2(struct page_info *pg, struct page_list_head *h1,
                                  struct page_list_head *h2)
{
    struct page_list_head *h = h1;

    if ((pg->list.prev == PAGE_LIST_NULL && h2->head == pg) ||
        (pg->list.next == PAGE_LIST_NULL && h2->tail == pg))
        h = h2;
    page_list_del(pg, h);
}

/* Take the first frame off h and return it, or NULL if h is empty. */
static inline struct page_info *page_list_remove_head(struct page_list_head *h)
{
    struct page_info *pg = h->head;

    if (pg)
        page_list_del(pg, h);
    return pg;
}

#define page_list_for_each(pos, h) \
    for (pos = (h)->head; pos; pos = page_list_next(pos))

#endif
