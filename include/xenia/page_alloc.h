/*
 * Heap set-up and internals of common/page_alloc.c that are not part of
 * the general heap API in <xenia/mm.h>.
 */
#ifndef XENIA_PAGE_ALLOC_H
#define XENIA_PAGE_ALLOC_H

#include <xenia/types.h>

/* Largest block the buddy allocator keeps: 2^MAX_ORDER frames (4 GiB). */
#define MAX_ORDER 20

/*
 * init_heap_pages(): give nr_frames frames starting at mfn to the heap.
 * The frames must have page_info entries (mfn + nr_frames <= max_page) and
 * must not be in use; their PGC_reserved flag is cleared. Takes heap_lock.
 * Boot-time use: mm_init() calls it for every RAM range left over.
 */
void init_heap_pages(mfn_t mfn, unsigned long nr_frames);

/* get_order_from_bytes(): smallest order with (PAGE_SIZE << order) >= size. */
unsigned int get_order_from_bytes(size_t size);

#ifdef XENIA_HOST_TEST
/*
 * Host tests have no direct map: they supply these two to translate
 * between an MFN of their fake frame table and the memory behind it.
 */
void *host_mfn_to_virt(unsigned long mfn);
unsigned long host_virt_to_mfn(const void *va);
#endif

#endif
