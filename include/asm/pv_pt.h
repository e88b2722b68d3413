/*
 * Internals shared by the PV MMU's files (arch/x86/mm/page_type.c,
 * arch/x86/mm/pt_validate.c, arch/x86/pv/mmu_*.c). Not for other users:
 * they call <asm/pv_mm.h> and <xenia/mm.h>.
 */
#ifndef ASM_PV_PT_H
#define ASM_PV_PT_H

#include <xenia/types.h>
#include <xenia/mm.h>
#include <asm/page.h>

struct domain;

/*
 * pt_map(): the hypervisor's pointer to a whole frame (the direct map).
 * Host tests have no direct map; they supply host_mfn_to_virt() over a
 * fake machine memory (see <xenia/page_alloc.h>).
 */
#ifdef XENIA_HOST_TEST
void *host_mfn_to_virt(unsigned long mfn);
static inline pte_t *pt_map(unsigned long mfn) { return host_mfn_to_virt(mfn); }
#else
static inline pte_t *pt_map(unsigned long mfn) { return mfn_to_virt(mfn); }
#endif

/* Flag bits of a 64-bit entry that Xen's ABI gives the guest (bits 9-11, 52-62). */
#define PTE_AVAIL_LOW       0xe00UL
#define PTE_AVAIL_HIGH      (0x7ffUL << 52)
#define PTE_FLAGS_ALL       (~PTE_ADDR_MASK)
#define _PAGE_PAT           _PAGE_PSE             /* bit 7 of an L1 entry */
#define PTE_CACHE_ATTRS     (_PAGE_PAT | _PAGE_PCD | _PAGE_PWT)
/* Xen's _PAGE_GUEST_KERNEL: bit 52, set on L1 entries the guest made without _PAGE_USER. */
#define _PAGE_GUEST_KERNEL  (1UL << 52)

/*
 * PV_GLOBAL_USER_PAGES: Xen makes guest user mappings global (and lets
 * guests set _PAGE_GLOBAL in L1 entries) so that they survive the
 * kernel/user page-table switch. That is only safe when every TLB flush
 * a guest relies on - remote flushes (flush_tlb_all/flush_tlb_domain),
 * CR3 changes, vCPU context switches between domains - also drops
 * global entries (CR4.PGE toggle). Until those do, Xenia keeps guest
 * mappings non-global: _PAGE_GLOBAL is accepted in L1 entries (as Xen)
 * but not stored.
 */
#define PV_GLOBAL_USER_PAGES 0

/* Page-table levels are PGT_l1..l4 >> PGT_type_shift: 1..4. */
static inline unsigned long pt_level_type(unsigned int level)
{
    return (unsigned long)level << PGT_type_shift;
}
static inline unsigned int pt_type_level(unsigned long type_info)
{
    unsigned long t = type_info & PGT_type_mask;
    return (t >= PGT_l1_page_table && t <= PGT_l4_page_table) ? (unsigned int)(t >> PGT_type_shift) : 0;
}

/* Slots of a guest L4 that belong to the hypervisor (Xen: !is_guest_l4_slot). */
static inline bool pt_is_hv_l4_slot(unsigned int slot)
{
    return slot >= HV_L4_FIRST_SLOT && slot <= HV_L4_LAST_SLOT;
}

/*
 * Who the frames named by new entries must belong to. Validation of a
 * table uses { owner, owner, false }; mmu_update with a foreigndom
 * changes pg_owner (privileged callers) or sets io_only (DOMID_IO).
 */
struct pt_ctx {
    struct domain *pt_dom;      /* owner of the table being written */
    struct domain *pg_owner;    /* owner of the frames it may map */
    bool io_only;               /* DOMID_IO: only I/O frames */
    bool preemptible;           /* a hypercall that can be re-issued (-ERESTART) */
};

/* page_info.partial_flags of a parked table (page_type.c T9) */
#define PTF_partial_child   (1u << 0)   /* entry nr_validated_ptes's table may be parked too */

/* pt_validate.c */
/*
 * pt_validate_table(): take the references for the present entries of
 * pg as a level table (T2-T5), from entry pg->nr_validated_ptes on,
 * storing the adjusted entries; an L4 gets the hypervisor slots once
 * complete. Returns 0, -ERESTART (preemptible only, L2-L4: work was
 * pending; nr_validated_ptes / partial_flags record where it stopped),
 * or the error of the first bad entry (L1: everything unwound; L2-L4:
 * nr_validated_ptes entries still hold references, for
 * pt_devalidate_table()). Caller: page_type.c, owning the validation.
 */
int pt_validate_table(struct page_info *pg, unsigned int level, bool preemptible);
/*
 * pt_devalidate_table(): drop the references the first
 * pg->nr_validated_ptes entries of pg hold as a level table, last entry
 * first, and abandon a parked child (PTF_partial_child) first (T6, T9).
 * Returns 0, or -ERESTART (preemptible only, L2-L4; progress recorded).
 * Caller: page_type.c, owning the devalidation.
 */
int pt_devalidate_table(struct page_info *pg, unsigned int level, bool preemptible);
int pt_mod_entry(struct page_info *table, unsigned int level, unsigned int slot,
                 pte_t nval, const struct pt_ctx *ctx, bool preserve_ad);

/* page_type.c */
/*
 * pt_get_type(): the type-reference step of get_page_type() for the
 * validation of the table above pg (nested: failures are not unwound
 * here). Returns 0, -ERESTART (preemptible: nothing taken, pg may be
 * parked), or an error (nothing taken; *parked: pg was left parked with
 * references to unwind, by pt_put_partial()).
 */
int pt_get_type(struct page_info *pg, unsigned long type, bool preemptible, bool *parked);
/*
 * pt_put_type(): put_page_type() for the devalidation of the table
 * above pg. Returns 0 or -ERESTART (preemptible: the reference is
 * consumed, the rest of pg's devalidation parked).
 */
int pt_put_type(struct page_info *pg, bool preemptible);
/*
 * pt_put_partial(): if pg is parked (T9), take it over and devalidate it
 * from where it stopped; its parked general ref goes when done. Returns
 * 0 (not parked, or done) or -ERESTART (preemptible: parked again). The
 * caller holds a general reference.
 */
int pt_put_partial(struct page_info *pg, bool preemptible);
/*
 * pt_get_current_type(): one type reference on pg as whatever type it
 * currently has, if its type count is non-zero and it is validated.
 * Returns that type (PGT_*) or PGT_none (no reference taken). The caller
 * must hold a general reference. Pair with put_page_type().
 */
unsigned long pt_get_current_type(struct page_info *pg);

/* pt_test_and_set_pinned()/pt_test_and_clear_pinned(): atomic PGT_pinned bit; return its old value. */
bool pt_test_and_set_pinned(struct page_info *pg);
bool pt_test_and_clear_pinned(struct page_info *pg);

/* mmuext.c: the vcpumask argument of *_MULTI / UVMF_MULTI; 0 or -EFAULT. */
int pv_read_vcpumask(struct domain *d, const void *guest_mask, bool *only_current);

/* mmu_update.c: resolve a foreigndom for the page owner; 0 or -ESRCH/-EPERM/-EOPNOTSUPP. */
int pv_get_pg_owner(unsigned int domid, struct pt_ctx *ctx);
void pv_put_pg_owner(struct pt_ctx *ctx);

#endif
