/* SOURCES: arch/x86/hvm/p2m.c */
/* The HVM P2M in nested-paging format: set/get/remove, table shapes, bounds, -ENOMEM, teardown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/hvm/p2m.h>
#include "host_stubs.h"

/* A fake machine: frames are 4 KiB host buffers; mfn = 0x1000 + index. */
#define FAKE_FRAMES 64
static uint64_t *frames[FAKE_FRAMES];
static unsigned int allocated, freed, fail_after;

static int fake_alloc(void *ctx, unsigned long *mfn)
{
    if (allocated >= fail_after)
        return -ENOMEM;
    for (unsigned int i = 0; i < FAKE_FRAMES; i++)
        if (!frames[i]) {
            frames[i] = aligned_alloc(4096, 4096);
            memset(frames[i], 0, 4096);
            *mfn = 0x1000 + i;
            allocated++;
            return 0;
        }
    return -ENOMEM;
}

static void fake_free(void *ctx, unsigned long mfn)
{
    assert_true(mfn >= 0x1000 && mfn < 0x1000 + FAKE_FRAMES && frames[mfn - 0x1000]);
    free(frames[mfn - 0x1000]);
    frames[mfn - 0x1000] = NULL;
    freed++;
}

static void *fake_map(void *ctx, unsigned long mfn)
{
    assert_true(mfn >= 0x1000 && mfn < 0x1000 + FAKE_FRAMES && frames[mfn - 0x1000]);
    return frames[mfn - 0x1000];
}

static const struct p2m_ops fake_ops = { fake_alloc, fake_free, fake_map };

static int setup(void **state)
{
    allocated = freed = 0;
    fail_after = ~0u;
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(allocated, freed);     /* p2m_teardown() freed every table */
    return 0;
}

static void test_set_get_remove(void **state)
{
    struct p2m_table p;
    enum p2m_type t;

    assert_int_equal(p2m_init(&p, &fake_ops, NULL), 0);
    assert_int_equal(p.nr_tables, 1);
    assert_int_equal(p2m_get_entry(&p, 5, &t), P2M_INVALID_MFN);
    assert_int_equal(t, p2m_invalid);
    assert_int_equal(p2m_set_entry(&p, 5, 0xabcde, p2m_ram_rw), 0);
    assert_int_equal(p.nr_tables, 4);               /* L4 + L3 + L2 + L1 */
    assert_int_equal(p2m_get_entry(&p, 5, &t), 0xabcde);
    assert_int_equal(t, p2m_ram_rw);
    assert_int_equal(p2m_get_entry(&p, 4, &t), P2M_INVALID_MFN);
    assert_int_equal(p2m_get_entry(&p, 6, &t), P2M_INVALID_MFN);
    /* Same L1: no new table; another 1 GiB: a new L2 and L1. */
    assert_int_equal(p2m_set_entry(&p, 511, 7, p2m_xenheap_rw), 0);
    assert_int_equal(p.nr_tables, 4);
    assert_int_equal(p2m_set_entry(&p, 1UL << 18, 8, p2m_ram_rw), 0);
    assert_int_equal(p.nr_tables, 6);
    assert_int_equal(p.max_gfn, 1UL << 18);
    assert_int_equal(p.nr_entries, 3);
    assert_int_equal(p2m_get_entry(&p, 511, &t), 7);
    assert_int_equal(t, p2m_xenheap_rw);
    /* Replace, then remove. */
    assert_int_equal(p2m_set_entry(&p, 5, 0x42, p2m_mmio_direct), 0);
    assert_int_equal(p2m_get_entry(&p, 5, &t), 0x42);
    assert_int_equal(t, p2m_mmio_direct);
    assert_int_equal(p.nr_entries, 3);
    assert_int_equal(p2m_set_entry(&p, 5, 0, p2m_invalid), 0);
    assert_int_equal(p2m_get_entry(&p, 5, &t), P2M_INVALID_MFN);
    assert_int_equal(p.nr_entries, 2);
    /* Removing what is not there allocates nothing. */
    assert_int_equal(p2m_set_entry(&p, 1UL << 30, 0, p2m_invalid), 0);
    assert_int_equal(p.nr_tables, 6);
    p2m_teardown(&p);
}

/* The hardware's view: an L4 entry is a present, writable, user table; a leaf maps the MFN. */
static void test_entry_format(void **state)
{
    struct p2m_table p;

    assert_int_equal(p2m_init(&p, &fake_ops, NULL), 0);
    unsigned long gfn = (3UL << 27) | (2UL << 18) | (1UL << 9) | 7;
    assert_int_equal(p2m_set_entry(&p, gfn, 0x12345, p2m_ram_rw), 0);
    uint64_t *t = fake_map(NULL, p.root_mfn);
    for (unsigned int level = 4; level > 1; level--) {
        unsigned int idx = (gfn >> (9 * (level - 1))) & 511;
        for (unsigned int i = 0; i < 512; i++)
            if (i != idx)
                assert_int_equal(t[i], 0);
        assert_int_equal(t[idx] & 0x7, 0x7);            /* P, RW, US */
        t = fake_map(NULL, (t[idx] & 0x000ffffffffff000UL) >> 12);
    }
    uint64_t leaf = t[7];
    assert_int_equal(leaf & 0x000ffffffffff000UL, 0x12345000UL);
    assert_int_equal(leaf & 0x67, 0x67);                /* P, RW, US, A, D */
    assert_int_equal(leaf & 0x80, 0);                   /* a 4 KiB leaf */
    assert_int_equal((leaf >> 9) & 7, p2m_ram_rw);
    p2m_teardown(&p);
}

static void test_bounds(void **state)
{
    struct p2m_table p;
    enum p2m_type t;

    assert_int_equal(p2m_init(&p, &fake_ops, NULL), 0);
    assert_int_equal(p2m_set_entry(&p, P2M_MAX_GFN + 1, 1, p2m_ram_rw), -EINVAL);
    assert_int_equal(p2m_set_entry(&p, ~0UL, 1, p2m_ram_rw), -EINVAL);
    assert_int_equal(p2m_set_entry(&p, 1, 1UL << 40, p2m_ram_rw), -EINVAL);
    assert_int_equal(p2m_get_entry(&p, P2M_MAX_GFN + 1, &t), P2M_INVALID_MFN);
    assert_int_equal(p2m_set_entry(&p, P2M_MAX_GFN, (1UL << 40) - 1, p2m_ram_rw), 0);
    assert_int_equal(p2m_get_entry(&p, P2M_MAX_GFN, &t), (1UL << 40) - 1);
    assert_int_equal(p.nr_tables, 4);
    p2m_teardown(&p);
}

static void test_nomem(void **state)
{
    struct p2m_table p;
    enum p2m_type t;

    assert_int_equal(p2m_init(&p, &fake_ops, NULL), 0);
    fail_after = 2;                                     /* root + one more table */
    assert_int_equal(p2m_set_entry(&p, 9, 1, p2m_ram_rw), -ENOMEM);
    assert_int_equal(p2m_get_entry(&p, 9, &t), P2M_INVALID_MFN);
    assert_int_equal(p.nr_entries, 0);
    fail_after = ~0u;
    assert_int_equal(p2m_set_entry(&p, 9, 1, p2m_ram_rw), 0);  /* the partial path is reused */
    assert_int_equal(p.nr_tables, 4);
    assert_int_equal(p2m_get_entry(&p, 9, &t), 1);
    p2m_teardown(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
