/*
 * Checked access to guest memory (Xen's guest_access.h semantics).
 *
 * A PV guest's memory is reached through its own page tables, which are
 * loaded (CR3) whenever the hypervisor runs on behalf of that guest. Every
 * access checks that the range lies entirely in guest-accessible virtual
 * space (below HYPERVISOR_VIRT_START or at/above HYPERVISOR_VIRT_END) and
 * is done with an exception fixup, so an unmapped or protected address
 * makes the copy fail instead of faulting the hypervisor.
 *
 * All copy helpers return the number of bytes NOT copied (0 on success);
 * hypercalls turn a non-zero result into -EFAULT.
 */
#ifndef XENIA_GUEST_ACCESS_H
#define XENIA_GUEST_ACCESS_H

#include <xenia/types.h>
#include <xen/xen.h>

/*
 * guest_range_ok(): [va, va+bytes) is guest space: within the canonical
 * lower half, or the upper half above the hypervisor's slots (256-271);
 * never the non-canonical hole, never wrapping.
 */
bool guest_range_ok(unsigned long va, size_t bytes);

/* raw_copy_from_guest()/raw_copy_to_guest(): bytes NOT copied; see above. */
size_t raw_copy_from_guest(void *dst, const void *guest_src, size_t bytes);
size_t raw_copy_to_guest(void *guest_dst, const void *src, size_t bytes);
/* raw_clear_guest(): zero bytes of guest memory; bytes NOT cleared. */
size_t raw_clear_guest(void *guest_dst, size_t bytes);

/* Typed forms on XEN_GUEST_HANDLE()s, counting elements of the handle's type. */
#define guest_handle_is_null(hnd)       ((hnd).p == NULL)
#define guest_handle_add_offset(hnd, nr) ((hnd).p += (nr))
#define guest_handle_cast(hnd, type)    ({ XEN_GUEST_HANDLE_PARAM(type) _h; _h.p = (type *)(hnd).p; _h; })
#define copy_from_guest_offset(ptr, hnd, off, nr) \
    raw_copy_from_guest(ptr, (hnd).p + (off), sizeof(*(hnd).p) * (nr))
#define copy_to_guest_offset(hnd, off, ptr, nr) \
    raw_copy_to_guest((hnd).p + (off), ptr, sizeof(*(hnd).p) * (nr))
#define copy_from_guest(ptr, hnd, nr)   copy_from_guest_offset(ptr, hnd, 0, nr)
#define copy_to_guest(hnd, ptr, nr)     copy_to_guest_offset(hnd, 0, ptr, nr)
/* copy_field_to_guest(): one member of a struct the guest passed. */
#define copy_field_to_guest(hnd, ptr, field) \
    raw_copy_to_guest(&(hnd).p->field, &(ptr)->field, sizeof((ptr)->field))
#define copy_field_from_guest(ptr, hnd, field) \
    raw_copy_from_guest(&(ptr)->field, &(hnd).p->field, sizeof((ptr)->field))

#endif
