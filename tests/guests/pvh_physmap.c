/*
 * pvh_physmap: a PVH dom0 maps its shared_info frame with
 * XENMEM_add_to_physmap (XENMAPSPACE_shared_info), as Linux PVH does at
 * boot, and sees Xen 4.17's behaviour:
 *   - the frame appears at the GFN asked for and reads sane (wallclock
 *     published, vCPU 0's time info with an even version and a scale);
 *   - the RAM the GFN held is freed: the reservation drops by one frame;
 *   - mapping it again at the same GFN changes nothing; at another GFN it
 *     moves (the old GFN then holds nothing: loads read all ones) and the
 *     new GFN's RAM is freed; what the guest wrote is still there;
 *   - idx other than 0, unknown spaces, INVALID_GFN: -EINVAL; a missing
 *     domain -ESRCH; a bad argument pointer -EFAULT.
 */
#include "pvh.h"
#include <xen/memory.h>

const char test_name[] = "pvh_physmap";

static uint8_t slots[2][4096] __attribute__((aligned(4096)));

static long map(unsigned int space, unsigned long idx, void *where, domid_t domid)
{
    struct xen_add_to_physmap x = {
        .domid = domid, .space = space, .idx = idx, .gpfn = (uint64_t)where >> PAGE_SHIFT,
    };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

void test_main(void)
{
    volatile struct shared_info *s = (volatile struct shared_info *)slots[0];
    volatile struct shared_info *s2 = (volatile struct shared_info *)slots[1];
    struct xen_add_to_physmap bad = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                      .gpfn = ~0UL };
    long r0, r1;

    slots[0][0] = slots[1][0] = 0xa5;   /* the frames are RAM the guest used */
    r0 = reservation();
    check(r0 > 0, "current reservation");
    expect_eq(map(XENMAPSPACE_shared_info, 0, slots[0], DOMID_SELF), 0, "map shared_info");
    r1 = reservation();
    expect_eq(r1, r0 - 1, "the RAM the GFN held is freed");
    printk("wc_version %u wc_sec %u time.version %u mul %u shift %d\n", s->wc_version,
           s->wc_sec, s->vcpu_info[0].time.version, s->vcpu_info[0].time.tsc_to_system_mul,
           s->vcpu_info[0].time.tsc_shift);
    check(s->wc_version && !(s->wc_version & 1), "wallclock version published, even");
    check(s->wc_sec != 0, "wallclock seconds set");
    check(!(s->vcpu_info[0].time.version & 1), "vCPU 0 time info version even");
    check(s->vcpu_info[0].time.tsc_to_system_mul != 0, "vCPU 0 time info has a TSC scale");
    s->evtchn_mask[7] = 0x5a5aUL;

    expect_eq(map(XENMAPSPACE_shared_info, 0, slots[0], DOMID_SELF), 0, "map again, same GFN");
    expect_eq(reservation(), r1, "same GFN: nothing freed");
    expect_eq(s->evtchn_mask[7], 0x5a5aUL, "still the same frame");

    expect_eq(map(XENMAPSPACE_shared_info, 0, slots[1], DOMID_SELF), 0, "move to another GFN");
    expect_eq(reservation(), r1 - 1, "the new GFN's RAM is freed");
    expect_eq(s2->evtchn_mask[7], 0x5a5aUL, "the frame moved with its contents");
    expect_eq(*(volatile uint64_t *)slots[0], (long)~0UL, "the old GFN holds nothing");

    expect_eq(map(XENMAPSPACE_shared_info, 1, slots[0], DOMID_SELF), -XEN_EINVAL, "idx 1");
    expect_eq(map(1000, 0, slots[0], DOMID_SELF), -XEN_EINVAL, "unknown space");
    expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &bad), -XEN_EINVAL, "INVALID_GFN");
    expect_eq(map(XENMAPSPACE_shared_info, 0, slots[0], 1000), -XEN_ESRCH, "missing domain");
    expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, (void *)(512UL << 30)), -XEN_EFAULT,
              "bad argument pointer");
    expect_eq(reservation(), r1 - 1, "failed calls free nothing");
    expect_eq(s2->evtchn_mask[7], 0x5a5aUL, "still mapped at the new GFN");
    s2->evtchn_mask[7] = 0;
}
