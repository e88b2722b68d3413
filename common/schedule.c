/*
 * The scheduler: one round-robin run queue per pCPU. A vCPU runs on the
 * pCPU it was created on until its hard affinity (XEN_DOMCTL_setvcpuaffinity,
 * `xl vcpu-pin`) excludes that pCPU: it then moves to the first pCPU the
 * affinity allows, once its state is saved. Time slices of SCHED_SLICE_NS
 * end with a SOFTIRQ_SCHEDULE raised by the slice timer.
 *
 * Each pCPU runs guests from one stack: a vCPU's registers live in the
 * pCPU's cpu_info frame while it runs and in v->arch.user_regs otherwise,
 * so switching vCPUs is copying frames in prepare_to_return_to_guest() —
 * the hypervisor never blocks with a live stack. An idle pCPU halts in that
 * same function until a vCPU becomes runnable.
 *
 * Locking: each pCPU's run queue has its own lock (irqsave); a vCPU is on
 * at most one run queue, that of v->processor, which changes only under
 * that queue's lock (lock_rq() re-checks it). v->is_running stays true
 * until the pCPU that ran v has saved its state and loaded another CR3:
 * whoever waits for it to clear (vcpu_wait_descheduled(), a migration) then
 * sees the saved state, and may free v's page tables. An idle pCPU runs on
 * idle_pg_table.
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <xenia/softirq.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/pv_domain.h>
#include <asm/hvm/hvm.h>
#include <asm/smp.h>

#define SCHED_SLICE_NS   (30 * 1000 * 1000)

struct runqueue {
    spinlock_t lock;
    struct list_head queue;             /* runnable vCPUs, not the running one */
    struct timer slice_timer;
};

static DEFINE_PER_CPU(struct runqueue, runqueues);

bool vcpu_runnable(const struct vcpu *v)
{
    return !v->pause_flags && !v->pause_count && !v->domain->pause_count &&
           !v->domain->is_shutting_down;
}

static void slice_expired(void *data)
{
    raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
}

void scheduler_init_cpu(unsigned int cpu)
{
    struct runqueue *rq = &per_cpu(runqueues, cpu);
    spin_lock_init(&rq->lock);
    INIT_LIST_HEAD(&rq->queue);
    init_timer(&rq->slice_timer, slice_expired, NULL, cpu);
}

static void runstate_change(struct vcpu *v, int state)
{
    s_time_t now = NOW();
    v->runstate.time[v->runstate.state] += now - v->runstate.state_entry_time;
    v->runstate.state = state;
    v->runstate.state_entry_time = now;
}

/* The run queue of v->processor, locked; v->processor cannot change while it is held. */
static struct runqueue *lock_rq(struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = (unsigned int)ACCESS_ONCE(v->processor);
        struct runqueue *rq = &per_cpu(runqueues, cpu);
        spin_lock_irqsave(&rq->lock, *flags);
        if (likely((unsigned int)v->processor == cpu))
            return rq;
        spin_unlock_irqrestore(&rq->lock, *flags);
    }
}

void vcpu_wake(struct vcpu *v)
{
    unsigned long flags;
    struct runqueue *rq = lock_rq(v, &flags);

    if (vcpu_runnable(v) && !v->is_running && list_empty(&v->runq_elem)) {
        list_add_tail(&v->runq_elem, &rq->queue);
        runstate_change(v, RUNSTATE_runnable);
        raise_softirq((unsigned int)v->processor, SOFTIRQ_SCHEDULE);
    }
    spin_unlock_irqrestore(&rq->lock, flags);
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
     * A pCPU that picked v before its pause count (or its domain's) was
     * raised did so under the run-queue lock and set is_running there:
     * taking the lock once makes that visible; a pick after it sees the
     * pause and skips v. Without this, a pick racing with the pause could
     * set is_running after we looked, and v would run while its owner
     * tears it down.
     */
    struct runqueue *rq = lock_rq(v, &flags);
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
    struct runqueue *rq = lock_rq(v, &flags);
    if (!list_empty(&v->runq_elem))
        list_del(&v->runq_elem);
    spin_unlock_irqrestore(&rq->lock, flags);
}

/* Off its run queue and onto cpu's: v paused, not running (state saved). */
static void move_vcpu(struct vcpu *v, unsigned int cpu)
{
    unsigned long flags;
    struct runqueue *rq = lock_rq(v, &flags);

    if (!list_empty(&v->runq_elem))
        list_del(&v->runq_elem);
    v->processor = (int)cpu;
    spin_unlock_irqrestore(&rq->lock, flags);
}

int sched_set_hard_affinity(struct vcpu *v, const cpumask_t *mask)
{
    cpumask_t m = cpumask_online(mask);

    if (cpumask_empty(&m))
        return -EINVAL;
    v->cpu_hard_affinity = m;
    if (cpumask_test_cpu((unsigned int)v->processor, &m))
        return 0;
    unsigned int target = cpumask_next(-1, &m);
    vcpu_pause(v);
    if (v == current) {
        /* Running here: it moves itself once switched out (schedule()). */
        v->move_to = (int)target;
        raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
    } else {
        move_vcpu(v, target);
    }
    vcpu_unpause(v);
    return 0;
}

void raise_softirq_schedule(unsigned int cpu)
{
    raise_softirq(cpu, SOFTIRQ_SCHEDULE);
}

/*
 * Pick the next vCPU for this pCPU, or NULL to idle. Interrupts are off.
 * prev stops counting as running inside the same run-queue critical
 * section that decided not to keep it is cleared only once its state is
 * saved (context_saved()), which then re-checks for a wake-up it missed;
 * until then no other pCPU can pick prev up.
 */
static struct vcpu *pick_next(struct runqueue *rq, struct vcpu *prev)
{
    struct vcpu *next = NULL;

    spin_lock(&rq->lock);
    if (prev && vcpu_runnable(prev) && prev->move_to < 0 && list_empty(&prev->runq_elem))
        list_add_tail(&prev->runq_elem, &rq->queue);
    while (!list_empty(&rq->queue) && !next) {
        next = list_first_entry(&rq->queue, struct vcpu, runq_elem);
        list_del(&next->runq_elem);
        if (!vcpu_runnable(next))
            next = NULL;            /* paused or blocked since it was queued */
    }
    if (next)
        next->is_running = true;
    spin_unlock(&rq->lock);
    return next;
}

/*
 * prev's state is saved: it is no longer running. A wake-up that saw it
 * still running did not queue it, so look again; a pending move happens
 * now.
 */
static void context_saved(struct vcpu *prev)
{
    int to = prev->move_to;

    __atomic_store_n(&prev->is_running, false, __ATOMIC_RELEASE);
    if (to >= 0) {
        prev->move_to = -1;
        move_vcpu(prev, (unsigned int)to);
    }
    if (vcpu_runnable(prev))
        vcpu_wake(prev);
}

/*
 * schedule(): choose what runs next on this pCPU and switch to it.
 * Returns the vCPU now current, or NULL if nothing is runnable.
 */
static struct vcpu *schedule(struct cpu_user_regs *frame)
{
    unsigned int cpu = smp_processor_id();
    struct runqueue *rq = &per_cpu(runqueues, cpu);
    struct vcpu *prev = current;
    struct vcpu *next = pick_next(rq, prev);

    if (prev && prev != next) {
        if (is_hvm_vcpu(prev))
            hvm_context_save(prev, frame);
        else
            pv_context_save(prev, frame);
        runstate_change(prev, vcpu_runnable(prev) ? RUNSTATE_runnable :
                              (prev->pause_flags & VPF_down) ? RUNSTATE_offline :
                              RUNSTATE_blocked);
    }
    get_cpu_info()->current_vcpu = next;
    if (next && next != prev) {
        runstate_change(next, RUNSTATE_running);
        if (is_hvm_vcpu(next))
            hvm_context_restore(next, frame);
        else
            pv_context_restore(next, frame);
    } else if (!next && prev) {
        pv_switch_to_idle();
    }
    /*
     * Only now, with CR3 off prev's page tables, may prev be seen as not
     * running: a pauser (domain_kill) or the guest itself (unpin on another
     * pCPU) may then free or reuse its L4, which this pCPU would otherwise
     * still walk on a TLB miss (a triple fault when the L4 is overwritten).
     */
    if (prev && prev != next)
        context_saved(prev);
    if (!next)
        return NULL;
    set_timer(&rq->slice_timer, NOW() + SCHED_SLICE_NS);
    return next;
}

/*
 * prepare_to_return_to_guest(): called by entry.S with interrupts off and
 * frame = this pCPU's cpu_info frame. Runs softirqs, schedules, delivers
 * pending events, and returns only when a vCPU's state is in the frame:
 * false for a PV vCPU (entry.S returns to it with IRETQ), true for an HVM
 * one (entry.S enters it through its back end, hvm_vmentry).
 */
bool prepare_to_return_to_guest(struct cpu_user_regs *frame);
bool prepare_to_return_to_guest(struct cpu_user_regs *frame)
{
    struct cpu_info *ci = get_cpu_info();

    for (;;) {
        bool resched = softirq_test_and_clear(SOFTIRQ_SCHEDULE);
        struct vcpu *v = current;
        if (resched || !v || !vcpu_runnable(v))
            v = schedule(frame);
        if (!v) {
            /* Idle: wait for an interrupt to make something runnable. */
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

/* sched_dump(): each online pCPU's running vCPU and run queue (debug key 'r'). */
void sched_dump(void)
{
    unsigned int cpu;

    for_each_cpu(cpu, &cpu_online_map) {
        struct runqueue *rq = &per_cpu(runqueues, cpu);
        const struct cpu_info *ci = cpu_info_of(cpu);
        const struct vcpu *cur = ci ? ACCESS_ONCE(ci->current_vcpu) : NULL;
        const struct vcpu *v;
        unsigned long flags;

        spin_lock_irqsave(&rq->lock, flags);
        if (cur)
            printk("CPU%u: running d%uv%d; queued:", cpu, cur->domain->domain_id, cur->vcpu_id);
        else
            printk("CPU%u: idle; queued:", cpu);
        list_for_each_entry(v, &rq->queue, runq_elem)
            printk(" d%uv%d", v->domain->domain_id, v->vcpu_id);
        printk("\n");
        spin_unlock_irqrestore(&rq->lock, flags);
    }
}
