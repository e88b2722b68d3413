/*
 * The FIFO event channel ABI (<xen/event_channel.h>, "FIFO ABI"; design:
 * D. Vrabel, "FIFO-based event channel ABI", as in Xen 4.17).
 *
 * Guest memory. Each port has a 32-bit event word in the event array, a
 * list of guest frames the guest adds one at a time (EVTCHNOP_expand_array,
 * 1024 words a page, at most 128 pages = EVTCHN_FIFO_NR_CHANNELS ports).
 * A word holds PENDING, MASKED, LINKED and BUSY bits and a 17-bit LINK (the
 * next port on the same queue). Each vCPU has a control block
 * (EVTCHNOP_init_control: a guest frame and an 8-byte aligned offset in
 * it) with a READY word (bit p: queue p has events) and HEAD[16], the
 * first port of each of its 16 priority queues (0 highest).
 *
 * Delivery (evtchn_fifo_set_pending): set PENDING; if the event is not
 * MASKED and not yet LINKED, set LINKED and append it to the queue of the
 * notify vCPU at the port's priority: the old tail's LINK is pointed at it
 * if that tail is still LINKED, else the queue was empty and HEAD is
 * written; then the queue's READY bit is set and the vCPU gets an upcall if
 * that bit was clear. The guest consumes from HEAD, clearing LINKED, and
 * reads queues in priority order; the hypervisor never walks a queue.
 *
 * The hypervisor keeps one thing per queue: its tail port. It is only a
 * hint: the guest owns the words and may write anything into them at any
 * time, so every guest word is accessed with atomic operations, a
 * compare-exchange loop on one is bounded (set_link()), and a guest that
 * corrupts its own words only loses or misroutes its own events.
 *
 * Frames are reached through the direct map: each control block and
 * event-array frame holds a general and a PGT_writable_page type reference
 * from the call that registered it until the domain resets to 2-level
 * (EVTCHNOP_reset) or is destroyed (evtchn_fifo_detach() and
 * evtchn_fifo_release()). As Xen 4.17: the GFN a PV guest passes is its
 * machine frame number; an HVM guest's is a GFN of its own RAM, looked up
 * in its P2M.
 *
 * Locking: d->evtchn.lock for the hypercalls (so port records and ops do
 * not change), and d->evtchn.fifo_lock around every use of d->evtchn.fifo
 * (see event.h): a peer domain raises one of d's ports holding only its
 * own event lock, and d may be resetting at that moment.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <asm/page.h>
#include <asm/hvm/hvm.h>
#ifdef XENIA_HOST_TEST
#include <xenia/page_alloc.h>
#endif

#define WORDS_PER_PAGE      (PAGE_SIZE / sizeof(event_word_t))              /* 1024 */
#define MAX_ARRAY_PAGES     (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)       /* 128 */
#define SET_LINK_TRIES      4   /* compare-exchanges after BUSY is set */

#define W_PENDING   ((event_word_t)1 << EVTCHN_FIFO_PENDING)
#define W_MASKED    ((event_word_t)1 << EVTCHN_FIFO_MASKED)
#define W_LINKED    ((event_word_t)1 << EVTCHN_FIFO_LINKED)
#define W_BUSY      ((event_word_t)1 << EVTCHN_FIFO_BUSY)

BUILD_BUG_ON(EVTCHN_FIFO_NR_CHANNELS % WORDS_PER_PAGE != 0);
BUILD_BUG_ON(EVTCHN_FIFO_NR_CHANNELS != EVTCHNS_PER_DOMAIN_MAX);

/* One vCPU's queues: its control block (NULL until init_control) and tails. */
struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *cb;   /* in the guest frame cb_page */
    struct page_info *cb_page;
    evtchn_port_t tail[EVTCHN_FIFO_MAX_QUEUES]; /* last port linked; 0: none known */
};

/* A domain's FIFO state (d->evtchn.fifo), under d->evtchn.fifo_lock. */
struct evtchn_fifo_domain {
    event_word_t *array[MAX_ARRAY_PAGES];   /* event-array pages, direct-map addresses */
    struct page_info *array_page[MAX_ARRAY_PAGES];
    unsigned int nr_ports;                  /* ports with an event word: pages * 1024 */
    struct evtchn_fifo_vcpu vcpu[MAX_VIRT_CPUS_XENIA];
};

/* ---- guest frames ---- */

static void *frame_va(unsigned long mfn)
{
#ifdef XENIA_HOST_TEST
    return host_mfn_to_virt(mfn);
#else
    return mfn_to_virt(mfn);
#endif
}

/*
 * A frame of d for the hypervisor to write: general and writable-type
 * references, its direct-map address in *va. gfn is the frame's number as
 * d names it: its MFN for a PV domain, a GFN of its own RAM through its
 * P2M for an HVM domain (Xen's get_page_from_gfn()). -EINVAL if gfn is not
 * a frame of d or cannot be writable (a page table, a descriptor page). Takes no
 * event lock: a type change may flush TLBs, which needs interrupts on.
 * unmap_frame() (NULL: nothing) drops both; it may free the frame (the
 * guest gave it away meanwhile), which takes d->page_alloc_lock: also with
 * interrupts on, never under an event lock.
 */
static int map_frame(struct domain *d, uint64_t gfn, struct page_info **pg, void **va)
{
    unsigned long frame = gfn;

    if (is_hvm_domain(d) && hvm_gfn_to_ram_mfn(d, gfn, &frame))
        return -EINVAL;
    mfn_t mfn = _mfn(frame);

    if (!mfn_valid(mfn))
        return -EINVAL;
    if (get_page_and_type(mfn_to_page(mfn), d, PGT_writable_page))
        return -EINVAL;
    *pg = mfn_to_page(mfn);
    *va = frame_va(mfn_x(mfn));
    return 0;
}

static void unmap_frame(struct page_info *pg)
{
    if (pg)
        put_page_and_type(pg);
}

/* ---- guest words: atomic, fully ordered ---- */

static bool word_test(const event_word_t *w, event_word_t bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & bit;
}

static bool word_test_and_set(event_word_t *w, event_word_t bit)
{
    return __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) & bit;
}

static void word_clear(event_word_t *w, event_word_t bit)
{
    __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
}

/* port's event word, or NULL while its page of the array is missing. fifo_lock held. */
static event_word_t *word_of(const struct evtchn_fifo_domain *f, evtchn_port_t port)
{
    if (port >= f->nr_ports)
        return NULL;
    return &f->array[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

/*
 * Point the LINK of tail's word w at port if w is still LINKED (the guest
 * has not consumed it yet): true if done, false if the queue turned out
 * empty. Besides clearing LINKED, the guest may set or clear MASKED and
 * clear PENDING meanwhile; after a first failed compare-exchange, BUSY is
 * set so that a guest following the ABI stops unmasking, and a few more
 * attempts must succeed. A guest that keeps rewriting the word anyway
 * loses this event (reported as linked, as Xen does): the loop is bounded.
 */
static bool set_link(event_word_t *w, evtchn_port_t port)
{
    bool busy = false;

    for (unsigned int i = 0; i <= SET_LINK_TRIES; i++) {
        event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST);

        if (!(old & W_LINKED)) {
            if (busy)
                word_clear(w, W_BUSY);
            return false;
        }
        /* The new value also drops the BUSY we may have set. */
        event_word_t new = (old & ~(W_BUSY | EVTCHN_FIFO_LINK_MASK)) | port;
        if (__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return true;
        if (!busy)
            word_test_and_set(w, W_BUSY);
        busy = true;
    }
    word_clear(w, W_BUSY);
    return true;                        /* gave up: this event is lost */
}

/*
 * Append port (its word just set LINKED by us) to v's queue of chn's
 * priority; set the queue's READY bit and upcall v if the queue was empty.
 * fifo_lock held, v's control block mapped.
 */
static void link_event(struct evtchn_fifo_domain *f, struct vcpu *v, evtchn_port_t port,
                       struct evtchn *chn)
{
    unsigned int prio = chn->priority;
    struct evtchn_fifo_vcpu *fv = &f->vcpu[v->vcpu_id];
    evtchn_port_t *old_tail;
    bool linked = false;

    ASSERT(prio <= EVTCHN_FIFO_PRIORITY_MIN);
    ASSERT(chn->last_vcpu_id < MAX_VIRT_CPUS_XENIA && chn->last_priority <= EVTCHN_FIFO_PRIORITY_MIN);
    /*
     * The port is no longer LINKED, so the guest consumed it from the queue
     * it was last on. If it was that queue's tail, that queue is empty now:
     * a later event there must not be linked behind this port, which is
     * about to join (maybe another) queue.
     */
    old_tail = &f->vcpu[chn->last_vcpu_id].tail[chn->last_priority];
    if (*old_tail == port)
        *old_tail = 0;
    chn->last_vcpu_id = (uint16_t)v->vcpu_id;
    chn->last_priority = (uint8_t)prio;

    if (fv->tail[prio])
        linked = set_link(word_of(f, fv->tail[prio]), port);
    if (!linked)
        __atomic_store_n(&fv->cb->head[prio], port, __ATOMIC_SEQ_CST);
    fv->tail[prio] = port;
    if (!linked && !word_test_and_set(&fv->cb->ready, (event_word_t)1 << prio))
        vcpu_mark_events_pending(v);
}

/*
 * The body of evtchn_fifo_set_pending(), fifo_lock held: PENDING, then
 * link if unmasked and not linked. Without the port's array page the event
 * is remembered in chn and raised when the page arrives. Without v's
 * control block the event stays PENDING only (the guest must not unmask
 * before registering one; an unmask then links it). Xen 4.17 never clears
 * its remembered flag, so after a reset and a second init_control it
 * raises such a port again even when it is free; here the flag goes once
 * the event is in the array (and when the port is freed).
 */
static void set_pending_locked(struct domain *d, struct evtchn_fifo_domain *f, struct vcpu *v,
                               evtchn_port_t port, struct evtchn *chn)
{
    event_word_t *w = word_of(f, port);
    bool was_pending;

    if (!w) {
        chn->fifo_pending = 1;
        return;
    }
    chn->fifo_pending = 0;
    was_pending = word_test_and_set(w, W_PENDING);
    if (f->vcpu[v->vcpu_id].cb && !word_test(w, W_MASKED) && !word_test_and_set(w, W_LINKED))
        link_event(f, v, port, chn);
    if (!was_pending)
        evtchn_check_pollers(d, port);
}

/* ---- the port operations (struct evtchn_port_ops, event.h) ---- */

/* A port being bound starts at the default priority (Xen's evtchn_fifo_init). */
static void evtchn_fifo_init(struct domain *d, struct evtchn *chn)
{
    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

/*
 * evtchn_fifo_set_pending(): raise port on v, as described at the top.
 * chn NULL (no such port): ignored. If d left FIFO meanwhile (a reset
 * racing a peer's send), the event is dropped with the rest of the reset.
 */
static void evtchn_fifo_set_pending(struct vcpu *v, evtchn_port_t port, struct evtchn *chn)
{
    struct domain *d = v->domain;
    unsigned long flags;

    if (!chn)
        return;
    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    if (d->evtchn.fifo)
        set_pending_locked(d, d->evtchn.fifo, v, port, chn);
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
}

/* The port is being freed: clear PENDING; the guest unlinks and skips it. */
static void evtchn_fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    event_word_t *w;

    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    w = d->evtchn.fifo ? word_of(d->evtchn.fifo, port) : NULL;
    if (w)
        word_clear(w, W_PENDING);
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
}

/* EVTCHNOP_unmask: clear MASKED; a PENDING event is linked on v's queue now. */
static void evtchn_fifo_unmask(struct domain *d, struct vcpu *v, evtchn_port_t port,
                               struct evtchn *chn)
{
    struct evtchn_fifo_domain *f;
    unsigned long flags;
    event_word_t *w;

    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    f = d->evtchn.fifo;
    w = f ? word_of(f, port) : NULL;
    if (w) {
        word_clear(w, W_MASKED);
        if (v && word_test(w, W_PENDING))
            set_pending_locked(d, f, v, port, chn);
    }
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
}

/* One bit of port's word (false without a word). */
static bool word_bit(struct domain *d, evtchn_port_t port, event_word_t bit)
{
    unsigned long flags;
    event_word_t *w;
    bool set;

    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    w = d->evtchn.fifo ? word_of(d->evtchn.fifo, port) : NULL;
    set = w && word_test(w, bit);
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
    return set;
}

static bool evtchn_fifo_is_pending(struct domain *d, evtchn_port_t port)
{
    return word_bit(d, port, W_PENDING);
}

/* A port without an event word counts as masked, as in Xen. */
static bool evtchn_fifo_is_masked(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    event_word_t *w;
    bool masked;

    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    w = d->evtchn.fifo ? word_of(d->evtchn.fifo, port) : NULL;
    masked = !w || word_test(w, W_MASKED);
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
    return masked;
}

/* Still LINKED on a guest queue: a freed port is not handed out again yet. */
static bool evtchn_fifo_is_busy(struct domain *d, evtchn_port_t port)
{
    return word_bit(d, port, W_LINKED);
}

/*
 * EVTCHNOP_set_priority: later events go to queue priority (an event
 * already linked stays where it is). -EINVAL above EVTCHN_FIFO_PRIORITY_MIN.
 */
static int evtchn_fifo_set_priority(struct domain *d, struct evtchn *chn, uint32_t priority)
{
    unsigned long flags;

    if (priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -EINVAL;
    spin_lock_irqsave(&d->evtchn.fifo_lock, flags);
    chn->priority = (uint8_t)priority;
    spin_unlock_irqrestore(&d->evtchn.fifo_lock, flags);
    return 0;
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .init = evtchn_fifo_init,
    .set_pending = evtchn_fifo_set_pending,
    .clear_pending = evtchn_fifo_clear_pending,
    .unmask = evtchn_fifo_unmask,
    .is_pending = evtchn_fifo_is_pending,
    .is_masked = evtchn_fifo_is_masked,
    .is_busy = evtchn_fifo_is_busy,
    .set_priority = evtchn_fifo_set_priority,
    .max_ports = EVTCHN_FIFO_NR_CHANNELS,
};

/* ---- EVTCHNOP_init_control, EVTCHNOP_expand_array, teardown ---- */

/*
 * Switch d from 2-level to FIFO with f (event lock and fifo_lock held):
 * each existing port gets the default priority and keeps a 2-level
 * pending event as "raised while its array page was missing", delivered
 * by the expand_array that maps its word (Xen's setup_ports()).
 */
static void switch_to_fifo(struct domain *d, struct evtchn_fifo_domain *f)
{
    for (evtchn_port_t port = 1; port < EVTCHNS_PER_DOMAIN_2L; port++) {
        struct evtchn *chn = evtchn_from_port(d, port);

        if (!chn)
            break;
        chn->fifo_pending = evtchn_2l_is_pending(d, port);
        chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        chn->last_priority = 0;
        chn->last_vcpu_id = 0;
    }
    d->evtchn.fifo = f;
    d->evtchn.ops = &evtchn_port_ops_fifo;
}

/* evtchn_fifo_init_control(): see event.h. */
int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *c)
{
    struct evtchn_fifo_domain *spare = NULL, *f;
    struct page_info *pg = NULL;
    unsigned long flags;
    void *va;
    int rc;

    c->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (c->vcpu >= d->max_vcpus || c->vcpu >= MAX_VIRT_CPUS_XENIA || !d->vcpu[c->vcpu])
        return -ENOENT;
    if (c->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block))
        return -EINVAL;
    if (c->offset & 7)
        return -EINVAL;
    rc = map_frame(d, c->control_gfn, &pg, &va);
    if (rc)
        return rc;
    if (!ACCESS_ONCE(d->evtchn.fifo))
        spare = xzalloc_bytes(sizeof(*spare));

    spin_lock_irqsave(&d->evtchn.lock, flags);
    f = d->evtchn.fifo ?: spare;
    if (!f) {
        rc = -ENOMEM;
    } else if (f->vcpu[c->vcpu].cb) {
        rc = -EINVAL;                   /* this vCPU has one already */
    } else {
        struct evtchn_fifo_vcpu *fv = &f->vcpu[c->vcpu];

        spin_lock(&d->evtchn.fifo_lock);
        memset(fv->tail, 0, sizeof(fv->tail));
        fv->cb_page = pg;
        fv->cb = (struct evtchn_fifo_control_block *)((uint8_t *)va + c->offset);
        if (f == spare) {
            switch_to_fifo(d, f);
            spare = NULL;
        }
        spin_unlock(&d->evtchn.fifo_lock);
        pg = NULL;                      /* the vCPU keeps the references */
    }
    spin_unlock_irqrestore(&d->evtchn.lock, flags);

    if (spare)
        xfree_bytes(spare, sizeof(*spare));
    unmap_frame(pg);
    return rc;
}

/*
 * The next event-array page of d, with d's FIFO state, through *f: its
 * index, -EOPNOTSUPP (d on 2-level) or -ENOSPC (all 128 pages mapped).
 * d's event lock held.
 */
static int next_array_page(struct domain *d, struct evtchn_fifo_domain **f)
{
    *f = d->evtchn.fifo;
    if (!*f)
        return -EOPNOTSUPP;
    if ((*f)->nr_ports / WORDS_PER_PAGE >= MAX_ARRAY_PAGES)
        return -ENOSPC;
    return (int)((*f)->nr_ports / WORDS_PER_PAGE);
}

/* Raise the ports of page slot of f's array that were raised while it was missing. */
static void raise_missed(struct domain *d, struct evtchn_fifo_domain *f, unsigned int slot)
{
    for (unsigned int i = 0; i < WORDS_PER_PAGE; i++) {
        evtchn_port_t port = (evtchn_port_t)(slot * WORDS_PER_PAGE + i);
        struct evtchn *chn = evtchn_from_port(d, port);
        struct vcpu *v;

        if (!chn)
            break;
        if (!chn->fifo_pending)
            continue;
        v = chn->notify_vcpu_id < d->max_vcpus ? d->vcpu[chn->notify_vcpu_id] : NULL;
        if (v)
            set_pending_locked(d, f, v, port, chn);
    }
}

/* evtchn_fifo_expand_array(): see event.h. */
int evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *e)
{
    struct evtchn_fifo_domain *f;
    struct page_info *pg = NULL;
    unsigned long flags;
    void *va;
    int slot;

    /* The same answers as Xen before touching the frame: -EOPNOTSUPP, -ENOSPC. */
    spin_lock_irqsave(&d->evtchn.lock, flags);
    slot = next_array_page(d, &f);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    if (slot < 0)
        return slot;
    if (map_frame(d, e->array_gfn, &pg, &va))
        return -EINVAL;

    /* Again under the lock: a reset or another expand may have run meanwhile. */
    spin_lock_irqsave(&d->evtchn.lock, flags);
    slot = next_array_page(d, &f);
    if (slot >= 0) {
        spin_lock(&d->evtchn.fifo_lock);
        f->array[slot] = va;
        f->array_page[slot] = pg;
        f->nr_ports += WORDS_PER_PAGE;
        raise_missed(d, f, (unsigned int)slot);
        spin_unlock(&d->evtchn.fifo_lock);
        pg = NULL;
    }
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    unmap_frame(pg);
    return slot < 0 ? slot : 0;
}

/* evtchn_fifo_detach(): see event.h. */
struct evtchn_fifo_domain *evtchn_fifo_detach(struct domain *d)
{
    struct evtchn_fifo_domain *f;

    ASSERT_LOCKED(&d->evtchn.lock);
    spin_lock(&d->evtchn.fifo_lock);
    f = d->evtchn.fifo;
    d->evtchn.fifo = NULL;
    d->evtchn.ops = &evtchn_port_ops_2l;
    spin_unlock(&d->evtchn.fifo_lock);
    return f;
}

/* evtchn_fifo_release(): see event.h. */
void evtchn_fifo_release(struct evtchn_fifo_domain *f)
{
    if (!f)
        return;
    for (unsigned int i = 0; i < MAX_VIRT_CPUS_XENIA; i++)
        unmap_frame(f->vcpu[i].cb_page);
    for (unsigned int i = 0; i < MAX_ARRAY_PAGES; i++)
        unmap_frame(f->array_page[i]);
    xfree_bytes(f, sizeof(*f));
}
