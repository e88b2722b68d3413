/* SOURCES: arch/x86/hvm/params.c */
/*
 * HVM params (arch/x86/hvm/params.c): Xen 4.17's rules for
 * HVMOP_set_param/get_param. Defaults (a triple fault reboots), deprecated
 * params refused for everyone, what a guest may set and read of itself,
 * set-once params, each checked value, the VM86 TSS forms, and that a
 * refused set leaves every param as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <xen/sched.h>
#include <asm/hvm/params.h>
#include "host_stubs.h"

static uint64_t params[HVM_NR_PARAMS];

static int setup(void **state)
{
    hvm_params_init(params);
    return 0;
}

/* set as the toolstack (not self) or the guest (self); no crash expected. */
static int set(uint32_t index, uint64_t value, bool self)
{
    bool crash = true;
    int rc = hvm_param_set(params, index, value, self, &crash);

    assert_false(crash);
    return rc;
}

static uint64_t get(uint32_t index)
{
    uint64_t v = 0xdead;

    assert_int_equal(hvm_param_get(params, index, false, &v), 0);
    return v;
}

static void defaults(void **state)
{
    assert_int_equal(get(HVM_PARAM_TRIPLE_FAULT_REASON), SHUTDOWN_reboot);
    for (uint32_t i = 0; i < HVM_NR_PARAMS; i++) {
        uint64_t v;
        if (i != HVM_PARAM_TRIPLE_FAULT_REASON && hvm_param_get(params, i, false, &v) == 0)
            assert_int_equal(v, 0);
    }
}

static void deprecated_refused_for_all(void **state)
{
    static const uint32_t dep[] = {
        HVM_PARAM_PAE_ENABLED, HVM_PARAM_DM_DOMAIN, HVM_PARAM_MEMORY_EVENT_CR0,
        HVM_PARAM_MEMORY_EVENT_CR3, HVM_PARAM_MEMORY_EVENT_CR4, HVM_PARAM_MEMORY_EVENT_INT3,
        HVM_PARAM_NESTEDHVM, HVM_PARAM_MEMORY_EVENT_SINGLE_STEP, HVM_PARAM_BUFIOREQ_EVTCHN,
        HVM_PARAM_MEMORY_EVENT_MSR,
    };
    uint64_t v;

    for (size_t i = 0; i < sizeof(dep) / sizeof(dep[0]); i++) {
        assert_int_equal(set(dep[i], 1, false), -EINVAL);
        assert_int_equal(set(dep[i], 1, true), -EINVAL);
        assert_int_equal(hvm_param_get(params, dep[i], false, &v), -EINVAL);
        assert_int_equal(hvm_param_get(params, dep[i], true, &v), -EINVAL);
    }
}

static void guest_set_list(void **state)
{
    assert_int_equal(set(HVM_PARAM_CALLBACK_IRQ, 0x0200000000000000ULL | 0xf3, true), 0);
    assert_int_equal(set(HVM_PARAM_STORE_EVTCHN, 5, true), 0);
    assert_int_equal(set(HVM_PARAM_CONSOLE_EVTCHN, 6, true), 0);
    assert_int_equal(set(HVM_PARAM_X87_FIP_WIDTH, 8, true), 0);
    assert_int_equal(set(HVM_PARAM_VM_GENERATION_ID_ADDR, 0x1000, true), 0);
    /* Everything else is the toolstack's. */
    assert_int_equal(set(HVM_PARAM_STORE_PFN, 0xfeffc, true), -EPERM);
    assert_int_equal(set(HVM_PARAM_CONSOLE_PFN, 0xfeffb, true), -EPERM);
    assert_int_equal(set(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_crash, true), -EPERM);
    assert_int_equal(set(HVM_PARAM_IDENT_PT, 0x1000, true), -EPERM);
    assert_int_equal(set(HVM_PARAM_TIMER_MODE, 1, true), -EPERM);
    assert_int_equal(set(HVM_PARAM_ACPI_S_STATE, 0, true), -EPERM);
    assert_int_equal(get(HVM_PARAM_STORE_PFN), 0);
    assert_int_equal(get(HVM_PARAM_TRIPLE_FAULT_REASON), SHUTDOWN_reboot);
    /* The toolstack may set them. */
    assert_int_equal(set(HVM_PARAM_STORE_PFN, 0xfeffc, false), 0);
    assert_int_equal(set(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_crash, false), 0);
    assert_int_equal(get(HVM_PARAM_STORE_PFN), 0xfeffc);
    assert_int_equal(get(HVM_PARAM_TRIPLE_FAULT_REASON), SHUTDOWN_crash);
    assert_int_equal(get(HVM_PARAM_X87_FIP_WIDTH), 8);
}

static void guest_get_list(void **state)
{
    uint64_t v;

    params[HVM_PARAM_STORE_PFN] = 0xfeffc;
    params[HVM_PARAM_IDENT_PT] = 0x1000;
    assert_int_equal(hvm_param_get(params, HVM_PARAM_STORE_PFN, true, &v), 0);
    assert_int_equal(v, 0xfeffc);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_CONSOLE_PFN, true, &v), 0);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_CONSOLE_EVTCHN, true, &v), 0);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_ALTP2M, true, &v), 0);
    v = 0x55;
    assert_int_equal(hvm_param_get(params, HVM_PARAM_IDENT_PT, true, &v), -EPERM);
    assert_int_equal(v, 0x55);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_TRIPLE_FAULT_REASON, true, &v), -EPERM);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_IOREQ_PFN, true, &v), -EPERM);
    assert_int_equal(hvm_param_get(params, HVM_PARAM_IDENT_PT, false, &v), 0);
    assert_int_equal(v, 0x1000);
}

static void set_once(void **state)
{
    assert_int_equal(set(HVM_PARAM_IOREQ_PFN, 0xfeff0, false), 0);
    assert_int_equal(set(HVM_PARAM_IOREQ_PFN, 0xfeff0, false), 0);     /* the same value: fine */
    assert_int_equal(set(HVM_PARAM_IOREQ_PFN, 0xfeff1, false), -EEXIST);
    assert_int_equal(set(HVM_PARAM_IOREQ_PFN, 0, false), -EEXIST);
    assert_int_equal(get(HVM_PARAM_IOREQ_PFN), 0xfeff0);
    assert_int_equal(set(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 8, false), 0);
    assert_int_equal(set(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 9, false), -EEXIST);
    /* Not set-once: changes freely. */
    assert_int_equal(set(HVM_PARAM_STORE_PFN, 1, false), 0);
    assert_int_equal(set(HVM_PARAM_STORE_PFN, 2, false), 0);
}

static void value_checks(void **state)
{
    assert_int_equal(set(HVM_PARAM_TIMER_MODE, HVMPTM_one_missed_tick_pending, false), 0);
    assert_int_equal(set(HVM_PARAM_TIMER_MODE, HVMPTM_one_missed_tick_pending + 1, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_MAX, false), 0);
    assert_int_equal(set(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_MAX + 1, false), -EINVAL);
    assert_int_equal(get(HVM_PARAM_TRIPLE_FAULT_REASON), SHUTDOWN_MAX);
    assert_int_equal(set(HVM_PARAM_X87_FIP_WIDTH, 4, true), 0);
    assert_int_equal(set(HVM_PARAM_X87_FIP_WIDTH, 2, true), -EINVAL);
    assert_int_equal(set(HVM_PARAM_X87_FIP_WIDTH, 16, false), -EINVAL);
    assert_int_equal(get(HVM_PARAM_X87_FIP_WIDTH), 4);
    assert_int_equal(set(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 0, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 65, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_VIRIDIAN, 0, false), -EINVAL);          /* base_freq missing */
    assert_int_equal(set(HVM_PARAM_VIRIDIAN, 1ULL << 40, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_VIRIDIAN, HVMPV_base_freq, false), 0);
    assert_int_equal(set(HVM_PARAM_ALTP2M, XEN_ALTP2M_limited + 1, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_ALTP2M, XEN_ALTP2M_mixed, false), -EOPNOTSUPP);
    assert_int_equal(set(HVM_PARAM_ALTP2M, 0, false), 0);                   /* what libxl sets */
    assert_int_equal(set(HVM_PARAM_MCA_CAP, XEN_HVM_MCA_CAP_LMCE, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_MCA_CAP, 0, false), 0);
    assert_int_equal(set(HVM_PARAM_ACPI_S_STATE, 0, false), 0);
    assert_int_equal(set(HVM_PARAM_ACPI_S_STATE, 3, false), -EOPNOTSUPP);
    assert_int_equal(set(HVM_PARAM_ACPI_S_STATE, 1, false), -EINVAL);
    assert_int_equal(set(HVM_PARAM_ACPI_IOPORTS_LOCATION, 1, true), -ENODEV);
    assert_int_equal(set(HVM_PARAM_ACPI_IOPORTS_LOCATION, 0, false), -ENODEV);
}

static void vm86_tss(void **state)
{
    bool crash = false;

    assert_int_equal(set(HVM_PARAM_VM86_TSS, 0x9000, true), 0);
    /* Stored in the sized form: 128 bytes. */
    assert_int_equal(get(HVM_PARAM_VM86_TSS), 0x9000);
    assert_int_equal(get(HVM_PARAM_VM86_TSS_SIZED), (128ULL << 32) | 0x9000);
    /* High bits: refused, and a guest that did it to itself is crashed. */
    assert_int_equal(hvm_param_set(params, HVM_PARAM_VM86_TSS, 1ULL << 32, true, &crash), -EINVAL);
    assert_true(crash);
    assert_int_equal(hvm_param_set(params, HVM_PARAM_VM86_TSS, 1ULL << 32, false, &crash), -EINVAL);
    assert_false(crash);
    /* Sized: smaller than a 32-bit TSS refused; larger than useful capped. */
    assert_int_equal(hvm_param_set(params, HVM_PARAM_VM86_TSS_SIZED, (50ULL << 32) | 0x9000, true, &crash),
                     -EINVAL);
    assert_true(crash);
    assert_int_equal(set(HVM_PARAM_VM86_TSS_SIZED, (0x100000ULL << 32) | 0xa000, false), 0);
    assert_int_equal(get(HVM_PARAM_VM86_TSS_SIZED), ((104ULL + 32 + 8192 + 1) << 32) | 0xa000);
}

static void refused_changes_nothing(void **state)
{
    uint64_t before[HVM_NR_PARAMS];

    set(HVM_PARAM_STORE_PFN, 7, false);
    memcpy(before, params, sizeof(before));
    set(HVM_PARAM_TIMER_MODE, 99, false);
    set(HVM_PARAM_STORE_PFN, 8, true);
    set(HVM_PARAM_DM_DOMAIN, 0, false);
    set(HVM_PARAM_TRIPLE_FAULT_REASON, 6, false);
    set(HVM_PARAM_ALTP2M, 1, false);
    assert_memory_equal(before, params, sizeof(before));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults, setup),
        cmocka_unit_test_setup(deprecated_refused_for_all, setup),
        cmocka_unit_test_setup(guest_set_list, setup),
        cmocka_unit_test_setup(guest_get_list, setup),
        cmocka_unit_test_setup(set_once, setup),
        cmocka_unit_test_setup(value_checks, setup),
        cmocka_unit_test_setup(vm86_tss, setup),
        cmocka_unit_test_setup(refused_changes_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
