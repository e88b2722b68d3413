/*
 * domu_alive: the small domU of the density runs (scripts/toolstack/density.sh,
 * 16 MiB): it stays alive and answers, printing "XENIA-DOMU-ALIVE tick N"
 * on its PV console once a second (SCHEDOP_poll with a 1 s timeout on a
 * port never raised: the vCPU sleeps between ticks, as an idle guest
 * does). With "stay" on its command line it ticks until destroyed;
 * without (scripts/toolstack/domu-guests.sh runs it as a test), three
 * ticks, each poll returning 0 no sooner than its timeout (less a clock
 * skew allowance) unless an event was marked pending for the vCPU.
 */
#include "test.h"
#include <xen/event_channel.h>
#include <xen/sched.h>

const char test_name[] = "domu_alive";

#define TICK_NS 1000000000ULL
/*
 * How early a poll may seem to end without an event: the guest's clock
 * (its vcpu_time_info snapshot extrapolated by the TSC) and the
 * hypervisor's NOW() disagree by milliseconds under TCG on a loaded host
 * (2.3 ms seen on Xen 4.17), far beyond Xen's 50 us timer slop. A poll
 * woken spuriously ends at a random point of its second, so 10% of it
 * still tells the two apart.
 */
#define CLOCK_SKEW_NS (TICK_NS / 10)

static bool stay(void)
{
    const char *p = (const char *)start_info->cmd_line;

    for (; *p; p++)
        if (!strncmp(p, "stay", 4))
            return true;
    return false;
}

void test_main(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct sched_poll poll = { .nr_ports = 1 };
    bool forever = stay();

    check(!(start_info->flags & SIF_INITDOMAIN), "run as a domU (no SIF_INITDOMAIN)");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound");
    set_xen_guest_handle(poll.ports, &au.port);
    for (unsigned long n = 1; forever || n <= 3; n++) {
        uint64_t deadline = xen_now() + TICK_NS, t1;
        bool early;
        long rc;

        /*
         * Xen ends a poll early, with 0, when any event is marked pending
         * for the vCPU (e.g. xenconsoled's notification after it read the
         * last tick): poll again until the deadline. A poll may end early
         * only so.
         */
        do {
            poll.timeout = deadline;
            rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
            t1 = xen_now();
            early = t1 + XEN_TIMER_SLOP_NS < deadline;
            bool too_early = t1 + CLOCK_SKEW_NS < deadline;
            if (!forever && too_early && !check(shared->vcpu_info[0].evtchn_upcall_pending,
                                            "a poll ends before its timeout only for an event"))
                printk("poll returned %lu ns before its timeout\n", (unsigned long)(deadline - t1));
            if (!forever)
                expect_eq(rc, 0, "SCHEDOP_poll times out (or an event ends it)");
            shared->vcpu_info[0].evtchn_upcall_pending = 0;
        } while (early && rc == 0);
        printk("XENIA-DOMU-ALIVE tick %lu\n", n);
    }
}
