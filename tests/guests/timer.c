/*
 * timer: the pvclock in vcpu_info advances monotonically; set_timer_op
 * and VCPUOP_set_singleshot_timer fire VIRQ_TIMER; runstate info reports
 * a running vcpu; a second copy of the time record
 * (VCPUOP_register_vcpu_time_memory_area, Linux's vDSO pvclock) is kept
 * up to date, flags as in vcpu_info's; bad timer arguments fail as in
 * Xen 4.17.
 */
#include "test.h"
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/event_channel.h>

const char test_name[] = "timer";

static struct vcpu_time_info time_copy;

/* The secondary time area: registered, refreshed by the hypervisor, unregistered. */
static void time_area(void)
{
    struct vcpu_register_time_memory_area area = { .addr.v = &time_copy };

    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), 0,
              "register_vcpu_time_memory_area");
    HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    check(time_copy.system_time != 0, "the copy holds a time record");
    check(!(time_copy.version & 1), "its version is even (not being written)");
    check(time_copy.tsc_to_system_mul != 0, "with a TSC scale");
    expect_eq(time_copy.flags, shared->vcpu_info[0].time.flags,
              "the same flags as vcpu_info's record (TSC-stable or not, per host)");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 1, 0), -XEN_EFAULT,
              "register_vcpu_time_memory_area, NULL argument");
    area.addr.p = HYPERVISOR_VIRT_START;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), -XEN_EFAULT,
              "register_vcpu_time_memory_area in the hypervisor's range");
    area.addr.p = 0;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), 0,
              "unregister with a NULL area");
}

static evtchn_port_t timer_port;

/* Wait (yielding) up to 1 s of Xen time for the timer port; true if seen. */
static bool wait_timer(void)
{
    uint64_t end = xen_now() + 1000000000ULL;

    while ( xen_now() < end )
    {
        if ( evtchn_pending(timer_port) )
        {
            evtchn_clear(timer_port);
            return true;
        }
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
    return false;
}

void test_main(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER };
    struct vcpu_set_singleshot_timer ss;
    struct vcpu_set_periodic_timer per;
    struct vcpu_runstate_info rs;
    uint64_t prev, now, t;
    unsigned int i, backwards = 0;

    time_area();

    /* pvclock: monotonic and moving. */
    prev = xen_now();
    for ( i = 0; i < 100000; i++ )
    {
        now = xen_now();
        backwards += now < prev;
        prev = now;
    }
    expect_eq(backwards, 0, "pvclock never goes backwards");
    check(shared->vcpu_info[0].time.tsc_to_system_mul != 0, "pvclock scale set");
    t = xen_now();
    HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    check(xen_now() > t, "pvclock advances");
    check(shared->wc_sec > 1600000000, "wallclock is set (after 2020)");

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    timer_port = bv.port;
    evtchn_mask(timer_port);
    evtchn_clear(timer_port);

    t = xen_now();
    expect_eq(HYPERVISOR_set_timer_op(t + 2000000), 0, "set_timer_op +2ms");
    check(wait_timer(), "set_timer_op fired VIRQ_TIMER");
    check(xen_now() + XEN_TIMER_SLOP_NS >= t + 2000000, "not before its deadline");
    expect_eq(HYPERVISOR_set_timer_op(xen_now() + 500000000), 0, "set_timer_op +500ms");
    expect_eq(HYPERVISOR_set_timer_op(0), 0, "set_timer_op 0 cancels");
    check(!evtchn_pending(timer_port), "cancelled timer did not fire");

    ss.timeout_abs_ns = xen_now() + 2000000;
    ss.flags = 0;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0,
              "VCPUOP_set_singleshot_timer +2ms");
    check(wait_timer(), "singleshot fired VIRQ_TIMER");
    ss.timeout_abs_ns = xen_now() - 1000000;
    ss.flags = VCPU_SSHOTTMR_future;
    /* Xen 4.17 ignores VCPU_SSHOTTMR_future: a past deadline fires at once. */
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0,
              "singleshot in the past with VCPU_SSHOTTMR_future");
    check(wait_timer(), "past singleshot fires");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0), 0, "stop_singleshot");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, 0), -XEN_EFAULT,
              "singleshot, NULL");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss), -XEN_EINVAL,
              "singleshot for another vcpu");

    per.period_ns = 100;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), -XEN_EINVAL,
              "periodic timer of 100ns");
    per.period_ns = 10000000;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0, "periodic 10ms");
    evtchn_clear(timer_port);
    check(wait_timer() && wait_timer(), "periodic timer fires repeatedly");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop periodic");

    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &rs), 0, "get_runstate_info");
    expect_eq(rs.state, RUNSTATE_running, "vcpu 0 is running");
    check(rs.time[RUNSTATE_running] > 0, "time spent running");
    check(rs.state_entry_time <= xen_now(), "state entered in the past");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &rs), 0, "runstate of vcpu 1");
    expect_eq(rs.state, RUNSTATE_offline, "vcpu 1 is offline");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, 0x10000000UL), -XEN_EFAULT,
              "get_runstate_info, unmapped");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 64, &rs), -XEN_ENOENT,
              "runstate of vcpu 64");
}
