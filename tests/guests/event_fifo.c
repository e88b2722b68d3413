/*
 * event_fifo: the FIFO event channel ABI as Xen 4.17 implements it.
 * Before EVTCHNOP_init_control: expand_array -EOPNOTSUPP, set_priority
 * -ENOSYS. init_control's refusals (-ENOENT vCPU, -EINVAL offset past the
 * page or unaligned, frame that is a page table or does not exist, second
 * control block), expand_array's (-EINVAL frames, -ENOSPC past 128 pages).
 * Then, with events masked at the vCPU (upcalls are not taken; the guest
 * polls its control block as Linux's upcall handler would): a 2-level
 * event pending at the switch is delivered once its array page arrives,
 * queue order within a priority, priority order across queues (READY,
 * HEAD, LINK), set_priority, MASKED with EVTCHNOP_unmask, BUSY cleared by
 * the link, every port up to the ABI's limit bound, raised and delivered
 * (fifo_ports=N on the guest's command line: only N, for a quick run on
 * Xen, whose port search makes all of them take half an hour), and
 * EVTCHNOP_reset back to 2-level (and FIFO again after it).
 */
#include "test.h"
#include <xen/event_channel.h>

const char test_name[] = "event_fifo";

#define WORDS_PER_PAGE  (PAGE_SIZE / sizeof(event_word_t))
#define ARRAY_PAGES     (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)     /* 128 */
#define CB_OFFSET       64
#define PRIO_DEFAULT    EVTCHN_FIFO_PRIORITY_DEFAULT

#define BIT(b)      ((event_word_t)1 << (b))
#define W_PENDING   BIT(EVTCHN_FIFO_PENDING)
#define W_MASKED    BIT(EVTCHN_FIFO_MASKED)
#define W_LINKED    BIT(EVTCHN_FIFO_LINKED)
#define W_BUSY      BIT(EVTCHN_FIFO_BUSY)
#define LINK(w)     ((w) & EVTCHN_FIFO_LINK_MASK)

static uint8_t cb_pages[2][PAGE_SIZE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static event_word_t event_array[ARRAY_PAGES][WORDS_PER_PAGE]
    __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static evtchn_port_t qhead[EVTCHN_FIFO_MAX_QUEUES];     /* the guest's own HEAD copy */

static struct evtchn_fifo_control_block *cb0(void)
{
    return (struct evtchn_fifo_control_block *)(cb_pages[0] + CB_OFFSET);
}

static volatile event_word_t *word(evtchn_port_t port)
{
    return &event_array[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

static long evop(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *link_bits)
{
    struct evtchn_init_control c = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = evop(EVTCHNOP_init_control, &c);

    if (link_bits)
        *link_bits = c.link_bits;
    return rc;
}

static long expand(uint64_t gfn)
{
    struct evtchn_expand_array e = { .array_gfn = gfn };

    return evop(EVTCHNOP_expand_array, &e);
}

static long set_priority(evtchn_port_t port, uint32_t priority)
{
    struct evtchn_set_priority p = { .port = port, .priority = priority };

    return evop(EVTCHNOP_set_priority, &p);
}

static long bind_ipi(void)
{
    struct evtchn_bind_ipi b = { .vcpu = 0 };
    long rc = evop(EVTCHNOP_bind_ipi, &b);

    return rc ? rc : (long)b.port;
}

static long send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };

    return evop(EVTCHNOP_send, &s);
}

static long unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };

    return evop(EVTCHNOP_unmask, &u);
}

static long reset_self(void)
{
    struct evtchn_reset r = { .dom = DOMID_SELF };

    return evop(EVTCHNOP_reset, &r);
}

/*
 * Take the next event of vCPU 0's queue prio, as Linux's consume_one_event():
 * HEAD from the guest's copy (the control block's when that is empty),
 * clear LINKED and LINK in one compare-exchange, the old LINK is the next
 * head, READY's bit goes when that was the last. Returns the port (0:
 * queue empty); *delivered: it was pending and not masked (PENDING then
 * cleared, as an acknowledgement).
 */
static evtchn_port_t consume(unsigned int prio, bool *delivered)
{
    struct evtchn_fifo_control_block *cb = cb0();
    evtchn_port_t port = qhead[prio];
    event_word_t old, new;

    if (!(ACCESS_ONCE(cb->ready) & BIT(prio)))
        return 0;
    if (!port)
        port = ACCESS_ONCE(cb->head[prio]);
    if (!port || port >= EVTCHN_FIFO_NR_CHANNELS)
        return 0;
    old = *word(port);
    do {
        new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
    } while (!__atomic_compare_exchange_n(word(port), &old, new, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    qhead[prio] = LINK(old);
    if (!LINK(old))
        __atomic_fetch_and(&cb->ready, ~BIT(prio), __ATOMIC_SEQ_CST);
    *delivered = (old & W_PENDING) && !(old & W_MASKED);
    if (*delivered)
        __atomic_fetch_and(word(port), ~W_PENDING, __ATOMIC_SEQ_CST);
    return port;
}

/* The next delivered event in priority order (READY's lowest bit first), 0 if none. */
static evtchn_port_t next_event(void)
{
    uint32_t ready;
    bool delivered;

    while ((ready = ACCESS_ONCE(cb0()->ready)) != 0) {
        evtchn_port_t port = consume((unsigned int)__builtin_ctz(ready), &delivered);
        if (port && delivered)
            return port;
    }
    return 0;
}

static bool upcall_pending(void)
{
    bool p = ACCESS_ONCE(shared->vcpu_info[0].evtchn_upcall_pending);

    shared->vcpu_info[0].evtchn_upcall_pending = 0;
    return p;
}

/* 2-level, before init_control. */
static evtchn_port_t before_fifo(void)
{
    long p = bind_ipi();

    check(p > 0, "bind_ipi on 2-level");
    expect_eq(expand(virt_to_mfn(event_array[0])), -XEN_EOPNOTSUPP, "expand_array on 2-level");
    expect_eq(set_priority((evtchn_port_t)p, 3), -XEN_ENOSYS, "set_priority on 2-level");
    expect_eq(set_priority(100000, 3), -XEN_EINVAL, "set_priority of a port that does not exist");
    expect_eq(send((evtchn_port_t)p), 0, "send on 2-level");
    check(evtchn_pending((unsigned int)p), "2-level pending bit");
    return (evtchn_port_t)p;
}

static void init_errors(void)
{
    uint64_t cb = virt_to_mfn(cb_pages[0]);
    uint64_t l4 = virt_to_mfn((void *)start_info->pt_base);
    const uint32_t last = PAGE_SIZE - sizeof(struct evtchn_fifo_control_block);
    uint8_t bits = 0;

    expect_eq(evop(EVTCHNOP_init_control, 0), -XEN_EFAULT, "init_control, NULL");
    expect_eq(init_control(cb, CB_OFFSET, 100, NULL), -XEN_ENOENT, "vCPU 100");
    expect_eq(init_control(cb, CB_OFFSET, 0xffffffffu, NULL), -XEN_ENOENT, "vCPU ~0");
    expect_eq(init_control(cb, 4, 0, NULL), -XEN_EINVAL, "offset not 8-byte aligned");
    expect_eq(init_control(cb, (last + 8) & ~7u, 0, NULL), -XEN_EINVAL, "offset past the page");
    expect_eq(init_control(cb, PAGE_SIZE, 0, NULL), -XEN_EINVAL, "offset PAGE_SIZE");
    expect_eq(init_control(l4, 0, 0, NULL), -XEN_EINVAL, "our L4 page table");
    expect_eq(init_control(1ULL << 40, 0, 0, NULL), -XEN_EINVAL, "a frame that does not exist");
    expect_eq(expand(virt_to_mfn(event_array[0])), -XEN_EOPNOTSUPP,
              "still 2-level after failed init_control");

    expect_eq(init_control(cb, CB_OFFSET, 0, &bits), 0, "init_control vCPU 0");
    expect_eq(bits, EVTCHN_FIFO_LINK_BITS, "link_bits");
    expect_eq(init_control(virt_to_mfn(cb_pages[1]), 0, 0, NULL), -XEN_EINVAL,
              "a second control block for vCPU 0");
    expect_eq(init_control(virt_to_mfn(cb_pages[1]), last & ~7u, 1, NULL), 0,
              "vCPU 1 at the last aligned offset that fits");

    expect_eq(evop(EVTCHNOP_expand_array, 0), -XEN_EFAULT, "expand_array, NULL");
    expect_eq(expand(l4), -XEN_EINVAL, "expand_array with our L4");
    expect_eq(expand(1ULL << 40), -XEN_EINVAL, "expand_array with a frame that does not exist");
}

/* The 2-level event pending at the switch arrives with its array page. */
static void carried_over(evtchn_port_t p0)
{
    upcall_pending();
    expect_eq(cb0()->ready, 0, "nothing ready before the array exists");
    expect_eq(expand(virt_to_mfn(event_array[0])), 0, "expand_array page 0");
    expect_eq(cb0()->ready, BIT(PRIO_DEFAULT), "READY: the default queue");
    expect_eq(cb0()->head[PRIO_DEFAULT], p0, "HEAD: the port pending at the switch");
    expect_eq(*word(p0), W_PENDING | W_LINKED, "its word: PENDING LINKED");
    check(upcall_pending(), "upcall pending");
    expect_eq(next_event(), p0, "consumed");
    expect_eq(next_event(), 0, "nothing else");
}

static void order(void)
{
    long a = bind_ipi(), b = bind_ipi(), c = bind_ipi(), d = bind_ipi();
    long e = bind_ipi(), f = bind_ipi();

    check(a > 0 && b > 0 && c > 0 && d > 0 && e > 0 && f > 0, "bind 6 IPIs");
    expect_eq(set_priority((evtchn_port_t)a, EVTCHN_FIFO_PRIORITY_MIN), 0, "a: priority 15");
    expect_eq(set_priority((evtchn_port_t)b, EVTCHN_FIFO_PRIORITY_MAX), 0, "b: priority 0");
    expect_eq(set_priority((evtchn_port_t)d, 3), 0, "d: priority 3");
    expect_eq(set_priority((evtchn_port_t)a, 16), -XEN_EINVAL, "priority 16");
    expect_eq(set_priority((evtchn_port_t)a, 0xffffffffu), -XEN_EINVAL, "priority ~0");
    expect_eq(set_priority(200000, 0), -XEN_EINVAL, "set_priority of port 200000");
    expect_eq(evop(EVTCHNOP_set_priority, 0), -XEN_EFAULT, "set_priority, NULL");

    /* Queue 7 in send order: e, f, c. */
    send((evtchn_port_t)a);
    send((evtchn_port_t)e);
    send((evtchn_port_t)f);
    send((evtchn_port_t)d);
    send((evtchn_port_t)c);
    send((evtchn_port_t)b);
    send((evtchn_port_t)f);                     /* linked already: nothing */
    expect_eq(cb0()->ready, BIT(0) | BIT(3) | BIT(7) | BIT(15), "READY: queues 0 3 7 15");
    expect_eq(cb0()->head[PRIO_DEFAULT], e, "HEAD of queue 7");
    expect_eq(*word(e), W_PENDING | W_LINKED | (event_word_t)f, "e links to f");
    expect_eq(*word(f), W_PENDING | W_LINKED | (event_word_t)c, "f links to c");
    expect_eq(*word(c), W_PENDING | W_LINKED, "c: the tail");
    check(upcall_pending(), "upcall pending");

    expect_eq(next_event(), b, "1st: priority 0");
    expect_eq(next_event(), d, "2nd: priority 3");
    expect_eq(next_event(), e, "3rd: priority 7, first sent");
    expect_eq(next_event(), f, "4th");
    expect_eq(next_event(), c, "5th");
    expect_eq(next_event(), a, "6th: priority 15");
    expect_eq(next_event(), 0, "empty");

    /* A consumed tail: the next event starts the queue again at HEAD. */
    send((evtchn_port_t)f);
    expect_eq(cb0()->head[PRIO_DEFAULT], f, "HEAD rewritten after the queue emptied");
    /* The guest's BUSY on the tail goes with the link written into it. */
    *word(f) |= W_BUSY;
    send((evtchn_port_t)e);
    expect_eq(*word(f), W_PENDING | W_LINKED | (event_word_t)e, "linked, BUSY cleared");
    expect_eq(next_event(), f, "f");
    expect_eq(next_event(), e, "e");

    /* A port moved to another priority after it was consumed. */
    expect_eq(set_priority((evtchn_port_t)e, 2), 0, "e: priority 2");
    send((evtchn_port_t)e);
    send((evtchn_port_t)c);
    expect_eq(cb0()->head[2], e, "e on queue 2");
    expect_eq(cb0()->head[PRIO_DEFAULT], c, "c at HEAD of queue 7, not linked behind e");
    expect_eq(next_event(), e, "e first");
    expect_eq(next_event(), c, "then c");
    expect_eq(next_event(), 0, "empty");
}

static void masking(void)
{
    long p = bind_ipi();

    *word((evtchn_port_t)p) |= W_MASKED;
    send((evtchn_port_t)p);
    expect_eq(*word((evtchn_port_t)p), W_PENDING | W_MASKED, "masked: PENDING only");
    expect_eq(cb0()->ready, 0, "nothing ready");
    expect_eq(unmask((evtchn_port_t)p), 0, "EVTCHNOP_unmask");
    expect_eq(*word((evtchn_port_t)p), W_PENDING | W_LINKED, "unmask linked it");
    expect_eq(next_event(), p, "delivered after unmask");
    expect_eq(unmask((evtchn_port_t)p), 0, "unmask, not pending");
    expect_eq(*word((evtchn_port_t)p), 0, "nothing linked");
    expect_eq(unmask(200000), -XEN_EINVAL, "unmask port 200000");
}

/* Bind every port the ABI allows (or until the hypervisor says no), raise each, take each. */
/* fifo_ports=N on the guest's command line: bind at most N ports in many() (0: all). */
static unsigned int port_limit(void)
{
    const char *p = (const char *)start_info->cmd_line;
    unsigned int n = 0;

    for (; *p; p++) {
        if (strncmp(p, "fifo_ports=", 11))
            continue;
        for (p += 11; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (unsigned int)(*p - '0');
        break;
    }
    return n;
}

static void many(void)
{
    unsigned int pages = 1, bound = 0, delivered = 0, in_order = 1, limit = port_limit();
    evtchn_port_t last = 0, p;
    long rc;

    while (pages < ARRAY_PAGES && expand(virt_to_mfn(event_array[pages])) == 0)
        pages++;
    expect_eq(pages, ARRAY_PAGES, "expand_array to 128 pages");
    expect_eq(expand(virt_to_mfn(cb_pages[1])), -XEN_ENOSPC, "a 129th page");
    expect_eq(expand(1ULL << 40), -XEN_ENOSPC, "-ENOSPC before the frame is looked at");

    uint64_t t0 = xen_now();
    while ((!limit || bound < limit) && (rc = bind_ipi()) > 0) {
        bound++;
        if (send((evtchn_port_t)rc))
            break;
        if (!(bound % 16384))
            printk("event_fifo: %u ports bound, %lu ms\n", bound,
                   (unsigned long)((xen_now() - t0) / 1000000));
    }
    if (!limit)
        expect_eq(rc, -XEN_ENOSPC, "bind_ipi ends with -ENOSPC");
    while ((p = next_event()) != 0) {
        in_order &= p > last;
        last = p;
        delivered++;
    }
    printk("event_fifo: %u ports bound and raised, %u delivered in order, last port %u\n",
           bound, delivered, last);
    expect_eq(delivered, bound, "every bound port delivered once");
    check(in_order, "in the order sent");
    if (!limit) {
        check(bound >= 100000, "100000+ ports bound");
        expect_eq(last, EVTCHN_FIFO_NR_CHANNELS - 1, "up to the ABI's last port");
    }
}

static void reset_to_2level(void)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = 5000 };
    evtchn_port_t got;
    long p;

    expect_eq(reset_self(), 0, "EVTCHNOP_reset");
    expect_eq(expand(virt_to_mfn(event_array[0])), -XEN_EOPNOTSUPP, "2-level again");
    /* Ports never stop existing: 5000 is still there, closed. */
    expect_eq(evop(EVTCHNOP_status, &st), 0, "status of port 5000 after the reset");
    expect_eq(st.status, EVTCHNSTAT_closed, "closed");
    p = bind_ipi();
    check(p > 0 && p < 4096, "bind_ipi on 2-level again");
    expect_eq(set_priority((evtchn_port_t)p, 3), -XEN_ENOSYS, "set_priority on 2-level again");
    evtchn_clear((unsigned int)p);
    expect_eq(send((evtchn_port_t)p), 0, "send");
    check(evtchn_pending((unsigned int)p), "2-level pending bit after the reset");
    expect_eq(reset_self(), 0, "EVTCHNOP_reset on 2-level");
    memset(cb_pages, 0, sizeof(cb_pages));
    memset(event_array[0], 0, PAGE_SIZE);
    memset(qhead, 0, sizeof(qhead));
    expect_eq(init_control(virt_to_mfn(cb_pages[0]), CB_OFFSET, 0, NULL), 0,
              "init_control again after the reset");
    expect_eq(expand(virt_to_mfn(event_array[0])), 0, "expand_array again");
    p = bind_ipi();
    check(p > 0, "bind_ipi on FIFO again");
    send((evtchn_port_t)p);
    /*
     * Xen 4.17 also raises port 1 here (free: the port pending at the first
     * switch to FIFO, whose remembered event it never forgets) and so hands
     * out port 2; Xenia does neither. The ABI promises only p's delivery.
     */
    while ((got = next_event()) != 0 && got != (evtchn_port_t)p)
        ;
    expect_eq(got, p, "FIFO delivery again");
    expect_eq(reset_self(), 0, "EVTCHNOP_reset again");
}

void test_main(void)
{
    evtchn_port_t p0;
    uint64_t t0 = xen_now();

    events_disable();                           /* the guest polls its control block */
    p0 = before_fifo();
    init_errors();
    carried_over(p0);
    order();
    masking();
    printk("event_fifo: queue checks done\n");
    many();
    reset_to_2level();
    printk("event_fifo: %lu ms\n", (unsigned long)((xen_now() - t0) / 1000000));
}
