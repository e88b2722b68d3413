/*
 * Domains and vCPUs, and the scheduler's interface.
 *
 * A domain owns memory (page_list), event channels, a grant table and its
 * vCPUs. Domains are reference-counted through the domain list lock;
 * rcu_lock_domain_by_id() returns a domain the caller may use until
 * rcu_unlock_domain().
 *
 * Lock order (outermost first):
 *   domlist_lock > d->lock > d->event_lock > d->evtchn.fifo_lock
 *   > d->page_alloc_lock > heap_lock > scheduler per-CPU locks > console_lock
 */
#ifndef XENIA_SCHED_H
#define XENIA_SCHED_H

#include <xenia/types.h>
#include <xenia/spinlock.h>
#include <xenia/list.h>
#include <xenia/mm.h>
#include <xenia/time.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xenia/event.h>
#include <xenia/cpumask.h>
#include <asm/domain.h>

struct grant_table;

/*
 * A vCPU's scheduler state (common/sched_credit2.c), under its run queue's
 * lock. Times are ns of system time.
 */
struct sched_vcpu {
    struct list_head runq_elem;      /* on its run queue's list (least vtime first) while queued */
    uint64_t vtime;                  /* ns of weight-256 CPU time run: grows 256/weight ns per ns (wraps) */
    s_time_t budget;                 /* ns of its domain's cap budget held while it runs (0 otherwise) */
    s_time_t start;                  /* when its current run was last accounted */
    bool yielded;                    /* SCHEDOP_yield: another runnable vCPU goes first once */
    bool reported;                   /* said on the console that it waits too long (schedule.c) */
    int tickled_cpu;                 /* pCPU asked to run it (credit2_wake_target()), -1: none */
};

/* A domain's credit2 parameters (XEN_DOMCTL_SCHEDOP_*, `xl sched-credit2`), under the run queue lock. */
struct sched_domain {
    unsigned int weight;             /* 1..65535, default 256: CPU share relative to other domains */
    unsigned int cap;                /* % of one pCPU for the whole domain, 0 = no cap */
    s_time_t pool;                   /* ns of cap budget left this period (negative: overrun debt) */
    s_time_t next_refill;            /* system time (ns) when the pool is refilled */
};

#define MAX_VIRT_CPUS_XENIA  XEN_LEGACY_MAX_VCPUS   /* 32, vcpu_info in shared_info */

struct vcpu {
    int vcpu_id;
    int processor;                   /* pCPU it runs on / last ran on (changes under its run-queue lock) */
    cpumask_t cpu_hard_affinity;     /* pCPUs it may run on (xl vcpu-pin) */
    cpumask_t cpu_soft_affinity;     /* pCPUs it prefers when one is idle (xl vcpu-pin HARD SOFT) */
    struct domain *domain;
    struct vcpu_info *vcpu_info;         /* in shared_info, or registered by VCPUOP_register_vcpu_info */

    /* scheduler state (common/schedule.c) */
    bool is_initialised;             /* has a context to run */
    bool is_running;
    unsigned long pause_flags;       /* VPF_*: blocked, down */
    int pause_count;                 /* vcpu_pause() nesting */
    struct sched_vcpu sched;         /* virtual time, cap budget, run-queue link */
    uint64_t runstate_entry_time;    /* ns */
    struct vcpu_runstate_info runstate;

    /* timers: singleshot (set_timer_op / VCPUOP_set_singleshot_timer), poll timeout */
    struct timer singleshot_timer;   /* raises VIRQ_TIMER */
    struct timer poll_timer;         /* ends SCHEDOP_poll */
    struct timer periodic_timer;     /* VCPUOP_set_periodic_timer */
    s_time_t periodic_period;        /* ns, 0 = off */
    unsigned long runstate_guest;    /* guest VA of its runstate copy, 0 = none */
    unsigned long time_area_guest;   /* guest VA of its vcpu_time_info copy, 0 = none */
    bool vcpu_info_registered;       /* VCPUOP_register_vcpu_info done */
    int virq_to_evtchn[NR_VIRQS];    /* per-vCPU VIRQ bindings (port or 0) */
    int poll_evtchn;                 /* SCHEDOP_poll: 0 none, -1 any, else the port */

    struct arch_vcpu arch;
};

/* pause_flags */
#define _VPF_blocked     0            /* SCHEDOP_block: waiting for an event */
#define _VPF_down        1            /* VCPUOP_down or not yet up */
#define VPF_blocked      (1UL << _VPF_blocked)
#define VPF_down         (1UL << _VPF_down)

struct domain {
    domid_t domain_id;
    xen_domain_handle_t handle;      /* UUID given by the toolstack */
    spinlock_t lock;
    struct list_head domain_list;    /* on the global list, under domlist_lock */
    unsigned int refcnt;

    /* memory */
    spinlock_t page_alloc_lock;
    struct page_list_head page_list; /* frames owned (struct page_info.list) */
    struct page_list_head relmem_list;    /* owned frames domain_kill() has been through (Xen's arch.relmem_list) */
    unsigned long tot_pages;         /* frames owned */
    unsigned long max_pages;         /* quota in frames */
    struct shared_info *shared_info;     /* one xen-heap frame shared with the guest */

    /* vCPUs */
    unsigned int max_vcpus;
    struct vcpu *vcpu[MAX_VIRT_CPUS_XENIA];

    /* lifecycle */
    bool is_privileged;              /* dom0: physdev/platform/domctl */
    unsigned int is_dying;           /* DOMDYING_*: alive (0), dying, dead */
    unsigned int kill_step;          /* DOMDYING_dying: where a preempted domain_kill() goes on */
    unsigned int controller_pause_count; /* XEN_DOMCTL_pausedomain nesting */
    bool debugger_attached;          /* XEN_DOMCTL_setdebugging */
    uint32_t ssidref;                /* XSM label from createdomain (unused) */
    bool is_shutting_down;
    bool zombie;                     /* dead, but frames still referenced elsewhere */
    unsigned int shutdown_code;      /* SHUTDOWN_* from <xen/sched.h> */
    int pause_count;

    /* event channels (common/event_channel.c) */
    struct evtchn_domain evtchn;

    /* grant table (common/grant_table.c, <xenia/grant_table.h>) */
    struct grant_table *grant_table;

    struct sched_domain sched;       /* weight and cap (common/sched_credit2.c) */

    struct arch_domain arch;
};

/* d->is_dying (Xen's DOMDYING_*): alive, resources being released, all released. */
#define DOMDYING_alive   0
#define DOMDYING_dying   1
#define DOMDYING_dead    2

#define for_each_vcpu(d, v) \
    for (unsigned int __i = 0; __i < (d)->max_vcpus; __i++) \
        if (((v) = (d)->vcpu[__i]) != NULL)

extern struct domain *hardware_domain;   /* dom0 */

/*
 * domain_create(): a new domain with id domid, one reference (the
 * domain's own), on the domain list, no vCPUs yet. Returns 0 and *out, or
 * -EINVAL (max_vcpus 0 or above MAX_VIRT_CPUS_XENIA), -ENOMEM, -EEXIST
 * (domid in use, dying domains included: checked under domlist_lock).
 * On failure everything allocated so far is freed. Takes domlist_lock.
 */
int domain_create(domid_t domid, bool privileged, unsigned int max_vcpus, struct domain **out);
/* vcpu_create(): vCPU vcpu_id of d, on pCPU cpu; NULL on -ENOMEM/-EINVAL. */
struct vcpu *vcpu_create(struct domain *d, unsigned int vcpu_id, unsigned int cpu);
/* rcu_lock_domain_by_id(): look up and hold a domain, or NULL (-ESRCH). */
struct domain *rcu_lock_domain_by_id(domid_t domid);
/*
 * rcu_unlock_domain(): drop a reference. The last one (after domain_kill()
 * dropped the domain's own) unlinks d from the domain list and frees it
 * (domain_free()). Never call it with d->lock or an event lock held.
 */
void rcu_unlock_domain(struct domain *d);
/*
 * domain_get_next(): hold (refcnt++) the existing domain with the lowest
 * id >= domid, dying ones included (XEN_DOMCTL_getdomaininfo's walk), or
 * NULL. Release with rcu_unlock_domain(). Takes domlist_lock.
 */
struct domain *domain_get_next(domid_t domid);
/* domid_is_free(): no domain, not even a dying one, has this id. Takes domlist_lock. */
bool domid_is_free(domid_t domid);
/*
 * domain_kill() (common/domain_destroy.c): XEN_DOMCTL_destroydomain.
 * Pauses d, marks it DOMDYING_dying, releases every resource it holds
 * (vCPU page tables and GDTs, pins, page types, allocation references of
 * every frame, event channels, timers), marks it DOMDYING_dead, tells
 * dom0 (VIRQ_DOM_EXC) and drops the domain's own reference; the struct
 * and its vCPUs go with the last reference. Preemptible, as Xen 4.17's:
 * closing the event channels and relinquishing the frames check
 * hypercall_preempt_check() every 64 ports / 256 frames and return
 * -ERESTART, the progress kept in d (kill_step, evtchn.destroy_next,
 * relmem_list); XEN_DOMCTL_destroydomain is then re-issued and goes on
 * from there. Callers are serialised by domctl_lock. The caller holds a
 * reference; d must not be the caller's domain. Returns 0 (also when d is
 * already dead) or -ERESTART.
 * domain_free(): the last reference went: free vCPUs, shared_info, d.
 */
int domain_kill(struct domain *d);
void domain_free(struct domain *d);
/* domain_free_shared_info(): d's shared_info back to the xen heap unless still mapped (then leaked, logged). */
void domain_free_shared_info(struct domain *d);
/* domain_shutdown(): record reason (SHUTDOWN_*), stop its vCPUs, notify VIRQ_DOM_EXC. */
void domain_shutdown(struct domain *d, unsigned int reason);
/*
 * domain_last_page_freed(): d's last frame went back to the heap. A
 * destroyed domain whose frames were still mapped elsewhere (grant or
 * foreign mappings) stays a zombie until then; this drops that reference.
 */
void domain_last_page_freed(struct domain *d);
/* rcu_lock_domain_by_id_any(): like rcu_lock_domain_by_id(), dying domains included. */
struct domain *rcu_lock_domain_by_id_any(domid_t domid);
/* domain_crash(): the guest did something unrecoverable: shut it down as SHUTDOWN_crash. */
void domain_crash(struct domain *d, const char *why);
/* hardware_domain_shutdown(): dom0 went down: power off, restart, or fail (crash). */
void __noreturn hardware_domain_shutdown(unsigned int reason);

/* scheduler (common/schedule.c, policy in common/sched_credit2.c) */
void sched_init_domain(struct domain *d);      /* weight 256, no cap */
void sched_init_vcpu(struct vcpu *v);          /* level with the run queue, soft affinity all pCPUs; before it runs */
void vcpu_wake(struct vcpu *v);                /* make runnable if not blocked/paused */
void vcpu_block(void);                         /* current vCPU waits for an event */
void vcpu_yield(void);                         /* SCHEDOP_yield: another runnable vCPU goes first */
void vcpu_unblock(struct vcpu *v);             /* end a block/poll and make runnable */
void vcpu_pause(struct vcpu *v);               /* and wait until it is off its pCPU */
/*
 * vcpu_wait_descheduled(): v (or its domain) is paused: wait until no pCPU
 * runs it, including one that picked it just before the pause. Takes the
 * run-queue lock once; not for the caller's own vCPU.
 */
void vcpu_wait_descheduled(struct vcpu *v);
void vcpu_pause_nosync(struct vcpu *v);        /* stop it at its next exit */
void vcpu_unpause(struct vcpu *v);
/* vcpu_runnable(): not blocked, down or paused, its domain neither paused nor shutting down. */
static inline bool vcpu_runnable(const struct vcpu *v)
{
    return !v->pause_flags && !v->pause_count && !v->domain->pause_count &&
           !v->domain->is_shutting_down;
}
void raise_softirq_schedule(unsigned int cpu); /* ask cpu to reschedule */
/* sched_remove_vcpu(): take a paused vCPU off its run queue for good (domain destruction). */
void sched_remove_vcpu(struct vcpu *v);
void scheduler_init_cpu(unsigned int cpu);     /* run queue + slice timer of cpu */
void sched_dump(void);                         /* run queues (debug key 'r'); takes their locks */
/*
 * sched_set_affinity(): XEN_DOMCTL_setvcpuaffinity. hard (if not NULL): v
 * may run only on its online pCPUs; running elsewhere, v leaves at that
 * pCPU's next decision (asked at once); not running, it is shown on the
 * first allowed pCPU. soft (if not NULL): pCPUs preferred when v wakes.
 * 0, or -EINVAL (no online pCPU in hard; nothing changed). Takes the run
 * queue lock; any context.
 */
int sched_set_affinity(struct vcpu *v, const cpumask_t *hard, const cpumask_t *soft);
/*
 * sched_get_params()/sched_set_params(): a domain's credit2 weight and cap
 * (XEN_DOMCTL_SCHEDOP_getinfo/putinfo, `xl sched-credit2 -d D -w W -c C`).
 * Set: weight 0 keeps the weight; cap in % of one pCPU, 0 removes it.
 * -EINVAL: weight above 65535, cap above 100 x the vCPUs created (as Xen
 * 4.17). Take the run queue lock.
 */
void sched_get_params(struct domain *d, unsigned int *weight, unsigned int *cap);
int sched_set_params(struct domain *d, unsigned int weight, unsigned int cap);
/* sched_ratelimit()/sched_set_ratelimit(): credit2's shortest run, us (0: off). Caller validates. */
unsigned int sched_ratelimit(void);
void sched_set_ratelimit(unsigned int us);
void vcpu_timers_init(struct vcpu *v);         /* singleshot + poll timers (sched_op.c) */
/*
 * vcpu_timers_migrate(): v's periodic, singleshot and poll timers (and an
 * HVM vCPU's local-APIC timer) move to pCPU cpu, where v now runs, as
 * Xen's scheduler moves them: their expiry interrupts the pCPU that runs v.
 * An active timer keeps its deadline. Takes both pCPUs' timer-queue locks
 * (never the run queue's); no errors.
 */
void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu);
void vcpu_set_singleshot_timer(struct vcpu *v, s_time_t deadline_ns);

#endif
