/*
 * event_channel: loopback interdomain channels, VIRQ_TIMER and IPI
 * bindings, send, mask/unmask with upcall delivery, status, close; bad
 * ports (-EINVAL), double binds (-EEXIST), bad vcpus (-ENOENT), bad
 * pointers (-EFAULT) and unknown commands (-ENOSYS) as in Xen 4.17.
 */
#include "test.h"
#include <xen/event_channel.h>

const char test_name[] = "event_channel";

/* EVTCHNOP_status of a port; returns rc, fills *st. */
static long status(evtchn_port_t port, struct evtchn_status *st)
{
    st->dom = DOMID_SELF;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

/* Close a port; returns Xen's result. */
static long close_port(evtchn_port_t port)
{
    struct evtchn_close c = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

/* Send on a port; returns Xen's result. */
static long send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* alloc_unbound + bind_interdomain to ourselves, both directions. */
static void loopback(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    struct evtchn_status st;
    evtchn_port_t a, b;

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound");
    a = au.port;
    check(a > 0, "port 0 is never handed out");
    expect_eq(status(a, &st), 0, "status of the unbound port");
    expect_eq(st.status, EVTCHNSTAT_unbound, "unbound");
    bi.remote_port = a;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0,
              "bind_interdomain to our own unbound port");
    b = bi.local_port;
    check(b != a, "a second port");
    check(evtchn_pending(b), "Xen 4.17 marks the new local port pending");
    evtchn_clear(b);
    expect_eq(status(a, &st), 0, "status");
    expect_eq(st.status, EVTCHNSTAT_interdomain, "interdomain");
    expect_eq(st.u.interdomain.port, b, "connected to the other end");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
              "binding an already bound port");

    evtchn_mask(a);
    evtchn_clear(a);
    expect_eq(send(b), 0, "send b -> a");
    check(evtchn_pending(a), "a pending");
    check(!evtchn_pending(b), "b not pending");
    evtchn_clear(a);
    evtchn_unmask(a);
    events_enable();
    expect_eq(send(b), 0, "send b -> a, unmasked");
    events_disable();
    check(event_seen(a), "upcall delivered a");

    expect_eq(close_port(a), 0, "close a");
    expect_eq(status(b, &st), 0, "status of b");
    expect_eq(st.status, EVTCHNSTAT_unbound, "b unbound after a closed");
    expect_eq(send(b), 0, "send on an unbound port is silently dropped");
    expect_eq(close_port(b), 0, "close b");
    expect_eq(close_port(b), -XEN_EINVAL, "close twice");
    expect_eq(send(b), -XEN_EINVAL, "send on a closed port");
    au.remote_dom = 1000;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0,
              "alloc_unbound for a domain that does not exist (yet) is fine");
    expect_eq(close_port(au.port), 0, "close it");
    au.dom = 1000;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH,
              "alloc_unbound in a missing domain");
}

/* VIRQ_TIMER and IPI bindings. */
static void virq_ipi(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct evtchn_bind_ipi bip = { .vcpu = 0 };
    struct evtchn_unmask um;
    struct evtchn_status st;
    evtchn_port_t v, i;

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    v = bv.port;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST,
              "bind VIRQ_TIMER twice");
    expect_eq(status(v, &st), 0, "status of the virq port");
    expect_eq(st.status, EVTCHNSTAT_virq, "virq");
    expect_eq(st.u.virq, VIRQ_TIMER, "VIRQ_TIMER");
    bv.virq = NR_VIRQS;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL,
              "bind virq NR_VIRQS");
    bv.virq = VIRQ_DEBUG;
    bv.vcpu = 100;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT,
              "bind virq to vcpu 100");

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bip), 0, "bind_ipi");
    i = bip.port;
    expect_eq(status(i, &st), 0, "status of the ipi port");
    expect_eq(st.status, EVTCHNSTAT_ipi, "ipi");
    evtchn_mask(i);
    evtchn_clear(i);
    expect_eq(send(i), 0, "send ipi to self");
    check(evtchn_pending(i), "ipi pending");
    events_enable();
    um.port = i;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um), 0, "EVTCHNOP_unmask");
    events_disable();
    check(event_seen(i), "unmask delivered the pending ipi");
    bip.vcpu = 100;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bip), -XEN_ENOENT,
              "bind_ipi to vcpu 100");
    expect_eq(close_port(i), 0, "close ipi");
    expect_eq(close_port(v), 0, "close virq");
}

/* Ports and pointers that are not valid. */
static void bad_args(void)
{
    struct evtchn_status st;
    struct evtchn_unmask um = { .port = 100000 };

    expect_eq(send(100000), -XEN_EINVAL, "send on port 100000");
    expect_eq(send(0), -XEN_EINVAL, "send on reserved port 0");
    expect_eq(close_port(0), -XEN_EINVAL, "close port 0");
    expect_eq(close_port(-1), -XEN_EINVAL, "close port -1");
    expect_eq(status(100000, &st), -XEN_EINVAL, "status of port 100000");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &um), -XEN_EINVAL, "unmask 100000");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, 0), -XEN_EFAULT,
              "alloc_unbound, NULL");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, HYPERVISOR_VIRT_START),
              -XEN_EFAULT, "bind_virq, hypervisor address");
    expect_eq(HYPERVISOR_event_channel_op(99, &st), -XEN_ENOSYS, "unknown command 99");
}

void test_main(void)
{
    loopback();
    virq_ipi();
    bad_args();
}
