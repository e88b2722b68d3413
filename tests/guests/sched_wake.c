/*
 * sched_wake: cross-vCPU wake-ups, many times over. vCPU 0 and vCPU 1 ping-
 * pong ROUND_TRIPS times through two masked IPI ports: each sends to the
 * other, then blocks in SCHEDOP_poll (no timeout) on its own port. Every
 * poll blocks the vCPU while the other, on the other pCPU, may be sending
 * the event that wakes it, so each round trip opens the scheduler's race
 * between a vCPU going off its pCPU and its wake-up arriving twice. Nothing
 * else runs, so both pCPUs go idle between events: one lost wake-up leaves
 * both vCPUs blocked for good, and the run ends in the runner's hang bound
 * (a FAIL), never in a verdict here. Checks: every round trip completes and
 * vCPU 1 saw exactly as many events as vCPU 0 sent. No timing is checked.
 */
#include "test.h"
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/event_channel.h>

const char test_name[] = "sched_wake";

#define ROUND_TRIPS 20000

static char stack1[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static vcpu_guest_context_t ctx;
static evtchn_port_t port0, port1;      /* IPI ports of vCPU 0 and vCPU 1 */
static volatile int started, stop;
static volatile unsigned long received1; /* events vCPU 1 took */

static long send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* Block until port is pending (no timeout), then clear it; 0 or -errno. */
static long wait_port(evtchn_port_t port)
{
    evtchn_port_t ports[1] = { port };
    struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };
    long rc;

    set_xen_guest_handle(poll.ports, ports);
    while ( !evtchn_pending(port) )
        if ( (rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll)) )
            return rc;
    evtchn_clear(port);
    return 0;
}

/* vCPU 1: answer every event on port1 with one on port0, until stop. */
void secondary_main(void)
{
    started = 1;
    for ( ;; )
    {
        if ( wait_port(port1) )
            break;
        if ( stop )
            break;
        received1++;
        if ( send(port0) )
            break;
    }
    HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0);
    for ( ;; )
        ;
}

void test_main(void)
{
    struct evtchn_bind_ipi b0 = { .vcpu = 0 }, b1 = { .vcpu = 1 };
    unsigned long done = 0;
    uint64_t end;

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b0), 0, "bind_ipi to vCPU 0");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b1), 0, "bind_ipi to vCPU 1");
    port0 = b0.port;
    port1 = b1.port;
    evtchn_mask(port0);                 /* poll wakes on pending, no upcalls */
    evtchn_mask(port1);
    evtchn_clear(port0);
    evtchn_clear(port1);

    build_vcpu_context(&ctx, stack1 + sizeof(stack1));
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), 0, "up vCPU 1");
    end = xen_now() + 60000000000ULL;   /* a hang bound, not a timing check */
    while ( !started && xen_now() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    if ( !started )
        test_abort("vCPU 1 never ran");

    for ( done = 0; done < ROUND_TRIPS; done++ )
    {
        if ( send(port1) || wait_port(port0) )
            break;
    }
    expect_eq(done, ROUND_TRIPS, "every round trip completed");
    expect_eq(received1, ROUND_TRIPS, "vCPU 1 took every event vCPU 0 sent");

    stop = 1;
    send(port1);
    end = xen_now() + 60000000000ULL;
    while ( HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0) == 1 && xen_now() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0, "vCPU 1 took itself down");
}
