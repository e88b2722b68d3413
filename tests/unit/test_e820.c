/* SOURCES: arch/x86/e820.c */
/* e820 sanitising of multiboot memory maps: order, overlaps, alignment, merging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/multiboot.h>
#include <asm/e820.h>
#include "host_stubs.h"

static uint8_t mmap_buf[E820_MAX * sizeof(struct multiboot_mmap) * 2];
static uint32_t mmap_len;

static void mb_reset(void) { mmap_len = 0; }

static void mb_add(uint64_t base, uint64_t len, uint32_t type)
{
    struct multiboot_mmap e = { sizeof(e) - 4, base, len, type };
    memcpy(mmap_buf + mmap_len, &e, sizeof(e));
    mmap_len += sizeof(e);
}

static void assert_entry(unsigned int i, uint64_t start, uint64_t end, uint32_t type)
{
    assert_true(i < e820.nr_map);
    assert_int_equal(e820.map[i].addr, start);
    assert_int_equal(e820.map[i].addr + e820.map[i].size, end);
    assert_int_equal(e820.map[i].type, type);
}

static void test_entry_layout(void **state)
{
    assert_int_equal(sizeof(struct e820entry), 20);    /* Xen's XENMEM_memory_map entries */
}

static void test_qemu_like(void **state)
{
    mb_reset();
    mb_add(0, 0x9fc00, E820_RAM);
    mb_add(0x9fc00, 0x400, E820_RESERVED);
    mb_add(0xf0000, 0x10000, E820_RESERVED);
    mb_add(0x100000, 0x3fee0000, E820_RAM);
    mb_add(0x3ffe0000, 0x20000, E820_RESERVED);
    assert_int_equal(e820_from_multiboot(&e820, mmap_buf, mmap_len), 5);
    assert_entry(0, 0, 0x9f000, E820_RAM);              /* RAM shrinks to whole frames */
    assert_entry(1, 0x9f000, 0xa0000, E820_RESERVED);   /* reserved grows */
    assert_entry(2, 0xf0000, 0x100000, E820_RESERVED);
    assert_entry(3, 0x100000, 0x3ffe0000, E820_RAM);
    assert_entry(4, 0x3ffe0000, 0x40000000, E820_RESERVED);
    assert_int_equal(e820_ram_end(), 0x3ffe0000);
    /* What an MSI-X table may not lie on (arch/x86/msi.c). */
    assert_true(e820_overlaps_ram(0x100000, 16));
    assert_true(e820_overlaps_ram(0x3ffdfff8, 16));      /* straddles RAM's end */
    assert_false(e820_overlaps_ram(0x3ffe0000, 16));     /* reserved */
    assert_false(e820_overlaps_ram(0xfebf0000, 16));     /* an MMIO BAR */
    assert_false(e820_overlaps_ram(0x9f000, 0x1000));    /* the reserved page below 640 KiB */
}

static void test_unsorted_overlapping(void **state)
{
    mb_reset();
    mb_add(0x200000, 0x100000, E820_RAM);               /* [2M, 3M) */
    mb_add(0x100000, 0x180000, E820_RAM);               /* [1M, 2.5M): overlaps, merges */
    mb_add(0x280000, 0x1000, E820_RESERVED);            /* punches a hole */
    mb_add(0x400000, 0x1000, E820_ACPI);
    mb_add(0x400800, 0x1000, E820_NVS);                 /* grows to cover ACPI: NVS wins */
    mb_add(0x10000, 0, E820_RAM);                       /* empty: dropped */
    assert_int_equal(e820_from_multiboot(&e820, mmap_buf, mmap_len), 4);
    assert_entry(0, 0x100000, 0x280000, E820_RAM);
    assert_entry(1, 0x280000, 0x281000, E820_RESERVED);
    assert_entry(2, 0x281000, 0x300000, E820_RAM);
    assert_entry(3, 0x400000, 0x402000, E820_NVS);
}

static void test_unaligned(void **state)
{
    mb_reset();
    mb_add(0x1234, 0x3000, E820_RAM);                   /* [0x1234, 0x4234) -> [0x2000, 0x4000) */
    mb_add(0x5800, 0x400, E820_RAM);                    /* no whole frame: dropped */
    mb_add(0x8010, 0x10, E820_RESERVED);                /* -> [0x8000, 0x9000) */
    mb_add(0x9000, 0x2fff, E820_RAM);                   /* -> [0x9000, 0xb000) */
    assert_int_equal(e820_from_multiboot(&e820, mmap_buf, mmap_len), 3);
    assert_entry(0, 0x2000, 0x4000, E820_RAM);
    assert_entry(1, 0x8000, 0x9000, E820_RESERVED);
    assert_entry(2, 0x9000, 0xb000, E820_RAM);
}

static void test_reserved_inside_unaligned_ram(void **state)
{
    /* A reserved range starting mid-frame takes its whole frame from RAM. */
    mb_reset();
    mb_add(0x100000, 0x100000, E820_RAM);
    mb_add(0x150800, 0x800, E820_RESERVED);
    mb_add(0x100000000ULL, 0x40000000, E820_RAM);
    assert_int_equal(e820_from_multiboot(&e820, mmap_buf, mmap_len), 4);
    assert_entry(0, 0x100000, 0x150000, E820_RAM);
    assert_entry(1, 0x150000, 0x151000, E820_RESERVED);
    assert_entry(2, 0x151000, 0x200000, E820_RAM);
    assert_entry(3, 0x100000000ULL, 0x140000000ULL, E820_RAM);
    assert_int_equal(e820_ram_end(), 0x140000000ULL);
}

static void test_copy_out(void **state)
{
    struct e820entry buf[2];

    mb_reset();
    mb_add(0, 0x9f000, E820_RAM);
    mb_add(0xf0000, 0x10000, E820_RESERVED);
    mb_add(0x100000, 0x100000, E820_RAM);
    e820_from_multiboot(&e820, mmap_buf, mmap_len);
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(e820_copy_out(buf, 2), 3);         /* total, even if truncated */
    assert_int_equal(buf[1].addr, 0xf0000);
    assert_int_equal(buf[1].type, E820_RESERVED);
}

static void test_too_many(void **state)
{
    struct e820entry map[E820_MAX];

    /* Alternating types, none adjacent to its own kind: nothing merges. */
    for (unsigned int i = 0; i < E820_MAX; i++)
        map[i] = (struct e820entry){ (uint64_t)i << 20, 1 << 20, i % 2 ? E820_RESERVED : E820_RAM };
    assert_int_equal(e820_sanitise(map, E820_MAX, 10), 10);
    assert_int_equal(map[9].addr, 9ULL << 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_layout),
        cmocka_unit_test(test_qemu_like),
        cmocka_unit_test(test_unsorted_overlapping),
        cmocka_unit_test(test_unaligned),
        cmocka_unit_test(test_reserved_inside_unaligned_ram),
        cmocka_unit_test(test_copy_out),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
