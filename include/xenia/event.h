/*
 * Event channels, per <xen/event_channel.h>: the 2-level ABI (the default)
 * and the FIFO ABI (once the guest calls EVTCHNOP_init_control).
 * The per-domain state lives in struct evtchn_domain, embedded in struct
 * domain. Implementation: common/event_channel.c (ports, binding, the
 * hypercall), common/event_2l.c (the 2-level pending/mask bitmaps in
 * shared_info) and common/event_fifo.c (the FIFO event array, control
 * blocks and queues). Which ABI a domain uses is d->evtchn.ops (Xen's
 * evtchn_port_ops); EVTCHNOP_reset returns a domain to 2-level.
 *
 * Ports. A domain binds ports below the ABI's limit (EVTCHN_2L_NR_CHANNELS,
 * 4096, or EVTCHN_FIFO_NR_CHANNELS, 131072) and below its own limit from
 * XEN_DOMCTL_createdomain's max_evtchn_port (none for dom0), whichever is
 * lower (max_ports() in event_channel.c); port 0 is reserved at init and
 * never handed out.
 * Port records are kept in pages of EVTCHN_PORTS_PER_PAGE, allocated as
 * the domain's ports grow. Which ports "exist" (a port beyond them is
 * -EINVAL for close/status/unmask/send, a free one within them is
 * "closed") follows Xen exactly: the valid range starts at
 * EVTCHN_XEN_BUCKET ports and grows by that many at a time, never
 * shrinking: after a reset to 2-level, ports past 4095 bound under FIFO
 * still exist (closed) but cannot be bound again.
 *
 * Locking. d->evtchn.lock is Xen's d->event_lock (see the order in
 * sched.h) and is always taken with spin_lock_irqsave(): events are raised
 * from interrupt context (timers). It guards the port records, the ops
 * pointer and v->virq_to_evtchn[] of d's vCPUs. Operations on two domains
 * take both locks, lower domain_id first. d->evtchn.fifo_lock (innermost,
 * irqsave) guards d's FIFO state (d->evtchn.fifo: queue tails, mapped
 * frames); it is taken on its own by a peer raising one of d's ports with
 * only its own event lock held. The pending/mask bitmaps and event words
 * are shared with the guest and only touched with atomic operations.
 * rcu_lock_domain_by_id() (domlist_lock) is never called with an event
 * lock held.
 */
#ifndef XENIA_EVENT_H
#define XENIA_EVENT_H

#include <xenia/types.h>
#include <xenia/spinlock.h>
#include <xenia/config.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

struct domain;
struct vcpu;

#define EVTCHNS_PER_DOMAIN_2L   EVTCHN_2L_NR_CHANNELS       /* 4096 */
#define EVTCHNS_PER_DOMAIN_MAX  EVTCHN_FIFO_NR_CHANNELS     /* 131072: any ABI */

/* Port states. The guest-visible ones equal their EVTCHNSTAT_* value. */
enum evtchn_state {
    ECS_FREE = EVTCHNSTAT_closed,
    ECS_UNBOUND = EVTCHNSTAT_unbound,
    ECS_INTERDOMAIN = EVTCHNSTAT_interdomain,
    ECS_PIRQ = EVTCHNSTAT_pirq,
    ECS_VIRQ = EVTCHNSTAT_virq,
    ECS_IPI = EVTCHNSTAT_ipi,
    ECS_RESERVED,                   /* port 0: reported as closed, never bound */
};

/* One port: 32 bytes, so EVTCHN_PORTS_PER_PAGE fit one page. */
struct evtchn {
    uint8_t state;                  /* enum evtchn_state */
    uint8_t priority;               /* FIFO: queue it is linked on next (0 highest .. 15) */
    uint16_t notify_vcpu_id;        /* vCPU that receives the upcall */
    evtchn_port_t remote_port;      /* ECS_INTERDOMAIN: the peer's port */
    union {
        struct { domid_t remote_domid; } unbound;          /* ECS_UNBOUND */
        struct { struct domain *remote_dom; } interdomain; /* ECS_INTERDOMAIN */
        uint32_t virq;                                      /* ECS_VIRQ */
        uint32_t pirq;                                      /* ECS_PIRQ */
    } u;
    /* FIFO ABI (common/event_fifo.c), under d->evtchn.fifo_lock (or d's event lock when freed). */
    uint8_t fifo_pending;           /* raised while its event-array page was missing; 0 when freed */
    uint8_t last_priority;          /* the queue it was last linked on (kept when freed): priority ... */
    uint16_t last_vcpu_id;          /* ... and vCPU */
    uint32_t pad[3];
};

#define EVTCHN_PORTS_PER_PAGE   (PAGE_SIZE / 32)            /* 128 */
#define EVTCHN_NR_PAGES         (EVTCHNS_PER_DOMAIN_MAX / EVTCHN_PORTS_PER_PAGE)
#define EVTCHN_XEN_BUCKET       64  /* Xen's EVTCHNS_PER_BUCKET: validity grows by this */

struct evtchn_fifo_domain;

/*
 * The ABI's port operations (Xen's struct evtchn_port_ops): evtchn_port_ops_2l
 * (event_2l.c) or evtchn_port_ops_fifo (event_fifo.c). chn is port's record
 * (may be NULL for set_pending/is_*: the 2-level bitmaps need no record).
 * Called with d's event lock held, except set_pending of an interdomain
 * send (the sender's lock is held; the port cannot change under it).
 *   init:          a port is being bound (FIFO: default priority).
 *   set_pending:   raise port on v (v's domain).
 *   clear_pending: port is being freed: drop a stale event.
 *   unmask:        EVTCHNOP_unmask's work; v is the notify vCPU.
 *   is_pending/is_masked: for SCHEDOP_poll and the dump.
 *   is_busy:       a freed port still on a guest queue is not reused (FIFO LINKED).
 *   set_priority:  EVTCHNOP_set_priority; NULL: -ENOSYS.
 *   max_ports:     the ABI's port limit.
 */
struct evtchn_port_ops {
    void (*init)(struct domain *d, struct evtchn *chn);
    void (*set_pending)(struct vcpu *v, evtchn_port_t port, struct evtchn *chn);
    void (*clear_pending)(struct domain *d, evtchn_port_t port);
    void (*unmask)(struct domain *d, struct vcpu *v, evtchn_port_t port, struct evtchn *chn);
    bool (*is_pending)(struct domain *d, evtchn_port_t port);
    bool (*is_masked)(struct domain *d, evtchn_port_t port);
    bool (*is_busy)(struct domain *d, evtchn_port_t port);
    int (*set_priority)(struct domain *d, struct evtchn *chn, uint32_t priority);
    unsigned int max_ports;
};

extern const struct evtchn_port_ops evtchn_port_ops_2l;
extern const struct evtchn_port_ops evtchn_port_ops_fifo;

struct evtchn_domain {
    spinlock_t lock;                /* d->event_lock: guards everything below */
    const struct evtchn_port_ops *ops;     /* the ABI in use: 2-level or FIFO */
    struct evtchn *pages[EVTCHN_NR_PAGES]; /* port records, xen heap, NULL until needed */
    void *spare_page;               /* the next pages[] entry, allocated before the lock */
    unsigned int valid;             /* ports [0, valid) allocated (Xen's valid_evtchns) */
    unsigned int max_port;          /* the domain's limit: highest port allowed + 1 */
    unsigned int active;            /* ports in use (not free, not reserved) */
    unsigned int first_free;        /* no free port below it (find_free_port()'s hint) */
    unsigned int reset_next;        /* EVTCHNOP_reset in progress: next port to close (Xen's next_evtchn), 0: none */
    bool dead;                      /* evtchn_domain_destroy() ran: no new ports */
    unsigned int destroy_next;      /* evtchn_domain_destroy() preempted: next port to close, 0: from 1 */
    spinlock_t fifo_lock;           /* guards fifo and what it points to */
    struct evtchn_fifo_domain *fifo; /* FIFO ABI state (event_fifo.c), NULL on 2-level */
};


/*
 * evtchn_domain_init(): set up d's ports: the 2-level ABI, the first page
 * of records, port 0 reserved, no domain limit below the ABI's (dom0; the
 * toolstack's XEN_DOMCTL_createdomain max_evtchn_port lowers it). Call
 * once from domain_create(), before the domain is visible. Returns 0 or
 * -ENOMEM.
 *
 * evtchn_domain_destroy(): close every port of d (interdomain peers go back
 * to unbound, VIRQ bindings are cleared), drop every reference the FIFO
 * ABI took on d's frames (control blocks, event array) and free the
 * records. Afterwards
 * every op on d answers as for an out-of-range port and no port can be
 * allocated. Call with d->is_dying set, before d's vCPUs and shared_info
 * are freed; again after -ERESTART until it returns 0. Takes d's and
 * peers' event locks. Returns 0, or -ERESTART (only when d is
 * DOMDYING_dying, as Xen 4.17's evtchn_destroy(): every 64 ports a
 * pending softirq or event for the caller stops it, the next port kept in
 * d->evtchn.destroy_next; domain_create()'s undo, DOMDYING_dead, runs to
 * the end).
 */
int evtchn_domain_init(struct domain *d);
int evtchn_domain_destroy(struct domain *d);

/*
 * do_event_channel_op(): the EVTCHNOP_* hypercall (xen/event_channel.h) for
 * current->domain; arg points to the op's struct in guest memory. Returns 0
 * or -errno with Xen 4.17's values: -EFAULT (bad arg), -ENOSYS (unknown
 * cmd), plus each op's own errors (see common/event_channel.c).
 * do_event_channel_op_hc() (hypercall.h) is the table entry; same thing.
 */
long do_event_channel_op(int cmd, XEN_GUEST_HANDLE_PARAM(void) arg);

/*
 * send_guest_vcpu_virq(): raise per-vCPU VIRQ virq (VIRQ_TIMER, VIRQ_DEBUG,
 * VIRQ_XENOPROF, VIRQ_XENPMU) on v, if v bound it; else nothing.
 * send_guest_global_virq(): raise global VIRQ virq (VIRQ_DOM_EXC,
 * VIRQ_CONSOLE...) on d (bound through vCPU 0; delivered to the vCPU the
 * port notifies), if bound; d may be NULL. Both are safe from interrupt
 * context and take d's event lock; a VIRQ of the wrong kind is ignored.
 */
void send_guest_vcpu_virq(struct vcpu *v, uint32_t virq);

/*
 * send_guest_pirq(): raise d's port if it is still bound to PIRQ pirq
 * (arch/x86/irq.c's interrupt path). Takes d's event lock; any context.
 * Returns the pCPU the notified vCPU runs on or last ran on (for the
 * interrupt to follow it), or -1 if nothing was raised.
 */
int send_guest_pirq(struct domain *d, evtchn_port_t port, uint32_t pirq);

/* evtchn_dump(): print d's ports in use (debug key 'e'). Takes d's event lock. */
void evtchn_dump(struct domain *d);
void send_guest_global_virq(struct domain *d, uint32_t virq);

/*
 * evtchn_set_pending(): raise port on v (v's domain) through the domain's
 * ABI, without any port-state check. 2-level: set port's bit in
 * shared_info->evtchn_pending; if it was clear and the port is unmasked,
 * set its word's bit in v->vcpu_info->evtchn_pending_sel and, if that was
 * clear, vcpu_mark_events_pending(v). FIFO: set PENDING in the port's
 * event word and, if unmasked and not yet LINKED, link it on v's queue of
 * its priority (common/event_fifo.c). Then wake vCPUs polling for port.
 * A port the ABI cannot hold (beyond 4096 on 2-level, without an
 * event-array page or record on FIFO) is ignored. Caller holds v's
 * domain's event lock or, for an interdomain send, the sender's.
 */
void evtchn_set_pending(struct vcpu *v, evtchn_port_t port);

/*
 * evtchn_port_poll(): for SCHEDOP_poll: -EINVAL if port does not exist in d
 * or is free/reserved, else 1 if pending, 0 if not (Xen's evtchn_port_poll).
 * evtchn_port_is_pending(): the same as a bool (false for -EINVAL).
 * Take d's event lock.
 */
int evtchn_port_poll(struct domain *d, evtchn_port_t port);
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);

/*
 * Polling protocol with SCHEDOP_poll (schedule.c): v->poll_evtchn is 0 when
 * v is not polling, a port number when polling exactly that port, and -1
 * when polling several. The poller sets VPF_blocked and poll_evtchn = -1
 * (full barriers), re-checks evtchn_port_poll() on its ports, then narrows
 * -1 to its one port by compare-exchange (never over a 0 an event wrote).
 * When an event is set pending on a port of d, every vCPU of d with
 * poll_evtchn == -1 or == that port gets poll_evtchn = 0 by compare-exchange
 * (retried if the poller narrowed it meanwhile), VPF_blocked cleared and
 * vcpu_wake().
 */
void evtchn_check_pollers(struct domain *d, evtchn_port_t port);

/*
 * Provided elsewhere (PV / scheduler code), called by this module:
 *
 * vcpu_mark_events_pending(): set v->vcpu_info->evtchn_upcall_pending and,
 * if it was clear, kick v: unblock it (clear VPF_blocked, vcpu_wake) and, if
 * it runs on another pCPU, make that pCPU deliver the upcall. Called with
 * event locks held (interrupts off); must not take an event lock.
 */
void vcpu_mark_events_pending(struct vcpu *v);

/* ---- internal to common/event_*.c ---- */

/*
 * evtchn_from_port(): port's record in d, NULL if the port does not exist
 * (Xen's port_is_valid() + evtchn_from_port()). d's event lock, or the
 * sender's for an interdomain peer's port.
 */
struct evtchn *evtchn_from_port(const struct domain *d, evtchn_port_t port);

/* The 2-level ABI's bitmap operations (event_2l.c), also called directly by unit tests. */
void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port);
void evtchn_2l_unmask(struct domain *d, struct vcpu *v, evtchn_port_t port);
bool evtchn_2l_is_pending(const struct domain *d, evtchn_port_t port);
bool evtchn_2l_is_masked(const struct domain *d, evtchn_port_t port);

/*
 * The FIFO ABI's hypercalls (event_fifo.c), each with d's event lock NOT
 * held (they take it):
 *
 * evtchn_fifo_init_control(): EVTCHNOP_init_control for current->domain
 * (xen/event_channel.h): map c->control_gfn (a frame of the caller,
 * writable type taken) at byte offset c->offset as vCPU c->vcpu's control
 * block; the first call switches the domain to FIFO (every bound port gets
 * the default priority, its 2-level pending bit carried over). Sets
 * c->link_bits. -ENOENT (no such vCPU), -EINVAL (offset past
 * PAGE_SIZE - sizeof(control block) or not 8-byte aligned, a frame that is
 * not the caller's or cannot be writable, vCPU already has one), -ENOMEM.
 *
 * evtchn_fifo_expand_array(): EVTCHNOP_expand_array: map e->array_gfn as
 * the next page of event words (1024 ports), re-raising events raised
 * while it was missing. -EOPNOTSUPP (domain on 2-level), -ENOSPC
 * (EVTCHN_FIFO_NR_CHANNELS / 1024 = 128 pages mapped already), -EINVAL
 * (bad frame), -ENOMEM.
 *
 * evtchn_fifo_detach(): take d's FIFO state away (returned; NULL if d was
 * on 2-level): d's ops become 2-level, a peer's event raised from now on
 * goes to the 2-level bitmaps. Caller holds d's event lock.
 * evtchn_fifo_release(): then, with no lock held and interrupts on, drop
 * every frame reference that state holds (a frame the guest gave away is
 * freed here) and free it. NULL: nothing.
 */
int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *c);
int evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *e);
struct evtchn_fifo_domain *evtchn_fifo_detach(struct domain *d);
void evtchn_fifo_release(struct evtchn_fifo_domain *f);

#endif
