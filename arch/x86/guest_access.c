/*
 * Checked guest-memory access (see include/xenia/guest_access.h): PV guests
 * through their own page tables (loaded), HVM guests through their page
 * tables and P2M (arch/x86/hvm/guest_copy.c).
 */
#include <xenia/lib.h>
#include <xenia/guest_access.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>

size_t copy_bytes_fixup(void *dst, const void *src, size_t n);
size_t clear_bytes_fixup(void *dst, size_t n);

/* The end of the canonical lower half (48-bit addresses): the non-canonical hole follows. */
#define CANONICAL_LOW_END   (1UL << 47)

bool guest_range_ok(unsigned long va, size_t bytes)
{
    unsigned long end = va + bytes;

    if (end < va)
        return false;                           /* wraps */
    if (va < CANONICAL_LOW_END)
        return end <= CANONICAL_LOW_END;        /* lower half, may end at the hole */
    return va >= HYPERVISOR_VIRT_END;           /* upper half, above the hypervisor's slots */
}

static bool current_is_hvm(void)
{
    const struct vcpu *v = current;

    return v && is_hvm_vcpu(v);
}

size_t raw_copy_from_guest(void *dst, const void *guest_src, size_t bytes)
{
    if (current_is_hvm())
        return hvm_copy_from_guest_linear(dst, guest_src, bytes);
    if (!guest_range_ok((unsigned long)guest_src, bytes))
        return bytes;
    return copy_bytes_fixup(dst, guest_src, bytes);
}

size_t raw_copy_to_guest(void *guest_dst, const void *src, size_t bytes)
{
    if (current_is_hvm())
        return hvm_copy_to_guest_linear(guest_dst, src, bytes);
    if (!guest_range_ok((unsigned long)guest_dst, bytes))
        return bytes;
    return copy_bytes_fixup(guest_dst, src, bytes);
}

size_t raw_clear_guest(void *guest_dst, size_t bytes)
{
    if (current_is_hvm())
        return hvm_clear_guest_linear(guest_dst, bytes);
    if (!guest_range_ok((unsigned long)guest_dst, bytes))
        return bytes;
    return clear_bytes_fixup(guest_dst, bytes);
}
