/*
 * Credit2 accounting and choice: the policy half of the scheduler
 * (<xenia/sched_credit2.h>; common/schedule.c is the mechanism).
 *
 * Credit: every vCPU holds credit, in ns of weight-256 CPU time. Running
 * burns it at 256/weight ns per ns, so with the same credit a weight-512
 * vCPU runs twice as long as a default one. A pCPU runs the vCPU with the
 * most credit that its hard affinity allows, for as long as it keeps more
 * than the next one waiting (at least the rate limit, 1 ms by default, at
 * most CREDIT2_MAX_SLICE). When the best candidate has no credit left, a new
 * epoch begins: every vCPU gets CREDIT2_CREDIT_INIT more, capped at
 * CREDIT2_CREDIT_INIT; vCPUs that were not queued then (blocked, or running
 * elsewhere) catch up when next touched, by epoch number. A vCPU that
 * blocks keeps its credit, so I/O-bound vCPUs win against CPU-bound ones
 * when they wake. These are Xen 4.17's credit2 semantics as `xl
 * sched-credit2` drives them (weight, cap); Xen's constants where it has
 * them (10 ms credit, 10 ms cap period, 1 ms ratelimit).
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
#include <xenia/sched_credit2.h>

unsigned int credit2_ratelimit_us = CREDIT2_DEFAULT_RATELIMIT_US;

/* ns: the shortest slice: the rate limit, never below CREDIT2_MIN_TIMER. */
static s_time_t min_slice(void)
{
    s_time_t r = (s_time_t)credit2_ratelimit_us * 1000;
    return r > CREDIT2_MIN_TIMER ? r : CREDIT2_MIN_TIMER;
}

void credit2_init_vcpu(struct sched_runqueue *rq, struct vcpu *v)
{
    INIT_LIST_HEAD(&v->sched.runq_elem);
    v->sched.credit = CREDIT2_CREDIT_INIT;
    v->sched.epoch = rq->epoch;
    v->sched.budget = 0;
    v->sched.start = 0;
    v->sched.yielded = false;
}

void credit2_init_domain(struct sched_domain *sd)
{
    sd->weight = CREDIT2_DEFAULT_WEIGHT;
    sd->cap = 0;
    sd->pool = 0;
    sd->next_refill = 0;
}

/* Credit handed out in the epochs v missed. */
static void catch_up(const struct sched_runqueue *rq, struct vcpu *v)
{
    unsigned int missed = rq->epoch - v->sched.epoch;

    if (!missed)
        return;
    v->sched.epoch = rq->epoch;
    /* Credit never falls below -256 slices' worth, so a few epochs fill it. */
    if (missed > 1024 || v->sched.credit + (s_time_t)missed * CREDIT2_CREDIT_INIT > CREDIT2_CREDIT_INIT)
        v->sched.credit = CREDIT2_CREDIT_INIT;
    else
        v->sched.credit += (s_time_t)missed * CREDIT2_CREDIT_INIT;
}

/* ns of credit for ns of running at weight w, and back. */
static s_time_t credit_of_time(s_time_t t, unsigned int w)
{
    return t * CREDIT2_DEFAULT_WEIGHT / (s_time_t)w;
}

static s_time_t time_of_credit(s_time_t c, unsigned int w)
{
    return c * (s_time_t)w / CREDIT2_DEFAULT_WEIGHT;
}

void credit2_burn(struct sched_runqueue *rq, struct vcpu *v, s_time_t now)
{
    struct sched_domain *sd = &v->domain->sched;
    s_time_t ran = now - v->sched.start;

    catch_up(rq, v);
    if (ran <= 0)
        return;
    v->sched.start = now;
    v->sched.credit -= credit_of_time(ran, sd->weight);
    if (sd->cap)
        v->sched.budget -= ran;
}

void credit2_queue(struct sched_runqueue *rq, struct vcpu *v)
{
    struct vcpu *w;

    catch_up(rq, v);
    list_for_each_entry(w, &rq->runnable, sched.runq_elem) {
        if (w->sched.credit < v->sched.credit) {
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
 * The first queued vCPU (most credit) that may run on cpu now, skipping
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
        if (within_cap(v, now, wake))
            return v;
    }
    return NULL;
}

/* Every vCPU gets its epoch's credit: the queued ones now, the rest when next touched. */
static void new_epoch(struct sched_runqueue *rq, struct vcpu *prev)
{
    struct vcpu *v;

    rq->epoch++;
    list_for_each_entry(v, &rq->runnable, sched.runq_elem)
        catch_up(rq, v);
    if (prev)
        catch_up(rq, prev);
}

struct vcpu *credit2_pick(struct sched_runqueue *rq, unsigned int cpu, struct vcpu *prev,
                          bool prev_runnable, s_time_t now, s_time_t *slice)
{
    s_time_t wake = 0;
    bool keep_prev = prev && prev_runnable && cpumask_test_cpu(cpu, &prev->cpu_hard_affinity);
    struct vcpu *next;

    if (keep_prev && !within_cap(prev, now, &wake)) {
        credit2_put_budget(prev);   /* its overrun goes to the pool's debt */
        keep_prev = false;
    }
    for (int round = 0; ; round++) {
        struct vcpu *best = best_queued(rq, cpu, NULL, now, &wake);

        if (keep_prev && (!best || (!prev->sched.yielded && prev->sched.credit >= best->sched.credit)))
            next = prev;
        else
            next = best;
        if (!next || next->sched.credit > 0 || round > 0)
            break;
        new_epoch(rq, keep_prev ? prev : NULL);
    }
    if (prev)
        prev->sched.yielded = false;
    if (!next) {
        *slice = wake ? (wake > now ? wake - now : 1) : 0;
        return NULL;
    }
    if (next != prev)
        list_del(&next->sched.runq_elem);
    take_budget(next);
    next->sched.start = now;

    /* Run until its credit falls to the next contender's, within the slice bounds. */
    struct vcpu *rival = best_queued(rq, cpu, next, now, &wake);
    if (!rival && keep_prev && next != prev)
        rival = prev;
    s_time_t run = CREDIT2_MAX_SLICE;
    if (rival) {
        run = time_of_credit(next->sched.credit - rival->sched.credit, next->domain->sched.weight);
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

int credit2_wake_target(struct sched_runqueue *rq, const struct vcpu *v)
{
    cpumask_t allowed, idle;
    unsigned int cpu;
    int target = -1;

    cpumask_and(&allowed, &v->cpu_hard_affinity, &rq->cpus);
    cpumask_and(&idle, &allowed, &rq->idlers);
    if (cpumask_test_cpu((unsigned int)v->processor, &idle)) {
        target = v->processor;
    } else if (!cpumask_empty(&idle)) {
        cpumask_t pref;
        cpumask_and(&pref, &idle, &v->cpu_soft_affinity);
        target = (int)cpumask_next(-1, cpumask_empty(&pref) ? &idle : &pref);
    } else {
        s_time_t least = v->sched.credit;
        for_each_cpu(cpu, &allowed) {
            const struct vcpu *r = rq->running[cpu];
            if (r && r->sched.credit < least) {
                least = r->sched.credit;
                target = (int)cpu;
            }
        }
        return target;
    }
    cpumask_clear_cpu((unsigned int)target, &rq->idlers);
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
