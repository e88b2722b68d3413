/* SOURCES: arch/x86/hvm/cpuid_topology.c */
/* The topology fields an HVM domain's CPUID takes from its toolstack policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <asm/hvm/cpuid_topology.h>

/* What xc_cpuid_apply_policy() leaves for a 2-vCPU PVH domU on an AMD host. */
static const xen_cpuid_leaf_t pol[] = {
    { .leaf = 1, .subleaf = XEN_CPUID_NO_SUBLEAF, .a = 0x663, .b = 0x00020800,
      .c = 0x80000000, .d = 0x1f8bfbff },
    { .leaf = 0xb, .subleaf = 0, .a = 1, .b = 2, .c = 0x100, .d = 7 },
    { .leaf = 0xb, .subleaf = 1, .a = 2, .b = 4, .c = 0x201, .d = 7 },
    { .leaf = 0x80000001, .subleaf = XEN_CPUID_NO_SUBLEAF, .c = 0 },
    { .leaf = 0x80000008, .subleaf = XEN_CPUID_NO_SUBLEAF, .c = 0x1001 },
};
#define N (sizeof(pol) / sizeof(pol[0]))

static void leaf1(void **s)
{
    uint32_t r[4] = { 0x663, 0x00010800, 0x80000001, 0x0789fbff };

    hvm_cpuid_topology(pol, N, 1, 0, r);
    assert_int_equal(r[1], 0x00020800);         /* count from the policy */
    assert_int_equal(r[3], 0x0789fbff | (1u << 28));    /* HTT */
    assert_int_equal(r[2], 0x80000001);         /* features stay Xenia's */
    assert_int_equal(r[0], 0x663);
}

static void leaf_b_and_extended(void **s)
{
    uint32_t r[4] = { 0, 1, 0x0000010f, 0x55 };

    hvm_cpuid_topology(pol, N, 0xb, 1, r);
    assert_int_equal(r[0], 2);
    assert_int_equal(r[1], 4);
    assert_int_equal(r[2], 0x0000020f);         /* level type only */
    assert_int_equal(r[3], 0x55);               /* x2APIC ID: the caller's */
    uint32_t e1[4] = { 0, 0, 0x3, 0 };
    hvm_cpuid_topology(pol, N, 0x80000001, 0, e1);
    assert_int_equal(e1[2], 0x1);               /* CmpLegacy cleared */
    uint32_t e8[4] = { 0x3030, 0, 0x70000, 0 };
    hvm_cpuid_topology(pol, N, 0x80000008, 0, e8);
    assert_int_equal(e8[2], 0x71001);
    assert_int_equal(e8[0], 0x3030);
}

static void no_entry(void **s)
{
    uint32_t r[4] = { 1, 2, 3, 4 };

    hvm_cpuid_topology(pol, N, 0xb, 2, r);      /* no such subleaf */
    hvm_cpuid_topology(pol, N, 7, 0, r);        /* not a topology leaf */
    hvm_cpuid_topology(NULL, 0, 1, 0, r);       /* no policy */
    assert_int_equal(r[0], 1);
    assert_int_equal(r[1], 2);
    assert_int_equal(r[2], 3);
    assert_int_equal(r[3], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leaf1),
        cmocka_unit_test(leaf_b_and_extended),
        cmocka_unit_test(no_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
