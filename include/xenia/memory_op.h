/*
 * HYPERVISOR_memory_op (<xen/memory.h>): the pieces shared between the
 * common handler (common/memory.c) and its x86 half
 * (arch/x86/mm/memory_op_x86.c).
 *
 * The hypercall's cmd carries two things, as in Xen: the subop in its low
 * MEMOP_EXTENT_SHIFT bits and, for the extent-list subops, the extent to
 * start from (a continuation) in the bits above.
 */
#ifndef XENIA_MEMORY_OP_H
#define XENIA_MEMORY_OP_H

#include <xenia/types.h>
#include <xen/xen.h>

struct domain;

/* Xen's encoding of a memory_op continuation in cmd (xen/hypercall.h). */
#define MEMOP_EXTENT_SHIFT  6
#define MEMOP_CMD_MASK      ((1UL << MEMOP_EXTENT_SHIFT) - 1)

/* Xen's cap on a domain-supplied e820 (XENMEM_set_memory_map). */
#define E820_MAX_GUEST      1024

/*
 * memop_domain_lookup(): the domain a memory_op names, with Xen's
 * rcu_lock_domain_by_any_id() + XSM_TARGET rules: DOMID_SELF or the
 * caller's own id is always allowed, another existing domain only for a
 * privileged caller. Returns 0 with *out held (rcu_unlock_domain() it),
 * -ESRCH (no such live domain, DOMID_XEN/IO...) or -EPERM.
 */
int memop_domain_lookup(domid_t domid, struct domain **out);

/*
 * guest_remove_page(): drop d's allocation reference on its frame mfn
 * (XENMEM_decrease_reservation's step; the HVM physmap frees the RAM a
 * GFN held with it). No lock held by the caller but possibly the p2m
 * lock; takes page_alloc_lock when the frame is freed. 0, -EINVAL (not a
 * frame, or a hypervisor-shared frame), -ENXIO (not d's).
 */
int guest_remove_page(struct domain *d, unsigned long mfn);

/* memop_max_order(): the largest extent order d may ask for (Xen's max_order()). */
unsigned int memop_max_order(const struct domain *d);

/*
 * memory_exchange(): XENMEM_exchange (common/memory_exchange.c): trade a
 * domain's frames for fresh ones, e.g. machine-contiguous below an
 * address limit for DMA (swiotlb-xen). arg: struct xen_memory_exchange.
 * Returns 0 (exch.nr_exchanged = all), -ERESTART (preempted between
 * chunks: nr_exchanged written back, the call is re-issued), -EFAULT,
 * -EINVAL (bad sizes/domids, an input frame not the domain's or still in
 * use), -EPERM (orders above the caller's limit, or another domain's
 * frames for an unprivileged caller), -ESRCH, -ENOMEM; on errors
 * nr_exchanged tells how many input extents were traded.
 */
long memory_exchange(unsigned long arg);

/*
 * arch_memory_op(): the x86 subops Xen handles in arch_memory_op() and
 * subarch_memory_op(): XENMEM_set_memory_map, memory_map,
 * machine_memory_map, machphys_mapping, machphys_mfn_list,
 * machphys_compat_mfn_list, set/get_pod_target, get_sharing_*_pages.
 * cmd is the whole hypercall cmd (continuation bits included, which Xen
 * does not strip for these: a non-zero start extent is an unknown cmd).
 * arg is the guest pointer. Returns as Xen 4.17 does for a 64-bit PV
 * caller; unknown cmds -ENOSYS.
 */
long arch_memory_op(unsigned long cmd, unsigned long arg);

/*
 * memory_map_set(): d's pseudo-physical map, as XENMEM_set_memory_map
 * would store it (the PVH dom0 builder gives dom0 its own). nr entries
 * are copied (1..E820_MAX_GUEST). 0, or -ENOMEM.
 */
struct e820entry;
int memory_map_set(struct domain *d, const struct e820entry *map, unsigned int nr);

/*
 * memory_op_domain_destroy(): forget what XENMEM_set_memory_map stored
 * for d (frees it). To be called once from domain destruction.
 */
void memory_op_domain_destroy(struct domain *d);

#endif
