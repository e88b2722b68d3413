/*
 * The scheduler's policy (common/sched_credit2.c): credit2's weights and
 * caps, kept as weighted virtual time, and the choice of what a pCPU runs
 * next; shared by the mechanism in common/schedule.c (locks, timers,
 * context switch) and tests/unit.
 *
 * Everything here runs with the run queue's lock held and takes no lock,
 * reads no clock and arms no timer: the caller passes `now` (ns of system
 * time), so a unit test can drive it with a simulated clock.
 */
#ifndef XENIA_SCHED_CREDIT2_H
#define XENIA_SCHED_CREDIT2_H

#include <xenia/sched.h>

#define CREDIT2_DEFAULT_WEIGHT  256
#define CREDIT2_MAX_WEIGHT      65535                   /* the ABI's field is 16 bits wide (libxl's range) */
#define CREDIT2_WAKE_CREDIT     (10 * 1000 * 1000LL)    /* ns: a waking vCPU's lead at most (Xen's credit, 10 ms) */
#define CREDIT2_MAX_LEAD        (100 * 1000 * 1000LL)   /* ns: how far a vCPU's vtime may run ahead of min_vtime */
#define CREDIT2_MIN_TIMER       (500 * 1000LL)          /* ns: no slice is shorter (Xen: 500 us) */
#define CREDIT2_MAX_SLICE       (10 * 1000 * 1000LL)    /* ns: longest run before the next decision (Xen: 10 ms) */
#define CREDIT2_DEFAULT_RATELIMIT_US 1000               /* Xen's sched_ratelimit_us default */
#define CREDIT2_CAP_PERIOD      (10 * 1000 * 1000LL)    /* ns: a cap's budget period (Xen: 10 ms) */

/*
 * A run queue: the vCPUs waiting for the pCPUs in `cpus`. Xen's credit2
 * shares one run queue among the pCPUs of a socket by default
 * (runqueue=socket); Xenia has one for all pCPUs, so a vCPU that wakes
 * runs on whichever allowed pCPU is idle, which is its load balancing.
 */
struct sched_runqueue {
    spinlock_t lock;                 /* irqsave; guards everything below and every sched_vcpu/sched_domain */
    struct list_head runnable;       /* queued vCPUs, least vtime first */
    cpumask_t cpus;                  /* pCPUs that take work from it */
    cpumask_t idlers;                /* of those, idle and not yet asked to look again */
    cpumask_t tickled;               /* asked to look again by a wake-up, not yet decided since */
    struct vcpu *running[NR_CPUS];   /* what each pCPU runs, NULL when idle */
    uint64_t min_vtime;              /* never decreases: about the least vtime of running and queued vCPUs */
};

/*
 * credit2_ratelimit_us: the shortest slice (us): a vCPU chosen to run with
 * another one waiting has its next decision this far away at the soonest;
 * 0: only CREDIT2_MIN_TIMER. Unlike Xen's runq_candidate(), a wake-up that
 * asks its pCPU to decide again (credit2_wake_target()) preempts the vCPU
 * there at once however briefly it ran: holding such wake-ups back for the
 * rate limit, as Xen does, made bench-pvio slower here (10 of 15 rows at
 * 0.81-0.94 in an A/B, session 19). Written under the run queue lock.
 */
extern unsigned int credit2_ratelimit_us;

/* credit2_init_vcpu(): a new vCPU, level with the run queue (vtime = min_vtime). */
void credit2_init_vcpu(struct sched_runqueue *rq, struct vcpu *v);

/* credit2_init_domain(): Xen's defaults: weight 256, no cap. */
void credit2_init_domain(struct sched_domain *sd);

/*
 * credit2_burn(): charge v, which ran since v->sched.start, up to now:
 * vtime grows by elapsed * 256 / weight, but to no more than
 * CREDIT2_MAX_LEAD past the run queue's min_vtime (time it had a pCPU to
 * itself is not held against it later); a capped domain's held budget
 * falls by elapsed; start moves to now.
 */
void credit2_burn(struct sched_runqueue *rq, struct vcpu *v, s_time_t now);

/*
 * credit2_queue(): put v on rq->runnable in vtime order (after vCPUs with
 * as little). A vCPU that slept (woke: blocked, down or paused until now)
 * comes back at most CREDIT2_WAKE_CREDIT behind the run queue's min_vtime,
 * so it runs soon but cannot bank sleep; one that only lost its pCPU keeps
 * its vtime unless it is more than CREDIT2_MAX_LEAD behind (it sat paused
 * in the queue: `xl pause` must not bank time either).
 */
void credit2_queue(struct sched_runqueue *rq, struct vcpu *v, bool woke);

/*
 * credit2_pick(): what pCPU cpu runs next, at time now. prev is what it
 * ran (NULL when idle), already charged with credit2_burn(); it stays if
 * it is runnable, allowed on cpu, within its cap and owed at least as much
 * as the best queued vCPU allowed on cpu (vtime no larger), unless it
 * yielded. The choice leaves the queue, holds budget if its domain is
 * capped and gets start = now. *slice is how long it may run before the
 * next decision (ns), or for NULL (idle) how long until a parked vCPU's
 * budget comes back (0: nothing to wait for). prev, if not chosen, is not
 * queued here: the caller queues it once its state is saved. A queued vCPU
 * that a wake-up left to another pCPU still in rq->tickled is not taken;
 * cpu leaves rq->tickled.
 */
struct vcpu *credit2_pick(struct sched_runqueue *rq, unsigned int cpu, struct vcpu *prev,
                          bool prev_runnable, s_time_t now, s_time_t *slice);

/* credit2_put_budget(): v stopped running: the budget it held goes back to its domain's pool. */
void credit2_put_budget(struct vcpu *v);

/*
 * credit2_wake_target(): the pCPU that should look at v, just queued: an
 * idle one v may use (the waker, the pCPU doing the wake-up, if it is idle
 * (an interrupt or timer there) and of v's soft affinity when any idle one
 * is: it needs no IPI; then v's last pCPU; then one of its soft affinity;
 * then any), else the one whose running vCPU is owed least (largest vtime)
 * if v is owed more; -1 for none. waker -1: no such preference. A chosen
 * idle pCPU leaves rq->idlers (it re-joins when it finds nothing to run).
 * A chosen idle pCPU also joins rq->tickled and becomes
 * v->sched.tickled_cpu: until it decides (credit2_pick()), no other pCPU
 * takes v (Xen credit2's runq_candidate() leaves a tickled vCPU to its
 * pCPU the same way), so a pCPU that goes idle in the meantime does not
 * pull v away from the one already woken for it. A pCPU asked to preempt
 * is not waited for: if another frees up first it takes v, and the
 * preemption is not needed (Xen waits for that one too).
 */
int credit2_wake_target(struct sched_runqueue *rq, struct vcpu *v, int waker);

/*
 * credit2_set_cap(): d's cap in % of one pCPU (0 removes it) at time now.
 * A new cap starts with a full pool; budget held by running vCPUs is
 * dropped so they fetch it again under the new rule.
 */
void credit2_set_cap(struct domain *d, unsigned int cap, s_time_t now);

#endif
