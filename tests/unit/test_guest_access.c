/* SOURCES: arch/x86/guest_access.c */
/*
 * guest_range_ok(): the ranges a hypercall may copy to or from: the
 * canonical lower half and the upper half above the hypervisor's L4 slots,
 * nothing in or across the non-canonical hole or the hypervisor's range,
 * nothing that wraps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/guest_access.h>
#include "host_stubs.h"

/* HVM copies (arch/x86/hvm/guest_copy.c): never reached, no vCPU is HVM here. */
size_t hvm_copy_to_guest_linear(void *va, const void *src, size_t bytes);
size_t hvm_copy_from_guest_linear(void *dst, const void *va, size_t bytes);
size_t hvm_clear_guest_linear(void *va, size_t bytes);
size_t hvm_copy_to_guest_linear(void *va, const void *src, size_t bytes) { fail(); return bytes; }
size_t hvm_copy_from_guest_linear(void *dst, const void *va, size_t bytes) { fail(); return bytes; }
size_t hvm_clear_guest_linear(void *va, size_t bytes) { fail(); return bytes; }
struct vcpu *host_test_current;           /* no vCPU: PV access rules only */

/* The fixup-protected copies are assembly (usercopy.S): not reached here. */
size_t copy_bytes_fixup(void *dst, const void *src, size_t n) { fail(); return n; }
size_t clear_bytes_fixup(void *dst, size_t n) { fail(); return n; }

#define LOW_END     0x0000800000000000UL    /* first non-canonical address */
#define HV_START    0xffff800000000000UL    /* HYPERVISOR_VIRT_START */
#define HV_END      0xffff880000000000UL    /* HYPERVISOR_VIRT_END */

static void lower_half(void **state)
{
    assert_true(guest_range_ok(0, 1));
    assert_true(guest_range_ok(0x400000, 4096));
    assert_true(guest_range_ok(LOW_END - 8, 8));             /* ends exactly at the hole */
    assert_true(guest_range_ok(LOW_END - 1, 0));
}

static void non_canonical_hole(void **state)
{
    assert_false(guest_range_ok(LOW_END - 8, 9));            /* one byte into the hole */
    assert_false(guest_range_ok(LOW_END, 1));
    assert_false(guest_range_ok(0x0000900000000000UL, 8));
    assert_false(guest_range_ok(0x7fffffff0000UL, 1UL << 40)); /* across the hole */
    assert_false(guest_range_ok(HV_START - 8, 8));           /* last non-canonical bytes */
}

static void hypervisor_slots(void **state)
{
    assert_false(guest_range_ok(HV_START, 8));
    assert_false(guest_range_ok(0xffff82d080000000UL, 8));   /* the hypervisor's image */
    assert_false(guest_range_ok(HV_END - 8, 16));            /* ends above, starts inside */
    assert_true(guest_range_ok(HV_END, 8));                  /* guest kernel space */
    assert_true(guest_range_ok(0xffffffff80000000UL, 4096));
}

static void wrapping(void **state)
{
    assert_false(guest_range_ok(0xfffffffffffff000UL, 0x2000));
    assert_false(guest_range_ok(0xffffffffffffffffUL, 2));
    assert_false(guest_range_ok(1, ~0UL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lower_half),
        cmocka_unit_test(non_canonical_hole),
        cmocka_unit_test(hypervisor_slots),
        cmocka_unit_test(wrapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
