/*
 * Machine memory: the frame table, the page allocator, and page ownership.
 *
 * Every 4 KiB machine frame (MFN) has one struct page_info in frame_table[],
 * indexed by MFN. A frame is in exactly one of these states:
 *
 *   free          on the heap's free lists; no owner, count_info ==
 *                 PGC_free, plus PGC_need_scrub until the frame is zeroed
 *                 (a free frame without it holds only zeroes).
 *   xen heap      used by the hypervisor itself (PGC_xen_heap); never
 *                 mapped writable by a guest.
 *   domain heap   owned by one domain (page_get_owner() == d, PGC_allocated
 *                 set while the domain holds it, on d->page_list).
 *
 * Reference counts (the same two counts Xen keeps, see its mm.c essay):
 *   count_info & PGC_count_mask    general references: each mapping of the
 *                                  frame by any page table, each pin, each
 *                                  grant map, and 1 for PGC_allocated.
 *                                  The frame is freed when it drops to 0.
 *   type_info & PGT_count_mask     references to the frame *as its current
 *                                  type* (PGT_l1..l4_page_table,
 *                                  PGT_seg_desc_page, PGT_writable_page).
 *                                  The type may only change while this
 *                                  count is 0. A page-table type is only
 *                                  granted after validation of every entry
 *                                  (PGT_validated).
 *
 * Invariants the PV MMU keeps (arch/x86/mm/page_type.c):
 *   I1. A frame with a page-table or descriptor type has no writable
 *       mapping in any guest page table (writable mappings take
 *       PGT_writable_page type refs, so the two cannot coexist).
 *   I2. Guest page tables map only frames the guest owns (or was granted
 *       / is privileged to map), and never the hypervisor's slots.
 *   I3. Every present entry of a validated table holds a general ref (and
 *       for table-to-table links a type ref) on the frame it names.
 *
 * Locking: heap_lock (inside page_alloc.c) guards the free lists;
 * d->page_alloc_lock guards d->page_list and d->tot_pages. count_info and
 * type_info are updated with atomic compare-and-exchange, no lock.
 */
#ifndef XENIA_MM_H
#define XENIA_MM_H

#include <xenia/types.h>
#include <xenia/lib.h>
#include <xenia/list.h>
#include <xenia/config.h>

struct domain;

/* A frame's links on a page list: neighbours' MFNs (see <xenia/page_list.h>). */
struct page_list_entry {
    uint32_t next, prev;
};

/* 32 bytes a frame, as Xen's: 1024 pages of frame table per GiB of RAM. */
struct page_info {
    struct page_list_entry list;    /* owner's page_list, or a free list */
    unsigned long count_info;       /* PGC_* flags | general ref count */
    union {
        unsigned long type_info;    /* PGT_* type | flags | type ref count (not free) */
        struct {                    /* a free buddy head (page_alloc.c) */
            unsigned int order:5;       /* block order, <= MAX_ORDER */
            unsigned int first_dirty:27;/* first frame that may need scrubbing, or none */
        };
    };
    uint32_t owner_frame;           /* page_get_owner(): 0 when free or xen heap */
    union {
        /*
         * When its last guest use ended (<asm/flushtlb.h>): set when freed,
         * and when the type count drops to 0; read before the next use.
         */
        uint32_t tlbflush_timestamp;
        struct {                    /* a page table being (de)validated (page_type.c) */
            uint16_t nr_validated_ptes; /* entries [0, n) hold their references */
            uint8_t partial_flags;      /* PTF_* about entry n */
        };
    };
};
_Static_assert(sizeof(struct page_info) == 32, "struct page_info is Xen's 32 bytes");

/* count_info */
#define PGC_allocated       (1UL << 63)   /* held by owner: 1 general ref */
#define PGC_xen_heap        (1UL << 62)
#define PGC_free            (1UL << 61)   /* on the heap's free lists */
#define PGC_reserved        (1UL << 60)   /* not RAM or never to be allocated */
#define PGC_need_scrub      (1UL << 59)   /* free, but still holds old contents */
#define PGC_count_mask      ((1UL << 48) - 1)

/* type_info */
#define PGT_type_shift      61
#define PGT_type_mask       (7UL << PGT_type_shift)
#define PGT_none            (0UL << PGT_type_shift)
#define PGT_l1_page_table   (1UL << PGT_type_shift)
#define PGT_l2_page_table   (2UL << PGT_type_shift)
#define PGT_l3_page_table   (3UL << PGT_type_shift)
#define PGT_l4_page_table   (4UL << PGT_type_shift)
#define PGT_seg_desc_page   (5UL << PGT_type_shift)
#define PGT_writable_page   (7UL << PGT_type_shift)
#define PGT_pinned          (1UL << 60)
#define PGT_validated       (1UL << 59)
#define PGT_partial         (1UL << 58)   /* (de)validation parked half-way, see page_type.c */
#define PGT_count_mask      ((1UL << 48) - 1)

extern struct page_info *frame_table;
extern unsigned long max_page;          /* frames: 1 + highest RAM MFN */

static inline struct page_info *mfn_to_page(mfn_t mfn) { return frame_table + mfn_x(mfn); }
static inline mfn_t page_to_mfn(const struct page_info *pg) { return _mfn((unsigned long)(pg - frame_table)); }
static inline bool mfn_valid(mfn_t mfn) { return mfn_x(mfn) < max_page; }

#include <xenia/page_list.h>

/*
 * A frame's owner is kept in 32 bits, as Xen keeps it: the frame of the
 * owning struct domain, which domain_create() takes page-aligned from the
 * xen heap (so in the direct map). Host tests keep a table instead.
 */
#ifdef XENIA_HOST_TEST
uint32_t host_owner_encode(const struct domain *d);
struct domain *host_owner_decode(uint32_t frame);
#define owner_encode(d)     host_owner_encode(d)
#define owner_decode(f)     host_owner_decode(f)
#else
#include <asm/page.h>
static inline uint32_t owner_encode(const struct domain *d)
{
    unsigned long va = (unsigned long)d;

    ASSERT(!(va & (PAGE_SIZE - 1)) && va >= DIRECTMAP_VIRT_START &&
           va < DIRECTMAP_VIRT_START + DIRECTMAP_SIZE);
    return (uint32_t)virt_to_mfn(d);
}
static inline struct domain *owner_decode(uint32_t frame) { return mfn_to_virt(frame); }
#endif

/* page_get_owner(): the domain that owns pg, or NULL (free, xen heap, unowned). */
static inline struct domain *page_get_owner(const struct page_info *pg)
{
    uint32_t frame = ACCESS_ONCE(pg->owner_frame);

    return frame ? owner_decode(frame) : NULL;
}

/* page_set_owner(): record d (or NULL) as pg's owner; the caller holds what guards pg. */
static inline void page_set_owner(struct page_info *pg, const struct domain *d)
{
    pg->owner_frame = d ? owner_encode(d) : 0;
}

/* ---- boot-time set-up (arch/x86/mm/, common/page_alloc.c) ---- */

/*
 * A physical range [start, end) in bytes known to the allocator. The boot
 * code gives the heap every usable RAM range minus the reserved ones (the
 * hypervisor image, multiboot modules, the first MiB).
 */
struct mem_range {
    paddr_t start, end;
};

/* ---- the heap (common/page_alloc.c) ---- */

#define MEMF_no_owner   (1u << 0)

/*
 * alloc_domheap_pages(): 2^order contiguous frames, zeroed. With d != NULL
 * they are assigned to d (PGC_allocated, owner = d, on d->page_list,
 * d->tot_pages += 2^order), failing if that exceeds d->max_pages.
 * Returns the first frame's page_info, or NULL (out of memory or over
 * quota). Takes heap_lock and d->page_alloc_lock.
 */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order, unsigned int memflags);

/*
 * free_domheap_pages(): return 2^order frames to the heap. For frames owned
 * by a domain, they leave its page_list and tot_pages. The caller must
 * hold the last general reference (count_info & PGC_count_mask <= 1).
 */
void free_domheap_pages(struct page_info *pg, unsigned int order);

/*
 * steal_page(): take frame pg from d (XENMEM_exchange): only while d holds
 * its allocation reference and nothing else but the caller's reference,
 * and the frame has no type use. It leaves d's page_list and tot_pages,
 * ownerless, with the caller's reference (a put_page() frees it).
 * Returns 0 or -EINVAL. Takes d->page_alloc_lock.
 * unsteal_page(): give a stolen frame back to d (the caller's reference
 * stays).
 */
int steal_page(struct domain *d, struct page_info *pg);
void unsteal_page(struct domain *d, struct page_info *pg);

/*
 * assign_domheap_pages(): give 2^order frames allocated with MEMF_no_owner
 * to d, as alloc_domheap_pages() would; false over d's quota.
 */
bool assign_domheap_pages(struct domain *d, struct page_info *pg, unsigned int order);

/* alloc_xenheap_pages(): 2^order zeroed frames for the hypervisor; direct-map address or NULL. */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);
static inline void *alloc_xenheap_page(void) { return alloc_xenheap_pages(0); }
static inline void free_xenheap_page(void *va) { free_xenheap_pages(va, 0); }

/* xzalloc_bytes(): zeroed hypervisor memory of at least size bytes (rounded to pages). */
void *xzalloc_bytes(size_t size);
void xfree_bytes(void *va, size_t size);

/* total_free_pages(): frames currently free in the heap. */
unsigned long total_free_pages(void);

/* ---- general references (arch/x86/mm/page_ref.c) ---- */

/*
 * get_page(): take a general reference on pg if it is allocated to d (or
 * d == NULL: any owner). Returns false if the frame is free, owned by
 * someone else, or the count would overflow.
 */
bool get_page(struct page_info *pg, const struct domain *d);
/* put_page(): drop a general reference; frees the frame when it reaches 0. */
void put_page(struct page_info *pg);

/*
 * get_page_type()/put_page_type(): take/drop a reference on pg as type
 * (PGT_*). Taking a page-table type validates every entry first (see the
 * invariants above); dropping the last one devalidates. Both run to the
 * end however large the tree below pg: for work a guest can make long,
 * use the _preemptible variants (arch/x86/mm/page_type.c). Returns 0, or
 * -EINVAL (entry refused, frame in use as another type), -EBUSY / -EPERM
 * (an L1 entry refused).
 */
int get_page_type(struct page_info *pg, unsigned long type);
void put_page_type(struct page_info *pg);

/* get_page_and_type(): both references, or neither. Same errors plus -EINVAL for a foreign frame. */
int get_page_and_type(struct page_info *pg, struct domain *d, unsigned long type);
static inline void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}

/*
 * share_xen_page_with_guest(): let d map the xen-heap frame at va (its
 * shared_info): owner = d, PGC_allocated, not counted in d->tot_pages.
 * The frame stays the hypervisor's to free (free_xenheap_page) after the
 * domain is gone.
 */
void share_xen_page_with_guest(void *va, struct domain *d);

/* ---- the M2P (arch/x86/mm/m2p.c) ---- */

/*
 * The machine-to-phys table, indexed by MFN, holds the PFN a PV guest uses
 * for that frame (or INVALID_M2P_ENTRY). Guests read it through the
 * read-only mapping at RO_MPT_VIRT_START (MACH2PHYS_VIRT_START).
 */
#define INVALID_M2P_ENTRY   (~0UL)
extern unsigned long *machine_to_phys_mapping;
static inline void set_gpfn_from_mfn(unsigned long mfn, unsigned long pfn)
{
    machine_to_phys_mapping[mfn] = pfn;
}
static inline unsigned long get_gpfn_from_mfn(unsigned long mfn)
{
    return machine_to_phys_mapping[mfn];
}

#endif
