/*
 * pvh_npt: a PVH dom0 touches guest-physical memory its P2M has nothing
 * at (the 1 GiB window at 64 GiB, mapped by the guest's own page tables):
 * Xen 4.17 treats such a GFN as emulated MMIO with no device behind it, so
 * the access completes: loads of every width read all ones, stores are
 * dropped, and the guest keeps running. Also: its own RAM right below
 * still reads back what it wrote.
 */
#include "pvh.h"

const char test_name[] = "pvh_npt";

void test_main(void)
{
    volatile uint8_t *b = (volatile uint8_t *)PVH_HIGH_WINDOW;
    volatile uint16_t *w = (volatile uint16_t *)(PVH_HIGH_WINDOW + 0x1002);
    volatile uint32_t *l = (volatile uint32_t *)(PVH_HIGH_WINDOW + 0x2004);
    volatile uint64_t *q = (volatile uint64_t *)(PVH_HIGH_WINDOW + (123UL << 20) + 8);
    static volatile uint64_t ram[512] __attribute__((aligned(4096)));

    expect_eq(*b, 0xff, "8-bit load from a GFN without memory");
    expect_eq(*w, 0xffff, "16-bit load");
    expect_eq(*l, 0xffffffffu, "32-bit load");
    expect_eq(*q, (long)~0UL, "64-bit load");
    *l = 0x12345678;
    *q = 0;
    expect_eq(*l, 0xffffffffu, "a 32-bit store is dropped");
    expect_eq(*q, (long)~0UL, "a 64-bit store is dropped");
    ram[7] = 0x5a5a5a5a5a5a5a5aUL;
    expect_eq(ram[7], 0x5a5a5a5a5a5a5a5aUL, "RAM still reads back");
    expect_eq(last_trap.count, 0, "no exception reached the guest");
}
