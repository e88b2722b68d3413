/*
 * evtchn_rtt: event-channel round trips, 2-level against FIFO (Xen issue 8's
 * benchmark figure; scripts/bench-density.sh runs it on both hypervisors).
 * A loopback interdomain pair (a, b) on vCPU 0 with upcalls masked: one
 * round trip is EVTCHNOP_send on a, b taken as pending (2-level: the bit in
 * shared_info, cleared; FIFO: the head of its queue in the control block,
 * unlinked as Linux's consume_one_event() does), send on b, a taken.
 * Checks: every event arrives on the right port, none is lost. Figure
 * (printed, never checked): "XENIA-RTT ABI ns" per round trip, the median
 * of ROUNDS batches of BATCH.
 */
#include "test.h"
#include <xen/event_channel.h>

const char test_name[] = "evtchn_rtt";

#define BATCH       2000
#define ROUNDS      5
#define CB_OFFSET   0
#define WORDS_PER_PAGE  (PAGE_SIZE / sizeof(event_word_t))
#define BIT(b)      ((event_word_t)1 << (b))
#define W_PENDING   BIT(EVTCHN_FIFO_PENDING)
#define W_MASKED    BIT(EVTCHN_FIFO_MASKED)
#define W_LINKED    BIT(EVTCHN_FIFO_LINKED)
#define LINK(w)     ((w) & EVTCHN_FIFO_LINK_MASK)

static uint8_t cb_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static event_word_t array_page[WORDS_PER_PAGE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static evtchn_port_t qhead[EVTCHN_FIFO_MAX_QUEUES];
static bool fifo;

static struct evtchn_fifo_control_block *cb(void)
{
    return (struct evtchn_fifo_control_block *)(cb_page + CB_OFFSET);
}

static long send(evtchn_port_t p)
{
    struct evtchn_send s = { .port = p };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* FIFO: the next pending event of the READY queues, unlinked; 0 if none. */
static evtchn_port_t fifo_take(void)
{
    uint32_t ready;

    while ((ready = ACCESS_ONCE(cb()->ready)) != 0) {
        unsigned int prio = (unsigned int)__builtin_ctz(ready);
        evtchn_port_t port = qhead[prio] ? qhead[prio] : ACCESS_ONCE(cb()->head[prio]);
        event_word_t old, new;

        if (!port || port >= WORDS_PER_PAGE)
            return 0;
        old = array_page[port];
        do {
            new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
        } while (!__atomic_compare_exchange_n(&array_page[port], &old, new, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        qhead[prio] = LINK(old);
        if (!LINK(old))
            __atomic_fetch_and(&cb()->ready, ~BIT(prio), __ATOMIC_SEQ_CST);
        if ((old & W_PENDING) && !(old & W_MASKED)) {
            __atomic_fetch_and(&array_page[port], ~W_PENDING, __ATOMIC_SEQ_CST);
            return port;
        }
    }
    return 0;
}

/* Did port p arrive (and nothing else)? Taken, so it can arrive again. */
static bool take(evtchn_port_t p)
{
    if (fifo)
        return fifo_take() == p;
    if (!evtchn_pending(p))
        return false;
    evtchn_clear(p);
    return true;
}

static uint64_t sort_median(uint64_t *v, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++)
        for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static void measure(const char *abi, evtchn_port_t a, evtchn_port_t b)
{
    uint64_t ns[ROUNDS];
    unsigned int lost = 0;

    for (unsigned int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = xen_now();

        for (unsigned int i = 0; i < BATCH; i++) {
            send(a);
            lost += !take(b);
            send(b);
            lost += !take(a);
        }
        ns[r] = (xen_now() - t0) / BATCH;
    }
    expect_eq(lost, 0, "every event arrived on its port");
    printk("XENIA-RTT %s %lu\n", abi, (unsigned long)sort_median(ns, ROUNDS));
}

void test_main(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    struct evtchn_init_control c = { .control_gfn = virt_to_mfn(cb_page), .offset = CB_OFFSET };
    struct evtchn_expand_array e = { .array_gfn = virt_to_mfn(array_page) };

    events_disable();
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound");
    bi.remote_port = au.port;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0, "bind_interdomain");
    evtchn_unmask(au.port);
    evtchn_unmask(bi.local_port);
    evtchn_clear(au.port);
    evtchn_clear(bi.local_port);
    measure("2-level", au.port, bi.local_port);

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &c), 0, "init_control");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &e), 0, "expand_array");
    fifo = true;
    while (fifo_take())             /* whatever the switch carried over */
        ;
    measure("FIFO", au.port, bi.local_port);
}
