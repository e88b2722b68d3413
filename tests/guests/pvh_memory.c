/*
 * pvh_memory: a PVH dom0 gives RAM back and takes it again by GFN
 * (XENMEM_decrease_reservation, XENMEM_populate_physmap), as a balloon
 * driver does, and sees Xen 4.17's behaviour:
 *   - a GFN given back leaves the reservation and reads all ones after;
 *     giving back a GFN with nothing there does no extent (returns 0);
 *   - populate puts fresh RAM at the GFN (usable, the reservation grows
 *     back), also in a hole above RAM; the extent list is not written for
 *     a translated guest; that RAM can be given back again.
 */
#include "pvh.h"
#include <xen/memory.h>

const char test_name[] = "pvh_memory";

static uint8_t slot[4096] __attribute__((aligned(4096)));

static long reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static long memop(unsigned int cmd, xen_pfn_t *gfn)
{
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, gfn);
    return HYPERVISOR_memory_op(cmd, &r);
}

void test_main(void)
{
    volatile uint64_t *p = (volatile uint64_t *)slot;
    volatile uint64_t *hole = (volatile uint64_t *)(PVH_HIGH_WINDOW + 5 * PAGE_SIZE);
    xen_pfn_t gfn = (uint64_t)slot >> PAGE_SHIFT, list;
    xen_pfn_t hgfn = (PVH_HIGH_WINDOW >> PAGE_SHIFT) + 5;
    long r0;

    p[0] = 0x1122334455667788UL;
    r0 = reservation();
    check(r0 > 0, "current reservation");
    expect_eq(*(volatile uint64_t *)hole, (long)~0UL, "the hole reads all ones");

    list = gfn;
    expect_eq(memop(XENMEM_decrease_reservation, &list), 1, "give back a RAM GFN");
    expect_eq(reservation(), r0 - 1, "the reservation drops by one");
    expect_eq(p[0], (long)~0UL, "the GFN reads all ones after");
    p[1] = 5;                               /* a store there goes nowhere */
    expect_eq(p[1], (long)~0UL, "and stores are dropped");
    expect_eq(memop(XENMEM_decrease_reservation, &list), 0, "give it back again: no extent");
    expect_eq(reservation(), r0 - 1, "nothing more given back");

    expect_eq(memop(XENMEM_populate_physmap, &list), 1, "populate the GFN again");
    expect_eq(list, gfn, "the extent list is not written");
    expect_eq(reservation(), r0, "the reservation grows back");
    p[0] = 0xabcdef;
    expect_eq(p[0], 0xabcdef, "the new RAM is usable");

    list = hgfn;
    expect_eq(memop(XENMEM_populate_physmap, &list), 1, "populate a GFN in the hole");
    expect_eq(reservation(), r0 + 1, "the reservation grows");
    hole[3] = 0x77;
    expect_eq(hole[3], 0x77, "RAM in the hole is usable");
    expect_eq(memop(XENMEM_decrease_reservation, &list), 1, "give it back");
    expect_eq(hole[3], (long)~0UL, "the hole reads all ones again");
    expect_eq(reservation(), r0, "the reservation is back");
}
