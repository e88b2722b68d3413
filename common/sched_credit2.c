/*
 * Credit2's weights and caps, and what each pCPU runs next: the policy
 * half of the scheduler (<xenia/sched_credit2.h>; common/schedule.c is the
 * mechanism).
 *
 * Shares: Xen's credit2 gives every vCPU credit that running burns at
 * 256/weight ns per ns, runs the vCPU with the most, and hands out credit
 * again when it runs out. Xenia keeps the same quantity the other way
 * round, as weighted virtual time: vtime grows by ran * 256 / weight and a
 * pCPU runs the queued vCPU with the least vtime that its hard affinity
 * allows, for as long as it stays behind the next one waiting (at least
 * the rate limit, 1 ms by default, at most CREDIT2_MAX_SLICE; a wake-up
 * owed more preempts it sooner: credit2_ratelimit_us). With no
 * credit epochs to reset, shares hold exactly whatever other pCPUs do: two
 * CPU-bound vCPUs of weights 256 and 512 on one pCPU get 1:2. A vCPU that
 * slept comes back at most CREDIT2_WAKE_CREDIT (10 ms, Xen's credit) behind
 * the run queue, so it runs soon after waking (I/O-bound vCPUs win against
 * CPU hogs) without banking the time it slept; and no vCPU runs more than
 * CREDIT2_MAX_LEAD ahead of the run queue (one that had a pCPU to itself,
 * e.g. pinned, is not starved for it once others can reach that pCPU) or
 * behind it (one left paused in the queue): credit2's credit floor and
 * reset do the same. vtime wraps; it is only
 * ever compared by signed difference (after()).
 *
 * Cap: a domain with a cap of C% gets C% of CREDIT2_CAP_PERIOD of budget
 * per period, for all its vCPUs together (Xen: cap up to 100 x vCPUs). A
 * vCPU of a capped domain takes a share of the pool when it starts to run
 * (the pool over the domain's vCPUs, at least CREDIT2_MIN_TIMER), may run
 * only while its share lasts and gives back what is left (or the overrun)
 * when it stops. With the pool empty its vCPUs are parked: skipped until
 * the next refill, even with the pCPU idle.
 *
 * Locking: all of it under the run queue's lock (the caller's).
 */
#include <xenia/lib.h>
#include <xenia/perfc.h>
#include <xenia/sched_credit2.h>

unsigned int credit2_ratelimit_us = CREDIT2_DEFAULT_RATELIMIT_US;

/* ns: the shortest slice: the rate limit, never below CREDIT2_MIN_TIMER. */
static s_time_t min_slice(void)
{
    s_time_t r = (s_time_t)credit2_ratelimit_us * 1000;
    return r > CREDIT2_MIN_TIMER ? r : CREDIT2_MIN_TIMER;
}

/* a is later than b in wrapping virtual time. */
static bool after(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) > 0;
}

void credit2_init_vcpu(struct sched_runqueue *rq, struct vcpu *v)
{
    INIT_LIST_HEAD(&v->sched.runq_elem);
    v->sched.vtime = rq->min_vtime;
    v->sched.budget = 0;
    v->sched.start = 0;
    v->sched.yielded = false;
    v->sched.tickled_cpu = -1;
}

void credit2_init_domain(struct sched_domain *sd)
{
    sd->weight = CREDIT2_DEFAULT_WEIGHT;
    sd->cap = 0;
    sd->pool = 0;
    sd->next_refill = 0;
}

/* ns of virtual time for ns of running at weight w, and back. */
static uint64_t vtime_of(s_time_t t, unsigned int w)
{
    return (uint64_t)t * CREDIT2_DEFAULT_WEIGHT / w;
}

static s_time_t time_of_vtime(uint64_t vt, unsigned int w)
{
    return (s_time_t)(vt * w / CREDIT2_DEFAULT_WEIGHT);
}

void credit2_burn(struct sched_runqueue *rq, struct vcpu *v, s_time_t now)
{
    struct sched_domain *sd = &v->domain->sched;
    s_time_t ran = now - v->sched.start;

    if (ran <= 0)
        return;
    v->sched.start = now;
    v->sched.vtime += vtime_of(ran, sd->weight);
    if (after(v->sched.vtime, rq->min_vtime + (uint64_t)CREDIT2_MAX_LEAD))
        v->sched.vtime = rq->min_vtime + (uint64_t)CREDIT2_MAX_LEAD;
    if (sd->cap)
        v->sched.budget -= ran;
}

void credit2_queue(struct sched_runqueue *rq, struct vcpu *v, bool woke)
{
    uint64_t floor = rq->min_vtime - (uint64_t)(woke ? CREDIT2_WAKE_CREDIT : CREDIT2_MAX_LEAD);
    struct vcpu *w;

    if (after(floor, v->sched.vtime))
        v->sched.vtime = floor;
    list_for_each_entry(w, &rq->runnable, sched.runq_elem) {
        if (after(w->sched.vtime, v->sched.vtime)) {
            list_add_tail(&v->sched.runq_elem, &w->sched.runq_elem);   /* before w */
            return;
        }
    }
    list_add_tail(&v->sched.runq_elem, &rq->runnable);
}

/* A cap's budget per period, ns. */
static s_time_t cap_budget(const struct sched_domain *sd)
{
    return CREDIT2_CAP_PERIOD * (s_time_t)sd->cap / 100;
}

/* New periods since the last refill: the pool grows by one budget each, up to one budget. */
static void refill(struct sched_domain *sd, s_time_t now)
{
    if (now < sd->next_refill)
        return;
    s_time_t periods = (now - sd->next_refill) / CREDIT2_CAP_PERIOD + 1;
    s_time_t full = cap_budget(sd);
    sd->pool = sd->pool + periods * full > full ? full : sd->pool + periods * full;
    sd->next_refill += periods * CREDIT2_CAP_PERIOD;
}

/*
 * Whether v may run now as far as its domain's cap goes: it holds budget,
 * or its pool has some to give. If not, *wake becomes the earliest time
 * some budget comes back.
 */
static bool within_cap(struct vcpu *v, s_time_t now, s_time_t *wake)
{
    struct sched_domain *sd = &v->domain->sched;

    if (!sd->cap || v->sched.budget > 0)
        return true;
    refill(sd, now);
    if (sd->pool > 0)
        return true;
    if (*wake == 0 || sd->next_refill < *wake)
        *wake = sd->next_refill;
    return false;
}

/* v is about to run: a capped domain's vCPU takes its share of the pool. */
static void take_budget(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct sched_domain *sd = &d->sched;

    if (!sd->cap || v->sched.budget > 0)
        return;
    s_time_t share = cap_budget(sd) / (s_time_t)(d->max_vcpus ? d->max_vcpus : 1);
    if (share < CREDIT2_MIN_TIMER)
        share = CREDIT2_MIN_TIMER;
    if (share > sd->pool)
        share = sd->pool;
    sd->pool -= share;
    v->sched.budget += share;
}

void credit2_put_budget(struct vcpu *v)
{
    struct sched_domain *sd = &v->domain->sched;

    if (sd->cap)
        sd->pool += v->sched.budget;
    v->sched.budget = 0;
}

/*
 * The first queued vCPU (least vtime) that may run on cpu now, skipping
 * `skip`. vCPUs paused or blocked since they were queued leave the queue
 * (vcpu_wake() queues them again when they can run).
 */
static struct vcpu *best_queued(struct sched_runqueue *rq, unsigned int cpu, const struct vcpu *skip,
                                s_time_t now, s_time_t *wake)
{
    struct vcpu *v, *n;

    list_for_each_entry_safe(v, n, &rq->runnable, sched.runq_elem) {
        if (!vcpu_runnable(v)) {
            list_del(&v->sched.runq_elem);
            continue;
        }
        if (v == skip || v->is_running || !cpumask_test_cpu(cpu, &v->cpu_hard_affinity))
            continue;
        if (v->sched.tickled_cpu >= 0 && v->sched.tickled_cpu != (int)cpu &&
            cpumask_test_cpu((unsigned int)v->sched.tickled_cpu, &rq->tickled)) {
            perfc_event(PERFC_EVENT_TICKLE_DEFERRED);
            continue;                   /* left to the pCPU woken for it */
        }
        if (within_cap(v, now, wake))
            return v;
    }
    return NULL;
}

struct vcpu *credit2_pick(struct sched_runqueue *rq, unsigned int cpu, struct vcpu *prev,
                          bool prev_runnable, s_time_t now, s_time_t *slice)
{
    s_time_t wake = 0;
    bool keep_prev = prev && prev_runnable && cpumask_test_cpu(cpu, &prev->cpu_hard_affinity);
    struct vcpu *next, *best;

    cpumask_clear_cpu(cpu, &rq->tickled);
    if (keep_prev && !within_cap(prev, now, &wake)) {
        credit2_put_budget(prev);   /* its overrun goes to the pool's debt */
        keep_prev = false;
    }
    best = best_queued(rq, cpu, NULL, now, &wake);
    if (keep_prev && (!best || (!prev->sched.yielded && !after(prev->sched.vtime, best->sched.vtime))))
        next = prev;
    else
        next = best;
    if (prev)
        prev->sched.yielded = false;
    if (!next) {
        *slice = wake ? (wake > now ? wake - now : 1) : 0;
        return NULL;
    }
    if (next != prev)
        list_del(&next->sched.runq_elem);
    next->sched.tickled_cpu = -1;
    take_budget(next);
    next->sched.start = now;

    /* The run queue's clock: the least vtime in sight, never backwards. */
    uint64_t least = next->sched.vtime;
    if (!list_empty(&rq->runnable)) {
        const struct vcpu *first = list_first_entry(&rq->runnable, struct vcpu, sched.runq_elem);
        if (after(least, first->sched.vtime))
            least = first->sched.vtime;
    }
    if (after(least, rq->min_vtime))
        rq->min_vtime = least;

    /* Run until its vtime passes the next contender's, within the slice bounds. */
    struct vcpu *rival = best_queued(rq, cpu, next, now, &wake);
    if (!rival && keep_prev && next != prev)
        rival = prev;
    s_time_t run = CREDIT2_MAX_SLICE;
    if (rival) {
        run = after(rival->sched.vtime, next->sched.vtime)
              ? time_of_vtime(rival->sched.vtime - next->sched.vtime, next->domain->sched.weight) : 0;
        if (run < min_slice())
            run = min_slice();
        if (run > CREDIT2_MAX_SLICE)
            run = CREDIT2_MAX_SLICE;
    }
    if (next->domain->sched.cap && next->sched.budget < run)
        run = next->sched.budget > 0 ? next->sched.budget : 1;
    *slice = run;
    return next;
}

int credit2_wake_target(struct sched_runqueue *rq, struct vcpu *v, int waker)
{
    cpumask_t allowed, idle, pref;
    unsigned int cpu;
    int target = -1;

    cpumask_and(&allowed, &v->cpu_hard_affinity, &rq->cpus);
    cpumask_and(&idle, &allowed, &rq->idlers);
    cpumask_and(&pref, &idle, &v->cpu_soft_affinity);
    if (cpumask_empty(&pref))
        pref = idle;
    if (waker >= 0 && cpumask_test_cpu((unsigned int)waker, &pref))
        target = waker;                  /* an idle pCPU's interrupt or timer: no IPI */
    else if (cpumask_test_cpu((unsigned int)v->processor, &idle))
        target = v->processor;
    else if (!cpumask_empty(&idle))
        target = (int)cpumask_next(-1, &pref);
    if (target >= 0) {
        cpumask_clear_cpu((unsigned int)target, &rq->idlers);
        cpumask_set_cpu((unsigned int)target, &rq->tickled);
        v->sched.tickled_cpu = target;   /* idle, so it takes v: left to it */
        return target;
    }
    v->sched.tickled_cpu = -1;           /* a preemption: whichever pCPU is free first takes v */
    uint64_t most = v->sched.vtime;     /* preempt only a vCPU owed less than v */
    for_each_cpu(cpu, &allowed) {
        const struct vcpu *r = rq->running[cpu];
        if (r && after(r->sched.vtime, most)) {
            most = r->sched.vtime;
            target = (int)cpu;
        }
    }
    return target;
}

void credit2_set_cap(struct domain *d, unsigned int cap, s_time_t now)
{
    struct sched_domain *sd = &d->sched;
    struct vcpu *v;

    sd->cap = cap;
    if (!cap)
        return;
    sd->pool = cap_budget(sd);
    sd->next_refill = now + CREDIT2_CAP_PERIOD;
    for_each_vcpu(d, v)
        v->sched.budget = 0;
}
