/*
 * Event channels: port allocation, binding, and the EVTCHNOP_* hypercall,
 * with Xen 4.17's semantics and error numbers (xen/event_channel.h).
 *
 * Every operation validates its arguments, takes the event lock(s) it
 * needs, re-validates what the lock protects, and only then changes
 * state. What an event is in guest memory depends on the domain's ABI,
 * reached through d->evtchn.ops: the 2-level bitmaps (common/event_2l.c)
 * or the FIFO event array and queues (common/event_fifo.c, which also
 * implements EVTCHNOP_init_control and EVTCHNOP_expand_array). See event.h
 * for the port layout and the locking rules.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <xenia/hypercall.h>
#include <xenia/guest_access.h>
#include <asm/current.h>
#include <asm/pirq.h>

BUILD_BUG_ON(sizeof(struct evtchn) != PAGE_SIZE / EVTCHN_PORTS_PER_PAGE);
BUILD_BUG_ON(EVTCHN_PORTS_PER_PAGE % EVTCHN_XEN_BUCKET != 0);
BUILD_BUG_ON(EVTCHNS_PER_DOMAIN_2L % EVTCHN_PORTS_PER_PAGE != 0);
BUILD_BUG_ON(EVTCHNS_PER_DOMAIN_MAX % EVTCHN_PORTS_PER_PAGE != 0);

#define CLOSE_RETRY 1                   /* evtchn_close_locked(): drop lock, retry */

/* ---- port records (caller holds d->evtchn.lock) ---- */

static struct evtchn *chn_at(const struct domain *d, evtchn_port_t port)
{
    return &d->evtchn.pages[port / EVTCHN_PORTS_PER_PAGE][port % EVTCHN_PORTS_PER_PAGE];
}

/* Ports d may have now: the ABI's limit or the domain's, whichever is lower. */
static unsigned int max_ports(const struct domain *d)
{
    return MIN(d->evtchn.max_port, ACCESS_ONCE(d->evtchn.ops)->max_ports);
}

/*
 * Xen's port_is_valid() + lookup: NULL for a port that does not exist.
 * Ports never stop existing: after a reset to 2-level, ports past 4095
 * made to exist under FIFO stay (closed, never bound again), as in Xen.
 */
static struct evtchn *port_chn(const struct domain *d, evtchn_port_t port)
{
    if (port >= ACCESS_ONCE(d->evtchn.valid))
        return NULL;
    return chn_at(d, port);
}

/* evtchn_from_port(): see event.h. */
struct evtchn *evtchn_from_port(const struct domain *d, evtchn_port_t port)
{
    return port_chn(d, port);
}

/* A port a guest can use: bound or unbound, not free, not reserved. */
static bool chn_usable(const struct evtchn *chn)
{
    return chn->state != ECS_FREE && chn->state != ECS_RESERVED;
}

static struct vcpu *domain_vcpu(const struct domain *d, uint32_t vcpu_id)
{
    if (vcpu_id >= d->max_vcpus || vcpu_id >= MAX_VIRT_CPUS_XENIA)
        return NULL;
    return d->vcpu[vcpu_id];
}

/* Xen's virq_is_global(): per-vCPU VIRQs, all others (incl. x86 arch ones) global. */
static bool virq_is_global(uint32_t virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    default:
        return true;
    }
}

/*
 * Make the next EVTCHN_XEN_BUCKET ports exist, from ed->spare_page if
 * they need a new page. 0, or -EAGAIN when that page is not there yet:
 * the caller drops the lock, prepare_port_page()s and searches again.
 * Allocates nothing itself: the lock is IRQ-safe, and the heap may have
 * to wait for other CPUs' TLB flushes (alloc_heap_pages()), which needs
 * interrupts on.
 */
static int grow_valid(struct domain *d)
{
    struct evtchn_domain *ed = &d->evtchn;
    unsigned int page = ed->valid / EVTCHN_PORTS_PER_PAGE;

    if (!ed->pages[page]) {
        if (!ed->spare_page)
            return -EAGAIN;
        ed->pages[page] = ed->spare_page;
        ed->spare_page = NULL;
    }
    ed->valid += EVTCHN_XEN_BUCKET;
    return 0;
}

/*
 * Give d a spare page for grow_valid(), allocated with no lock held (one
 * another CPU provided meanwhile is kept instead). False if the heap has
 * none.
 */
static bool prepare_port_page(struct domain *d)
{
    struct evtchn_domain *ed = &d->evtchn;
    unsigned long flags;
    void *page = xzalloc_bytes(PAGE_SIZE);

    if (!page)
        return false;
    spin_lock_irqsave(&ed->lock, flags);
    if (!ed->spare_page) {
        ed->spare_page = page;
        page = NULL;
    }
    spin_unlock_irqrestore(&ed->lock, flags);
    if (page)
        xfree_bytes(page, PAGE_SIZE);
    return true;
}

/* A free port still on one of the guest's FIFO queues is not reused yet (Xen). */
static bool port_busy(struct domain *d, evtchn_port_t port)
{
    const struct evtchn_port_ops *ops = d->evtchn.ops;

    return ops->is_busy && ops->is_busy(d, port);
}

/*
 * Lowest free, not busy port of d (Xen's get_free_port()), made to exist
 * if needed; it stays free until claim_port(). The search starts at
 * first_free (no free port lies below it), so binding n ports costs O(n),
 * not Xen's O(n^2), with the same answer. -EINVAL (d dying), -ENOSPC,
 * -EAGAIN (a page of port records is needed first: see grow_valid()).
 */
static int find_free_port(struct domain *d)
{
    struct evtchn_domain *ed = &d->evtchn;
    unsigned int limit = max_ports(d);
    bool seen_free = false;

    ASSERT_LOCKED(&ed->lock);
    if (d->is_dying || ed->dead)
        return -EINVAL;
    for (evtchn_port_t port = MAX(ed->first_free, 1u); port < limit; port++) {
        if (port < ed->valid) {
            if (chn_at(d, port)->state != ECS_FREE)
                continue;
            if (!seen_free)
                ed->first_free = port;
            seen_free = true;
            if (!port_busy(d, port))
                return (int)port;
            continue;
        }
        int rc = grow_valid(d);
        return rc ? rc : (int)port;
    }
    return -ENOSPC;
}

/* Take the event locks of a and b (maybe equal), lower domain_id first. */
static unsigned long lock_pair(struct domain *a, struct domain *b)
{
    unsigned long flags;
    struct domain *first = a->domain_id <= b->domain_id ? a : b;
    struct domain *second = first == a ? b : a;

    spin_lock_irqsave(&first->evtchn.lock, flags);
    if (second != first)
        spin_lock(&second->evtchn.lock);
    return flags;
}

static void unlock_pair(struct domain *a, struct domain *b, unsigned long flags)
{
    if (a != b)
        spin_unlock(&b->evtchn.lock);
    spin_unlock_irqrestore(&a->evtchn.lock, flags);
}

/*
 * Take d's and peer's event locks (lock_pair(): peer == d takes one; held
 * on return, release with unlock_pair()) and find a free port of d,
 * allocating a page of port records with the locks dropped when one is
 * needed. The port, or find_free_port()'s errors, or -ENOMEM.
 */
static int lock_and_find_free_port(struct domain *d, struct domain *peer, unsigned long *flags)
{
    for (;;) {
        *flags = lock_pair(d, peer);
        int port = find_free_port(d);
        if (port != -EAGAIN)
            return port;
        unlock_pair(d, peer, *flags);
        if (!prepare_port_page(d)) {
            *flags = lock_pair(d, peer);
            return -ENOMEM;
        }
    }
}

static struct evtchn *claim_port(struct domain *d, evtchn_port_t port,
                                 enum evtchn_state state, uint32_t vcpu_id)
{
    ASSERT_LOCKED(&d->evtchn.lock);
    struct evtchn *chn = chn_at(d, port);

    chn->state = (uint8_t)state;
    chn->notify_vcpu_id = (uint16_t)vcpu_id;
    if (d->evtchn.ops->init)
        d->evtchn.ops->init(d, chn);
    d->evtchn.active++;
    return chn;
}

/*
 * Back to free, notifying vCPU 0, with no stale pending event (Xen's
 * evtchn_free()). The FIFO queue it was last linked on is kept: that
 * queue's tail may still name the port.
 */
static void free_port(struct domain *d, evtchn_port_t port, struct evtchn *chn)
{
    ASSERT_LOCKED(&d->evtchn.lock);
    d->evtchn.ops->clear_pending(d, port);
    chn->state = ECS_FREE;
    chn->priority = 0;
    chn->notify_vcpu_id = 0;
    chn->remote_port = 0;
    memset(&chn->u, 0, sizeof(chn->u));
    chn->fifo_pending = 0;
    d->evtchn.active--;
    if (port < d->evtchn.first_free)
        d->evtchn.first_free = port;
}

/* Raise chn (port of d) on the vCPU it notifies, through d's ABI. */
static void chn_raise(struct domain *d, evtchn_port_t port, struct evtchn *chn)
{
    struct vcpu *v = domain_vcpu(d, ACCESS_ONCE(chn->notify_vcpu_id));

    if (v && chn_usable(chn))
        ACCESS_ONCE(d->evtchn.ops)->set_pending(v, port, chn);
}

/* evtchn_set_pending(): see event.h. */
void evtchn_set_pending(struct vcpu *v, evtchn_port_t port)
{
    struct domain *d = v->domain;

    ACCESS_ONCE(d->evtchn.ops)->set_pending(v, port, port_chn(d, port));
}

/* ---- domains ---- */

/* Xen's rcu_lock_domain_by_any_id(): DOMID_SELF or own id is current's domain. */
static struct domain *domain_get(domid_t domid)
{
    struct domain *cd = current->domain;

    if (domid == DOMID_SELF || domid == cd->domain_id)
        return cd;
    return rcu_lock_domain_by_id(domid);
}

static void domain_put(struct domain *d)
{
    if (d != current->domain)
        rcu_unlock_domain(d);
}

/* XSM dummy policy's XSM_TARGET: oneself, or a privileged (control) domain. */
static bool may_target(const struct domain *src, const struct domain *target)
{
    return src == target || src->is_privileged;
}

/*
 * With held's lock held, also take peer's: directly if that respects the
 * lock order, else only if free (the caller then drops its lock and retries).
 */
static bool lock_peer(struct domain *held, struct domain *peer)
{
    if (held->domain_id < peer->domain_id) {
        spin_lock(&peer->evtchn.lock);
        return true;
    }
    return spin_trylock(&peer->evtchn.lock);
}

/* ---- closing ---- */

static void unbind_virq(struct domain *d, const struct evtchn *chn)
{
    uint32_t owner = virq_is_global(chn->u.virq) ? 0 : chn->notify_vcpu_id;
    struct vcpu *v = domain_vcpu(d, owner);

    if (v)
        v->virq_to_evtchn[chn->u.virq] = 0;
}

/* Free port (interdomain, with d's lock held); the peer's end becomes unbound again. */
static int close_interdomain(struct domain *d, evtchn_port_t port, struct evtchn *chn)
{
    struct domain *rd = chn->u.interdomain.remote_dom;
    struct evtchn *rchn;

    if (rd != d && !lock_peer(d, rd))
        return CLOSE_RETRY;
    rchn = chn_at(rd, chn->remote_port);
    rchn->state = ECS_UNBOUND;
    rchn->remote_port = 0;
    rchn->u.interdomain.remote_dom = NULL;
    rchn->u.unbound.remote_domid = d->domain_id;
    free_port(d, port, chn);
    if (rd != d)
        spin_unlock(&rd->evtchn.lock);
    return 0;
}

/* Xen's evtchn_close() body, d's lock held: 0, -EINVAL, or CLOSE_RETRY. */
static int evtchn_close_locked(struct domain *d, evtchn_port_t port)
{
    ASSERT_LOCKED(&d->evtchn.lock);
    struct evtchn *chn = port_chn(d, port);

    if (!chn)
        return -EINVAL;
    switch (chn->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_INTERDOMAIN:
        return close_interdomain(d, port, chn);
    case ECS_VIRQ:
        unbind_virq(d, chn);
        break;
    default:                            /* unbound, IPI, PIRQ */
        break;
    }
    free_port(d, port, chn);
    return 0;
}

/*
 * evtchn_close(): EVTCHNOP_close on port of d (xen/event_channel.h).
 * Interdomain: the peer's port returns to unbound, accepting d again.
 * Returns 0, or -EINVAL for a port that does not exist or is free/reserved.
 * Takes d's event lock (and the peer's).
 */
static int evtchn_close(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    int rc;

    for (;;) {
        spin_lock_irqsave(&d->evtchn.lock, flags);
        const struct evtchn *chn = port_chn(d, port);
        int pirq = chn && chn->state == ECS_PIRQ ? (int)chn->u.pirq : -1;
        rc = evtchn_close_locked(d, port);
        spin_unlock_irqrestore(&d->evtchn.lock, flags);
        if (!rc && pirq >= 0)
            pirq_unbind(d, pirq, port); /* the PIRQ layer's lock: outside ours */
        if (rc != CLOSE_RETRY)
            return rc;
        __builtin_ia32_pause();
    }
}

/* ---- binding ---- */

/*
 * EVTCHNOP_alloc_unbound on d (already looked up): a fresh port of d that
 * a->remote_dom (DOMID_SELF: the caller) may bind to. Sets a->port.
 * -EINVAL (d dying), -ENOSPC, -ENOMEM, -EPERM (d is not the caller and the
 * caller is unprivileged; checked after the port search, as Xen does).
 */
static int evtchn_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
    struct domain *cd = current->domain;
    unsigned long flags;
    struct evtchn *chn;
    int port;

    port = lock_and_find_free_port(d, d, &flags);
    if (port < 0)
        goto out;
    if (!may_target(cd, d)) {
        port = -EPERM;
        goto out;
    }
    chn = claim_port(d, (evtchn_port_t)port, ECS_UNBOUND, 0);
    chn->u.unbound.remote_domid = a->remote_dom == DOMID_SELF ? cd->domain_id : a->remote_dom;
    a->port = (evtchn_port_t)port;
 out:
    unlock_pair(d, d, flags);
    return port < 0 ? port : 0;
}

/*
 * EVTCHNOP_bind_interdomain: connect a fresh port of ld to rd's unbound
 * port rport, which must accept ld. The new local port is set pending (the
 * peer may have signalled before the bind). Returns the local port, or
 * -EINVAL (ld dying; rport missing, not unbound, or not for ld), -ENOSPC,
 * -ENOMEM. Caller holds a reference on rd.
 */
static int bind_interdomain(struct domain *ld, struct domain *rd, evtchn_port_t rport)
{
    unsigned long flags;
    struct evtchn *lchn, *rchn;

    int lport = lock_and_find_free_port(ld, rd, &flags);

    if (lport < 0)
        goto out;
    rchn = port_chn(rd, rport);
    if (!rchn || rchn->state != ECS_UNBOUND || rchn->u.unbound.remote_domid != ld->domain_id) {
        lport = -EINVAL;
        goto out;
    }
    lchn = claim_port(ld, (evtchn_port_t)lport, ECS_INTERDOMAIN, 0);
    lchn->u.interdomain.remote_dom = rd;
    lchn->remote_port = rport;
    rchn->state = ECS_INTERDOMAIN;
    rchn->u.interdomain.remote_dom = ld;
    rchn->remote_port = (evtchn_port_t)lport;
    chn_raise(ld, (evtchn_port_t)lport, lchn);
 out:
    unlock_pair(ld, rd, flags);
    return lport;
}

/*
 * EVTCHNOP_bind_virq for current->domain: sets b->port. -EINVAL (virq >=
 * NR_VIRQS, or global virq on a vCPU other than 0; d dying), -ENOENT (no
 * such vCPU), -EEXIST (already bound on that vCPU), -ENOSPC, -ENOMEM.
 */
static int evtchn_bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current->domain;
    unsigned long flags;
    struct evtchn *chn;
    struct vcpu *v;
    int port;

    if (b->virq >= NR_VIRQS)
        return -EINVAL;
    if (virq_is_global(b->virq) && b->vcpu != 0)
        return -EINVAL;
    v = domain_vcpu(d, b->vcpu);
    if (!v)
        return -ENOENT;

    if (ACCESS_ONCE(v->virq_to_evtchn[b->virq]))
        return -EEXIST;                  /* no port page grown for a bind that fails */
    port = lock_and_find_free_port(d, d, &flags);
    if (v->virq_to_evtchn[b->virq])
        port = -EEXIST;                  /* bound meanwhile: whatever the search found, as Xen checks first */
    if (port < 0)
        goto out;
    chn = claim_port(d, (evtchn_port_t)port, ECS_VIRQ, b->vcpu);
    chn->u.virq = b->virq;
    v->virq_to_evtchn[b->virq] = port;
    b->port = (evtchn_port_t)port;
 out:
    unlock_pair(d, d, flags);
    return port < 0 ? port : 0;
}

/* EVTCHNOP_bind_ipi for current->domain: sets b->port. -ENOENT, -EINVAL (dying), -ENOSPC, -ENOMEM. */
static int evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    unsigned long flags;
    int port;

    if (!domain_vcpu(d, b->vcpu))
        return -ENOENT;
    port = lock_and_find_free_port(d, d, &flags);
    if (port >= 0) {
        claim_port(d, (evtchn_port_t)port, ECS_IPI, b->vcpu);
        b->port = (evtchn_port_t)port;
    }
    unlock_pair(d, d, flags);
    return port < 0 ? port : 0;
}

/*
 * EVTCHNOP_bind_pirq: a port on vCPU 0 for the domain's PIRQ b->pirq
 * (arch/x86/irq.c delivers the interrupts). -EINVAL (pirq out of range,
 * or not mapped to the domain), -EPERM (a domain without access to
 * physical IRQs), -EEXIST (already bound), -ENOSPC (no free port). The
 * port is claimed under the event lock, then bound without it (the PIRQ
 * layer's lock comes first).
 */
static int evtchn_bind_pirq(struct evtchn_bind_pirq *b)
{
    struct domain *d = current->domain;
    unsigned long flags;

    if (b->pirq >= domain_nr_pirqs(d))
        return -EINVAL;
    if (!d->is_privileged)
        return -EPERM;
    int port = lock_and_find_free_port(d, d, &flags);
    if (port >= 0)
        claim_port(d, (evtchn_port_t)port, ECS_PIRQ, 0)->u.pirq = b->pirq;
    unlock_pair(d, d, flags);
    if (port < 0)
        return port;
    int rc = pirq_bind(d, (int)b->pirq, (evtchn_port_t)port);
    if (rc) {
        evtchn_close(d, (evtchn_port_t)port);
        return rc;
    }
    b->port = (evtchn_port_t)port;
    return 0;
}

int send_guest_pirq(struct domain *d, evtchn_port_t port, uint32_t pirq)
{
    unsigned long flags;
    int cpu = -1;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    struct evtchn *chn = port_chn(d, port);
    if (chn && chn->state == ECS_PIRQ && chn->u.pirq == pirq) {
        const struct vcpu *v = domain_vcpu(d, ACCESS_ONCE(chn->notify_vcpu_id));
        chn_raise(d, port, chn);
        if (v)
            cpu = ACCESS_ONCE(v->processor);
    }
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return cpu;
}

/* ---- notification ---- */

/*
 * EVTCHNOP_send from port of ld: interdomain raises the peer's port, IPI
 * raises the port itself, unbound drops the event silently. Returns 0, or
 * -EINVAL (port missing, free, reserved, VIRQ or PIRQ).
 */
static int evtchn_send(struct domain *ld, evtchn_port_t port)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = 0;

    spin_lock_irqsave(&ld->evtchn.lock, flags);
    chn = port_chn(ld, port);
    if (!chn) {
        rc = -EINVAL;
        goto out;
    }
    switch (chn->state) {
    case ECS_INTERDOMAIN: {
        /* The peer's port cannot change while ld's lock is held. */
        struct domain *rd = chn->u.interdomain.remote_dom;
        chn_raise(rd, chn->remote_port, chn_at(rd, chn->remote_port));
        break;
    }
    case ECS_IPI:
        chn_raise(ld, port, chn);
        break;
    case ECS_UNBOUND:
        break;
    default:
        rc = -EINVAL;
    }
 out:
    spin_unlock_irqrestore(&ld->evtchn.lock, flags);
    return rc;
}

/* Fill s from chn (EVTCHNSTAT_* and its details). */
static void fill_status(struct evtchn_status *s, const struct evtchn *chn)
{
    switch (chn->state) {
    case ECS_UNBOUND:
        s->u.unbound.dom = chn->u.unbound.remote_domid;
        break;
    case ECS_INTERDOMAIN:
        s->u.interdomain.dom = chn->u.interdomain.remote_dom->domain_id;
        s->u.interdomain.port = chn->remote_port;
        break;
    case ECS_PIRQ:
        s->u.pirq = chn->u.pirq;
        break;
    case ECS_VIRQ:
        s->u.virq = chn->u.virq;
        break;
    default:
        break;
    }
    s->status = chn->state == ECS_RESERVED ? EVTCHNSTAT_closed : chn->state;
    s->vcpu = chn->notify_vcpu_id;
}

/*
 * EVTCHNOP_status of s->port in d (already looked up): fills s->status,
 * s->vcpu, s->u. -EINVAL (port does not exist), -EPERM (d is another
 * domain and the caller is unprivileged).
 */
static int evtchn_status(struct domain *d, struct evtchn_status *s)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = 0;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    chn = port_chn(d, s->port);
    if (!chn)
        rc = -EINVAL;
    else if (!may_target(current->domain, d))
        rc = -EPERM;
    else
        fill_status(s, chn);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return rc;
}

/*
 * EVTCHNOP_bind_vcpu for current->domain: which vCPU port notifies.
 * Allowed for unbound, interdomain, PIRQ and global-VIRQ ports. -ENOENT (no
 * such vCPU), -EINVAL (port missing, or free/reserved/IPI/per-vCPU VIRQ).
 */
static int evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu_id)
{
    struct domain *d = current->domain;
    unsigned long flags;
    struct evtchn *chn;
    int rc = 0;

    if (!domain_vcpu(d, vcpu_id))
        return -ENOENT;
    spin_lock_irqsave(&d->evtchn.lock, flags);
    chn = port_chn(d, port);
    if (!chn)
        rc = -EINVAL;
    else if (chn->state == ECS_VIRQ && virq_is_global(chn->u.virq))
        chn->notify_vcpu_id = (uint16_t)vcpu_id;
    else if (chn->state == ECS_UNBOUND || chn->state == ECS_INTERDOMAIN || chn->state == ECS_PIRQ)
        chn->notify_vcpu_id = (uint16_t)vcpu_id;
    else
        rc = -EINVAL;
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return rc;
}

/*
 * EVTCHNOP_unmask for current->domain: clear the mask bit and deliver an
 * already-pending event. A free port within range is a no-op. -EINVAL if
 * the port does not exist.
 */
static int evtchn_unmask(evtchn_port_t port)
{
    struct domain *d = current->domain;
    unsigned long flags;
    struct evtchn *chn;
    int rc = 0;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    chn = port_chn(d, port);
    if (!chn)
        rc = -EINVAL;
    else if (chn_usable(chn))
        d->evtchn.ops->unmask(d, domain_vcpu(d, chn->notify_vcpu_id), port, chn);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return rc;
}

static unsigned int active_ports(struct domain *d)
{
    return __atomic_load_n(&d->evtchn.active, __ATOMIC_RELAXED);
}

static unsigned int valid_ports(struct domain *d)
{
    return __atomic_load_n(&d->evtchn.valid, __ATOMIC_RELAXED);
}

/* evtchn_reset(): a preemption check every this many ports closed (Xen: 64). */
#define RESET_PREEMPT_EVERY 64

/*
 * EVTCHNOP_reset / EVTCHNOP_reset_cont on d (already looked up and
 * permitted): close every port, then return d to the 2-level ABI if it
 * used FIFO (control blocks and event array forgotten, their frame
 * references dropped), under either ABI and for any target domain, as
 * Xen 4.17 does. Another domain must be paused (else -EINVAL).
 * Preemptible, as Xen's: every RESET_PREEMPT_EVERY ports a pending
 * softirq or event for the caller stops the loop with -ERESTART, the next
 * port kept in d->evtchn.reset_next (under d's event lock); the caller
 * makes the guest re-issue the call as EVTCHNOP_reset_cont, which goes on
 * from there. A reset while one is in progress, or reset_cont while none
 * is, is -EBUSY (Xen). -EAGAIN if a port was bound again while the reset
 * ran (d stays on its ABI).
 */
static int evtchn_reset(struct domain *d, bool resuming)
{
    struct evtchn_domain *ed = &d->evtchn;
    struct evtchn_fifo_domain *fifo = NULL;
    unsigned long flags;
    evtchn_port_t port;
    int rc = 0;

    if (d != current->domain && !d->pause_count)
        return -EINVAL;
    spin_lock_irqsave(&ed->lock, flags);
    port = resuming ? ed->reset_next : !ed->reset_next;    /* 0: -EBUSY */
    if (port > ed->reset_next)
        ed->reset_next = port;                              /* a reset starts at port 1 */
    spin_unlock_irqrestore(&ed->lock, flags);
    if (!port)
        return -EBUSY;

    for (; port < valid_ports(d) && active_ports(d); port++) {
        evtchn_close(d, port);
        if (!(port % RESET_PREEMPT_EVERY) && hypercall_preempt_check()) {
            spin_lock_irqsave(&ed->lock, flags);
            ed->reset_next = port + 1;
            spin_unlock_irqrestore(&ed->lock, flags);
            return -ERESTART;
        }
    }
    spin_lock_irqsave(&ed->lock, flags);
    ed->reset_next = 0;
    if (ed->active)
        rc = -EAGAIN;
    else
        fifo = evtchn_fifo_detach(d);
    spin_unlock_irqrestore(&ed->lock, flags);
    evtchn_fifo_release(fifo);
    return rc;
}

/* ---- the hypercall ---- */

static int copy_in(void *op, XEN_GUEST_HANDLE_PARAM(void) arg, size_t size)
{
    return raw_copy_from_guest(op, arg.p, size) ? -EFAULT : 0;
}

static int copy_out(XEN_GUEST_HANDLE_PARAM(void) arg, const void *op, size_t size)
{
    return raw_copy_to_guest(arg.p, op, size) ? -EFAULT : 0;
}

/*
 * Give the guest the port just bound in d: copy op (size bytes) back to
 * arg. If that fails the guest never learns the port, so it is closed
 * again and the answer is -EFAULT.
 */
static long copy_out_bound(XEN_GUEST_HANDLE_PARAM(void) arg, const void *op, size_t size,
                           struct domain *d, evtchn_port_t port)
{
    if (!copy_out(arg, op, size))
        return 0;
    evtchn_close(d, port);
    return -EFAULT;
}

static long op_alloc_unbound(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct evtchn_alloc_unbound op;
    struct domain *d;
    long rc;

    if (copy_in(&op, arg, sizeof(op)))
        return -EFAULT;
    d = domain_get(op.dom);
    if (!d)
        return -ESRCH;
    rc = evtchn_alloc_unbound(d, &op);
    if (!rc)
        rc = copy_out_bound(arg, &op, sizeof(op), d, op.port);
    domain_put(d);
    return rc;
}

static long op_bind_interdomain(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct evtchn_bind_interdomain op;
    struct domain *ld = current->domain, *rd;
    int port;

    if (copy_in(&op, arg, sizeof(op)))
        return -EFAULT;
    rd = domain_get(op.remote_dom);
    if (!rd)
        return -ESRCH;
    port = bind_interdomain(ld, rd, op.remote_port);
    domain_put(rd);
    if (port < 0)
        return port;
    op.local_port = (evtchn_port_t)port;
    return copy_out_bound(arg, &op, sizeof(op), ld, op.local_port);    /* the peer is unbound again */
}

/* op_bind_virq, op_bind_ipi, op_bind_pirq: bind a port of the caller's, give it back. */
#define LOCAL_BIND_OP(name)                                                     \
static long op_##name(XEN_GUEST_HANDLE_PARAM(void) arg)                         \
{                                                                               \
    struct evtchn_##name op;                                                    \
    int rc;                                                                     \
                                                                                \
    if (copy_in(&op, arg, sizeof(op)))                                          \
        return -EFAULT;                                                         \
    rc = evtchn_##name(&op);                                                    \
    return rc ? rc : copy_out_bound(arg, &op, sizeof(op), current->domain, op.port); \
}
LOCAL_BIND_OP(bind_virq)
LOCAL_BIND_OP(bind_ipi)
LOCAL_BIND_OP(bind_pirq)
#undef LOCAL_BIND_OP

static long op_status(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct evtchn_status op;
    struct domain *d;
    int rc;

    if (copy_in(&op, arg, sizeof(op)))
        return -EFAULT;
    d = domain_get(op.dom);
    if (!d)
        return -ESRCH;
    rc = evtchn_status(d, &op);
    domain_put(d);
    if (!rc && copy_out(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

static long op_reset(XEN_GUEST_HANDLE_PARAM(void) arg, bool resuming)
{
    struct evtchn_reset op;
    struct domain *d;
    int rc;

    if (copy_in(&op, arg, sizeof(op)))
        return -EFAULT;
    d = domain_get(op.dom);
    if (!d)
        return -ESRCH;
    rc = may_target(current->domain, d) ? evtchn_reset(d, resuming) : -EPERM;
    domain_put(d);
    if (rc == -ERESTART)        /* the guest re-issues it as reset_cont, same arg */
        hypercall_set_arg(0, EVTCHNOP_reset_cont);
    return rc;
}

/* The ops that take just a port (and a vCPU): close, send, unmask, bind_vcpu. */
static long op_port(int cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct evtchn_bind_vcpu op;     /* { port, vcpu }: starts like close/send/unmask */
    size_t size = cmd == EVTCHNOP_bind_vcpu ? sizeof(op) : sizeof(evtchn_port_t);

    BUILD_BUG_ON(sizeof(struct evtchn_close) != sizeof(evtchn_port_t));
    BUILD_BUG_ON(sizeof(struct evtchn_send) != sizeof(evtchn_port_t));
    BUILD_BUG_ON(sizeof(struct evtchn_unmask) != sizeof(evtchn_port_t));
    if (copy_in(&op, arg, size))
        return -EFAULT;
    switch (cmd) {
    case EVTCHNOP_close:
        return evtchn_close(current->domain, op.port);
    case EVTCHNOP_send:
        return evtchn_send(current->domain, op.port);
    case EVTCHNOP_unmask:
        return evtchn_unmask(op.port);
    default:
        return evtchn_bind_vcpu(op.port, op.vcpu);
    }
}

/*
 * EVTCHNOP_set_priority for current->domain: the FIFO queue port's next
 * events go to. -EINVAL (port does not exist; priority above
 * EVTCHN_FIFO_PRIORITY_MIN), -ENOSYS (domain on 2-level, which has none).
 */
static int evtchn_set_priority(const struct evtchn_set_priority *p)
{
    struct domain *d = current->domain;
    const struct evtchn_port_ops *ops;
    unsigned long flags;
    struct evtchn *chn;
    int rc;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    chn = port_chn(d, p->port);
    ops = d->evtchn.ops;
    if (!chn)
        rc = -EINVAL;
    else if (!ops->set_priority)
        rc = -ENOSYS;
    else
        rc = ops->set_priority(d, chn, p->priority);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return rc;
}

/* The FIFO ABI's ops: init_control (link_bits copied out), expand_array, set_priority. */
static long op_fifo(int cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    union {
        struct evtchn_init_control init;
        struct evtchn_expand_array expand;
        struct evtchn_set_priority prio;
    } op;
    struct domain *d = current->domain;
    int rc;

    switch (cmd) {
    case EVTCHNOP_init_control:
        if (copy_in(&op.init, arg, sizeof(op.init)))
            return -EFAULT;
        rc = evtchn_fifo_init_control(d, &op.init);
        /* As Xen: the control block stays registered if this copy-out fails. */
        if (!rc && copy_out(arg, &op.init, sizeof(op.init)))
            rc = -EFAULT;
        return rc;
    case EVTCHNOP_expand_array:
        if (copy_in(&op.expand, arg, sizeof(op.expand)))
            return -EFAULT;
        return evtchn_fifo_expand_array(d, &op.expand);
    default:
        if (copy_in(&op.prio, arg, sizeof(op.prio)))
            return -EFAULT;
        return evtchn_set_priority(&op.prio);
    }
}

/* do_event_channel_op(): see event.h. */
long do_event_channel_op(int cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(arg);
    case EVTCHNOP_bind_pirq:
        return op_bind_pirq(arg);
    case EVTCHNOP_status:
        return op_status(arg);
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_unmask:
    case EVTCHNOP_bind_vcpu:
        return op_port(cmd, arg);
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont:
        return op_reset(arg, cmd == EVTCHNOP_reset_cont);
    case EVTCHNOP_init_control:
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority:
        return op_fifo(cmd, arg);
    default:
        return -ENOSYS;
    }
}

/*
 * do_event_channel_op_hc(): __HYPERVISOR_event_channel_op (hypercall.h
 * table): cmd in its low 32 bits as Xen's int, arg a guest virtual address.
 */
long do_event_channel_op_hc(hc_arg_t cmd, hc_arg_t arg)
{
    XEN_GUEST_HANDLE_PARAM(void) h = { .p = (void *)arg };

    return do_event_channel_op((int)cmd, h);
}

/* ---- in-hypervisor API ---- */

/* evtchn_domain_init(): see event.h. */
int evtchn_domain_init(struct domain *d)
{
    struct evtchn_domain *ed = &d->evtchn;

    spin_lock_init(&ed->lock);
    spin_lock_init(&ed->fifo_lock);
    ed->ops = &evtchn_port_ops_2l;
    ed->fifo = NULL;
    for (unsigned int i = 0; i < EVTCHN_NR_PAGES; i++)
        ed->pages[i] = NULL;
    ed->valid = 0;
    ed->active = 0;
    ed->first_free = 1;
    ed->dead = false;
    ed->destroy_next = 0;
    ed->max_port = EVTCHNS_PER_DOMAIN_MAX;
    ed->spare_page = NULL;
    if (!prepare_port_page(d) || grow_valid(d))
        return -ENOMEM;
    chn_at(d, 0)->state = ECS_RESERVED;
    return 0;
}

/* evtchn_domain_destroy(): see event.h. */
int evtchn_domain_destroy(struct domain *d)
{
    struct evtchn_domain *ed = &d->evtchn;
    struct evtchn_fifo_domain *fifo;
    unsigned long flags;
    evtchn_port_t port;

    spin_lock_irqsave(&ed->lock, flags);
    ed->dead = true;                    /* no port allocated from here on */
    port = ed->destroy_next ?: 1;
    spin_unlock_irqrestore(&ed->lock, flags);

    for (; port < valid_ports(d); port++) {
        evtchn_close(d, port);
        if (!(port % RESET_PREEMPT_EVERY) && d->is_dying == DOMDYING_dying &&
            hypercall_preempt_check()) {
            spin_lock_irqsave(&ed->lock, flags);
            ed->destroy_next = port + 1;
            spin_unlock_irqrestore(&ed->lock, flags);
            return -ERESTART;
        }
    }

    spin_lock_irqsave(&ed->lock, flags);
    ASSERT(ed->active == 0);
    fifo = evtchn_fifo_detach(d);
    ed->valid = 0;
    for (unsigned int i = 0; i < EVTCHN_NR_PAGES; i++) {
        if (ed->pages[i])
            xfree_bytes(ed->pages[i], PAGE_SIZE);
        ed->pages[i] = NULL;
    }
    if (ed->spare_page)
        xfree_bytes(ed->spare_page, PAGE_SIZE);
    ed->spare_page = NULL;
    spin_unlock_irqrestore(&ed->lock, flags);
    evtchn_fifo_release(fifo);          /* drops its frame references */
    return 0;
}

/* Raise the port v->virq_to_evtchn[virq] of vcpu `owner` if it is a VIRQ port. */
static void raise_virq(struct domain *d, struct vcpu *owner, uint32_t virq)
{
    unsigned long flags;
    struct evtchn *chn;
    int port;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    port = owner->virq_to_evtchn[virq];
    chn = port > 0 ? port_chn(d, (evtchn_port_t)port) : NULL;
    if (chn && chn->state == ECS_VIRQ)
        chn_raise(d, (evtchn_port_t)port, chn);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
}

/* send_guest_vcpu_virq(): see event.h. */
void send_guest_vcpu_virq(struct vcpu *v, uint32_t virq)
{
    if (!v || virq >= NR_VIRQS || virq_is_global(virq))
        return;
    raise_virq(v->domain, v, virq);
}

/* send_guest_global_virq(): see event.h. */
void send_guest_global_virq(struct domain *d, uint32_t virq)
{
    struct vcpu *v0;

    if (!d || virq >= NR_VIRQS || !virq_is_global(virq))
        return;
    v0 = domain_vcpu(d, 0);
    if (v0)
        raise_virq(d, v0, virq);
}

/* evtchn_port_poll(): see event.h. */
int evtchn_port_poll(struct domain *d, evtchn_port_t port)
{
    unsigned long flags;
    struct evtchn *chn;
    int rc = -EINVAL;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    chn = port_chn(d, port);
    if (chn && chn_usable(chn))
        rc = d->evtchn.ops->is_pending(d, port);
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
    return rc;
}

/* evtchn_port_is_pending(): see event.h. */
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    return evtchn_port_poll(d, port) > 0;
}

/* evtchn_check_pollers(): see event.h (the polling protocol). */
void evtchn_check_pollers(struct domain *d, evtchn_port_t port)
{
    struct vcpu *v;

    for_each_vcpu(d, v) {
        int want = __atomic_load_n(&v->poll_evtchn, __ATOMIC_SEQ_CST);
        bool claimed = false;

        /*
         * Retry on a lost race: the poller may narrow -1 to its one port
         * between the load and the exchange. Giving up there lost the
         * wake-up for good (seen: both vCPUs of guests/sched_wake blocked,
         * the port pending).
         */
        while (want != 0 && (want < 0 || (evtchn_port_t)want == port))
            if ((claimed = __atomic_compare_exchange_n(&v->poll_evtchn, &want, 0, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)))
                break;
        if (!claimed)
            continue;
        if (__atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST) & VPF_blocked)
            vcpu_wake(v);
    }
}

/* ---- debug key 'e' ---- */

void evtchn_dump(struct domain *d)
{
    unsigned long flags;

    spin_lock_irqsave(&d->evtchn.lock, flags);
    printk("Event channel information for domain %u:\n", d->domain_id);
    printk("    %s ABI; port [pending/masked]: state notify-vCPU, details\n",
           d->evtchn.fifo ? "FIFO" : "2-level");
    for (evtchn_port_t port = 1; port < d->evtchn.valid; port++) {
        const struct evtchn *chn = chn_at(d, port);
        if (!chn_usable(chn))
            continue;
        printk("    %4u [%d/%d]: s=%u n=%u", port, d->evtchn.ops->is_pending(d, port),
               d->evtchn.ops->is_masked(d, port), chn->state, chn->notify_vcpu_id);
        switch (chn->state) {
        case ECS_UNBOUND:
            printk(" remote d%u\n", chn->u.unbound.remote_domid);
            break;
        case ECS_INTERDOMAIN:
            printk(" remote d%u port %u\n", chn->u.interdomain.remote_dom->domain_id,
                   chn->remote_port);
            break;
        case ECS_VIRQ:
            printk(" virq %u\n", chn->u.virq);
            break;
        case ECS_PIRQ:
            printk(" pirq %u\n", chn->u.pirq);
            break;
        default:
            printk("\n");
            break;
        }
    }
    spin_unlock_irqrestore(&d->evtchn.lock, flags);
}
