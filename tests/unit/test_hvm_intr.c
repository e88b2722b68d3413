/* SOURCES: */
/*
 * The pure parts of HVM interrupt delivery: the VM-entry decision
 * (<asm/hvm/intr.h>) and the local APIC timer arithmetic (<asm/hvm/vlapic.h>).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <asm/hvm/intr.h>
#include <asm/hvm/vlapic.h>
#include "host_stubs.h"

static void decide_nothing_pending(void **state)
{
    assert_int_equal(hvm_intr_decide(-1, HVM_RFLAGS_IF, false, false), HVM_INTR_NONE);
    assert_int_equal(hvm_intr_decide(-1, 0, true, true), HVM_INTR_NONE);
}

static void decide_inject_when_open(void **state)
{
    assert_int_equal(hvm_intr_decide(0xf3, HVM_RFLAGS_IF | 2, false, false), HVM_INTR_INJECT);
    assert_int_equal(hvm_intr_decide(0x10, HVM_RFLAGS_IF, false, false), HVM_INTR_INJECT);
}

static void decide_window_when_blocked(void **state)
{
    /* IF clear, an STI/MOV SS shadow, or the injection slot taken: wait for a window. */
    assert_int_equal(hvm_intr_decide(0xf3, 2, false, false), HVM_INTR_WINDOW);
    assert_int_equal(hvm_intr_decide(0xf3, HVM_RFLAGS_IF, true, false), HVM_INTR_WINDOW);
    assert_int_equal(hvm_intr_decide(0xf3, HVM_RFLAGS_IF, false, true), HVM_INTR_WINDOW);
}

static void divisor_encoding(void **state)
{
    /* SDM: TDCR bits 3,1,0: 000 = 2, 001 = 4, 010 = 8, 011 = 16, 100 = 32 ... 111 = 1. */
    static const struct { uint32_t tdcr; unsigned int div; } t[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
        { 0xf4, 2 },                    /* bit 2 and bits above 3 ignored */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(vlapic_divisor(t[i].tdcr), t[i].div);
}

static void current_count_one_shot(void **state)
{
    assert_int_equal(vlapic_current_count(1000, 1, false, 0), 1000);
    assert_int_equal(vlapic_current_count(1000, 1, false, 999), 1);
    assert_int_equal(vlapic_current_count(1000, 1, false, 1000), 0);
    assert_int_equal(vlapic_current_count(1000, 1, false, ~0ULL), 0);
    assert_int_equal(vlapic_current_count(1000, 16, false, 160), 990);
    assert_int_equal(vlapic_current_count(0, 1, false, 5), 0);
    assert_int_equal(vlapic_current_count(0xffffffffu, 128, false, 0), 0xffffffffu);
}

static void current_count_periodic(void **state)
{
    assert_int_equal(vlapic_current_count(1000, 1, true, 1000), 1000);
    assert_int_equal(vlapic_current_count(1000, 1, true, 2500), 500);
    assert_int_equal(vlapic_current_count(1000, 2, true, 2002), 999);
    assert_int_equal(vlapic_current_count(0, 1, true, 5), 0);
}

static void reinjection_by_type(void **state)
{
    assert_true(hvm_event_needs_reinjection(HVM_EVENT_EXT_INTR, 0xf3));
    assert_true(hvm_event_needs_reinjection(HVM_EVENT_NMI, 2));
    assert_true(hvm_event_needs_reinjection(HVM_EVENT_HW_EXCEPTION, 14));   /* #PF */
    assert_true(hvm_event_needs_reinjection(HVM_EVENT_HW_EXCEPTION, 8));    /* #DF */
    assert_false(hvm_event_needs_reinjection(HVM_EVENT_HW_EXCEPTION, 3));   /* SVM's INT3 */
    assert_false(hvm_event_needs_reinjection(HVM_EVENT_HW_EXCEPTION, 4));   /* SVM's INTO */
    assert_false(hvm_event_needs_reinjection(HVM_EVENT_SW_INTERRUPT, 0x80));
    assert_false(hvm_event_needs_reinjection(HVM_EVENT_PRI_SW_EXCEPTION, 1));
    assert_false(hvm_event_needs_reinjection(HVM_EVENT_SW_EXCEPTION, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decide_nothing_pending),
        cmocka_unit_test(decide_inject_when_open),
        cmocka_unit_test(decide_window_when_blocked),
        cmocka_unit_test(divisor_encoding),
        cmocka_unit_test(current_count_one_shot),
        cmocka_unit_test(current_count_periodic),
        cmocka_unit_test(reinjection_by_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
