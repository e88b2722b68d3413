/*
 * domu_basic: a test guest run as an ordinary domU by Debian's xl (see
 * scripts/toolstack/domu-guests.sh), printing through its PV console ring.
 * xen_version, its own reservation (== start_info nr_pages), an event
 * channel to itself, a VIRQ_TIMER event.
 */
#include "test.h"
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/vcpu.h>

const char test_name[] = "domu_basic";

static long send(evtchn_port_t p)
{
    struct evtchn_send s = { .port = p };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

void test_main(void)
{
    domid_t self = DOMID_SELF;
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    evtchn_port_t a, b;
    uint64_t t0;
    long rc;
    unsigned int i;

    check(!(start_info->flags & SIF_INITDOMAIN), "run as a domU (no SIF_INITDOMAIN)");
    check(start_info->console.domU.mfn != 0, "a console ring");
    check(start_info->store_mfn != 0, "a xenstore ring");
    expect_eq(HYPERVISOR_xen_version(XENVER_version, 0), (4 << 16) | 17, "xen_version 4.17");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
              start_info->nr_pages, "current_reservation == start_info nr_pages");

    /* An event channel to ourselves: send on one end, the upcall sees the other. */
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound");
    a = au.port;
    bi.remote_port = a;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0,
              "bind_interdomain to our own port");
    b = bi.local_port;
    evtchn_clear(a);
    evtchn_clear(b);
    evtchn_unmask(a);
    events_enable();
    expect_eq(send(b), 0, "send b -> a");
    events_disable();
    check(event_seen(a), "upcall delivered a");

    /*
     * A timer event: VIRQ_TIMER after set_timer_op, woken from SCHEDOP_block.
     * Xen starts every vCPU with a 10 ms periodic timer on the same VIRQ:
     * stopped first, or its tick may come before the single-shot deadline.
     */
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop the periodic timer");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    evtchn_unmask(bv.port);
    event_seen(bv.port);
    t0 = xen_now();
    expect_eq(HYPERVISOR_set_timer_op(t0 + 10000000), 0, "set_timer_op +10ms");
    events_disable();
    /* Other events (xenstore, console) may end a block early: block again. */
    for ( i = 0; i < 100 && !event_seen(bv.port); i++ )
    {
        rc = HYPERVISOR_sched_op(SCHEDOP_block, 0);
        events_disable();
        expect_eq(rc, 0, "SCHEDOP_block");
        if ( events_seen[bv.port / 64] & (1UL << (bv.port % 64)) )
            break;
    }
    check(xen_now() - t0 >= 9000000, "block lasted until the timer");
    check(event_seen(bv.port), "timer event delivered on wakeup");
    check(i < 100, "the timer woke us within 100 blocks");
}
