/*
 * What common/grant_table.c (the ops of both versions) and
 * common/grant_table_v2.c (version switching, status frames, transitive
 * grants) share. Not for other files: the public side is
 * <xenia/grant_table.h>.
 */
#ifndef XENIA_GRANT_TABLE_INTERNAL_H
#define XENIA_GRANT_TABLE_INTERNAL_H

#include <xenia/grant_table.h>
#include <xenia/hypercall.h>

#ifdef XENIA_HOST_TEST
unsigned long host_virt_to_mfn(const void *va);
#define gt_virt_to_mfn(va) host_virt_to_mfn(va)
#else
#define gt_virt_to_mfn(va) virt_to_mfn(va)
#endif

/* gt_pin_entry() result (positive, never a GNTST_*): the table changed under a
 * transitive pin; the op is to be issued again (Xen's ERESTART there). */
#define GNTST_RETRY 1

/* Do copies follow transitive grants? (Xen's "gnttab=transitive", default yes) */
extern bool opt_transitive_grants;

/* Xen's "gnttab=" option (see common/grant_table_v2.c). 0 or -EINVAL. */
int gnttab_parse_opt(const char *s);

/* Entries in gt under its current version. Caller holds gt->lock. */
static inline unsigned int gt_nr_entries(const struct grant_table *gt)
{
    return gt->nr_grant_frames * (gt->gt_version == 1 ? GNTTAB_V1_PER_FRAME : GNTTAB_V2_PER_FRAME);
}

/* Flags and domid of entry ref (either version: both begin with them). ref < gt_nr_entries(). */
static inline grant_entry_header_t *gt_header(struct grant_table *gt, grant_ref_t ref)
{
    if (gt->gt_version == 1)
        return (grant_entry_header_t *)&gt->shared[ref / GNTTAB_V1_PER_FRAME][ref % GNTTAB_V1_PER_FRAME];
    return &gt->shared_v2[ref / GNTTAB_V2_PER_FRAME][ref % GNTTAB_V2_PER_FRAME].hdr;
}

static inline grant_entry_v2_t *gt_entry_v2(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->shared_v2[ref / GNTTAB_V2_PER_FRAME][ref % GNTTAB_V2_PER_FRAME];
}

/* Where entry ref's GTF_reading/GTF_writing live: its flags (v1) or its status word (v2). */
static inline uint16_t *gt_status(struct grant_table *gt, grant_ref_t ref)
{
    if (gt->gt_version == 1)
        return &gt_header(gt, ref)->flags;
    return &gt->status[ref / GNTTAB_STATUS_PER_FRAME][ref % GNTTAB_STATUS_PER_FRAME];
}

static inline struct active_grant_entry *gt_active(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active[ref / GNTTAB_V1_PER_FRAME][ref % GNTTAB_V1_PER_FRAME];
}

/* What a pin gives: the frame, the bytes of it granted, and the domain owning it. */
struct gnt_pin {
    unsigned long mfn;
    uint16_t start, length;
    struct domain *owner;
};

/*
 * gt_pin_entry(): pin rd's entry ref for ldomid by pin_incr (Xen's
 * map_grant_ref() first half, acquire_grant_for_copy()): status set,
 * frame checked to be rd's. mapflag: a map (sub-page and transitive
 * entries refused); transitive_ok: a copy may follow one transitive
 * grant. Takes and drops rd's gt->lock (and, for a transitive grant,
 * then the next table's). Returns GNTST_okay (*out filled), bad_gntref,
 * general_error, bad_page, bad_domain, or GNTST_RETRY.
 */
int gt_pin_entry(struct domain *rd, grant_ref_t ref, domid_t ldomid, bool readonly,
                 bool mapflag, bool transitive_ok, uint32_t pin_incr, struct gnt_pin *out);

/* Undo gt_pin_entry() (and the pin a transitive grant took). Takes the tables' locks one at a time. */
void gt_unpin_entry(struct domain *rd, grant_ref_t ref, bool readonly, uint32_t pin_incr);

/* Clear GTF_writing / GTF_reading in *status once no pin of act needs them (Xen's reduce_status_for_pin). */
void gt_reduce_status(uint16_t *status, const struct active_grant_entry *act, bool readonly);

/*
 * gt_set_status_v2(): Xen's _set_status_v2(): for a first pin check the
 * entry's type (permit_access, or transitive for a copy) and domid, a
 * write pin its GTF_readonly; set GTF_reading (+ GTF_writing) in *status
 * and check the entry again after. Caller holds the table's lock.
 * Returns GNTST_okay or GNTST_general_error (status as before).
 */
int gt_set_status_v2(grant_entry_header_t *hdr, uint16_t *status, const struct active_grant_entry *act,
                     bool readonly, bool mapflag, domid_t ldomid);

/*
 * gt_pin_transitive(): the rest of gt_pin_entry() for a copy through a
 * version-2 transitive entry (Xen's acquire_grant_for_copy()). Called
 * with rd's gt->lock held; returns with it dropped. Same results.
 */
int gt_pin_transitive(struct domain *rd, grant_ref_t ref, domid_t ldomid, bool readonly,
                      bool transitive_ok, uint32_t pin_incr, struct gnt_pin *out);

/* Status frames for nr shared frames (version 2). Caller holds gt->lock. 0 or -ENOMEM (unchanged). */
int gt_populate_status(struct domain *d, unsigned int nr);

/* Free every status frame (domain destruction): leaked with a message if still mapped. */
void gt_destroy_status(struct domain *d);

/* The domain dom names, for an op that needs XSM_TARGET (self, or a privileged caller). */
struct domain *gt_lock_target(domid_t dom, int16_t *status);

/* GNTTABOP_set_version, GNTTABOP_get_status_frames (common/grant_table_v2.c). */
long gnttab_set_version(hc_arg_t uop);
long gnttab_get_status_frames(hc_arg_t uop, unsigned int count);

#endif
