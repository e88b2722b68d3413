/* SOURCES: arch/x86/pv/mm_iomem.c */
/*
 * Which frames PV page tables may map as I/O memory: the first MiB, frames
 * beyond the frame table and non-RAM holes are I/O; RAM is not; dom0 may
 * map I/O frames except the interrupt controllers and the hypervisor's AP
 * trampoline; a domU may map none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/e820.h>
#include <asm/pv_mm.h>
#include <asm/smp.h>
#include "host_stubs.h"

#define FRAMES          0x200           /* 2 MiB of "machine" */
#define TRAMPOLINE_MFN  0x9d            /* where setup_trampoline() would put it */

static struct page_info frames[FRAMES];
struct page_info *frame_table = frames;
unsigned long max_page = FRAMES;
struct e820map e820;

bool smp_trampoline_frame(unsigned long mfn)
{
    return mfn == TRAMPOLINE_MFN || mfn == TRAMPOLINE_MFN + 1;
}

static struct domain dom0 = { .is_privileged = true }, domu;

static int setup(void **state)
{
    memset(frames, 0, sizeof(frames));
    /* RAM [0, 0x9f000) and [1 MiB, 1.5 MiB); 1.5-2 MiB a reserved hole. */
    e820.nr_map = 2;
    e820.map[0] = (struct e820entry){ .addr = 0, .size = 0x9f000, .type = E820_RAM };
    e820.map[1] = (struct e820entry){ .addr = 0x100000, .size = 0x80000, .type = E820_RAM };
    for (unsigned int i = 0x180; i < FRAMES; i++)
        frames[i].count_info = PGC_reserved;
    return 0;
}

static void classification(void **state)
{
    assert_true(pv_mfn_is_io(0));                /* first MiB: all I/O, as Xen's dom_io */
    assert_true(pv_mfn_is_io(0xa0));
    assert_true(pv_mfn_is_io(TRAMPOLINE_MFN));
    assert_false(pv_mfn_is_io(0x100));           /* heap RAM */
    assert_true(pv_mfn_is_io(0x1c0));            /* reserved, no RAM range */
    assert_true(pv_mfn_is_io(FRAMES + 5));       /* beyond the frame table */
}

static void dom0_permissions(void **state)
{
    assert_true(pv_io_access_permitted(&dom0, 0xa0));        /* VGA */
    assert_true(pv_io_access_permitted(&dom0, 0xf0));        /* BIOS */
    assert_true(pv_io_access_permitted(&dom0, TRAMPOLINE_MFN - 1));
    assert_false(pv_io_access_permitted(&dom0, TRAMPOLINE_MFN));
    assert_false(pv_io_access_permitted(&dom0, TRAMPOLINE_MFN + 1));
    assert_false(pv_io_access_permitted(&dom0, 0xfee00));    /* local APIC */
    assert_false(pv_io_access_permitted(&dom0, 0xfec00));    /* IO-APIC */
    assert_true(pv_io_access_permitted(&dom0, 0xfebf0));     /* some device BAR */
}

static void domu_gets_nothing(void **state)
{
    assert_false(pv_io_access_permitted(&domu, 0xa0));
    assert_false(pv_io_access_permitted(&domu, 0xfebf0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(classification, setup),
        cmocka_unit_test_setup(dom0_permissions, setup),
        cmocka_unit_test_setup(domu_gets_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
