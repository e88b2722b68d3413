/*
 * Software timers: one deadline-ordered queue per CPU, under a per-CPU
 * IRQ-safe lock, driven by that CPU's one-shot LAPIC timer, which is
 * armed for the queue's earliest deadline or earlier.
 *
 * A timer belongs to the queue of t->cpu; t->cpu changes only under the
 * old queue's lock, and the new one's too when the timer is queued
 * (migrate_timer), so lock_timer() re-checks it after locking. A CPU's
 * LAPIC timer is armed no later than its queue's head, maybe earlier
 * (reprogram()): it may fire early, never late. Arming a timer on another
 * CPU that must fire before that CPU's LAPIC does kicks it with
 * LOCAL_TIMER_VECTOR so it re-programs.
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/time.h>
#include <xenia/spinlock.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/smp.h>
#include <asm/current.h>

struct timer_cpu {
    spinlock_t lock;
    struct list_head queue;
    s_time_t armed;                      /* the LAPIC's deadline as last written (ns), 0: none */
    struct timer *running;               /* callback in progress, or NULL */
    bool ready;                          /* queue initialised */
};

static DEFINE_PER_CPU(struct timer_cpu, timers);

void timers_init(void)
{
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
        spin_lock_init(&per_cpu(timers, cpu).lock);
        INIT_LIST_HEAD(&per_cpu(timers, cpu).queue);
        per_cpu(timers, cpu).ready = true;
    }
}

static struct timer_cpu *timer_cpu(unsigned int cpu)
{
    ASSERT(per_cpu(timers, cpu).ready);
    return &per_cpu(timers, cpu);
}

static struct timer_cpu *lock_timer(struct timer *t, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = ACCESS_ONCE(t->cpu);
        struct timer_cpu *tc = timer_cpu(cpu);
        spin_lock_irqsave(&tc->lock, *flags);
        if (likely(t->cpu == cpu))
            return tc;
        spin_unlock_irqrestore(&tc->lock, *flags);
    }
}

/*
 * Make cpu's LAPIC timer fire no later than its queue head. A LAPIC
 * already armed at or before the head is left alone: it fires early, and
 * timer_interrupt() re-arms it for the head then. So stopping or
 * postponing the head (every context switch moves the slice timer) costs
 * no LAPIC write (~5 us under QEMU's TCG), and another CPU's head is
 * only kicked (an IPI) when it must fire sooner. Queue lock held.
 */
static void reprogram(unsigned int cpu, struct timer_cpu *tc)
{
    ASSERT_LOCKED(&tc->lock);
    struct timer *first = timerq_first(&tc->queue);
    /* Deadline 0 means "none" here and "stop" to the APIC: nudge a zero deadline to 1 ns. */
    s_time_t want = first ? MAX(first->expires, 1) : 0;

    if (tc->armed && (!want || want >= tc->armed))
        return;
    if (cpu != smp_processor_id()) {
        if (cpu_online(cpu))
            apic_send_ipi(cpu_physical_id(cpu), LOCAL_TIMER_VECTOR);
        return;
    }
    tc->armed = (s_time_t)apic_timer_set_deadline((uint64_t)want);
}

/*
 * Take t off its queue. The LAPIC is left as it is (see reprogram()): it
 * fires early, finds nothing due and re-arms for the new head. For
 * another CPU's queue that spares an IPI (~8 us of its sender under
 * QEMU's TCG; a vCPU moving between pCPUs takes its timers off the old
 * queue on every move).
 */
static void deactivate(struct timer_cpu *tc, struct timer *t)
{
    list_del(&t->entry);
    t->status = TIMER_STATUS_inactive;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    ASSERT(cpu < NR_CPUS);
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->status = TIMER_STATUS_inactive;
    INIT_LIST_HEAD(&t->entry);
}

void set_timer(struct timer *t, s_time_t expires)
{
    unsigned long flags;
    struct timer_cpu *tc = lock_timer(t, &flags);

    if (t->status == TIMER_STATUS_killed) {
        spin_unlock_irqrestore(&tc->lock, flags);
        return;
    }
    if (t->status == TIMER_STATUS_active)
        list_del(&t->entry);
    t->expires = expires;
    t->status = TIMER_STATUS_active;
    timerq_insert(&tc->queue, t);
    /* Re-program when the head changed (always cheap enough to just do). */
    if (timerq_first(&tc->queue) == t)
        reprogram(t->cpu, tc);
    spin_unlock_irqrestore(&tc->lock, flags);
}

void stop_timer(struct timer *t)
{
    unsigned long flags;
    struct timer_cpu *tc = lock_timer(t, &flags);

    if (t->status == TIMER_STATUS_active)
        deactivate(tc, t);
    spin_unlock_irqrestore(&tc->lock, flags);
}

/* Lock two CPUs' queues in index order. */
static void lock_pair(struct timer_cpu *a, struct timer_cpu *b)
{
    if (a == b) {
        spin_lock(&a->lock);
    } else if (a < b) {
        spin_lock(&a->lock);
        spin_lock(&b->lock);
    } else {
        spin_lock(&b->lock);
        spin_lock(&a->lock);
    }
}

static void unlock_pair(struct timer_cpu *a, struct timer_cpu *b)
{
    spin_unlock(&a->lock);
    if (a != b)
        spin_unlock(&b->lock);
}

void migrate_timer(struct timer *t, unsigned int new_cpu)
{
    ASSERT(new_cpu < NR_CPUS);
    unsigned long flags = local_irq_save();

    for (;;) {
        unsigned int old_cpu = ACCESS_ONCE(t->cpu);
        struct timer_cpu *from = timer_cpu(old_cpu), *to = timer_cpu(new_cpu);
        /* Not queued: no queue changes, so the old queue's lock alone covers t->cpu. */
        spin_lock(&from->lock);
        if (t->cpu == old_cpu && t->status != TIMER_STATUS_active) {
            t->cpu = new_cpu;
            spin_unlock(&from->lock);
            break;
        }
        spin_unlock(&from->lock);
        lock_pair(from, to);
        if (t->cpu != old_cpu) {
            unlock_pair(from, to);
            continue;
        }
        bool active = t->status == TIMER_STATUS_active;
        if (active)
            deactivate(from, t);
        t->cpu = new_cpu;
        if (active) {
            t->status = TIMER_STATUS_active;
            timerq_insert(&to->queue, t);
            if (timerq_first(&to->queue) == t)
                reprogram(new_cpu, to);
        }
        unlock_pair(from, to);
        break;
    }
    local_irq_restore(flags);
}

void kill_timer(struct timer *t)
{
    unsigned long flags;
    struct timer_cpu *tc = lock_timer(t, &flags);

    if (t->status == TIMER_STATUS_active)
        deactivate(tc, t);
    t->status = TIMER_STATUS_killed;
    spin_unlock_irqrestore(&tc->lock, flags);

    /* Wait out a callback still running elsewhere (t->cpu is now fixed). */
    while (ACCESS_ONCE(per_cpu(timers, t->cpu).running) == t) {
        ASSERT(t->cpu != smp_processor_id());
        __builtin_ia32_pause();
    }
}

void timer_interrupt(void)
{
    unsigned int cpu = smp_processor_id();
    struct timer_cpu *tc = timer_cpu(cpu);
    s_time_t now = NOW();
    struct timer *t;

    spin_lock(&tc->lock);
    tc->armed = 0;                       /* fired (or kicked): re-armed below */
    while ((t = timerq_pop_expired(&tc->queue, now)) != NULL) {
        t->status = TIMER_STATUS_inactive;
        tc->running = t;
        spin_unlock(&tc->lock);
        t->fn(t->data);
        spin_lock(&tc->lock);
        tc->running = NULL;
    }
    reprogram(cpu, tc);
    spin_unlock(&tc->lock);
}
