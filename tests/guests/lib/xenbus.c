/*
 * xenbus.c: xenstore over the guest's store ring, grants, sleeps, xenbus
 * states for frontend test guests (see xenbus.h).
 */
#include "xenbus.h"
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/io/xs_wire.h>

grant_entry_v1_t *xb_gnt;

static uint8_t win_gnttab[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile struct xenstore_domain_interface *xs;

/*
 * The single-shot timer is armed again before every block: our pvclock
 * reading may lag Xen's NOW() a little, and a timer that has fired is not
 * armed any more (Xen stops the periodic timer of a blocked vCPU), so a
 * block after it would never end.
 */
void xb_sleep_10ms(void)
{
    uint64_t end = xen_now() + 10000000;

    do {
        HYPERVISOR_set_timer_op(end);
        HYPERVISOR_sched_op(SCHEDOP_block, 0);
        events_disable();
    } while ( xen_now() < end );
}

void xb_notify(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };

    HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

bool xb_init(void)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    xen_pfn_t gframe = 0;
    unsigned long pfn = machine_to_phys_mapping[start_info->store_mfn];

    if ( !check(start_info->store_mfn && pfn < start_info->nr_pages, "a xenstore ring") )
        return false;
    /* Initial pages are mapped at 0x400000 + pfn * 4096 (lib/head.S). */
    xs = (struct xenstore_domain_interface *)(0x400000 + (pfn << PAGE_SHIFT));
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    evtchn_unmask(bv.port);
    set_xen_guest_handle(st.frame_list, &gframe);
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table");
    expect_eq(HYPERVISOR_update_va_mapping((unsigned long)win_gnttab,
                                           ((uint64_t)gframe << PAGE_SHIFT) | _PAGE_PRESENT |
                                           _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_RW, UVMF_INVLPG),
              0, "map grant frame 0");
    xb_gnt = (grant_entry_v1_t *)win_gnttab;
    return true;
}

/* Copy n bytes into the request ring, as much at a time as there is room, then one producer update. */
static void xs_put(const void *p, unsigned int n)
{
    const char *s = p;

    while ( n )
    {
        XENSTORE_RING_IDX prod = xs->req_prod, cons = xs->req_cons;
        unsigned int room = XENSTORE_RING_SIZE - (prod - cons), i;

        xen_mb();
        if ( !room )
        {
            xb_notify(start_info->store_evtchn);
            xb_sleep_10ms();
            continue;
        }
        for ( i = 0; i < room && i < n; i++ )
            xs->req[MASK_XENSTORE_IDX(prod + i)] = s[i];
        xen_wmb();   /* the bytes before the index */
        xs->req_prod = prod + i;
        s += i;
        n -= i;
        xb_notify(start_info->store_evtchn);
    }
}

static bool xs_get(void *p, unsigned int n)
{
    char *d = p;
    uint64_t end = xen_now() + XB_RSP_NS;

    while ( n )
    {
        XENSTORE_RING_IDX cons = xs->rsp_cons;

        if ( xs->rsp_prod == cons )
        {
            if ( xen_now() > end )
                return false;
            xb_sleep_10ms();
            continue;
        }
        xen_rmb();
        *d++ = xs->rsp[MASK_XENSTORE_IDX(cons)];
        xen_mb();
        xs->rsp_cons = cons + 1;
        n--;
    }
    xb_notify(start_info->store_evtchn);
    return true;
}

/*
 * One request: type with payload a (NUL included) and b (blen bytes);
 * the reply's body into out. Returns the reply's type (XS_ERROR for an
 * error), -1 if xenstored never answered.
 */
static int xs_call(uint32_t type, const char *a, const char *b, unsigned int blen,
                   char *out, unsigned int size)
{
    static uint32_t req_id;
    struct xsd_sockmsg m = { .type = type, .req_id = ++req_id };
    unsigned int alen = strlen(a) + 1, i;
    char c;

    static char msg[sizeof(m) + XENSTORE_PAYLOAD_MAX];

    m.len = alen + blen;
    if ( m.len > XENSTORE_PAYLOAD_MAX )
        return -1;
    /* The whole message at once: xenstored never sees a header without its payload. */
    memcpy(msg, &m, sizeof(m));
    memcpy(msg + sizeof(m), a, alen);
    if ( blen )
        memcpy(msg + sizeof(m) + alen, b, blen);
    xs_put(msg, sizeof(m) + m.len);
    for ( ;; )
    {
        if ( !xs_get(&m, sizeof(m)) )
            return -1;
        if ( m.type != XS_WATCH_EVENT )
            break;
        for ( i = 0; i < m.len; i++ )   /* (we set no watch: skip) */
            xs_get(&c, 1);
    }
    for ( i = 0; i < m.len; i++ )
    {
        if ( !xs_get(&c, 1) )
            return -1;
        if ( out && i + 1 < size )
            out[i] = c;
    }
    if ( out && size )
        out[m.len < size ? m.len : size - 1] = 0;
    return m.type;
}

bool xs_write(const char *path, const char *val)
{
    return xs_call(XS_WRITE, path, val, strlen(val), NULL, 0) == XS_WRITE;
}

bool xs_read(const char *path, char *out, unsigned int size)
{
    return xs_call(XS_READ, path, NULL, 0, out, size) == XS_READ;
}

int xs_read_int(const char *path)
{
    char buf[32];
    int v = 0;
    unsigned int i;

    if ( !xs_read(path, buf, sizeof(buf)) )
        return -1;
    for ( i = 0; buf[i] >= '0' && buf[i] <= '9'; i++ )
        v = v * 10 + (buf[i] - '0');
    return v;
}

void xb_grant(grant_ref_t ref, domid_t dom, unsigned long mfn, uint16_t flags)
{
    xb_gnt[ref].flags = 0;
    barrier();
    xb_gnt[ref].domid = dom;
    xb_gnt[ref].frame = (uint32_t)mfn;
    xen_wmb();
    xb_gnt[ref].flags = flags;
}

int xb_wait_state(const char *dir, int a, int b)
{
    char p[160];
    uint64_t end = xen_now() + XB_STATE_NS;
    int s;

    snprintf(p, sizeof(p), "%s/state", dir);
    for ( ;; )
    {
        s = xs_read_int(p);
        if ( s == a || s == b || xen_now() > end )
            break;
        xb_sleep_10ms();
    }
    return s;
}

bool xb_set_state(const char *dir, int state)
{
    char p[160], v[4];

    snprintf(p, sizeof(p), "%s/state", dir);
    snprintf(v, sizeof(v), "%d", state);
    return xs_write(p, v);
}

int xb_backend_initwait(const char *fe, char *backend, unsigned int size)
{
    char p[160];
    int id, s;

    snprintf(p, sizeof(p), "%s/backend", fe);
    if ( !check(xs_read(p, backend, size), "read the frontend's backend path") )
        return -1;
    snprintf(p, sizeof(p), "%s/backend-id", fe);
    id = xs_read_int(p);
    if ( !check(id >= 0, "read the frontend's backend-id") )
        return -1;
    snprintf(p, sizeof(p), "%s/state", backend);
    printk("backend %s (domain %d), state %d: waiting for InitWait\n", backend, id, xs_read_int(p));
    s = xb_wait_state(backend, XenbusStateInitWait, XenbusStateInitWait);
    if ( !expect_eq(s, XenbusStateInitWait, "backend InitWait") )
        return -1;
    return id;
}
