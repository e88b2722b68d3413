/*
 * Event channels (2-level ABI; FIFO later), per <xen/event_channel.h>.
 * The per-domain state lives in struct evtchn_domain, embedded in struct
 * domain. Implementation: common/event_channel.c (ports, binding, ops) and
 * common/event_2l.c (the 2-level pending/mask bitmaps in shared_info).
 *
 * Ports. A domain's ports are 0 .. EVTCHNS_PER_DOMAIN_2L-1; port 0 is
 * reserved at init and never handed out. Port records are kept in pages of
 * EVTCHN_PORTS_PER_PAGE, allocated as the domain's ports grow. Which ports
 * "exist" (a port beyond them is -EINVAL for close/status/unmask/send, a
 * free one within them is "closed") follows Xen exactly: the valid range
 * starts at EVTCHN_XEN_BUCKET ports and grows by that many at a time.
 *
 * Locking. d->evtchn.lock is Xen's d->event_lock (see the order in
 * sched.h) and is always taken with spin_lock_irqsave(): events are raised
 * from interrupt context (timers). It guards the port records and
 * v->virq_to_evtchn[] of d's vCPUs. Operations on two domains take both
 * locks, lower domain_id first. The pending/mask bitmaps in shared_info
 * and vcpu_info are shared with the guest and only touched with atomic
 * bit operations. rcu_lock_domain_by_id() (domlist_lock) is never called
 * with an event lock held.
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

/* One port: 16 bytes, so EVTCHN_PORTS_PER_PAGE fit one page. */
struct evtchn {
    uint8_t state;                  /* enum evtchn_state */
    uint8_t priority;               /* FIFO ABI (unused by 2-level) */
    uint16_t notify_vcpu_id;        /* vCPU that receives the upcall */
    evtchn_port_t remote_port;      /* ECS_INTERDOMAIN: the peer's port */
    union {
        struct { domid_t remote_domid; } unbound;          /* ECS_UNBOUND */
        struct { struct domain *remote_dom; } interdomain; /* ECS_INTERDOMAIN */
        uint32_t virq;                                      /* ECS_VIRQ */
        uint32_t pirq;                                      /* ECS_PIRQ */
    } u;
};

#define EVTCHN_PORTS_PER_PAGE   (PAGE_SIZE / 16)            /* 256 */
#define EVTCHN_NR_PAGES         (EVTCHNS_PER_DOMAIN_2L / EVTCHN_PORTS_PER_PAGE)
#define EVTCHN_XEN_BUCKET       64  /* Xen's EVTCHNS_PER_BUCKET: validity grows by this */

struct evtchn_domain {
    spinlock_t lock;                /* d->event_lock: guards everything below */
    struct evtchn *pages[EVTCHN_NR_PAGES]; /* port records, xen heap, NULL until needed */
    unsigned int valid;             /* ports [0, valid) exist (Xen's valid_evtchns) */
    unsigned int max_port;          /* highest port allowed + 1 */
    unsigned int active;            /* ports in use (not free, not reserved) */
    bool dead;                      /* evtchn_domain_destroy() ran: no new ports */
};

/*
 * evtchn_domain_init(): set up d's ports: the first page of records, port 0
 * reserved, limit EVTCHNS_PER_DOMAIN_2L. Call once from domain_create(),
 * before the domain is visible. Returns 0 or -ENOMEM.
 *
 * evtchn_domain_destroy(): close every port of d (interdomain peers go back
 * to unbound, VIRQ bindings are cleared) and free the records. Afterwards
 * every op on d answers as for an out-of-range port and no port can be
 * allocated. Call once, with d->is_dying set, before d's vCPUs and
 * shared_info are freed. Takes d's and peers' event locks.
 */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);

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
 */
void send_guest_pirq(struct domain *d, evtchn_port_t port, uint32_t pirq);

/* evtchn_dump(): print d's ports in use (debug key 'e'). Takes d's event lock. */
void evtchn_dump(struct domain *d);
void send_guest_global_virq(struct domain *d, uint32_t virq);

/*
 * evtchn_set_pending(): the 2-level "set pending" on v's domain, without
 * any port-state check: set port's bit in shared_info->evtchn_pending; if
 * it was clear and the port is unmasked, set its word's bit in
 * v->vcpu_info->evtchn_pending_sel and, if that was clear,
 * vcpu_mark_events_pending(v); then wake vCPUs polling for port. port must
 * be < EVTCHNS_PER_DOMAIN_2L (else ignored). Lock-free (atomic bit ops).
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
 * when polling several. The poller sets poll_evtchn and VPF_blocked, issues
 * a full barrier, then re-checks evtchn_port_poll() on its ports before
 * sleeping. When an event is set pending on a port of d, every vCPU of d
 * with poll_evtchn == -1 or == that port gets poll_evtchn = 0, VPF_blocked
 * cleared and vcpu_wake().
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

/* ---- internal to common/event_*.c: the 2-level ABI's bitmap operations ---- */
void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port);
void evtchn_2l_unmask(struct domain *d, struct vcpu *v, evtchn_port_t port);
bool evtchn_2l_is_pending(const struct domain *d, evtchn_port_t port);
bool evtchn_2l_is_masked(const struct domain *d, evtchn_port_t port);

#endif
