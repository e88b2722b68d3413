/* SOURCES: common/event_channel.c common/event_2l.c common/event_fifo.c */
/*
 * Event channels, 2-level ABI: every EVTCHNOP_* through the hypercall entry
 * with Xen 4.17's errors, delivery into shared_info/vcpu_info, and the
 * in-hypervisor API. Guest pointers below 4096 fault; one "read-only"
 * guest buffer fails copy-out only, to exercise the undo paths. The FIFO
 * ABI has its own tests (test_event_fifo.c); here no guest frame exists,
 * so every domain stays on 2-level.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <xenia/hypercall.h>
#include <xenia/guest_access.h>
#include <xenia/mm.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include "host_stubs.h"

/* ---- host stand-ins for the services event channels use ---- */

struct vcpu *host_test_current;

static const void *readonly_guest;      /* copy-out to here fails */
static long live_allocs;                /* xzalloc_bytes() minus xfree_bytes() */
static int alloc_fail_in = -1;          /* fail the Nth next allocation (0 = next) */
static int kicks;                       /* vcpu_mark_events_pending() that kicked */
static int wakes;                       /* vcpu_wake() calls */

size_t raw_copy_from_guest(void *dst, const void *src, size_t bytes)
{
    if ((uintptr_t)src < 4096)
        return bytes;
    memcpy(dst, src, bytes);
    return 0;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t bytes)
{
    if ((uintptr_t)dst < 4096 || dst == readonly_guest)
        return bytes;
    memcpy(dst, src, bytes);
    return 0;
}

void *xzalloc_bytes(size_t size)
{
    if (alloc_fail_in >= 0 && alloc_fail_in-- == 0)
        return NULL;
    __atomic_fetch_add(&live_allocs, 1, __ATOMIC_SEQ_CST);
    return calloc(1, size);
}

void xfree_bytes(void *va, size_t size)
{
    __atomic_fetch_sub(&live_allocs, 1, __ATOMIC_SEQ_CST);
    free(va);
}

/* No guest frames at all: the FIFO ABI's frame references are never taken. */
struct page_info *frame_table;
unsigned long max_page;

int get_page_and_type(struct page_info *pg, struct domain *d, unsigned long type)
{
    fail_msg("no frame exists");
    return -EINVAL;
}

void put_page_type(struct page_info *pg) { fail_msg("no frame exists"); }
void put_page(struct page_info *pg) { fail_msg("no frame exists"); }
void *host_mfn_to_virt(unsigned long mfn) { fail_msg("no frame exists"); return NULL; }
/* No HVM domain here: event_fifo.c never looks a GFN up. */
int hvm_gfn_to_ram_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    fail_msg("no HVM domain exists");
    return -EINVAL;
}

/* As the PV code does: set evtchn_upcall_pending, kick if it was clear. */
void vcpu_mark_events_pending(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        kicks++;
}

void vcpu_wake(struct vcpu *v)
{
    wakes++;
}

/* ---- fake continuations: a reset is preempted at its checks while fake_preempt ---- */

static bool fake_preempt;
static unsigned int preempt_checks;
static unsigned long fake_hc_arg0;

bool hypercall_preempt_check(void)
{
    preempt_checks++;
    return fake_preempt;
}

void hypercall_set_arg(unsigned int index, unsigned long value)
{
    assert_int_equal(index, 0);
    fake_hc_arg0 = value;
}

#define NDOMS 3
static struct domain *doms[NDOMS];      /* dom0 (privileged), dom1, dom2 */

/* ---- fake PIRQ layer (arch/x86/irq.c): pirq 3 is mapped to dom0 ---- */

static int pirq_bound_port = -1, pirq_unbinds;

int pirq_bind(struct domain *d, int pirq, evtchn_port_t port)
{
    if (pirq != 3 || d != doms[0])
        return -EINVAL;
    if (pirq_bound_port >= 0)
        return -EEXIST;
    pirq_bound_port = (int)port;
    return 0;
}

void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port)
{
    if (pirq == 3 && d == doms[0] && pirq_bound_port == (int)port) {
        pirq_bound_port = -1;
        pirq_unbinds++;
    }
}

struct domain *rcu_lock_domain_by_id(domid_t domid)
{
    for (int i = 0; i < NDOMS; i++) {
        if (doms[i] && doms[i]->domain_id == domid && !doms[i]->is_dying) {
            doms[i]->refcnt++;
            return doms[i];
        }
    }
    return NULL;
}

void rcu_unlock_domain(struct domain *d)
{
    assert_true(d->refcnt > 1);
    d->refcnt--;
}

/* ---- fake domains ---- */

static struct domain *make_domain(domid_t id, bool priv, unsigned int nr_vcpus)
{
    struct domain *d = calloc(1, sizeof(*d));
    d->domain_id = id;
    d->is_privileged = priv;
    d->refcnt = 1;
    d->max_vcpus = nr_vcpus;
    d->shared_info = calloc(1, sizeof(struct shared_info));
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = calloc(1, sizeof(*v));
        v->vcpu_id = (int)i;
        v->domain = d;
        v->vcpu_info = &d->shared_info->vcpu_info[i];
        d->vcpu[i] = v;
    }
    assert_int_equal(evtchn_domain_init(d), 0);
    return d;
}

static void free_domain(struct domain *d)
{
    assert_false(spin_is_locked(&d->evtchn.lock));
    if (!d->evtchn.dead)
        evtchn_domain_destroy(d);
    assert_int_equal(d->refcnt, 1);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        free(d->vcpu[i]);
    free(d->shared_info);
    free(d);
}

static int setup(void **state)
{
    live_allocs = 0;
    alloc_fail_in = -1;
    kicks = wakes = 0;
    readonly_guest = NULL;
    doms[0] = make_domain(0, true, 2);
    doms[1] = make_domain(1, false, 2);
    doms[2] = make_domain(2, false, 1);
    host_test_current = doms[1]->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < NDOMS; i++) {
        free_domain(doms[i]);
        doms[i] = NULL;
    }
    assert_int_equal(live_allocs, 0);
    return 0;
}

static void as(struct domain *d) { host_test_current = d->vcpu[0]; }

/* ---- hypercall helpers (run as the current domain) ---- */

static long op(int cmd, void *arg)
{
    return do_event_channel_op_hc((hc_arg_t)(unsigned int)cmd, (hc_arg_t)arg);
}

static int alloc_unbound(domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = op(EVTCHNOP_alloc_unbound, &a);
    return rc ? (int)rc : (int)a.port;
}

static int bind_interdomain(domid_t rdom, evtchn_port_t rport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
    long rc = op(EVTCHNOP_bind_interdomain, &b);
    return rc ? (int)rc : (int)b.local_port;
}

static int bind_virq(uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = op(EVTCHNOP_bind_virq, &b);
    return rc ? (int)rc : (int)b.port;
}

static int bind_ipi(uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = op(EVTCHNOP_bind_ipi, &b);
    return rc ? (int)rc : (int)b.port;
}

static long evclose(evtchn_port_t port)
{
    struct evtchn_close c = { .port = port };
    return op(EVTCHNOP_close, &c);
}

static long send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };
    return op(EVTCHNOP_send, &s);
}

static long unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };
    return op(EVTCHNOP_unmask, &u);
}

static long bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
    return op(EVTCHNOP_bind_vcpu, &b);
}

static long status(domid_t dom, evtchn_port_t port, struct evtchn_status *s)
{
    memset(s, 0, sizeof(*s));
    s->dom = dom;
    s->port = port;
    return op(EVTCHNOP_status, s);
}

static uint32_t status_of(domid_t dom, evtchn_port_t port)
{
    struct evtchn_status s;
    assert_int_equal(status(dom, port, &s), 0);
    return s.status;
}

static long reset(domid_t dom, bool cont)
{
    struct evtchn_reset r = { .dom = dom };
    return op(cont ? EVTCHNOP_reset_cont : EVTCHNOP_reset, &r);
}

/* ---- the guest's view of the 2-level bitmaps ---- */

static bool bit(const xen_ulong_t *w, unsigned int b) { return (w[b / 64] >> (b % 64)) & 1; }
static bool pending(struct domain *d, unsigned int port) { return bit(d->shared_info->evtchn_pending, port); }
static void set_mask(struct domain *d, unsigned int port) { d->shared_info->evtchn_mask[port / 64] |= 1UL << (port % 64); }
static bool sel(struct domain *d, unsigned int vcpu, unsigned int port)
{
    return (d->shared_info->vcpu_info[vcpu].evtchn_pending_sel >> (port / 64)) & 1;
}
static uint8_t upcall(struct domain *d, unsigned int vcpu)
{
    return d->shared_info->vcpu_info[vcpu].evtchn_upcall_pending;
}
/* The guest handled everything: clear all pending state. */
static void guest_ack(struct domain *d)
{
    memset(d->shared_info->evtchn_pending, 0, sizeof(d->shared_info->evtchn_pending));
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        d->shared_info->vcpu_info[i].evtchn_pending_sel = 0;
        d->shared_info->vcpu_info[i].evtchn_upcall_pending = 0;
    }
}

/* ---- tests ---- */

static void test_port0_reserved(void **state)
{
    struct evtchn_status s;
    assert_int_equal(status(DOMID_SELF, 0, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_closed);
    assert_int_equal(evclose(0), -EINVAL);
    assert_int_equal(send(0), -EINVAL);
    assert_int_equal(bind_vcpu(0, 0), -EINVAL);
    assert_int_equal(alloc_unbound(DOMID_SELF, 2), 1);
}

static void test_alloc_to_exhaustion(void **state)
{
    static bool seen[EVTCHNS_PER_DOMAIN_2L];
    struct evtchn_status s;

    memset(seen, 0, sizeof(seen));
    /* Xen's validity window: 64 ports exist at first. */
    assert_int_equal(status(DOMID_SELF, 63, &s), 0);
    assert_int_equal(status(DOMID_SELF, 64, &s), -EINVAL);
    for (unsigned int i = 1; i < EVTCHNS_PER_DOMAIN_2L; i++) {
        int port = alloc_unbound(DOMID_SELF, 0);
        assert_true(port > 0 && port < (int)EVTCHNS_PER_DOMAIN_2L);
        assert_false(seen[port]);
        seen[port] = true;
    }
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), -ENOSPC);
    assert_int_equal(doms[1]->evtchn.active, EVTCHNS_PER_DOMAIN_2L - 1);
    assert_int_equal(live_allocs, 3 + EVTCHNS_PER_DOMAIN_2L / EVTCHN_PORTS_PER_PAGE - 1);
    /* A freed port is handed out again, lowest first. */
    assert_int_equal(evclose(100), 0);
    assert_int_equal(evclose(7), 0);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), 7);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), 100);
    assert_int_equal(status(DOMID_SELF, EVTCHNS_PER_DOMAIN_2L, &s), -EINVAL);
}

static void test_alloc_unbound_errors(void **state)
{
    struct evtchn_status s;

    assert_int_equal(alloc_unbound(2, 1), -EPERM);          /* unprivileged, other dom */
    assert_int_equal(alloc_unbound(77, 1), -ESRCH);
    assert_int_equal(op(EVTCHNOP_alloc_unbound, (void *)16), -EFAULT);
    int p = alloc_unbound(1, DOMID_SELF);                    /* own id == self */
    assert_true(p > 0);
    assert_int_equal(status(DOMID_SELF, p, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);                    /* DOMID_SELF resolved */
    assert_int_equal(s.vcpu, 0);

    as(doms[0]);                                             /* dom0 may do it for dom2 */
    p = alloc_unbound(2, 0);
    assert_int_equal(p, 1);
    as(doms[2]);
    assert_int_equal(status(DOMID_SELF, p, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 0);

    doms[2]->is_dying = true;                                /* no new ports */
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), -EINVAL);
    doms[2]->is_dying = false;
}

static void test_alloc_enomem(void **state)
{
    for (int i = 1; i < 64; i++)
        assert_true(alloc_unbound(DOMID_SELF, 0) > 0);
    /* ports 64..127 share the first page: no allocation needed */
    alloc_fail_in = 0;
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), 64);
    for (int i = 65; i < (int)EVTCHN_PORTS_PER_PAGE; i++)
        assert_true(alloc_unbound(DOMID_SELF, 0) > 0);
    alloc_fail_in = 0;
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), -ENOMEM);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), EVTCHN_PORTS_PER_PAGE);

    struct domain d = { .domain_id = 9, .max_vcpus = 0 };
    alloc_fail_in = 0;
    assert_int_equal(evtchn_domain_init(&d), -ENOMEM);
}

static void test_bind_virq(void **state)
{
    struct evtchn_status s;

    int t0 = bind_virq(VIRQ_TIMER, 0);
    int t1 = bind_virq(VIRQ_TIMER, 1);
    assert_true(t0 > 0 && t1 > 0 && t0 != t1);
    assert_int_equal(doms[1]->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], t1);
    assert_int_equal(bind_virq(VIRQ_TIMER, 1), -EEXIST);
    assert_int_equal(bind_virq(NR_VIRQS, 0), -EINVAL);
    assert_int_equal(bind_virq(0xffffffffu, 0), -EINVAL);
    assert_int_equal(bind_virq(VIRQ_DOM_EXC, 1), -EINVAL);  /* global: vCPU 0 only */
    assert_int_equal(bind_virq(VIRQ_CONSOLE, 7), -EINVAL);
    assert_int_equal(bind_virq(VIRQ_DEBUG, 2), -ENOENT);    /* no vCPU 2 */
    assert_int_equal(bind_virq(VIRQ_DEBUG, 40), -ENOENT);

    assert_int_equal(status(DOMID_SELF, t1, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_virq);
    assert_int_equal(s.u.virq, VIRQ_TIMER);
    assert_int_equal(s.vcpu, 1);

    assert_int_equal(send(t1), -EINVAL);                      /* cannot send on a VIRQ */
    assert_int_equal(bind_vcpu(t1, 0), -EINVAL);              /* per-vCPU: fixed */
    assert_int_equal(evclose(t1), 0);
    assert_int_equal(doms[1]->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_int_equal(status_of(DOMID_SELF, t1), EVTCHNSTAT_closed);
    assert_int_equal(evclose(t1), -EINVAL);                   /* close of a free port */
    assert_int_equal(bind_virq(VIRQ_TIMER, 1), t1);
}

static void test_virq_delivery(void **state)
{
    struct domain *d = doms[1];
    int t1 = bind_virq(VIRQ_TIMER, 1);
    int exc = bind_virq(VIRQ_DOM_EXC, 0);

    send_guest_vcpu_virq(d->vcpu[0], VIRQ_TIMER);             /* not bound on vCPU 0 */
    assert_false(pending(d, t1));
    send_guest_vcpu_virq(d->vcpu[1], VIRQ_TIMER);
    assert_true(pending(d, t1));
    assert_true(sel(d, 1, t1));
    assert_int_equal(upcall(d, 1), 1);
    assert_int_equal(upcall(d, 0), 0);
    assert_int_equal(kicks, 1);

    send_guest_global_virq(d, VIRQ_DOM_EXC);
    assert_true(pending(d, exc));
    assert_int_equal(upcall(d, 0), 1);
    /* a global VIRQ follows bind_vcpu */
    guest_ack(d);
    assert_int_equal(bind_vcpu(exc, 1), 0);
    send_guest_global_virq(d, VIRQ_DOM_EXC);
    assert_true(sel(d, 1, exc));
    assert_int_equal(upcall(d, 0), 0);
    assert_int_equal(upcall(d, 1), 1);

    /* wrong kind, unbound, NULL: ignored */
    guest_ack(d);
    send_guest_vcpu_virq(d->vcpu[0], VIRQ_DOM_EXC);
    send_guest_global_virq(d, VIRQ_TIMER);
    send_guest_global_virq(d, VIRQ_CONSOLE);
    send_guest_global_virq(NULL, VIRQ_DOM_EXC);
    send_guest_vcpu_virq(d->vcpu[0], NR_VIRQS);
    assert_false(pending(d, exc));
    assert_int_equal(upcall(d, 0) | upcall(d, 1), 0);
}

static void test_bind_ipi_and_send(void **state)
{
    struct domain *d = doms[1];
    struct evtchn_status s;

    assert_int_equal(bind_ipi(2), -ENOENT);
    assert_int_equal(bind_ipi(0x80000000u), -ENOENT);
    int p = bind_ipi(1);
    assert_true(p > 0);
    assert_int_equal(status(DOMID_SELF, p, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_ipi);
    assert_int_equal(s.vcpu, 1);
    assert_int_equal(bind_vcpu(p, 0), -EINVAL);               /* IPI: fixed */

    assert_int_equal(send(p), 0);
    assert_true(pending(d, p));
    assert_true(sel(d, 1, p));
    assert_int_equal(upcall(d, 1), 1);
    assert_int_equal(kicks, 1);
    /* already pending: nothing more */
    assert_int_equal(send(p), 0);
    assert_int_equal(kicks, 1);
    /* another port in the same word while the selector is set: no new kick */
    int q = bind_ipi(1);
    assert_int_equal(send(q), 0);
    assert_true(pending(d, q));
    assert_int_equal(kicks, 1);

    assert_int_equal(evclose(p), 0);
    assert_false(pending(d, p));                             /* freed: no stale event */
    assert_int_equal(send(p), -EINVAL);                      /* closed */
    assert_int_equal(send(5000), -EINVAL);                   /* out of range */
}

static void test_send_unbound_dropped(void **state)
{
    int p = alloc_unbound(DOMID_SELF, 2);
    assert_int_equal(send(p), 0);
    assert_false(pending(doms[1], p));
    assert_false(pending(doms[2], p));
    assert_int_equal(kicks, 0);
}

static void test_interdomain(void **state)
{
    struct domain *d1 = doms[1], *d2 = doms[2];
    struct evtchn_status s;

    as(d1);
    int p1 = alloc_unbound(DOMID_SELF, 2);
    as(d2);
    for (int i = 0; i < 5; i++)                               /* make port numbers differ */
        bind_ipi(0);
    assert_int_equal(bind_interdomain(1, 4000), -EINVAL);      /* does not exist */
    assert_int_equal(bind_interdomain(1, 0), -EINVAL);         /* reserved */
    assert_int_equal(bind_interdomain(1, p1 + 1), -EINVAL);    /* free */
    assert_int_equal(bind_interdomain(77, p1), -ESRCH);
    as(d1);
    int other = alloc_unbound(DOMID_SELF, 0);                  /* for dom0, not dom2 */
    as(d2);
    assert_int_equal(bind_interdomain(1, other), -EINVAL);

    int p2 = bind_interdomain(1, p1);
    assert_int_equal(p2, 6);
    /* the new local port is raised at once (events lost while unbound) */
    assert_true(pending(d2, p2));
    assert_int_equal(upcall(d2, 0), 1);
    assert_int_equal(bind_interdomain(1, p1), -EINVAL);        /* no longer unbound */

    assert_int_equal(status(DOMID_SELF, p2, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_interdomain);
    assert_int_equal(s.u.interdomain.dom, 1);
    assert_int_equal(s.u.interdomain.port, p1);
    as(d1);
    assert_int_equal(status(DOMID_SELF, p1, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_interdomain);
    assert_int_equal(s.u.interdomain.dom, 2);
    assert_int_equal(s.u.interdomain.port, p2);

    /* dom1 -> dom2 */
    guest_ack(d1);
    guest_ack(d2);
    assert_int_equal(send(p1), 0);
    assert_true(pending(d2, p2));
    assert_false(pending(d1, p1));
    assert_false(pending(d2, p1));
    assert_true(sel(d2, 0, p2));
    assert_int_equal(upcall(d2, 0), 1);
    assert_int_equal(upcall(d1, 0), 0);
    /* dom2 -> dom1, on the vCPU chosen by bind_vcpu */
    assert_int_equal(bind_vcpu(p1, 1), 0);
    as(d2);
    assert_int_equal(send(p2), 0);
    assert_true(pending(d1, p1));
    assert_true(sel(d1, 1, p1));
    assert_int_equal(upcall(d1, 1), 1);
    assert_int_equal(upcall(d1, 0), 0);

    /* dom2 closes: dom1's end is unbound again, for dom2 */
    assert_int_equal(evclose(p2), 0);
    as(d1);
    assert_int_equal(status(DOMID_SELF, p1, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 2);
    assert_int_equal(send(p1), 0);                             /* dropped */
    as(d2);
    assert_int_equal(bind_interdomain(1, p1), p2);             /* rebind works */
}

static void test_interdomain_close_from_higher_id(void **state)
{
    /* dom2 holds the binding; close from dom1's side and from dom0 (lower ids) */
    as(doms[2]);
    int p2 = alloc_unbound(DOMID_SELF, 1);
    as(doms[1]);
    int p1 = bind_interdomain(2, p2);
    assert_true(p1 > 0);
    as(doms[2]);
    assert_int_equal(evclose(p2), 0);
    as(doms[1]);
    assert_int_equal(status_of(DOMID_SELF, p1), EVTCHNSTAT_unbound);
    assert_int_equal(evclose(p1), 0);
    assert_int_equal(doms[1]->evtchn.active, 0);
    assert_int_equal(doms[2]->evtchn.active, 0);
}

static void *close_as_dom2(void *port)
{
    as(doms[2]);
    return (void *)evclose((evtchn_port_t)(uintptr_t)port);
}

/* dom2 closes while dom1's lock (lower id) is busy: it backs off and retries. */
static void test_interdomain_close_contended(void **state)
{
    pthread_t t;
    void *rc;

    as(doms[1]);
    int p1 = alloc_unbound(DOMID_SELF, 2);
    as(doms[2]);
    int p2 = bind_interdomain(1, p1);
    spin_lock(&doms[1]->evtchn.lock);
    assert_int_equal(pthread_create(&t, NULL, close_as_dom2, (void *)(uintptr_t)p2), 0);
    usleep(20000);
    assert_int_equal(doms[2]->evtchn.active, 1);          /* still waiting */
    spin_unlock(&doms[1]->evtchn.lock);
    assert_int_equal(pthread_join(t, &rc), 0);
    assert_int_equal((long)rc, 0);
    as(doms[1]);
    assert_int_equal(status_of(DOMID_SELF, p1), EVTCHNSTAT_unbound);
    assert_int_equal(doms[2]->evtchn.active, 0);
}

static void test_loopback(void **state)
{
    struct domain *d = doms[1];
    int a = alloc_unbound(DOMID_SELF, DOMID_SELF);
    int b = bind_interdomain(DOMID_SELF, a);
    assert_true(b > 0 && b != a);
    guest_ack(d);
    assert_int_equal(send(a), 0);
    assert_true(pending(d, b));
    assert_false(pending(d, a));
    assert_int_equal(send(b), 0);
    assert_true(pending(d, a));
    assert_int_equal(evclose(a), 0);
    struct evtchn_status s;
    assert_int_equal(status(DOMID_SELF, b, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
}

static void test_mask_and_unmask(void **state)
{
    struct domain *d = doms[1];
    int p = bind_ipi(0);

    set_mask(d, p);
    assert_int_equal(send(p), 0);
    assert_true(pending(d, p));                              /* stays pending */
    assert_false(sel(d, 0, p));
    assert_int_equal(upcall(d, 0), 0);
    assert_int_equal(kicks, 0);

    assert_int_equal(unmask(p), 0);                          /* delivers it */
    assert_true(sel(d, 0, p));
    assert_int_equal(upcall(d, 0), 1);
    assert_int_equal(kicks, 1);
    assert_int_equal(unmask(p), 0);                          /* not masked: nothing */
    assert_int_equal(kicks, 1);

    /* unmask without a pending event: no upcall */
    guest_ack(d);
    set_mask(d, p);
    assert_int_equal(unmask(p), 0);
    assert_int_equal(upcall(d, 0), 0);

    assert_int_equal(unmask(60), 0);                         /* free but exists */
    assert_int_equal(unmask(64), -EINVAL);
    assert_int_equal(op(EVTCHNOP_unmask, (void *)8), -EFAULT);
}

static void test_status_states_and_errors(void **state)
{
    struct evtchn_status s;

    int u = alloc_unbound(DOMID_SELF, 0);
    int v = bind_virq(VIRQ_DEBUG, 0);
    int i = bind_ipi(0);
    assert_int_equal(status_of(DOMID_SELF, u), EVTCHNSTAT_unbound);
    assert_int_equal(status_of(DOMID_SELF, v), EVTCHNSTAT_virq);
    assert_int_equal(status_of(DOMID_SELF, i), EVTCHNSTAT_ipi);
    assert_int_equal(status_of(1, 10), EVTCHNSTAT_closed);
    assert_int_equal(status(DOMID_SELF, 64, &s), -EINVAL);
    assert_int_equal(status(77, 1, &s), -ESRCH);
    assert_int_equal(status(2, 1, &s), -EPERM);               /* unprivileged */
    assert_int_equal(status(2, 64, &s), -EINVAL);             /* EINVAL first, as Xen */
    assert_int_equal(op(EVTCHNOP_status, (void *)0), -EFAULT);

    as(doms[0]);                                              /* dom0 may look */
    assert_int_equal(status(1, u, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 0);

    /* result copied out once; a read-only status buffer faults */
    struct evtchn_status ro = { .dom = 1, .port = (evtchn_port_t)u };
    readonly_guest = &ro;
    assert_int_equal(op(EVTCHNOP_status, &ro), -EFAULT);
}

static void test_bind_vcpu(void **state)
{
    struct evtchn_status s;
    int u = alloc_unbound(DOMID_SELF, 0);

    assert_int_equal(bind_vcpu(u, 1), 0);
    assert_int_equal(status(DOMID_SELF, u, &s), 0);
    assert_int_equal(s.vcpu, 1);
    assert_int_equal(bind_vcpu(u, 2), -ENOENT);
    assert_int_equal(bind_vcpu(64, 2), -ENOENT);              /* vCPU checked first */
    assert_int_equal(bind_vcpu(64, 0), -EINVAL);
    assert_int_equal(bind_vcpu(30, 0), -EINVAL);              /* free */
    assert_int_equal(op(EVTCHNOP_bind_vcpu, (void *)1), -EFAULT);
    /* a freed port notifies vCPU 0 again */
    assert_int_equal(evclose(u), 0);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), u);
    assert_int_equal(status(DOMID_SELF, u, &s), 0);
    assert_int_equal(s.vcpu, 0);
}

static void test_reset(void **state)
{
    struct domain *d1 = doms[1];

    as(doms[2]);
    int r = alloc_unbound(DOMID_SELF, 1);
    as(d1);
    int l = bind_interdomain(2, r);
    bind_virq(VIRQ_TIMER, 0);
    bind_virq(VIRQ_DOM_EXC, 0);
    bind_ipi(1);
    for (int i = 0; i < 100; i++)
        alloc_unbound(DOMID_SELF, 0);
    send(l);

    assert_int_equal(reset(77, false), -ESRCH);
    assert_int_equal(reset(2, false), -EPERM);
    assert_int_equal(reset(DOMID_SELF, true), -EBUSY);        /* reset_cont: none in progress */
    assert_int_equal(op(EVTCHNOP_reset, (void *)0), -EFAULT);
    assert_int_equal(reset(DOMID_SELF, false), 0);
    assert_int_equal(d1->evtchn.active, 0);
    assert_int_equal(d1->vcpu[0]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_int_equal(d1->vcpu[0]->virq_to_evtchn[VIRQ_DOM_EXC], 0);
    for (unsigned int p = 1; p < 128; p++)
        assert_int_equal(status_of(DOMID_SELF, p), EVTCHNSTAT_closed);
    as(doms[2]);
    assert_int_equal(status_of(DOMID_SELF, r), EVTCHNSTAT_unbound);
    as(d1);
    assert_int_equal(bind_virq(VIRQ_TIMER, 0), 1);            /* usable again */

    as(doms[0]);                                              /* dom0: target must be paused */
    assert_int_equal(reset(1, false), -EINVAL);
    d1->pause_count = 1;
    assert_int_equal(reset(1, false), 0);
    assert_int_equal(d1->evtchn.active, 0);
    d1->pause_count = 0;
}

/*
 * A reset preempted at its first check (port 64) keeps its place, makes
 * the guest re-issue the call as reset_cont, refuses a second reset
 * meanwhile (-EBUSY), and finishes from there; resumed while preempted at
 * every check, it closes 64 ports a call.
 */
static void test_reset_preempted(void **state)
{
    struct domain *d1 = doms[1];
    int first = -1, last = -1;

    as(d1);
    for (int i = 0; i < 300; i++) {
        last = alloc_unbound(DOMID_SELF, 0);
        if (first < 0)
            first = last;
    }
    assert_true(first > 0 && last >= 300);
    fake_preempt = true;
    fake_hc_arg0 = 0;
    assert_int_equal(reset(DOMID_SELF, false), -ERESTART);
    assert_int_equal(fake_hc_arg0, EVTCHNOP_reset_cont);
    assert_int_equal(d1->evtchn.reset_next, 65);
    assert_int_equal(status_of(DOMID_SELF, 64), EVTCHNSTAT_closed);
    assert_int_equal(status_of(DOMID_SELF, 65), EVTCHNSTAT_unbound);
    assert_int_equal(status_of(DOMID_SELF, last), EVTCHNSTAT_unbound);
    assert_int_equal(reset(DOMID_SELF, false), -EBUSY);         /* one is in progress */
    assert_int_equal(reset(DOMID_SELF, true), -ERESTART);       /* 65..128 */
    assert_int_equal(d1->evtchn.reset_next, 129);
    assert_int_equal(status_of(DOMID_SELF, 129), EVTCHNSTAT_unbound);
    fake_preempt = false;
    assert_int_equal(reset(DOMID_SELF, true), 0);
    assert_int_equal(d1->evtchn.reset_next, 0);
    assert_int_equal(d1->evtchn.active, 0);
    assert_int_equal(status_of(DOMID_SELF, last), EVTCHNSTAT_closed);
    assert_int_equal(reset(DOMID_SELF, true), -EBUSY);          /* none in progress */
    assert_true(preempt_checks > 0);
}

static void test_destroy(void **state)
{
    struct domain *d1 = doms[1];

    as(doms[2]);
    int r = alloc_unbound(DOMID_SELF, 1);
    as(d1);
    int l = bind_interdomain(2, r);
    int t = bind_virq(VIRQ_TIMER, 1);
    for (int i = 0; i < 200; i++)                             /* spill into a second page */
        assert_true(alloc_unbound(DOMID_SELF, 0) > 0);
    assert_int_equal(live_allocs, 3 + 1);

    d1->is_dying = true;
    evtchn_domain_destroy(d1);
    assert_int_equal(live_allocs, 3 - 1);
    assert_int_equal(d1->evtchn.active, 0);
    assert_int_equal(d1->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_false(pending(d1, l));
    assert_int_equal(evtchn_port_poll(d1, (evtchn_port_t)t), -EINVAL);
    send_guest_vcpu_virq(d1->vcpu[1], VIRQ_TIMER);           /* harmless */
    assert_int_equal(send(l), -EINVAL);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), -EINVAL);
    as(doms[2]);
    struct evtchn_status s;
    assert_int_equal(status(DOMID_SELF, r, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);
    assert_int_equal(s.u.unbound.dom, 1);
    d1->is_dying = false;
}

/*
 * Destruction of a DOMDYING_dying domain preempted at every check (every
 * 64 ports) keeps its place and closes 64 ports a call until done; no new
 * port meanwhile. A DOMDYING_dead domain (domain_create()'s undo) is never
 * preempted.
 */
static void test_destroy_preempted(void **state)
{
    struct domain *d1 = doms[1];
    int calls = 0, rc, last = -1;

    as(d1);
    for (int i = 0; i < 300; i++)
        last = alloc_unbound(DOMID_SELF, 0);
    assert_true(last >= 300);
    d1->is_dying = DOMDYING_dying;
    fake_preempt = true;
    assert_int_equal(evtchn_domain_destroy(d1), -ERESTART);
    assert_int_equal(d1->evtchn.destroy_next, 65);
    assert_int_equal(status_of(DOMID_SELF, 64), EVTCHNSTAT_closed);
    assert_int_equal(status_of(DOMID_SELF, 65), EVTCHNSTAT_unbound);
    assert_int_equal(alloc_unbound(DOMID_SELF, 0), -EINVAL);   /* dying: no new port */
    while ((rc = evtchn_domain_destroy(d1)) == -ERESTART && ++calls < 100)
        assert_true(d1->evtchn.active > 0);
    assert_int_equal(rc, 0);
    assert_true(calls >= 3);                                    /* 300 ports, 64 a call */
    assert_int_equal(d1->evtchn.active, 0);
    fake_preempt = false;
    d1->is_dying = DOMDYING_alive;

    /* domain_create()'s undo (DOMDYING_dead): to the end in one call. */
    struct domain *d2 = doms[2];
    as(d2);
    for (int i = 0; i < 200; i++)
        assert_true(alloc_unbound(DOMID_SELF, 0) > 0);
    d2->is_dying = DOMDYING_dead;
    fake_preempt = true;
    assert_int_equal(evtchn_domain_destroy(d2), 0);
    assert_int_equal(d2->evtchn.active, 0);
    fake_preempt = false;
    d2->is_dying = DOMDYING_alive;
}

static void *destroy_thread(void *d)
{
    evtchn_domain_destroy(d);
    return NULL;
}

/* Two connected domains destroyed at once on two CPUs: no deadlock, all closed. */
static void test_destroy_both_ends_concurrently(void **state)
{
    pthread_t t1, t2;

    for (int i = 0; i < 300; i++) {
        as(doms[i & 1 ? 1 : 2]);
        int r = alloc_unbound(DOMID_SELF, i & 1 ? 2 : 1);
        as(doms[i & 1 ? 2 : 1]);
        assert_true(bind_interdomain(i & 1 ? 1 : 2, (evtchn_port_t)r) > 0);
    }
    assert_int_equal(doms[1]->evtchn.active, 300);
    doms[1]->is_dying = doms[2]->is_dying = true;
    assert_int_equal(pthread_create(&t1, NULL, destroy_thread, doms[1]), 0);
    assert_int_equal(pthread_create(&t2, NULL, destroy_thread, doms[2]), 0);
    assert_int_equal(pthread_join(t1, NULL), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_int_equal(doms[1]->evtchn.active, 0);
    assert_int_equal(doms[2]->evtchn.active, 0);
    assert_int_equal(live_allocs, 3 - 2);
    doms[1]->is_dying = doms[2]->is_dying = false;
}

static void test_copy_out_failure_undoes(void **state)
{
    struct evtchn_status s;

    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    readonly_guest = &bv;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -EFAULT);
    assert_int_equal(doms[1]->vcpu[0]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_int_equal(doms[1]->evtchn.active, 0);

    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    readonly_guest = &bi;
    assert_int_equal(op(EVTCHNOP_bind_ipi, &bi), -EFAULT);
    assert_int_equal(doms[1]->evtchn.active, 0);

    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    readonly_guest = &au;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), -EFAULT);
    assert_int_equal(doms[1]->evtchn.active, 0);

    readonly_guest = NULL;
    as(doms[2]);
    int r = alloc_unbound(DOMID_SELF, 1);
    as(doms[1]);
    struct evtchn_bind_interdomain bd = { .remote_dom = 2, .remote_port = (evtchn_port_t)r };
    readonly_guest = &bd;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bd), -EFAULT);
    assert_int_equal(doms[1]->evtchn.active, 0);
    assert_false(pending(doms[1], 1));
    as(doms[2]);
    assert_int_equal(status(DOMID_SELF, r, &s), 0);
    assert_int_equal(s.status, EVTCHNSTAT_unbound);

    /* bad pointers in */
    assert_int_equal(op(EVTCHNOP_bind_interdomain, (void *)4095), -EFAULT);
    assert_int_equal(op(EVTCHNOP_bind_virq, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_bind_ipi, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_bind_pirq, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_close, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_send, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_init_control, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_expand_array, (void *)0), -EFAULT);
    assert_int_equal(op(EVTCHNOP_set_priority, (void *)0), -EFAULT);
}

static void test_bind_pirq_and_no_fifo(void **state)
{
    struct evtchn_bind_pirq bp = { .pirq = 3 };
    struct evtchn_init_control ic = { .vcpu = 0 };
    struct evtchn_expand_array ea = { 0 };
    struct evtchn_set_priority sp = { .port = 1, .priority = 3 };
    int dummy = 0;

    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), -EPERM);
    bp.pirq = 56;                                /* a domU's range ends at 56 */
    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), -EINVAL);
    as(doms[0]);
    bp.pirq = 256;                               /* dom0's range ends at 256 */
    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), -EINVAL);
    bp.pirq = 4;                                 /* not mapped: the port is given back */
    unsigned int active = doms[0]->evtchn.active;
    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), -EINVAL);
    assert_int_equal(doms[0]->evtchn.active, active);
    bp.pirq = 3;
    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), 0);
    assert_int_equal(pirq_bound_port, (int)bp.port);
    struct evtchn_status st = { .dom = DOMID_SELF, .port = bp.port };
    assert_int_equal(op(EVTCHNOP_status, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_pirq);
    assert_int_equal(st.u.pirq, 3);
    evtchn_port_t first = bp.port;
    assert_int_equal(op(EVTCHNOP_bind_pirq, &bp), -EEXIST);
    assert_int_equal(doms[0]->evtchn.active, active + 1);
    assert_int_equal(pirq_unbinds, 0);               /* the failed bind left the first alone */
    assert_int_equal(pirq_bound_port, (int)first);
    bp.port = first;
    /* The interrupt path raises the port only while it is bound to that PIRQ. */
    send_guest_pirq(doms[0], bp.port, 3);
    assert_true(evtchn_port_is_pending(doms[0], bp.port));
    evtchn_2l_clear_pending(doms[0], bp.port);
    send_guest_pirq(doms[0], bp.port, 5);
    assert_false(evtchn_port_is_pending(doms[0], bp.port));
    struct evtchn_close cl = { .port = bp.port };
    assert_int_equal(op(EVTCHNOP_close, &cl), 0);
    assert_int_equal(pirq_unbinds, 1);               /* closing unbinds */
    send_guest_pirq(doms[0], bp.port, 3);
    assert_false(evtchn_port_is_pending(doms[0], bp.port));
    as(doms[1]);
    assert_int_equal(op(99, &dummy), -ENOSYS);
    assert_int_equal(op(-1, &dummy), -ENOSYS);
    assert_int_equal(do_event_channel_op_hc(0x100000000UL | EVTCHNOP_send, (hc_arg_t)&dummy), -EINVAL);
    assert_int_equal(op(EVTCHNOP_init_control, &ic), -EINVAL);  /* frame 0: not dom1's */
    assert_int_equal(op(EVTCHNOP_expand_array, &ea), -EOPNOTSUPP);
    assert_int_equal(op(EVTCHNOP_set_priority, &sp), -ENOSYS);
    sp.port = 64;
    assert_int_equal(op(EVTCHNOP_set_priority, &sp), -EINVAL);
}

static void test_poll_api(void **state)
{
    struct domain *d = doms[1];
    struct vcpu *v1 = d->vcpu[1];
    int p = bind_ipi(0), q = bind_ipi(0);

    assert_int_equal(evtchn_port_poll(d, 0), -EINVAL);
    assert_int_equal(evtchn_port_poll(d, 40), -EINVAL);       /* free */
    assert_int_equal(evtchn_port_poll(d, 4096), -EINVAL);
    assert_int_equal(evtchn_port_poll(d, (evtchn_port_t)p), 0);
    assert_false(evtchn_port_is_pending(d, (evtchn_port_t)p));

    /* vCPU 1 polls q: an event on p does not wake it, one on q does */
    v1->poll_evtchn = q;
    v1->pause_flags |= VPF_blocked;
    set_mask(d, (unsigned)p);
    set_mask(d, (unsigned)q);                                 /* polling works while masked */
    send(p);
    assert_true(evtchn_port_is_pending(d, (evtchn_port_t)p));
    assert_int_equal(wakes, 0);
    assert_int_equal(v1->poll_evtchn, q);
    send(q);
    assert_int_equal(evtchn_port_poll(d, (evtchn_port_t)q), 1);
    assert_int_equal(wakes, 1);
    assert_int_equal(v1->poll_evtchn, 0);
    assert_false(v1->pause_flags & VPF_blocked);
    assert_int_equal(kicks, 0);

    /* polling several ports: any event wakes */
    guest_ack(d);
    v1->poll_evtchn = -1;
    v1->pause_flags |= VPF_blocked;
    send(p);
    assert_int_equal(wakes, 2);
    assert_int_equal(v1->poll_evtchn, 0);
    /* not polling: nothing */
    guest_ack(d);
    send(p);
    assert_int_equal(wakes, 2);
}

static void test_set_pending_api(void **state)
{
    struct domain *d = doms[2];

    evtchn_set_pending(d->vcpu[0], 130);
    assert_true(pending(d, 130));
    assert_true(sel(d, 0, 130));
    assert_int_equal(upcall(d, 0), 1);
    evtchn_set_pending(d->vcpu[0], EVTCHNS_PER_DOMAIN_2L);   /* ignored */
    evtchn_set_pending(d->vcpu[0], 4095);
    assert_true(pending(d, 4095));
    assert_true(sel(d, 0, 4095));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_port0_reserved),
        T(test_alloc_to_exhaustion),
        T(test_alloc_unbound_errors),
        T(test_alloc_enomem),
        T(test_bind_virq),
        T(test_virq_delivery),
        T(test_bind_ipi_and_send),
        T(test_send_unbound_dropped),
        T(test_interdomain),
        T(test_interdomain_close_from_higher_id),
        T(test_interdomain_close_contended),
        T(test_loopback),
        T(test_mask_and_unmask),
        T(test_status_states_and_errors),
        T(test_bind_vcpu),
        T(test_reset),
        T(test_reset_preempted),
        T(test_destroy_preempted),
        T(test_destroy),
        T(test_destroy_both_ends_concurrently),
        T(test_copy_out_failure_undoes),
        T(test_bind_pirq_and_no_fifo),
        T(test_poll_api),
        T(test_set_pending_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
