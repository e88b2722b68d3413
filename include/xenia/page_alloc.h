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

/*
 * scrub_free_pages(): zero up to max_frames free frames marked
 * PGC_need_scrub, all from one free block (the back of the highest-order
 * free list that has marked frames), looking at no more than 512 frames.
 * Returns how many it zeroed; 0 can also mean it only skipped clean frames,
 * so loop on total_dirty_pages(), not on the return. Takes heap_lock with
 * interrupts off for the whole call: keep max_frames small (the idle loop
 * passes 8, 32 KiB). Called by idle CPUs (Xen 4.17's idle scrubbing).
 */
unsigned long scrub_free_pages(unsigned long max_frames);

/* total_dirty_pages(): free frames still marked PGC_need_scrub (a snapshot). */
unsigned long total_dirty_pages(void);

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
