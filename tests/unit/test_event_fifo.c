/* SOURCES: common/event_channel.c common/event_2l.c common/event_fifo.c */
/*
 * Event channels, FIFO ABI: EVTCHNOP_init_control / expand_array /
 * set_priority through the hypercall entry with Xen 4.17's errors, queue
 * linking in guest memory (HEAD, LINK, READY), priority order, masking,
 * BUSY under a guest that keeps changing a tail word, a port moving to
 * another queue, garbage in guest words, reset back to 2-level, and the
 * frame references taken and dropped. Guest frames are a fake frame table
 * over static pages; frame f is owned by dom1 unless frame_owner says not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/hvm/hvm.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <xenia/hypercall.h>
#include <xenia/guest_access.h>
#include <asm/current.h>
#include "host_stubs.h"

struct vcpu *host_test_current;
static long live_allocs;
static int kicks[2];                    /* vcpu_mark_events_pending() per vCPU of dom1 */

size_t raw_copy_from_guest(void *dst, const void *src, size_t bytes)
{
    if ((uintptr_t)src < 4096)
        return bytes;
    memcpy(dst, src, bytes);
    return 0;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t bytes)
{
    if ((uintptr_t)dst < 4096)
        return bytes;
    memcpy(dst, src, bytes);
    return 0;
}

void *xzalloc_bytes(size_t size)
{
    __atomic_fetch_add(&live_allocs, 1, __ATOMIC_SEQ_CST);
    return calloc(1, size);
}

void xfree_bytes(void *va, size_t size)
{
    __atomic_fetch_sub(&live_allocs, 1, __ATOMIC_SEQ_CST);
    free(va);
}

static struct domain *doms[3];

void vcpu_mark_events_pending(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) &&
        v->domain == doms[1])
        kicks[v->vcpu_id]++;
}

void vcpu_wake(struct vcpu *v) { }
bool hypercall_preempt_check(void) { return false; }        /* resets run to the end */
void hypercall_set_arg(unsigned int index, unsigned long value) { fail_msg("no continuation"); }
int pirq_bind(struct domain *d, int pirq, evtchn_port_t port) { return -EINVAL; }
void pirq_unbind(struct domain *d, int pirq, evtchn_port_t port) { }

struct domain *rcu_lock_domain_by_id(domid_t domid)
{
    for (int i = 0; i < 3; i++)
        if (doms[i] && doms[i]->domain_id == domid)
            return doms[i];
    return NULL;
}

void rcu_unlock_domain(struct domain *d) { }

/* ---- fake guest frames ---- */

#define NFRAMES     140                 /* 0: never valid; 1..139 */
#define FRAME_RO    139                 /* a frame that cannot be writable */
#define FRAME_DOM2  138                 /* a frame of dom2 */

static uint8_t frames[NFRAMES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
struct page_info *frame_table;
unsigned long max_page;
static int gen_refs[NFRAMES], type_refs[NFRAMES];

static unsigned int frame_no(const struct page_info *pg) { return (unsigned int)(pg - frame_table); }

int get_page_and_type(struct page_info *pg, struct domain *d, unsigned long type)
{
    unsigned int f = frame_no(pg);

    assert_int_equal(type, PGT_writable_page);
    if (f == 0 || page_get_owner(pg) != d || f == FRAME_RO)
        return -EINVAL;
    gen_refs[f]++;
    type_refs[f]++;
    return 0;
}

void put_page_type(struct page_info *pg) { assert_true(type_refs[frame_no(pg)]-- > 0); }
void put_page(struct page_info *pg) { assert_true(gen_refs[frame_no(pg)]-- > 0); }
void *host_mfn_to_virt(unsigned long mfn) { return frames[mfn]; }

/* An HVM domain's P2M (a fake: test_hvm_frames_by_gfn): GFN HVM_GFN_BASE + f is frame f. */
#define HVM_GFN_BASE 0x5000
static struct hvm_domain fake_hvm;
int hvm_gfn_to_ram_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    assert_ptr_equal(d->arch.hvm, &fake_hvm);
    if (gfn <= HVM_GFN_BASE || gfn >= HVM_GFN_BASE + NFRAMES)
        return -EINVAL;
    *mfn = gfn - HVM_GFN_BASE;
    return 0;
}

static int refs_held(void)
{
    int n = 0;
    for (int f = 0; f < NFRAMES; f++) {
        assert_int_equal(gen_refs[f], type_refs[f]);
        n += gen_refs[f];
    }
    return n;
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
    if (!d->evtchn.dead)
        evtchn_domain_destroy(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        free(d->vcpu[i]);
    free(d->shared_info);
    free(d);
}

static int setup(void **state)
{
    live_allocs = 0;
    memset(kicks, 0, sizeof(kicks));
    memset(frames, 0, sizeof(frames));
    memset(gen_refs, 0, sizeof(gen_refs));
    memset(type_refs, 0, sizeof(type_refs));
    max_page = NFRAMES;
    frame_table = calloc(NFRAMES, sizeof(struct page_info));
    doms[0] = make_domain(0, true, 1);
    doms[1] = make_domain(1, false, 2);
    doms[2] = make_domain(2, false, 1);
    for (int f = 1; f < NFRAMES; f++)
        page_set_owner(&frame_table[f], f == FRAME_DOM2 ? doms[2] : doms[1]);
    host_test_current = doms[1]->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < 3; i++)
        free_domain(doms[i]);
    assert_int_equal(refs_held(), 0);   /* destroy dropped every reference */
    assert_int_equal(live_allocs, 0);
    free(frame_table);
    return 0;
}

/* ---- hypercalls, as the current domain ---- */

static long op(int cmd, void *arg)
{
    return do_event_channel_op_hc((hc_arg_t)(unsigned int)cmd, (hc_arg_t)arg);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu)
{
    struct evtchn_init_control c = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = op(EVTCHNOP_init_control, &c);
    if (!rc)
        assert_int_equal(c.link_bits, EVTCHN_FIFO_LINK_BITS);
    return rc;
}

static long expand(uint64_t gfn)
{
    struct evtchn_expand_array e = { .array_gfn = gfn };
    return op(EVTCHNOP_expand_array, &e);
}

static long set_priority(evtchn_port_t port, uint32_t prio)
{
    struct evtchn_set_priority p = { .port = port, .priority = prio };
    return op(EVTCHNOP_set_priority, &p);
}

static int bind_ipi(uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = op(EVTCHNOP_bind_ipi, &b);
    return rc ? (int)rc : (int)b.port;
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

static long evclose(evtchn_port_t port)
{
    struct evtchn_close c = { .port = port };
    return op(EVTCHNOP_close, &c);
}

static long reset(domid_t dom)
{
    struct evtchn_reset r = { .dom = dom };
    return op(EVTCHNOP_reset, &r);
}

/* ---- the guest's side: control blocks in frames 1 (vCPU 0) and 2 (vCPU 1), array from 3 ---- */

#define CB_OFFSET   64
#define ARRAY_FRAME 3

static struct evtchn_fifo_control_block *cb(unsigned int vcpu)
{
    return (struct evtchn_fifo_control_block *)(frames[1 + vcpu] + CB_OFFSET);
}

static event_word_t *word(evtchn_port_t port)
{
    return (event_word_t *)frames[ARRAY_FRAME + port / 1024] + port % 1024;
}

#define BIT(b)      ((event_word_t)1 << (b))
#define PENDING     BIT(EVTCHN_FIFO_PENDING)
#define MASKED      BIT(EVTCHN_FIFO_MASKED)
#define LINKED      BIT(EVTCHN_FIFO_LINKED)
#define BUSY        BIT(EVTCHN_FIFO_BUSY)
#define LINK(w)     ((w) & EVTCHN_FIFO_LINK_MASK)

/* dom1 on FIFO with both control blocks and pages array pages. */
static void go_fifo(unsigned int pages)
{
    assert_int_equal(init_control(1, CB_OFFSET, 0), 0);
    assert_int_equal(init_control(2, CB_OFFSET, 1), 0);
    for (unsigned int i = 0; i < pages; i++)
        assert_int_equal(expand(ARRAY_FRAME + i), 0);
}

/*
 * The guest consumes the head of vcpu's queue prio as Linux does: take the
 * port from HEAD, clear LINKED and LINK in one go, HEAD = the old LINK, and
 * the READY bit cleared when that was the last. Returns the port, 0 if empty.
 */
static evtchn_port_t consume(unsigned int vcpu, unsigned int prio)
{
    struct evtchn_fifo_control_block *c = cb(vcpu);
    evtchn_port_t port = c->head[prio];
    event_word_t old;

    if (!port)
        return 0;
    old = __atomic_fetch_and(word(port), ~(LINKED | EVTCHN_FIFO_LINK_MASK), __ATOMIC_SEQ_CST);
    c->head[prio] = LINK(old);
    if (!LINK(old))
        c->ready &= ~BIT(prio);
    __atomic_fetch_and(word(port), ~PENDING, __ATOMIC_SEQ_CST);
    return port;
}

static void ack_upcall(unsigned int vcpu)
{
    doms[1]->shared_info->vcpu_info[vcpu].evtchn_upcall_pending = 0;
}

/* ---- tests ---- */

static void test_init_control_errors(void **state)
{
    struct evtchn_init_control c = { .control_gfn = 1 };
    const uint32_t last = PAGE_SIZE - sizeof(struct evtchn_fifo_control_block);

    assert_int_equal(expand(ARRAY_FRAME), -EOPNOTSUPP);        /* still 2-level */
    assert_int_equal(op(EVTCHNOP_init_control, (void *)8), -EFAULT);
    assert_int_equal(init_control(1, 0, 2), -ENOENT);          /* no vCPU 2 */
    assert_int_equal(init_control(1, 0, 0xffffffffu), -ENOENT);
    assert_int_equal(init_control(1, last + 8, 0), -EINVAL);   /* past the page */
    assert_int_equal(init_control(1, 0xfffffff8u, 0), -EINVAL);
    assert_int_equal(init_control(1, 4, 0), -EINVAL);          /* not 8-byte aligned */
    assert_int_equal(init_control(0, 0, 0), -EINVAL);          /* no such frame */
    assert_int_equal(init_control(NFRAMES, 0, 0), -EINVAL);
    assert_int_equal(init_control(~0ULL, 0, 0), -EINVAL);
    assert_int_equal(init_control(FRAME_DOM2, 0, 0), -EINVAL); /* another domain's */
    assert_int_equal(init_control(FRAME_RO, 0, 0), -EINVAL);   /* cannot be writable */
    assert_ptr_equal(doms[1]->evtchn.ops, &evtchn_port_ops_2l);
    assert_int_equal(refs_held(), 0);
    assert_int_equal(set_priority(64, 0), -EINVAL);             /* beyond the first 64: none */
    assert_int_equal(bind_ipi(0), 1);
    assert_int_equal(set_priority(1, 0), -ENOSYS);              /* 2-level: no priorities */

    c.offset = last;                                            /* the last offset that fits */
    assert_int_equal(op(EVTCHNOP_init_control, &c), 0);
    assert_int_equal(c.link_bits, 17);
    assert_ptr_equal(doms[1]->evtchn.ops, &evtchn_port_ops_fifo);
    assert_int_equal(init_control(2, 0, 0), -EINVAL);           /* vCPU 0 has one */
    assert_int_equal(gen_refs[1], 1);
    assert_int_equal(gen_refs[2], 0);
    assert_int_equal(init_control(1, 0, 1), 0);                 /* the same frame, vCPU 1 */
    assert_int_equal(gen_refs[1], 2);

    assert_int_equal(op(EVTCHNOP_expand_array, (void *)8), -EFAULT);
    assert_int_equal(expand(0), -EINVAL);
    assert_int_equal(expand(FRAME_DOM2), -EINVAL);
    assert_int_equal(expand(FRAME_RO), -EINVAL);
    assert_int_equal(set_priority(1, EVTCHN_FIFO_PRIORITY_MIN + 1), -EINVAL);
    assert_int_equal(set_priority(1, 0xffffffffu), -EINVAL);
    assert_int_equal(set_priority(64, 0), -EINVAL);             /* no such port */
    assert_int_equal(set_priority(1, EVTCHN_FIFO_PRIORITY_MIN), 0);
    assert_int_equal(op(EVTCHNOP_set_priority, (void *)8), -EFAULT);
    assert_int_equal(refs_held(), 2);
}

/* An HVM domain names its control blocks and array pages by GFN, through its P2M. */
static void test_hvm_frames_by_gfn(void **state)
{
    doms[1]->arch.hvm = &fake_hvm;
    assert_int_equal(init_control(1, CB_OFFSET, 0), -EINVAL);   /* an MFN is no GFN of it */
    assert_int_equal(init_control(HVM_GFN_BASE + NFRAMES, 0, 0), -EINVAL);   /* nothing there */
    assert_int_equal(init_control(HVM_GFN_BASE + FRAME_DOM2, 0, 0), -EINVAL); /* another's frame */
    assert_int_equal(refs_held(), 0);
    assert_int_equal(init_control(HVM_GFN_BASE + 1, CB_OFFSET, 0), 0);
    assert_int_equal(init_control(HVM_GFN_BASE + 2, CB_OFFSET, 1), 0);
    assert_int_equal(gen_refs[1], 1);
    assert_int_equal(gen_refs[2], 1);
    assert_int_equal(expand(ARRAY_FRAME), -EINVAL);
    assert_int_equal(expand(HVM_GFN_BASE + ARRAY_FRAME), 0);
    assert_int_equal(gen_refs[ARRAY_FRAME], 1);
    int port = bind_ipi(1);
    assert_true(port > 0);
    assert_int_equal(send((evtchn_port_t)port), 0);
    assert_true(*word((evtchn_port_t)port) & PENDING);         /* in the frame the GFN names */
    assert_int_equal(consume(1, EVTCHN_FIFO_PRIORITY_DEFAULT), port);
    assert_int_equal(refs_held(), 3);
    doms[1]->arch.hvm = NULL;           /* teardown: destroy drops every reference */
}

static void test_link_in_order(void **state)
{
    go_fifo(1);
    int a = bind_ipi(0), b = bind_ipi(0), c = bind_ipi(0);

    assert_int_equal(send(a), 0);
    assert_int_equal(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    assert_int_equal(cb(0)->ready, BIT(EVTCHN_FIFO_PRIORITY_DEFAULT));
    assert_int_equal(kicks[0], 1);
    assert_int_equal(send(b), 0);
    assert_int_equal(send(c), 0);
    assert_int_equal(send(b), 0);                               /* already linked: nothing */
    assert_int_equal(kicks[0], 1);                              /* the queue was not empty */
    assert_int_equal(*word(a), PENDING | LINKED | (event_word_t)b);
    assert_int_equal(*word(b), PENDING | LINKED | (event_word_t)c);
    assert_int_equal(*word(c), PENDING | LINKED);
    assert_int_equal(kicks[1], 0);
    assert_true(evtchn_port_is_pending(doms[1], (evtchn_port_t)b));

    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), a);
    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), b);
    assert_int_equal(send(a), 0);                               /* behind c */
    assert_int_equal(LINK(*word(c)), a);
    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), c);
    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), a);
    assert_int_equal(cb(0)->ready, 0);
    assert_false(evtchn_port_is_pending(doms[1], (evtchn_port_t)a));

    /* The tail was consumed: the queue is empty, so HEAD is written and READY set again. */
    ack_upcall(0);
    assert_int_equal(send(b), 0);
    assert_int_equal(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);
    assert_int_equal(cb(0)->ready, BIT(EVTCHN_FIFO_PRIORITY_DEFAULT));
    assert_int_equal(kicks[0], 2);
}

static void test_priority_order(void **state)
{
    go_fifo(1);
    int lo = bind_ipi(0), mid = bind_ipi(0), hi = bind_ipi(0), v1 = bind_ipi(1);

    assert_int_equal(set_priority((evtchn_port_t)lo, EVTCHN_FIFO_PRIORITY_MIN), 0);
    assert_int_equal(set_priority((evtchn_port_t)hi, EVTCHN_FIFO_PRIORITY_MAX), 0);
    assert_int_equal(set_priority((evtchn_port_t)v1, 3), 0);
    send(lo);
    send(mid);
    send(hi);
    send(v1);
    assert_int_equal(cb(0)->ready, BIT(0) | BIT(7) | BIT(15));
    assert_int_equal(cb(1)->ready, BIT(3));
    assert_int_equal(cb(1)->head[3], v1);
    assert_int_equal(kicks[0], 1);
    assert_int_equal(kicks[1], 1);
    /* The guest reads READY from its lowest bit: highest priority first. */
    evtchn_port_t order[3], n = 0;
    while (cb(0)->ready) {
        unsigned int prio = (unsigned int)__builtin_ctz(cb(0)->ready);
        order[n++] = consume(0, prio);
    }
    assert_int_equal(n, 3);
    assert_int_equal(order[0], hi);
    assert_int_equal(order[1], mid);
    assert_int_equal(order[2], lo);

    /* A new port starts at the default priority again. */
    assert_int_equal(evclose((evtchn_port_t)hi), 0);
    assert_int_equal(bind_ipi(0), hi);
    send(hi);
    assert_int_equal(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], hi);
}

static void test_masking(void **state)
{
    go_fifo(1);
    int p = bind_ipi(0);

    *word(p) |= MASKED;                                         /* the guest masks */
    send(p);
    assert_int_equal(*word(p), PENDING | MASKED);               /* pending, not linked */
    assert_int_equal(cb(0)->ready, 0);
    assert_int_equal(kicks[0], 0);
    assert_int_equal(evtchn_port_poll(doms[1], (evtchn_port_t)p), 1);

    assert_int_equal(unmask(p), 0);                             /* links it now */
    assert_int_equal(*word(p), PENDING | LINKED);
    assert_int_equal(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
    assert_int_equal(kicks[0], 1);
    assert_int_equal(unmask(p), 0);                             /* linked: nothing more */
    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), p);
    assert_int_equal(unmask(p), 0);                             /* not pending: nothing */
    assert_int_equal(*word(p), 0);
    assert_int_equal(unmask(4000), -EINVAL);                    /* no such port */

    /* Closing clears PENDING; a masked pending event does not follow the port. */
    *word(p) |= MASKED;
    send(p);
    assert_int_equal(evclose((evtchn_port_t)p), 0);
    assert_int_equal(*word(p), MASKED);
}

/* A freed port still LINKED on a queue is not handed out again (Xen's is_busy). */
static void test_busy_port_not_reused(void **state)
{
    go_fifo(1);
    int p = bind_ipi(0), q = bind_ipi(0);

    send(p);
    assert_int_equal(evclose((evtchn_port_t)p), 0);
    assert_int_equal(*word(p), LINKED);                         /* still on the queue */
    int r = bind_ipi(0);
    assert_true(r != p && r > q);
    assert_int_equal(consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT), p);   /* the guest skips it */
    assert_int_equal(bind_ipi(0), p);
}

/* The guest flips MASKED on the tail word as fast as it can while an event is linked behind it. */
static volatile bool hammering;

static void *hammer(void *w)
{
    while (__atomic_load_n(&hammering, __ATOMIC_SEQ_CST))
        __atomic_fetch_xor((event_word_t *)w, MASKED, __ATOMIC_SEQ_CST);
    return NULL;
}

static void test_busy_and_hostile_tail(void **state)
{
    go_fifo(1);
    int a = bind_ipi(0);
    pthread_t t;

    for (int round = 0; round < 200; round++) {
        int b = bind_ipi(0);
        send(a);
        hammering = true;
        assert_int_equal(pthread_create(&t, NULL, hammer, word(a)), 0);
        assert_int_equal(send(b), 0);                           /* returns: the loop is bounded */
        hammering = false;
        pthread_join(t, NULL);
        /* Linked behind a (or lost, if the guest never let go); BUSY never left set. */
        assert_false(*word(a) & BUSY);
        assert_true(LINK(*word(a)) == (event_word_t)b || LINK(*word(a)) == 0);
        *word(a) &= ~MASKED;
        while (consume(0, EVTCHN_FIFO_PRIORITY_DEFAULT))
            ;
        cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT] = 0;
        evclose((evtchn_port_t)b);
        *word(b) = 0;
    }
}

/* Whatever the guest writes into its words and control block, the hypervisor goes on. */
static void test_garbage_words(void **state)
{
    go_fifo(2);
    int p = bind_ipi(0), q = bind_ipi(0), r = bind_ipi(1);

    send(p);
    *word(p) = 0xffffffffu;                                     /* tail: every bit, LINK 131071 */
    memset(cb(0), 0xff, sizeof(*cb(0)));
    send(q);                                                    /* linked behind p's garbage */
    assert_int_equal(LINK(*word(p)), q);
    assert_false(*word(p) & BUSY);
    *word(q) = LINKED | 5;                                      /* the guest "links" q itself */
    send(q);                                                    /* already linked: PENDING only */
    assert_int_equal(*word(q), PENDING | LINKED | 5);
    memset(frames[ARRAY_FRAME], 0xa5, PAGE_SIZE);
    for (int i = 0; i < 10; i++) {
        send(p);
        send(q);
        send(r);
        unmask(p);
        unmask(q);
        set_priority((evtchn_port_t)q, (uint32_t)i);
    }
    assert_int_equal(reset(DOMID_SELF), 0);
    assert_int_equal(refs_held(), 0);
}

/* A port consumed from one queue and raised on another must not leave the old tail behind. */
static void test_port_moves_queue(void **state)
{
    go_fifo(1);
    int p = bind_ipi(0), q = bind_ipi(0);

    send(p);                                                    /* queue 7 tail: p */
    assert_int_equal(consume(0, 7), p);
    assert_int_equal(set_priority((evtchn_port_t)p, 2), 0);
    send(p);                                                    /* now on queue 2 */
    assert_int_equal(cb(0)->head[2], p);
    send(q);                                                    /* queue 7 is empty: HEAD, not p's LINK */
    assert_int_equal(cb(0)->head[7], q);
    assert_int_equal(LINK(*word(p)), 0);
    assert_int_equal(consume(0, 2), p);

    /* Moving to another vCPU: the same. */
    struct evtchn_bind_vcpu bv = { .port = (evtchn_port_t)q, .vcpu = 1 };
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bv), -EINVAL);    /* IPI ports stay put */
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);  /* bi.local_port raised at bind */
    assert_int_equal(consume(0, 7), q);
    assert_int_equal(consume(0, 7), bi.local_port);
    bv.port = bi.local_port;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bv), 0);
    send(au.port);                                              /* raises bi.local_port on vCPU 1 */
    assert_int_equal(cb(1)->head[7], bi.local_port);
    send(q);
    assert_int_equal(cb(0)->head[7], q);
}

static void test_expand_to_the_limit(void **state)
{
    go_fifo(0);
    /* Ports beyond the array: pending only in the hypervisor until the page comes. */
    for (int i = 1; i < 1500; i++)
        assert_int_equal(bind_ipi(0), i);
    send(1);
    send(1200);
    assert_int_equal(cb(0)->ready, 0);
    assert_int_equal(evtchn_port_poll(doms[1], 1200), 0);
    assert_int_equal(expand(ARRAY_FRAME), 0);
    assert_int_equal(cb(0)->head[7], 1);
    assert_int_equal(LINK(*word(1)), 0);
    assert_int_equal(expand(ARRAY_FRAME + 1), 0);               /* 1200 raised now */
    assert_int_equal(LINK(*word(1)), 1200);
    assert_int_equal(*word(1200), PENDING | LINKED);

    for (unsigned int i = 2; i < EVTCHN_FIFO_NR_CHANNELS / 1024; i++)
        assert_int_equal(expand(ARRAY_FRAME + i), 0);
    assert_int_equal(expand(ARRAY_FRAME), -ENOSPC);             /* 128 pages: the ABI's limit */
    assert_int_equal(expand(0), -ENOSPC);                       /* checked before the frame */
    assert_int_equal(refs_held(), 2 + 128);

    /* Every port up to the FIFO limit binds and is delivered. */
    for (unsigned int i = 1500; i < EVTCHN_FIFO_NR_CHANNELS; i++)
        assert_int_equal(bind_ipi(0), (int)i);
    assert_int_equal(bind_ipi(0), -ENOSPC);
    while (consume(0, 7))
        ;
    for (unsigned int i = 1; i < EVTCHN_FIFO_NR_CHANNELS; i += 97)
        send(i);
    unsigned int got = 0;
    for (evtchn_port_t p, last = 0; (p = consume(0, 7)); last = p, got++)
        assert_true(p > last);
    assert_int_equal(got, (EVTCHN_FIFO_NR_CHANNELS - 2) / 97 + 1);
}

static void test_domain_limit(void **state)
{
    doms[1]->evtchn.max_port = 100;                             /* max_evtchn_port 99 */
    go_fifo(1);
    for (int i = 1; i < 100; i++)
        assert_int_equal(bind_ipi(0), i);
    assert_int_equal(bind_ipi(0), -ENOSPC);
}

static void test_switch_keeps_pending(void **state)
{
    int p = bind_ipi(0), q = bind_ipi(0);

    send(p);                                                    /* 2-level pending bit */
    go_fifo(0);
    assert_int_equal(set_priority((evtchn_port_t)q, 4), 0);
    assert_int_equal(expand(ARRAY_FRAME), 0);                   /* p delivered now */
    assert_int_equal(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
    assert_int_equal(cb(0)->ready, BIT(EVTCHN_FIFO_PRIORITY_DEFAULT));
    send(q);
    assert_int_equal(cb(0)->head[4], q);
}

static void test_reset_to_2level(void **state)
{
    go_fifo(8);
    int p = bind_ipi(0);
    struct evtchn_alloc_unbound au = { .dom = 1, .remote_dom = 2 };
    struct evtchn_status st = { .dom = DOMID_SELF, .port = 4500 };

    for (int i = 0; i < 5000; i++)                              /* ports past 4095 */
        assert_true(bind_ipi(1) > 0);

    host_test_current = doms[0]->vcpu[0];
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);      /* dom0 for dom1 */
    host_test_current = doms[2]->vcpu[0];
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = au.port };
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);
    assert_int_equal(send(bi.local_port), 0);                   /* dom2 (2-level) to dom1 (FIFO) */
    assert_int_equal(cb(0)->head[7], au.port);
    assert_int_equal(reset(1), -EPERM);                         /* dom2 may not reset dom1 */

    host_test_current = doms[0]->vcpu[0];
    assert_int_equal(reset(1), -EINVAL);                        /* not paused */
    doms[1]->pause_count = 1;
    assert_int_equal(reset(1), 0);                              /* another domain: 2-level too */
    doms[1]->pause_count = 0;
    assert_ptr_equal(doms[1]->evtchn.ops, &evtchn_port_ops_2l);
    assert_null(doms[1]->evtchn.fifo);
    assert_int_equal(refs_held(), 0);
    assert_int_equal(doms[1]->evtchn.active, 0);
    (void)p;

    /* Back on 2-level: ports past 4095 still exist (closed) but are never handed out. */
    host_test_current = doms[1]->vcpu[0];
    assert_int_equal(op(EVTCHNOP_status, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    assert_int_equal(send(4500), -EINVAL);
    assert_int_equal(unmask(4500), 0);
    for (int i = 1; i < 4096; i++)
        assert_int_equal(bind_ipi(0), i);
    assert_int_equal(bind_ipi(0), -ENOSPC);
    assert_int_equal(reset(DOMID_SELF), 0);

    /* Expand refused, and FIFO again after. */
    assert_int_equal(expand(ARRAY_FRAME), -EOPNOTSUPP);
    assert_int_equal(set_priority(1, 0), -ENOSYS);              /* 2-level: no priorities */
    p = bind_ipi(0);
    send(p);
    assert_true(doms[1]->shared_info->evtchn_pending[0] & (1UL << p));
    assert_int_equal(reset(DOMID_SELF), 0);                     /* 2-level reset: stays 2-level */
    assert_int_equal(reset(DOMID_SELF), 0);
    go_fifo(1);
    assert_int_equal(refs_held(), 3);
    assert_int_equal(reset(DOMID_SELF), 0);
    assert_int_equal(refs_held(), 0);
}

static void test_destroy_drops_references(void **state)
{
    go_fifo(5);
    for (int i = 0; i < 3000; i++)
        assert_true(bind_ipi(1) > 0);
    assert_int_equal(refs_held(), 7);
    doms[1]->is_dying = true;
    evtchn_domain_destroy(doms[1]);
    assert_int_equal(refs_held(), 0);
    assert_int_equal(expand(ARRAY_FRAME), -EOPNOTSUPP);
    assert_int_equal(bind_ipi(0), -EINVAL);
    doms[1]->is_dying = false;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_control_errors),
        T(test_hvm_frames_by_gfn),
        T(test_link_in_order),
        T(test_priority_order),
        T(test_masking),
        T(test_busy_port_not_reused),
        T(test_busy_and_hostile_tail),
        T(test_garbage_words),
        T(test_port_moves_queue),
        T(test_expand_to_the_limit),
        T(test_domain_limit),
        T(test_switch_keeps_pending),
        T(test_reset_to_2level),
        T(test_destroy_drops_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
