/*
 * The scheduler's mechanism: run-queue locking, the slice timer, waking
 * and switching vCPUs. What runs next and for how long is credit2's policy
 * (common/sched_credit2.c): weights and caps as `xl sched-credit2` sets
 * them, hard affinity enforced (`xl vcpu-pin`), soft affinity preferred
 * when a vCPU wakes. One run queue serves every pCPU (Xen credit2's
 * runqueue=socket on a one-socket machine), so a vCPU runs wherever an
 * allowed pCPU is free: waking it asks an idle pCPU first, else preempts
 * the pCPU whose vCPU is owed least, if the waker is owed more; an idle
 * pCPU so asked is the only one to take the vCPU until it has decided.
 *
 * Each pCPU runs guests from one stack: a vCPU's registers live in the
 * pCPU's cpu_info frame while it runs and in v->arch.user_regs otherwise,
 * so switching vCPUs is copying frames in prepare_to_return_to_guest() —
 * the hypervisor never blocks with a live stack. An idle pCPU zeroes freed
 * frames (scrub_free_pages(), interrupts on) while any are left, then halts,
 * in that same function, until a vCPU becomes runnable.
 *
 * Locking: the run queue's lock (irqsave) guards the queue, every vCPU's
 * virtual time and v->processor, and every domain's weight and cap. A vCPU is
 * queued only while it is runnable and not running: a pCPU that switches
 * away from a runnable vCPU queues it again once its state is saved and
 * CR3 holds the next vCPU's (or idle) page tables (context_saved()), so
 * another pCPU never picks up half-saved registers. v->is_running stays
 * true until then: whoever waits for it to clear (vcpu_wait_descheduled())
 * then sees the saved state and may free v's page tables.
 */
#include <xenia/lib.h>
#include <xenia/page_alloc.h>
#include <xenia/percpu.h>
#include <xenia/perfc.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <xenia/sched_credit2.h>
#include <xenia/softirq.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/pv_context.h>
#include <asm/pv_domain.h>
#include <asm/hvm/hvm.h>
#include <asm/smp.h>

struct sched_pcpu {
    struct sched_runqueue *rq;          /* where this pCPU takes its work from */
    struct timer slice_timer;           /* ends the running vCPU's slice */
};

static struct sched_runqueue runqueue;   /* every pCPU's */
static DEFINE_PER_CPU(struct sched_pcpu, sched_pcpus);

static void slice_expired(void *data)
{
    raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
}

void scheduler_init_cpu(unsigned int cpu)
{
    struct sched_pcpu *ps = &per_cpu(sched_pcpus, cpu);

    if (cpu == 0) {
        spin_lock_init(&runqueue.lock);
        INIT_LIST_HEAD(&runqueue.runnable);
    }
    ps->rq = &runqueue;
    cpumask_set_cpu(cpu, &runqueue.cpus);
    init_timer(&ps->slice_timer, slice_expired, NULL, cpu);
}

void sched_init_domain(struct domain *d)
{
    credit2_init_domain(&d->sched);
}

void sched_init_vcpu(struct vcpu *v)
{
    v->cpu_soft_affinity = cpu_online_map;
    credit2_init_vcpu(per_cpu(sched_pcpus, (unsigned int)v->processor).rq, v);
}

static void runstate_change(struct vcpu *v, int state)
{
    s_time_t now = NOW();
    v->runstate.time[v->runstate.state] += now - v->runstate.state_entry_time;
    v->runstate.state = state;
    v->runstate.state_entry_time = now;
}

/* The run queue of v->processor, locked; v->processor cannot change while it is held. */
static struct sched_runqueue *lock_rq(struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = (unsigned int)ACCESS_ONCE(v->processor);
        struct sched_runqueue *rq = per_cpu(sched_pcpus, cpu).rq;
        spin_lock_irqsave(&rq->lock, *flags);
        if (likely((unsigned int)v->processor == cpu))
            return rq;
        spin_unlock_irqrestore(&rq->lock, *flags);
    }
}

void vcpu_wake(struct vcpu *v)
{
    unsigned long flags;
    struct sched_runqueue *rq = lock_rq(v, &flags);
    int target = -1;

    if (vcpu_runnable(v) && !v->is_running && list_empty(&v->sched.runq_elem)) {
        credit2_queue(rq, v, v->runstate.state != RUNSTATE_runnable);   /* slept, or only preempted */
        runstate_change(v, RUNSTATE_runnable);
        target = credit2_wake_target(rq, v, (int)smp_processor_id());
    }
    spin_unlock_irqrestore(&rq->lock, flags);
    if (target >= 0)
        raise_softirq((unsigned int)target, SOFTIRQ_SCHEDULE);
}

void vcpu_block(void)
{
    struct vcpu *v = current;
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    /*
     * An event that arrived before the flag was set must not be lost. HVM:
     * Xen's hvm_local_events_need_delivery() (a vector it can take now).
     */
    if (is_hvm_vcpu(v) ? hvm_local_events_need_delivery(v) : v->vcpu_info->evtchn_upcall_pending) {
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
        return;
    }
    raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
}

void vcpu_yield(void)
{
    current->sched.yielded = true;
    raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
}

void vcpu_unblock(struct vcpu *v)
{
    if (__atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST) & VPF_blocked)
        vcpu_wake(v);
}

void vcpu_pause_nosync(struct vcpu *v)
{
    __atomic_add_fetch(&v->pause_count, 1, __ATOMIC_SEQ_CST);
    raise_softirq((unsigned int)v->processor, SOFTIRQ_SCHEDULE);
}

void vcpu_wait_descheduled(struct vcpu *v)
{
    unsigned long flags;

    /*
     * Any pCPU that picked v before its pause count (or its domain's) was
     * raised did so under the run-queue lock and set is_running there:
     * taking the lock once makes that visible; a pick after it sees the
     * pause and skips v. Without this, a pick racing with the pause could
     * set is_running after we looked, and v would run while its owner
     * tears it down (a freed L4 in a running pCPU's CR3).
     */
    struct sched_runqueue *rq = lock_rq(v, &flags);
    int cpu = v->is_running ? v->processor : -1;
    spin_unlock_irqrestore(&rq->lock, flags);
    if (cpu >= 0)
        raise_softirq((unsigned int)cpu, SOFTIRQ_SCHEDULE);
    while (ACCESS_ONCE(v->is_running))
        __builtin_ia32_pause();
}

void vcpu_pause(struct vcpu *v)
{
    vcpu_pause_nosync(v);
    if (v == current)
        return;
    vcpu_wait_descheduled(v);
}

void vcpu_unpause(struct vcpu *v)
{
    if (__atomic_sub_fetch(&v->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        vcpu_wake(v);
}

void sched_remove_vcpu(struct vcpu *v)
{
    unsigned long flags;

    ASSERT(v->pause_count > 0);
    vcpu_wait_descheduled(v);
    struct sched_runqueue *rq = lock_rq(v, &flags);
    if (!list_empty(&v->sched.runq_elem))
        list_del(&v->sched.runq_elem);
    spin_unlock_irqrestore(&rq->lock, flags);
}

int sched_set_affinity(struct vcpu *v, const cpumask_t *hard, const cpumask_t *soft)
{
    unsigned long flags;
    int running_on = -1, target = -1;
    cpumask_t m;

    if (hard) {
        m = cpumask_online(hard);
        if (cpumask_empty(&m))
            return -EINVAL;
    }
    struct sched_runqueue *rq = lock_rq(v, &flags);
    if (soft)
        v->cpu_soft_affinity = *soft;
    if (hard) {
        v->cpu_hard_affinity = m;
        if (!cpumask_test_cpu((unsigned int)v->processor, &m)) {
            if (v->is_running)
                running_on = v->processor;      /* leaves at its next decision */
            else
                v->processor = (int)cpumask_next(-1, &m);   /* same run queue */
        }
        if (!list_empty(&v->sched.runq_elem))
            target = credit2_wake_target(rq, v, -1);
    }
    spin_unlock_irqrestore(&rq->lock, flags);
    if (running_on >= 0)
        raise_softirq((unsigned int)running_on, SOFTIRQ_SCHEDULE);
    if (target >= 0)
        raise_softirq((unsigned int)target, SOFTIRQ_SCHEDULE);
    return 0;
}

void sched_get_params(struct domain *d, unsigned int *weight, unsigned int *cap)
{
    unsigned long flags;

    spin_lock_irqsave(&runqueue.lock, flags);
    *weight = d->sched.weight;
    *cap = d->sched.cap;
    spin_unlock_irqrestore(&runqueue.lock, flags);
}

int sched_set_params(struct domain *d, unsigned int weight, unsigned int cap)
{
    unsigned long flags;
    struct vcpu *v;
    cpumask_t kick;

    unsigned int nr_vcpus = 0;

    for_each_vcpu(d, v)
        nr_vcpus++;
    if (weight > CREDIT2_MAX_WEIGHT || cap > 100 * nr_vcpus)
        return -EINVAL;
    cpumask_clear(&kick);
    spin_lock_irqsave(&runqueue.lock, flags);
    if (weight)
        d->sched.weight = weight;
    if (cap != d->sched.cap) {
        credit2_set_cap(d, cap, NOW());
        for_each_vcpu(d, v)
            if (v->is_running)
                cpumask_set_cpu((unsigned int)v->processor, &kick);
    }
    spin_unlock_irqrestore(&runqueue.lock, flags);
    unsigned int cpu;
    for_each_cpu(cpu, &kick)
        raise_softirq(cpu, SOFTIRQ_SCHEDULE);
    return 0;
}

unsigned int sched_ratelimit(void)
{
    return ACCESS_ONCE(credit2_ratelimit_us);
}

void sched_set_ratelimit(unsigned int us)
{
    unsigned long flags;

    spin_lock_irqsave(&runqueue.lock, flags);
    credit2_ratelimit_us = us;
    spin_unlock_irqrestore(&runqueue.lock, flags);
}

void raise_softirq_schedule(unsigned int cpu)
{
    raise_softirq(cpu, SOFTIRQ_SCHEDULE);
}

/*
 * prev's state is saved: it is no longer running. A wake-up that saw it
 * still running did not queue it, and a runnable prev that lost its pCPU
 * was not queued either: queue it now (vcpu_wake() checks).
 *
 * The store of is_running and the load of pause_flags need a full barrier
 * between them (a SEQ_CST store: XCHG on x86), as Xen's smp_mb() there: a
 * waker clears VPF_blocked, then reads is_running. With a plain store the
 * load could pass it (x86's store buffer): this pCPU would read the vCPU
 * still blocked while the waker read it still running, and neither would
 * queue it: a lost wake-up, the vCPU blocked for good.
 */
static void context_saved(struct vcpu *prev)
{
    __atomic_store_n(&prev->is_running, false, __ATOMIC_SEQ_CST);
    if (vcpu_runnable(prev))
        vcpu_wake(prev);
}

/*
 * A vCPU runnable but not run for STARVED_NS says so on the console, with
 * what each pCPU runs and the virtual times involved (once per wait):
 * scheduling bugs explain themselves. Called with the run queue locked.
 */
#define STARVED_NS  (2000 * 1000 * 1000LL)
static void report_starved(struct sched_runqueue *rq, s_time_t now)
{
    struct vcpu *v;
    unsigned int cpu;

    list_for_each_entry(v, &rq->runnable, sched.runq_elem) {
        s_time_t waited = now - v->runstate.state_entry_time;
        if (v->runstate.state != RUNSTATE_runnable || waited < STARVED_NS || v->sched.reported)
            continue;
        v->sched.reported = true;
        printk("sched: d%uv%d runnable for %ld ms, vtime %ld past min; running:", v->domain->domain_id,
               v->vcpu_id, (long)(waited / 1000000), (long)(v->sched.vtime - rq->min_vtime));
        for_each_cpu(cpu, &cpu_online_map) {
            const struct vcpu *r = rq->running[cpu];
            if (r)
                printk(" CPU%u d%uv%d(%ld)", cpu, r->domain->domain_id, r->vcpu_id,
                       (long)(r->sched.vtime - rq->min_vtime));
            else
                printk(" CPU%u idle", cpu);
        }
        printk("\n");
    }
}

/*
 * schedule(): charge what ran, choose what runs next on this pCPU (credit2_
 * pick()) and switch to it. Interrupts are off. Returns the vCPU now
 * current, or NULL if nothing is runnable.
 */
static struct vcpu *schedule(struct cpu_user_regs *frame)
{
    unsigned int cpu = smp_processor_id();
    struct sched_pcpu *ps = &this_cpu(sched_pcpus);
    struct sched_runqueue *rq = ps->rq;
    struct vcpu *prev = current, *next;
    s_time_t now = NOW(), slice;
    bool moved = false;                 /* next last ran on another pCPU */

    spin_lock(&rq->lock);
    if (prev)
        credit2_burn(rq, prev, now);
    next = credit2_pick(rq, cpu, prev, prev && vcpu_runnable(prev), now, &slice);
    if (prev && prev != next)
        credit2_put_budget(prev);
    report_starved(rq, now);
    if (next) {
        next->is_running = true;
        next->sched.reported = false;
        moved = next->processor != (int)cpu;
        next->processor = (int)cpu;
        cpumask_clear_cpu(cpu, &rq->idlers);
    } else {
        cpumask_set_cpu(cpu, &rq->idlers);
    }
    rq->running[cpu] = next;
    spin_unlock(&rq->lock);
    if (moved) {
        perfc_event(PERFC_EVENT_VCPU_MIGRATED);
        vcpu_timers_migrate(next, cpu);
    }

    if (prev && prev != next) {
        if (is_hvm_vcpu(prev))
            hvm_context_save(prev, frame);
        else
            pv_context_save(prev, frame);
        runstate_change(prev, vcpu_runnable(prev) ? RUNSTATE_runnable :
                              (prev->pause_flags & VPF_down) ? RUNSTATE_offline :
                              RUNSTATE_blocked);
        vcpu_update_runstate_area(prev);    /* still current, its tables loaded: the guest sees it stop */
    }
    get_cpu_info()->current_vcpu = next;
    if (next && next != prev) {
        runstate_change(next, RUNSTATE_running);
        if (is_hvm_vcpu(next)) {
            hvm_context_restore(next, frame);
            pv_lazy_end();
        } else {
            pv_context_restore(next, frame);
        }
    } else if (!next && prev) {
        pv_switch_to_idle(prev);
    }
    /*
     * Only now, with CR3 off prev's page tables or this pCPU recorded as
     * keeping them (pv_switch_to_idle()), may prev be seen as not running:
     * a pauser (domain_kill) or prev itself, picked up by another pCPU,
     * may then drop its old L4, and pv_sync_lazy() must find this pCPU
     * first, or it would still walk a freed table on a TLB miss (a triple
     * fault once overwritten).
     */
    if (prev && prev != next)
        context_saved(prev);
    if (slice)
        set_timer(&ps->slice_timer, now + slice);
    else
        stop_timer(&ps->slice_timer);
    return next;
}

/*
 * prepare_to_return_to_guest(): called by entry.S with interrupts off and
 * frame = this pCPU's cpu_info frame. Runs softirqs, schedules, delivers
 * pending events, and returns only when a vCPU's state is in the frame:
 * false for a PV vCPU (entry.S returns to it with SYSRETQ or IRETQ), true for an HVM
 * one (entry.S enters it through its back end, hvm_vmentry).
 */
bool prepare_to_return_to_guest(struct cpu_user_regs *frame);
__guest_path bool prepare_to_return_to_guest(struct cpu_user_regs *frame)
{
    struct cpu_info *ci = get_cpu_info();

    for (;;) {
        bool resched = softirq_test_and_clear(SOFTIRQ_SCHEDULE);
        struct vcpu *v = current;
        if (resched || !v || !vcpu_runnable(v))
            v = schedule(frame);
        if (!v) {
            /*
             * Idle: wait for an interrupt to make something runnable. Not
             * while a softirq is pending: schedule() may itself have queued
             * a vCPU and raised SOFTIRQ_SCHEDULE here (context_saved() waking
             * a prev whose waker saw it still running; this pCPU, just made
             * idle, is its wake target), and raise_softirq() sends no IPI to
             * its own pCPU: halting would leave that vCPU queued until some
             * unrelated interrupt, for good if none comes. With interrupts
             * off, a later raise from another pCPU sends an IPI that ends HLT.
             */
            if (ci->softirq_pending)
                continue;
            if (total_dirty_pages()) {
                /* Idle scrubbing: a few frames at a time, interrupts on between. */
                __asm__ __volatile__("sti" ::: "memory");
                scrub_free_pages(8);
                __asm__ __volatile__("cli" ::: "memory");
                continue;
            }
            pv_idle_drop_stale_tables();
            __asm__ __volatile__("sti; hlt; cli" ::: "memory");
            continue;
        }
        if (ci->softirq_pending & (1UL << SOFTIRQ_SCHEDULE))
            continue;
        if (is_hvm_vcpu(v))
            return true;            /* event delivery to HVM vCPUs: not built yet */
        pv_deliver_pending_events(v, frame);
        return false;
    }
}

/* sched_dump(): each online pCPU's running vCPU and the run queue, vtime in ns past min_vtime (debug key 'r'). */
void sched_dump(void)
{
    unsigned int cpu;

    struct sched_runqueue *rq = &runqueue;
    const struct vcpu *v;
    unsigned long flags;

    spin_lock_irqsave(&rq->lock, flags);
    printk("Credit2 run queue: ratelimit %u us\n", credit2_ratelimit_us);
    for_each_cpu(cpu, &cpu_online_map) {
        v = rq->running[cpu];
        if (v)
            printk("CPU%u: running d%uv%d vtime=%ld\n", cpu, v->domain->domain_id, v->vcpu_id,
                   (long)(v->sched.vtime - rq->min_vtime));
        else
            printk("CPU%u: idle\n", cpu);
    }
    printk("queued:");
    list_for_each_entry(v, &rq->runnable, sched.runq_elem)
        printk(" d%uv%d(%ld)", v->domain->domain_id, v->vcpu_id, (long)(v->sched.vtime - rq->min_vtime));
    printk("\n");
    spin_unlock_irqrestore(&rq->lock, flags);
}
