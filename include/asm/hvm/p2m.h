/*
 * The physical-to-machine table of an HVM domain (Xen's "p2m"): guest
 * frame numbers (GFNs) to machine frames (MFNs) plus a type, kept in the
 * format the hardware walks for nested paging. With AMD NPT that format is
 * the long-mode page table: 4 levels, 4 KiB leaves, every entry with the
 * User bit (NPT walks are user accesses). The type lives in the
 * software-available bits 9-11 of each leaf.
 *
 * The table's memory comes from the caller through struct p2m_ops, so this
 * code is pure logic (built into tests/unit/test_p2m.c as well).
 *
 * Locking: p2m_set_entry() and p2m_teardown() need the owner's p2m lock
 * (struct hvm_domain.p2m_lock); p2m_get_entry() needs none: every entry is
 * written with one 64-bit store and intermediate tables are only freed by
 * p2m_teardown(), when no vCPU of the domain runs.
 */
#ifndef ASM_HVM_P2M_H
#define ASM_HVM_P2M_H

#include <xenia/types.h>

/* Guest-physical address width the table covers (4 levels): 48 bits. */
#define P2M_GFN_BITS        36
#define P2M_MAX_GFN         ((1UL << P2M_GFN_BITS) - 1)
#define P2M_INVALID_MFN     (~0UL)

enum p2m_type {
    p2m_invalid = 0,        /* nothing: a guest access is a nested page fault */
    p2m_ram_rw = 1,         /* the domain's own RAM */
    p2m_xenheap_rw = 2,     /* a hypervisor frame shared with the guest (shared_info) */
    p2m_mmio_direct = 3,    /* machine MMIO passed through */
    p2m_grant_map_rw = 4,   /* another domain's frame, mapped by grant (hvm/grant_map.c) */
    p2m_grant_map_ro = 5,   /* the same, GNTMAP_readonly: not writable */
};

struct p2m_ops {
    /* A zeroed frame for a table: 0 and *mfn, or -ENOMEM. */
    int (*alloc_table)(void *ctx, unsigned long *mfn);
    void (*free_table)(void *ctx, unsigned long mfn);
    /* The hypervisor's address of frame mfn (the direct map). */
    void *(*map)(void *ctx, unsigned long mfn);
};

struct p2m_table {
    const struct p2m_ops *ops;
    void *ctx;
    unsigned long root_mfn;     /* the L4: nested CR3 = root_mfn << 12 */
    unsigned long nr_tables;    /* table frames, the root included */
    unsigned long max_gfn;      /* highest GFN ever set (Xen's max_mapped_pfn) */
    unsigned long nr_entries;   /* leaves in use */
};

/* p2m_init(): an empty table (one zeroed L4). 0, or -ENOMEM. */
int p2m_init(struct p2m_table *p, const struct p2m_ops *ops, void *ctx);
/*
 * p2m_set_entry(): map gfn to mfn with type t (t == p2m_invalid removes
 * the mapping; mfn is then ignored). Allocates intermediate tables as
 * needed. Returns 0, -EINVAL (gfn above P2M_MAX_GFN, mfn above 40 bits)
 * or -ENOMEM (nothing changed). Caller holds the p2m lock.
 */
int p2m_set_entry(struct p2m_table *p, unsigned long gfn, unsigned long mfn, enum p2m_type t);
/*
 * p2m_get_entry(): the MFN gfn maps to and its type in *t, or
 * P2M_INVALID_MFN with *t = p2m_invalid. No lock needed (see above).
 */
unsigned long p2m_get_entry(const struct p2m_table *p, unsigned long gfn, enum p2m_type *t);
/* p2m_teardown(): free every table, the root included; the table is empty after. */
void p2m_teardown(struct p2m_table *p);

#endif
