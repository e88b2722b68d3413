/*
 * Event channels (2-level ABI; FIFO later), per <xen/event_channel.h>.
 * The per-domain state lives in struct evtchn_domain, embedded in struct
 * domain. Implementation: common/event_channel.c (ports, binding, ops) and
 * common/event_2l.c (the 2-level pending/mask bitmaps in shared_info).
 */
#ifndef XENIA_EVENT_H
#define XENIA_EVENT_H

#include <xenia/types.h>
#include <xenia/spinlock.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

struct domain;
struct vcpu;

#define EVTCHNS_PER_DOMAIN_2L   (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)  /* 4096 */

enum evtchn_state {
    ECS_FREE = EVTCHNSTAT_closed,
    ECS_UNBOUND = EVTCHNSTAT_unbound,
    ECS_INTERDOMAIN = EVTCHNSTAT_interdomain,
    ECS_PIRQ = EVTCHNSTAT_pirq,
    ECS_VIRQ = EVTCHNSTAT_virq,
    ECS_IPI = EVTCHNSTAT_ipi,
};

struct evtchn {
    uint8_t state;                  /* enum evtchn_state */
    uint16_t notify_vcpu_id;        /* vCPU that receives the upcall */
    union {
        struct { domid_t remote_domid; } unbound;
        struct { struct domain *remote_dom; evtchn_port_t remote_port; } interdomain;
        uint32_t virq;
        uint32_t pirq;
    } u;
};

struct evtchn_domain {
    spinlock_t lock;                /* d->event_lock: guards ports[] */
    struct evtchn *ports;           /* EVTCHNS_PER_DOMAIN_2L entries, xen heap */
    unsigned int max_port;          /* highest port allowed + 1 */
};

/* evtchn_domain_init()/_destroy(): set up and tear down d's ports (-ENOMEM). */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);

/* do_event_channel_op(): EVTCHNOP_* hypercall (xen/event_channel.h). */
long do_event_channel_op(int cmd, XEN_GUEST_HANDLE_PARAM(void) arg);

/* send_guest_vcpu_virq(): raise a per-vCPU VIRQ (VIRQ_TIMER, VIRQ_DEBUG...) if bound. */
void send_guest_vcpu_virq(struct vcpu *v, uint32_t virq);
/* send_guest_global_virq(): raise a global VIRQ (VIRQ_DOM_EXC, VIRQ_CON...) on d if bound. */
void send_guest_global_virq(struct domain *d, uint32_t virq);
/* evtchn_set_pending(): mark port pending on v's domain and upcall v if unmasked. */
void evtchn_set_pending(struct vcpu *v, evtchn_port_t port);

#endif
