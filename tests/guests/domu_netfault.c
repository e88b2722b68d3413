/*
 * domu_netfault: a hostile netfront. Run as a domU by Debian's xl with a
 * vif on dom0's bridge (tests/guests/domu_netfault.xl; netback in dom0),
 * it connects through xenstore as netif.h describes and puts into its tx
 * ring: a valid frame (answered NETIF_RSP_OKAY), then grant refs beyond
 * the table / not granted / granted to another domain / naming a frame
 * not ours, a frame shorter than an Ethernet header: each answered with
 * NETIF_RSP_ERROR, and a valid frame after them still OKAY. A request
 * whose data crosses the end of its page must never be answered OKAY
 * (Linux's netback disables the vif: a fatal error). Then Closing/Closed,
 * a reconnect on fresh rings (the backend must come back to Connected),
 * and a producer index 1000 beyond the consumer: no responses for slots
 * it was never given. The runner checks dom0 still answers (xl list).
 */
#include "xenbus.h"
#include <xen/io/netif.h>

const char test_name[] = "domu_netfault";

#define FE "device/vif/0"
static uint8_t tx_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t rx_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t data_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static evtchn_port_t port;
static char backend[128];
static unsigned int backend_id;

/* Grant refs (8.. are past the toolstack's reserved ones). */
enum { REF_TX = 8, REF_RX, REF_DATA, REF_OTHERDOM, REF_NOTOURS, REF_EMPTY,
       REF_TX2 = 20, REF_RX2 };

/* Fresh rings on tx_page/rx_page granted as tref/rref; publish; Connected. */
static int connect(grant_ref_t tref, grant_ref_t rref)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = backend_id };
    netif_tx_sring_t *ts = (netif_tx_sring_t *)tx_page;
    netif_rx_sring_t *rs = (netif_rx_sring_t *)rx_page;
    char v[16];
    bool ok;

    memset(tx_page, 0, PAGE_SIZE);
    memset(rx_page, 0, PAGE_SIZE);
    SHARED_RING_INIT(ts);
    FRONT_RING_INIT(&tx, ts, PAGE_SIZE);
    SHARED_RING_INIT(rs);
    FRONT_RING_INIT(&rx, rs, PAGE_SIZE);
    xb_grant(tref, backend_id, virt_to_mfn(tx_page), GTF_permit_access);
    xb_grant(rref, backend_id, virt_to_mfn(rx_page), GTF_permit_access);
    if ( HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au) )
        return -1;
    port = au.port;
    snprintf(v, sizeof(v), "%u", tref);
    ok = xs_write(FE "/tx-ring-ref", v);
    snprintf(v, sizeof(v), "%u", rref);
    ok &= xs_write(FE "/rx-ring-ref", v);
    snprintf(v, sizeof(v), "%u", port);
    ok &= xs_write(FE "/event-channel", v);
    ok &= xs_write(FE "/request-rx-copy", "1");
    ok &= xs_write(FE "/feature-rx-notify", "1");
    ok &= xb_set_state(FE, XenbusStateConnected);
    if ( !ok )
        return -1;
    return xb_wait_state(backend, XenbusStateConnected, XenbusStateClosing);
}

/* Queue one tx request; push and kick. */
static void send(grant_ref_t gref, uint16_t offset, uint16_t size, uint16_t id)
{
    netif_tx_request_t *r = RING_GET_REQUEST(&tx, tx.req_prod_pvt);
    int n;

    r->gref = gref;
    r->offset = offset;
    r->flags = 0;
    r->id = id;
    r->size = size;
    tx.req_prod_pvt++;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, n);
    (void)n;
    xb_notify(port);   /* (always: a fault test does not trust the backend's hint) */
}

/* The status of the response to id within ns of Xen system time; 99 if none came. */
static int wait_rsp(uint16_t id, uint64_t ns)
{
    uint64_t end;

    for ( end = xen_now() + ns; xen_now() < end; )
    {
        while ( RING_HAS_UNCONSUMED_RESPONSES(&tx) )
        {
            netif_tx_response_t *rsp = RING_GET_RESPONSE(&tx, tx.rsp_cons);
            uint16_t rid = rsp->id;
            int st = rsp->status;

            tx.rsp_cons++;
            if ( rid == id )
                return st;
            printk("  unexpected response id %u status %d\n", rid, st);
        }
        xb_sleep_10ms();
    }
    return 99;
}

static int xmit(grant_ref_t gref, uint16_t offset, uint16_t size, uint16_t id)
{
    send(gref, offset, size, id);
    return wait_rsp(id, XB_RSP_NS);
}

void test_main(void)
{
    int s;
    RING_IDX before;
    uint64_t end;

    check(!(start_info->flags & SIF_INITDOMAIN), "run as a domU");
    if ( !xb_init() )
        return;
    if ( (s = xb_backend_initwait(FE, backend, sizeof(backend))) < 0 )
        return;
    backend_id = (unsigned int)s;
    if ( !expect_eq(connect(REF_TX, REF_RX), XenbusStateConnected, "backend Connected") )
        return;

    printk("  phase 1: connected, hostile requests\n");
    /* A broadcast frame of a local experimental EtherType, 60 bytes at offset 256. */
    memset(data_page, 0, PAGE_SIZE);
    memset(data_page + 256, 0xff, 6);
    data_page[256 + 6] = 0x02;   /* locally administered source */
    data_page[256 + 12] = 0x88;
    data_page[256 + 13] = 0xb5;
    memcpy(data_page + 256 + 14, "xenia netfault", 14);
    xb_grant(REF_DATA, backend_id, virt_to_mfn(data_page), GTF_permit_access | GTF_readonly);
    xb_grant(REF_OTHERDOM, backend_id + 1000, virt_to_mfn(data_page), GTF_permit_access);
    xb_grant(REF_NOTOURS, backend_id, 0x10, GTF_permit_access);

    expect_eq(xmit(REF_DATA, 256, 60, 1), NETIF_RSP_OKAY, "valid frame");
    expect_eq(xmit(0x7fffffff, 256, 60, 2), NETIF_RSP_ERROR, "gref beyond the table");
    expect_eq(xmit(REF_EMPTY, 256, 60, 3), NETIF_RSP_ERROR, "gref not granted");
    expect_eq(xmit(REF_OTHERDOM, 256, 60, 4), NETIF_RSP_ERROR, "gref granted to another domain");
    expect_eq(xmit(REF_NOTOURS, 256, 60, 5), NETIF_RSP_ERROR, "grant of a frame not ours");
    expect_eq(xmit(REF_DATA, 256, 10, 6), NETIF_RSP_ERROR, "frame shorter than an Ethernet header");
    expect_eq(xmit(REF_DATA, 256, 60, 7), NETIF_RSP_OKAY, "valid frame after the faults");

    /* Data crossing the end of the page: never OKAY (2 s for a broken backend to show itself). */
    send(REF_DATA, 4000, 200, 8);
    s = wait_rsp(8, 2000000000ULL);
    printk("  crossing the page: response %d (99: none)\n", s);
    check(s != NETIF_RSP_OKAY, "data beyond the page not accepted");

    printk("  phase 2: reconnect\n");
    /* Close, then reconnect on fresh rings. */
    xb_set_state(FE, XenbusStateClosing);
    s = xb_wait_state(backend, XenbusStateClosing, XenbusStateClosed);
    check(s == XenbusStateClosing || s == XenbusStateClosed, "backend Closing after us");
    xb_set_state(FE, XenbusStateClosed);
    expect_eq(xb_wait_state(backend, XenbusStateClosed, XenbusStateClosed), XenbusStateClosed,
              "backend Closed");
    xb_set_state(FE, XenbusStateInitialising);
    expect_eq(xb_wait_state(backend, XenbusStateInitWait, XenbusStateInitWait), XenbusStateInitWait,
              "backend InitWait again (reconnect)");
    if ( !expect_eq(connect(REF_TX2, REF_RX2), XenbusStateConnected, "backend Connected again") )
        return;

    /* Requests beyond the ring: a producer 1000 ahead of the consumer. */
    before = tx.sring->rsp_prod;
    tx.req_prod_pvt += 1000;
    xen_wmb();
    tx.sring->req_prod = tx.req_prod_pvt;
    xb_notify(port);
    for ( end = xen_now() + 2000000000ULL; xen_now() < end; )   /* 2 s for a broken backend to show itself */
        xb_sleep_10ms();
    printk("  rsp_prod %u -> %u after a producer 1000 ahead\n", before, tx.sring->rsp_prod);
    check(tx.sring->rsp_prod - before <= RING_SIZE(&tx), "no responses for slots beyond the ring");

    xb_set_state(FE, XenbusStateClosing);
    s = xb_wait_state(backend, XenbusStateClosing, XenbusStateClosed);
    check(s == XenbusStateClosing || s == XenbusStateClosed, "backend Closing at the end");
    xb_set_state(FE, XenbusStateClosed);
    expect_eq(xb_wait_state(backend, XenbusStateClosed, XenbusStateClosed), XenbusStateClosed,
              "backend Closed at the end");
}
