/*
 * domu_blkfault: a hostile blkfront. Run as a domU by Debian's xl with a
 * disk served by dom0's blkback (tests/guests/domu_blkfault.xl: a 1 MiB
 * loop device scripts/toolstack/domu-guests.sh sets up), it connects
 * through xenstore the way blkif.h describes, first with a ring-ref that
 * grants nothing (the backend must refuse to connect: Closing, an error
 * node), then for real, and puts into its ring what a broken or malicious
 * frontend might: grant refs beyond the table / not granted / granted to
 * another domain / read-only for a read / naming a frame not ours,
 * segments beyond the page or reversed, too many or no segments, sectors
 * beyond the disk, an unknown operation, indirect requests with too many
 * segments or a bad indirect page. Each must come back as an error
 * response (BLKIF_RSP_ERROR, or BLKIF_RSP_EOPNOTSUPP for the unknown
 * operation), and valid requests before and after must still work (a
 * sector written, read back). Last, a producer index 1000 requests
 * beyond the consumer: the backend must not answer slots it was never
 * given (Linux's blkback halts the ring). Then Closing/Closed and power
 * off; the runner checks dom0 still answers (xl list).
 */
#include "xenbus.h"
#include <xen/event_channel.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

const char test_name[] = "domu_blkfault";

#define VDEV "51728"                 /* xvdb */
#define FE "device/vbd/" VDEV        /* relative to /local/domain/<us> */
static uint8_t ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t data_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t ind_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static blkif_front_ring_t front;
static evtchn_port_t ring_port;
static char backend[128];
static unsigned int backend_id;

/* Grant refs this test uses (8.. are past the toolstack's reserved ones). */
enum { REF_RING = 8, REF_DATA, REF_RO, REF_OTHERDOM, REF_NOTOURS, REF_IND, REF_EMPTY,
       REF_BADRING = 20 };

static int wait_backend(int a, int b) { return xb_wait_state(backend, a, b); }
static bool set_state(int state) { return xb_set_state(FE, state); }
static void grant(grant_ref_t ref, domid_t dom, unsigned long mfn, uint16_t flags)
{
    xb_grant(ref, dom, mfn, flags);
}

/* Publish ring-ref/event-channel/protocol and go Initialised. */
static bool publish(grant_ref_t ring_ref)
{
    char v[16];
    bool ok;

    snprintf(v, sizeof(v), "%u", ring_ref);
    ok = xs_write(FE "/ring-ref", v);
    snprintf(v, sizeof(v), "%u", ring_port);
    ok &= xs_write(FE "/event-channel", v);
    ok &= xs_write(FE "/protocol", XEN_IO_PROTO_ABI_NATIVE);
    ok &= set_state(XenbusStateInitialised);
    return ok;
}

static blkif_request_t *next_req(void)
{
    blkif_request_t *r = RING_GET_REQUEST(&front, front.req_prod_pvt);

    memset(r, 0, sizeof(*r));
    front.req_prod_pvt++;
    return r;
}

/* Push what was queued and wait for the response to id; its status, or 99 if none came. */
static int push_wait(uint64_t id)
{
    uint64_t end;
    int notify_;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify_);
    xb_notify(ring_port);   /* (always: a fault test does not trust the backend's hint) */
    (void)notify_;
    for ( end = xen_now() + XB_RSP_NS; xen_now() < end; )
    {
        while ( RING_HAS_UNCONSUMED_RESPONSES(&front) )
        {
            blkif_response_t *rsp = RING_GET_RESPONSE(&front, front.rsp_cons);
            uint64_t rid = rsp->id;
            int st = rsp->status;

            front.rsp_cons++;
            if ( rid == id )
                return st;
            printk("  unexpected response id %lx status %d\n", (unsigned long)rid, st);
        }
        xb_sleep_10ms();
    }
    return 99;
}

/* One segment request: op on sector, segment (gref, first, last), nseg as given. */
static int rw(uint8_t op, uint64_t sector, grant_ref_t gref, uint8_t first, uint8_t last,
              uint8_t nseg, uint64_t id)
{
    blkif_request_t *r = next_req();
    unsigned int i;

    r->operation = op;
    r->nr_segments = nseg;
    r->handle = 0;
    r->id = id;
    r->sector_number = sector;
    for ( i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++ )
    {
        r->seg[i].gref = gref;
        r->seg[i].first_sect = first;
        r->seg[i].last_sect = last;
    }
    return push_wait(id);
}

static int indirect(uint16_t nseg, grant_ref_t ind_ref, uint64_t id)
{
    blkif_request_indirect_t *r = (blkif_request_indirect_t *)next_req();

    r->operation = BLKIF_OP_INDIRECT;
    r->indirect_op = BLKIF_OP_READ;
    r->nr_segments = nseg;
    r->id = id;
    r->sector_number = 0;
    r->handle = 0;
    r->indirect_grefs[0] = ind_ref;
    return push_wait(id);
}

static bool pattern_ok(uint8_t seed)
{
    unsigned int i;

    for ( i = 0; i < 512; i++ )
        if ( data_page[i] != (uint8_t)(seed + i) )
            return false;
    return true;
}

void test_main(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF };
    blkif_sring_t *sring = (blkif_sring_t *)ring_page;
    int s, i;
    RING_IDX before;
    uint64_t end;

    check(!(start_info->flags & SIF_INITDOMAIN), "run as a domU");
    if ( !xb_init() )
        return;

    /* The frontend directory libxl made, and the backend's. */
    if ( (s = xb_backend_initwait(FE, backend, sizeof(backend))) < 0 )
        return;
    backend_id = (unsigned int)s;
    au.remote_dom = backend_id;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound for the backend");
    ring_port = au.port;

    printk("  phase 1: a ring-ref granting nothing\n");
    /* 1. A ring-ref that grants nothing: the backend cannot map it, says so, closes. */
    grant(REF_BADRING, 0, 0, 0);
    check(publish(REF_BADRING), "publish a ring-ref granting nothing");
    s = wait_backend(XenbusStateClosing, XenbusStateConnected);
    expect_eq(s, XenbusStateClosing, "backend refuses the bad ring (Closing)");
    /* Reconnect: Closed, the backend follows, Initialising, InitWait again. */
    set_state(XenbusStateClosed);
    s = wait_backend(XenbusStateClosed, XenbusStateClosed);
    expect_eq(s, XenbusStateClosed, "backend Closed after us");
    set_state(XenbusStateInitialising);
    s = wait_backend(XenbusStateInitWait, XenbusStateInitWait);
    if ( !expect_eq(s, XenbusStateInitWait, "backend InitWait again (reconnect)") )
        return;

    printk("  phase 2: a real ring\n");
    /* 2. A real ring. */
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&front, sring, PAGE_SIZE);
    grant(REF_RING, backend_id, virt_to_mfn(ring_page), GTF_permit_access);
    grant(REF_DATA, backend_id, virt_to_mfn(data_page), GTF_permit_access);
    grant(REF_RO, backend_id, virt_to_mfn(data_page), GTF_permit_access | GTF_readonly);
    grant(REF_OTHERDOM, backend_id + 1000, virt_to_mfn(data_page), GTF_permit_access);
    /* A frame that is not ours: the hypervisor must refuse to map it. */
    grant(REF_NOTOURS, backend_id, 0x10, GTF_permit_access);
    grant(REF_IND, backend_id, virt_to_mfn(ind_page), GTF_permit_access);
    check(publish(REF_RING), "publish the ring");
    s = wait_backend(XenbusStateConnected, XenbusStateClosing);
    if ( !expect_eq(s, XenbusStateConnected, "backend Connected") )
        return;
    set_state(XenbusStateConnected);

    /* Valid: sector 3 written with a pattern, zeroed here, read back. */
    for ( i = 0; i < 512; i++ )
        data_page[i] = (uint8_t)(0x5a + i);
    expect_eq(rw(BLKIF_OP_WRITE, 3, REF_DATA, 0, 0, 1, 1), BLKIF_RSP_OKAY, "valid write");
    memset(data_page, 0, PAGE_SIZE);
    expect_eq(rw(BLKIF_OP_READ, 3, REF_DATA, 0, 0, 1, 2), BLKIF_RSP_OKAY, "valid read");
    check(pattern_ok(0x5a), "read back what was written");

    printk("  phase 3: hostile requests\n");
    /* 3. Hostile requests: each an error response. */
    expect_eq(rw(BLKIF_OP_READ, 0, 0x7fffffff, 0, 7, 1, 10), BLKIF_RSP_ERROR, "gref beyond the table");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_EMPTY, 0, 7, 1, 11), BLKIF_RSP_ERROR, "gref not granted");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_OTHERDOM, 0, 7, 1, 12), BLKIF_RSP_ERROR, "gref granted to another domain");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_RO, 0, 7, 1, 13), BLKIF_RSP_ERROR, "read into a read-only grant");
    expect_eq(rw(BLKIF_OP_WRITE, 0, REF_NOTOURS, 0, 7, 1, 14), BLKIF_RSP_ERROR, "grant of a frame not ours");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_DATA, 0, 8, 1, 15), BLKIF_RSP_ERROR, "last_sect beyond the page");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_DATA, 200, 255, 1, 16), BLKIF_RSP_ERROR, "first_sect beyond the page");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_DATA, 5, 2, 1, 17), BLKIF_RSP_ERROR, "first_sect > last_sect");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_DATA, 0, 7, 0, 18), BLKIF_RSP_ERROR, "no segments");
    expect_eq(rw(BLKIF_OP_READ, 0, REF_DATA, 0, 7, 200, 19), BLKIF_RSP_ERROR, "200 segments");
    expect_eq(rw(BLKIF_OP_READ, 2048, REF_DATA, 0, 7, 1, 20), BLKIF_RSP_ERROR, "sector beyond the disk (1 MiB)");
    expect_eq(rw(BLKIF_OP_READ, ~0UL - 3, REF_DATA, 0, 7, 1, 21), BLKIF_RSP_ERROR, "sector wrapping around");
    s = rw(0x77, 0, REF_DATA, 0, 7, 1, 22);
    check(s == BLKIF_RSP_ERROR || s == BLKIF_RSP_EOPNOTSUPP, "unknown operation: an error");
    memset(ind_page, 0, PAGE_SIZE);
    expect_eq(indirect(60000, REF_IND, 23), BLKIF_RSP_ERROR, "indirect: 60000 segments");
    expect_eq(indirect(4, 0x7ffffff0, 24), BLKIF_RSP_ERROR, "indirect: bad indirect page ref");
    {   /* Indirect page full of bad segments. */
        struct blkif_request_segment *seg = (struct blkif_request_segment *)ind_page;
        for ( i = 0; i < 4; i++ )
        {
            seg[i].gref = REF_DATA;
            seg[i].first_sect = 0;
            seg[i].last_sect = 9;
        }
        expect_eq(indirect(4, REF_IND, 25), BLKIF_RSP_ERROR, "indirect: segments beyond the page");
    }
    /* A write whose data grant is revoked before it is sent. */
    grant(REF_DATA, backend_id, virt_to_mfn(data_page), 0);
    expect_eq(rw(BLKIF_OP_WRITE, 3, REF_DATA, 0, 0, 1, 26), BLKIF_RSP_ERROR, "revoked grant");
    grant(REF_DATA, backend_id, virt_to_mfn(data_page), GTF_permit_access);

    /* 4. The backend still serves: sector 3 holds the first pattern. */
    memset(data_page, 0, PAGE_SIZE);
    expect_eq(rw(BLKIF_OP_READ, 3, REF_DATA, 0, 0, 1, 30), BLKIF_RSP_OKAY, "valid read after the faults");
    check(pattern_ok(0x5a), "sector 3 intact after the faults");

    /* 5. Requests beyond the ring: a producer 1000 ahead of the consumer. */
    before = sring->rsp_prod;
    front.req_prod_pvt += 1000;
    xen_wmb();
    sring->req_prod = front.req_prod_pvt;
    xb_notify(ring_port);
    for ( end = xen_now() + 2000000000ULL; xen_now() < end; )   /* 2 s for a broken backend to show itself */
        xb_sleep_10ms();
    printk("  rsp_prod %u -> %u after a producer 1000 ahead\n", before, sring->rsp_prod);
    check(sring->rsp_prod - before <= RING_SIZE(&front),
          "no responses for slots beyond the ring");

    printk("  phase 6: closing\n");
    /* 6. Go away cleanly. */
    set_state(XenbusStateClosing);
    s = wait_backend(XenbusStateClosing, XenbusStateClosed);
    check(s == XenbusStateClosing || s == XenbusStateClosed, "backend Closing after us");
    set_state(XenbusStateClosed);
    s = wait_backend(XenbusStateClosed, XenbusStateClosed);
    expect_eq(s, XenbusStateClosed, "backend Closed");
    /* (Our grants stay: the domain's end frees them.) */
}
