/*
 * Grant tables, versions 1 and 2, for PV domains (Xen 4.17's
 * HYPERVISOR_grant_table_op, <xen/grant_table.h>).
 *
 * Each domain has one struct grant_table (d->grant_table):
 *   - shared frames: xen-heap frames shared with the domain, where it
 *     writes its grant entries: grant_entry_v1_t (8 bytes, 512 a frame)
 *     under version 1, grant_entry_v2_t (16 bytes, 256 a frame) under
 *     version 2; 1 at creation (Xen's INITIAL_NR_GRANT_FRAMES), grown by
 *     GNTTABOP_setup_table up to max_grant_frames (Xen's default
 *     gnttab_max_frames: 64, dom0 too);
 *   - status frames (version 2 only): xen-heap frames shared with the
 *     domain holding one grant_status_t (GTF_reading/GTF_writing) per
 *     entry, 2048 a frame, as many as the shared frames need
 *     (grant_to_status_frames()); allocated when the domain switches to
 *     version 2 or grows its table under it, freed when it switches back
 *     to 1 or is destroyed;
 *   - active entries, one per grant reference (512 a shared frame, enough
 *     for either version): how often (and by whom, one domain at a time,
 *     as Xen) the entry is mapped/pinned for copy, which bytes of the frame
 *     it grants (sub-page grants) and, for a transitive grant, which
 *     domain's entry it leads to;
 *   - maptrack: the mappings this domain made of other domains' grants,
 *     indexed by the handle GNTTABOP_map_grant_ref returns.
 *
 * Reference ownership (as Xen for PV):
 *   - a host mapping's references (general, + PGT_writable_page type for a
 *     writable one) belong to the L1 entry it installed; they go when that
 *     entry goes (GNTTABOP_unmap_grant_ref, or page-table teardown);
 *   - a device mapping's references belong to its maptrack entry;
 *   - shared and status frames hold one general reference for
 *     PGC_allocated (as shared_info); each guest mapping of one adds its
 *     own. A frame mapped by the guest is never freed: switching back to
 *     version 1 is refused (-EBUSY) while a status frame is mapped.
 *
 * Locking: gt->lock guards the active entries, the version and the size
 * (shared and status frames) of one table; gt->maptrack_lock guards that
 * table's maptrack. Only a copy through a transitive grant holds two
 * grant-table locks' worth of state, and it never holds them at once: it
 * drops the first before taking the second (as Xen). Order: d->lock >
 * gt->lock > gt->maptrack_lock > (PV page-table locks) > d->page_alloc_lock.
 */
#ifndef XENIA_GRANT_TABLE_H
#define XENIA_GRANT_TABLE_H

#include <xenia/types.h>
#include <xenia/config.h>
#include <xenia/spinlock.h>
#include <xen/grant_table.h>

struct domain;

#define GNTTAB_INITIAL_FRAMES     1u        /* Xen: INITIAL_NR_GRANT_FRAMES (x86) */
#define GNTTAB_MAX_FRAMES         64u       /* Xen: opt_max_grant_frames default */
#define GNTTAB_MAX_MAPTRACK_FRAMES 1024u    /* Xen: opt_max_maptrack_frames default */
#define GNTTAB_V1_PER_FRAME       (PAGE_SIZE / sizeof(grant_entry_v1_t))   /* 512 */
#define GNTTAB_V2_PER_FRAME       (PAGE_SIZE / sizeof(grant_entry_v2_t))   /* 256 */
#define GNTTAB_STATUS_PER_FRAME   (PAGE_SIZE / sizeof(grant_status_t))     /* 2048 */
/* Status frames a table of nr shared frames needs under version 2 (Xen's grant_to_status_frames). */
#define GNTTAB_STATUS_FRAMES(nr) \
    (((nr) * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME)
#define GNTTAB_MAX_STATUS_FRAMES  GNTTAB_STATUS_FRAMES(GNTTAB_MAX_FRAMES)  /* 8 */

/* pin counts of an active entry: four 8-bit counters (Xen's GNTPIN_*) */
#define GNTPIN_hstw_inc   (1u << 0)
#define GNTPIN_hstr_inc   (1u << 8)
#define GNTPIN_devw_inc   (1u << 16)
#define GNTPIN_devr_inc   (1u << 24)
#define GNTPIN_hstw_mask  (0xffu << 0)
#define GNTPIN_hstr_mask  (0xffu << 8)
#define GNTPIN_devw_mask  (0xffu << 16)
#define GNTPIN_devr_mask  (0xffu << 24)

/* Fields other than pin are valid while pin != 0. */
struct active_grant_entry {
    uint32_t pin;                   /* GNTPIN_* counters; 0 = not in use */
    domid_t domid;                  /* who pinned it */
    uint16_t start, length;         /* bytes of the frame granted: 0, PAGE_SIZE unless sub-page */
    bool is_sub_page;               /* sub-page or transitive: never mapped (Xen) */
    grant_ref_t trans_gref;         /* the entry this one leads to: itself unless transitive */
    struct domain *trans_domain;    /* its table's domain (an RCU reference held if not the owner) */
    unsigned long mfn;              /* frame pinned */
};

struct grant_mapping {
    grant_ref_t ref;                /* in domain domid's table */
    uint16_t flags;                 /* GNTMAP_* still held; 0 = free */
    domid_t domid;
    uint32_t next_free;             /* free-list link while flags == 0 */
    uint32_t pad;
};

#define GNTTAB_MAPTRACK_PER_FRAME (PAGE_SIZE / sizeof(struct grant_mapping))   /* 256 */

struct grant_table {
    spinlock_t lock;
    struct domain *domain;
    unsigned int gt_version;                    /* 1 or 2 */
    unsigned int max_version;                   /* highest set_version accepts */
    unsigned int nr_grant_frames, max_grant_frames;
    unsigned int nr_status_frames;              /* 0 under version 1 */
    union {                                     /* xen heap, shared with domain */
        grant_entry_v1_t *shared[GNTTAB_MAX_FRAMES];
        grant_entry_v2_t *shared_v2[GNTTAB_MAX_FRAMES];
        void *shared_raw[GNTTAB_MAX_FRAMES];
    };
    grant_status_t *status[GNTTAB_MAX_STATUS_FRAMES];   /* xen heap, shared with domain */
    struct active_grant_entry *active[GNTTAB_MAX_FRAMES];

    spinlock_t maptrack_lock;
    unsigned int maptrack_frames;               /* allocated */
    unsigned int max_maptrack_frames;
    uint32_t maptrack_free;                     /* head of free list, or MAPTRACK_NONE */
    unsigned int maptrack_used;
    struct grant_mapping *maptrack[GNTTAB_MAX_MAPTRACK_FRAMES];
};

/*
 * The highest grant-table version a domain may use, from Xen's
 * "gnttab=max-ver:N" option (1 or 2; default 2 as Xen 4.17). Dom0 gets
 * this; XEN_DOMCTL_createdomain's grant_opts may ask for less, not more.
 */
extern unsigned int opt_gnttab_max_version;

/*
 * grant_table_domain_init(): give d its grant table (version 1, one shared
 * frame, max_version opt_gnttab_max_version, limits as above). Called by
 * domain_create() before the domain is visible. Returns 0 or -ENOMEM
 * (nothing left allocated).
 */
int grant_table_domain_init(struct domain *d);

/*
 * grant_table_set_max_version(): XEN_DOMCTL_createdomain's
 * XEN_DOMCTL_GRANT_version(grant_opts) for d (Xen's grant_table_init()).
 * Call before d first runs. Returns 0, or -EINVAL for version 0 or one
 * above opt_gnttab_max_version (nothing changed).
 */
int grant_table_set_max_version(struct domain *d, unsigned int version);

/*
 * grant_table_domain_destroy(): release everything d's table holds:
 * every mapping d still has of other domains' grants (device-map
 * references, pins and GTF_reading/GTF_writing in the granter's entries;
 * host mappings' references belong to d's L1 entries and go with d's page
 * tables, as in Xen for PV), then the shared and status frames (leaked
 * with a message if d still maps one) and the table. Call once d can no longer
 * run (domain destruction), after its page tables were released. Takes
 * the granters' table locks one at a time. d->grant_table is NULL after.
 */
void grant_table_domain_destroy(struct domain *d);

/*
 * gnttab_shared_frame_mfn(): XENMEM_add_to_physmap's XENMAPSPACE_grant_table
 * for a translated (HVM) domain d (Xen 4.17 gnttab_get_shared_frame_mfn()):
 * the machine frame of shared frame idx, growing the table to idx + 1
 * frames first when idx is past its end. The frame stays d's table's
 * (freed by grant_table_domain_destroy()); shared frames never shrink, so
 * the caller may map it for d's lifetime. Takes gt->lock. Returns 0 and
 * *mfn, -EINVAL (idx at or past max_grant_frames, which includes
 * XENMAPIDX_grant_table_status under version 1; or the table could not
 * grow), -ENOSYS (a status frame under version 2: not built yet).
 */
int gnttab_shared_frame_mfn(struct domain *d, unsigned long idx, unsigned long *mfn);

/*
 * gnttab_dump(): debug key 'g' for one domain (Xen 4.17's
 * gnttab_usage_print): "  N frames (M max), K maptrack frames (L max)"
 * and one line per pinned active entry, to the console and its ring.
 * Caller holds a reference on d; tries gt->lock only (safe with
 * interrupts off) and says "busy" if it is held. Returns nothing.
 */
void gnttab_dump(struct domain *d);

/* ---- the HVM P2M side (arch/x86/hvm/grant_map.c) ---- */

/*
 * gnttab_hvm_create_mapping(): GNTMAP_host_map for an HVM caller ld (the
 * current domain): frame mfn (owned by rd) at GFN addr >> 12 of ld's P2M,
 * p2m_grant_map_rw, or _ro with GNTMAP_readonly. The entry takes a general
 * reference on mfn as rd's frame, + a writable type reference unless
 * read-only. The GFN may hold nothing or ld's RAM (unhooked, still ld's).
 * Takes ld's p2m_lock. Returns GNTST_okay or GNTST_general_error (GFN past
 * the P2M, a shared frame there, frame refused, no memory for P2M tables;
 * a grant or MMIO mapping there also crashes ld, as Xen 4.17).
 */
int gnttab_hvm_create_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, struct domain *rd);

/*
 * gnttab_hvm_destroy_mapping(): undo it: the GFN addr >> 12 must still
 * hold mfn with the type the flags gave, else GNTST_general_error and
 * nothing changes; new_addr != 0 (unmap_and_replace) is GNTST_general_error
 * for HVM, as on Xen. Only the entry goes: the caller then flushes ld's
 * TLBs (flush_tlb_domain(), no lock held) and drops the references with
 * gnttab_hvm_release_mapping(). Takes ld's p2m_lock (inside the granter's
 * grant lock). Returns GNTST_okay or GNTST_general_error.
 */
int gnttab_hvm_destroy_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, uint64_t new_addr);

/*
 * gnttab_hvm_release_mapping(): drop the references an HVM host mapping
 * of mfn held: after gnttab_hvm_destroy_mapping() and the TLB flush, or
 * for a destroyed mapper (its P2M goes with it; no vCPU of it runs). No
 * lock held.
 */
void gnttab_hvm_release_mapping(unsigned long mfn, unsigned int flags);

/* ---- the PV page-table side (arch/x86/pv/grant_map.c) ---- */

/*
 * gnttab_pv_create_mapping(): install a grant host mapping of frame mfn
 * (owned by rd) for the current vCPU's domain ld: addr is a linear
 * address in ld's current kernel page tables, or with
 * GNTMAP_contains_pte the machine address of the L1 entry (8-byte
 * aligned, in a validated L1 table of ld). flags are the GNTMAP_* of the
 * map op (readonly, application_map, guest_avail bits). The new entry
 * takes its own references (general on mfn as rd's frame, + writable type
 * unless readonly); the replaced entry's references are dropped.
 * Returns GNTST_okay or GNTST_general_error (no L1 entry there, not ld's
 * L1 table, frame refused).
 */
int gnttab_pv_create_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, struct domain *rd);

/*
 * gnttab_pv_destroy_mapping(): remove the grant host mapping at addr (as
 * created above): the entry must still map mfn with the present/writable
 * bits the grant gave it, else GNTST_general_error and nothing changes.
 * new_addr != 0 (GNTTABOP_unmap_and_replace, linear addresses only): the
 * entry mapping new_addr moves to addr, and new_addr's entry is cleared.
 * The removed entry's references are dropped. No TLB flush: the caller
 * flushes ld's TLBs. Returns GNTST_okay or GNTST_general_error.
 */
int gnttab_pv_destroy_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, uint64_t new_addr);

#endif
