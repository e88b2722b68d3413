/*
 * sched_op: yield, block woken by a timer event, poll with and without a
 * pending port and with a timeout, shutdown_code; bad arguments. The
 * shutdown itself is the test's own end (poweroff).
 */
#include "test.h"
#include <xen/sched.h>
#include <xen/event_channel.h>

const char test_name[] = "sched_op";

void test_main(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER };
    struct evtchn_bind_ipi bip = { .vcpu = 0 };
    struct evtchn_send snd;
    struct sched_poll poll;
    struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
    evtchn_port_t ports[2];
    uint64_t t0;
    long rc;

    expect_eq(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0, "SCHEDOP_yield");

    /* Block until a one-shot timer 10 ms ahead fires. */
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    t0 = xen_now();
    expect_eq(HYPERVISOR_set_timer_op(t0 + 10000000), 0, "set_timer_op +10ms");
    events_disable();
    rc = HYPERVISOR_sched_op(SCHEDOP_block, 0);
    events_disable();
    expect_eq(rc, 0, "SCHEDOP_block");
    check(xen_now() - t0 >= 9000000, "block lasted until the timer");
    check(event_seen(bv.port), "timer event delivered on wakeup");

    /* Block with an event already pending returns at once. */
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bip), 0, "bind_ipi");
    evtchn_mask(bip.port);
    snd.port = bip.port;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_send, &snd), 0, "send ipi (masked)");
    evtchn_unmask(bip.port);
    shared->vcpu_info[0].evtchn_pending_sel |= 1UL << (bip.port / 64);
    shared->vcpu_info[0].evtchn_upcall_pending = 1;
    t0 = xen_now();
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0, "block with an event pending");
    events_disable();
    check(event_seen(bip.port), "the pending ipi was delivered");
    check(xen_now() - t0 < 1000000000, "block returned promptly");

    /* Poll: a pending port returns at once; none pending waits the timeout. */
    ports[0] = bip.port;
    set_xen_guest_handle(poll.ports, ports);
    poll.nr_ports = 1;
    poll.timeout = 0;
    evtchn_mask(bip.port);
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_send, &snd), 0, "send ipi");
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0, "poll with the port pending");
    evtchn_clear(bip.port);
    t0 = xen_now();
    poll.timeout = t0 + 5000000;
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0, "poll times out");
    check(xen_now() - t0 >= 4000000, "poll waited for its timeout");
    poll.nr_ports = 129;
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL, "poll of 129 ports");
    poll.nr_ports = 1;
    ports[0] = 100000;
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL, "poll of port 100000");
    set_xen_guest_handle(poll.ports, (evtchn_port_t *)0x10000000UL);
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EFAULT, "poll, unmapped ports");
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_poll, 0), -XEN_EFAULT, "poll, NULL");

    sd.reason = SHUTDOWN_poweroff;
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &sd), 0, "SCHEDOP_shutdown_code");
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_shutdown, 0), -XEN_EFAULT, "shutdown, NULL");
    expect_eq(HYPERVISOR_sched_op(SCHEDOP_shutdown, HYPERVISOR_VIRT_START), -XEN_EFAULT,
              "shutdown, hypervisor address");
    expect_eq(HYPERVISOR_sched_op(99, 0), -XEN_ENOSYS, "unknown command 99");
}
