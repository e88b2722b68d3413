/*
 * Basic types and the frame-number glossary.
 *
 *   MFN  machine frame number: a 4 KiB frame of host physical memory.
 *   GFN  guest frame number: a frame as a guest names it in hypercalls
 *        (for PV guests GFN == MFN, as in Xen's PV ABI).
 *   PFN  pseudo-physical frame number: a PV guest's own contiguous view,
 *        translated to MFNs by the guest's P2M and back by the M2P.
 *   paddr_t  a host physical address in bytes; vaddr (unsigned long) a
 *        virtual address in bytes.
 *
 * mfn_t/gfn_t/pfn_t are distinct struct types so the compiler refuses to mix
 * them; convert with _mfn()/mfn_x() and friends.
 */
#ifndef XENIA_TYPES_H
#define XENIA_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t paddr_t;
typedef int64_t  ssize_t;

#define TYPE_SAFE(base, name)                                              \
    typedef struct { base name; } name##_t;                                \
    static inline name##_t _##name(base n) { return (name##_t){ n }; }     \
    static inline base name##_x(name##_t n) { return n.name; }

TYPE_SAFE(unsigned long, mfn)
TYPE_SAFE(unsigned long, gfn)
TYPE_SAFE(unsigned long, pfn)

#define INVALID_MFN_RAW  (~0UL)
#define INVALID_MFN      _mfn(INVALID_MFN_RAW)
static inline bool mfn_eq(mfn_t a, mfn_t b) { return mfn_x(a) == mfn_x(b); }

typedef uint16_t domid_t_;     /* <xen/xen.h> provides domid_t */

#endif
