/*
 * evtchn_reset: EVTCHNOP_reset is preemptible (Xen issue 8, item 2: every
 * loop whose length a guest controls has a continuation). As Xen 4.17's
 * evtchn_reset(), the reset checks for preemption every 64 ports closed;
 * an event pending for the calling vCPU (upcalls enabled) stops it, the
 * guest takes its upcall and re-issues the call as EVTCHNOP_reset_cont,
 * which goes on where it stopped.
 *
 * The guest binds PORTS IPI ports, enables upcalls and marks one pending
 * just before EVTCHNOP_reset on itself. Its upcall handler then runs in
 * the middle of the reset, and sees (Xen's results): port 1 already closed
 * while the last port is still bound, and a second EVTCHNOP_reset -EBUSY
 * (a reset is in progress). When the call returns: 0, every port closed,
 * EVTCHNOP_reset_cont -EBUSY (none in progress). Once on 2-level, once on
 * FIFO (back on 2-level after the reset). An upcall that came before the
 * reset began (a timer interrupt in the few instructions before the call)
 * proves nothing; that attempt is run again, three at most.
 */
#include "test.h"
/* EVTCHNOP_reset_cont is the hypervisor's own, but a guest may issue it (Xen answers). */
#define __XEN__ 1
#include <xen/event_channel.h>
#undef __XEN__

const char test_name[] = "evtchn_reset";

#define PORTS       600     /* 9 preemption points */
#define CB_OFFSET   64

static uint8_t cb_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static uint8_t array_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));

static long evop(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static long bind_ipi(void)
{
    struct evtchn_bind_ipi b = { .vcpu = 0 };
    long rc = evop(EVTCHNOP_bind_ipi, &b);

    return rc ? rc : (long)b.port;
}

/* EVTCHNSTAT_* of one of our ports, or -errno. */
static long status(evtchn_port_t port)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    long rc = evop(EVTCHNOP_status, &st);

    return rc ? rc : (long)st.status;
}

static long reset_self(int cmd)
{
    struct evtchn_reset r = { .dom = DOMID_SELF };

    return evop(cmd, &r);
}

/* What the upcall saw during the reset (the first upcall only). */
static volatile bool in_reset;
static volatile unsigned int upcalls_in_reset;
static volatile long first_status, last_status, reset_again;
static evtchn_port_t last_port;

void test_upcall(void)
{
    if (!in_reset || upcalls_in_reset++)
        return;
    first_status = status(1);
    last_status = status(last_port);
    reset_again = reset_self(EVTCHNOP_reset);
}

/* One attempt: PORTS ports bound, then the reset with an upcall pending. */
static long attempt(void)
{
    vcpu_info_t *vi = &shared->vcpu_info[0];
    long p = 0, rc;

    for (unsigned int i = 0; i < PORTS && (p = bind_ipi()) > 0; i++)
        last_port = (evtchn_port_t)p;
    expect_eq(p > 0 ? 0 : p, 0, "bind the ports");
    upcalls_in_reset = 0;
    first_status = last_status = reset_again = 1000;
    in_reset = true;
    barrier();
    /* Unmasked, then pending: the reset's first preemption check says yes. */
    vi->evtchn_upcall_mask = 0;
    barrier();
    vi->evtchn_upcall_pending = 1;
    rc = reset_self(EVTCHNOP_reset);
    barrier();
    in_reset = false;
    events_disable();
    return rc;
}

static void run(const char *abi)
{
    long rc = 0;
    unsigned int tries;

    for (tries = 1; tries <= 3; tries++) {
        rc = attempt();
        if (upcalls_in_reset == 0 || first_status != EVTCHNSTAT_ipi)
            break;
        printk("evtchn_reset: %s: the upcall came before the reset began; again\n", abi);
    }
    printk("evtchn_reset: %s: %u ports, reset = %ld, %u upcalls during it; the first saw "
           "port 1 %ld, port %u %ld, a second reset %ld\n", abi, PORTS, rc,
           upcalls_in_reset, first_status, last_port, last_status, reset_again);
    expect_eq(rc, 0, "EVTCHNOP_reset");
    check(upcalls_in_reset > 0, "an upcall during the reset (it was preempted)");
    expect_eq(first_status, EVTCHNSTAT_closed, "port 1 closed when preempted");
    expect_eq(last_status, EVTCHNSTAT_ipi, "the last port still bound when preempted");
    expect_eq(reset_again, -XEN_EBUSY, "EVTCHNOP_reset while one is in progress");
    expect_eq(status(last_port), EVTCHNSTAT_closed, "the last port closed after the reset");
    expect_eq(reset_self(EVTCHNOP_reset_cont), -XEN_EBUSY, "EVTCHNOP_reset_cont with none in progress");
}

void test_main(void)
{
    struct evtchn_init_control c = {
        .control_gfn = virt_to_mfn(cb_page), .offset = CB_OFFSET, .vcpu = 0,
    };
    struct evtchn_expand_array e = { .array_gfn = virt_to_mfn(array_page) };

    events_disable();
    expect_eq(reset_self(EVTCHNOP_reset_cont), -XEN_EBUSY, "EVTCHNOP_reset_cont before any reset");
    run("2-level");

    expect_eq(evop(EVTCHNOP_init_control, &c), 0, "EVTCHNOP_init_control");
    expect_eq(evop(EVTCHNOP_expand_array, &e), 0, "EVTCHNOP_expand_array (1024 ports)");
    run("FIFO");
    expect_eq(evop(EVTCHNOP_expand_array, &e), -XEN_EOPNOTSUPP, "2-level again after the reset");
    check(bind_ipi() > 0, "bind_ipi after the reset");
}
