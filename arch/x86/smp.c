/*
 * Cross-CPU requests over IPIs: event checks, function calls, TLB
 * shootdowns.
 *
 * A request is a set of target CPUs (a cpumask) in a global slot guarded
 * by its lock. A target claims its bit with an atomic test-and-clear, so
 * the work runs once whether the IPI handler or a spinning CPU
 * (smp_poll_ipi_work()) sees it first; initiators spin only through
 * lock_servicing() and wait_mask(), which keep serving requests aimed at
 * themselves, so two CPUs asking each other for work (even with
 * interrupts off) cannot deadlock.
 *
 * Once booted, a CPU waits for other CPUs only with interrupts on
 * (checked): with them off it may hold an IRQ-safe lock that a target
 * spins on with interrupts off, and that target would never acknowledge.
 * See the IRQ-safety discipline in include/xenia/spinlock.h.
 */
#include <xenia/lib.h>
#include <xenia/spinlock.h>
#include <xenia/perfc.h>
#include <asm/apic.h>
#include <asm/current.h>
#include <asm/flushtlb.h>
#include <asm/irq.h>
#include <asm/smp.h>
#include <xenia/sched.h>

static DEFINE_SPINLOCK(call_lock);
static struct {
    void (*fn)(void *);
    void *arg;
    cpumask_t todo;                      /* targets that have not taken fn/arg */
    cpumask_t pending;                   /* targets whose fn has not returned */
} call_data;

static DEFINE_SPINLOCK(flush_lock);
static cpumask_t flush_todo;             /* targets that have not flushed */

/* Run the call request if it targets this CPU. Interrupts off. */
static void do_call_function(unsigned int cpu)
{
    if (!cpumask_test_cpu(cpu, &call_data.todo))
        return;
    /* Stable while our todo bit is set: the initiator waits for it. */
    void (*fn)(void *) = call_data.fn;
    void *arg = call_data.arg;
    if (!cpumask_test_and_clear_cpu(cpu, &call_data.todo))
        return;
    fn(arg);
    cpumask_clear_cpu(cpu, &call_data.pending);
}

static void do_flush(unsigned int cpu)
{
    if (cpumask_test_cpu(cpu, &flush_todo)) {
        flush_tlb_local();
        cpumask_clear_cpu(cpu, &flush_todo);
    }
}

void smp_poll_ipi_work(void)
{
    unsigned long flags = local_irq_save();
    unsigned int cpu = smp_processor_id();

    do_flush(cpu);
    do_call_function(cpu);
    local_irq_restore(flags);
}

static void lock_servicing(spinlock_t *lock)
{
    while (!spin_trylock(lock)) {
        smp_poll_ipi_work();
        __builtin_ia32_pause();
    }
}

static bool ipi_wait_checked;

void smp_ipi_wait_check_enable(void)
{
    __atomic_store_n(&ipi_wait_checked, true, __ATOMIC_RELEASE);
}

/* Panic (naming the caller) if this CPU is about to wait for others with interrupts off. */
static void check_wait_allowed(const void *caller)
{
    if (__atomic_load_n(&ipi_wait_checked, __ATOMIC_ACQUIRE) && !local_irq_is_enabled())
        panic("CPU %u waits for other CPUs with interrupts off (caller %p)",
              smp_processor_id(), caller);
}

static void wait_mask(const cpumask_t *m)
{
    while (!cpumask_empty(m)) {
        smp_poll_ipi_work();
        __builtin_ia32_pause();
    }
}

static void send_ipi_mask(const cpumask_t *m, uint8_t vector)
{
    unsigned int cpu;

    for_each_cpu(cpu, m)
        apic_send_ipi(cpu_physical_id(cpu), vector);
}

cpumask_t cpumask_online(const cpumask_t *mask)
{
    cpumask_t m;

    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        m.bits[i] = mask->bits[i] & __atomic_load_n(&cpu_online_map.bits[i], __ATOMIC_ACQUIRE);
    return m;
}

/* The online CPUs in mask, minus this one. */
static cpumask_t others_in(const cpumask_t *mask, unsigned int self)
{
    cpumask_t m = cpumask_online(mask);

    cpumask_clear_cpu(self, &m);
    return m;
}

/* ---- IPI handlers (interrupts off; each sends its own EOI) ---- */

static void event_check_irq(struct cpu_user_regs *regs)
{
    apic_eoi();                          /* softirqs are checked on the way out */
}

static void call_function_irq(struct cpu_user_regs *regs)
{
    apic_eoi();
    do_call_function(smp_processor_id());
}

static void invalidate_tlb_irq(struct cpu_user_regs *regs)
{
    apic_eoi();
    do_flush(smp_processor_id());
}

void smp_ipi_init(void)
{
    set_irq_handler(EVENT_CHECK_VECTOR, event_check_irq);
    set_irq_handler(CALL_FUNCTION_VECTOR, call_function_irq);
    set_irq_handler(INVALIDATE_TLB_VECTOR, invalidate_tlb_irq);
}

/* ---- requests ---- */

void smp_send_event_check(unsigned int cpu)
{
    if (cpu != smp_processor_id() && cpu_online(cpu))
        apic_send_ipi(cpu_physical_id(cpu), EVENT_CHECK_VECTOR);
}

void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *), void *arg, bool wait)
{
    unsigned int self = smp_processor_id();
    cpumask_t targets = others_in(mask, self);

    s_time_t t0 = 0;

    if (!cpumask_empty(&targets)) {
        check_wait_allowed(__builtin_return_address(0));
        t0 = NOW();
        lock_servicing(&call_lock);
        call_data.fn = fn;
        call_data.arg = arg;
        call_data.pending = targets;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        call_data.todo = targets;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        send_ipi_mask(&targets, CALL_FUNCTION_VECTOR);
    }
    if (cpumask_test_cpu(self, mask)) {
        unsigned long flags = local_irq_save();
        fn(arg);
        local_irq_restore(flags);
    }
    if (cpumask_empty(&targets))
        return;
    wait_mask(wait ? &call_data.pending : &call_data.todo);
    spin_unlock(&call_lock);
    perfc_wait(PERFC_WAIT_CALL_FUNCTION, NOW() - t0);
}

void smp_call_function(void (*fn)(void *), void *arg, bool wait)
{
    cpumask_t others = others_in(&cpu_online_map, smp_processor_id());
    on_selected_cpus(&others, fn, arg, wait);
}

/* Flush this CPU and the CPUs in targets (not this one), waiting for them. */
void flush_tlb_mask(const cpumask_t *targets)
{
    if (cpumask_empty(targets)) {
        flush_tlb_local();
        return;
    }
    check_wait_allowed(__builtin_return_address(0));
    s_time_t t0 = NOW();
    lock_servicing(&flush_lock);
    flush_todo = *targets;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    send_ipi_mask(targets, INVALIDATE_TLB_VECTOR);
    flush_tlb_local();
    wait_mask(&flush_todo);
    spin_unlock(&flush_lock);
    perfc_wait(PERFC_WAIT_FLUSH_TLB, NOW() - t0);
}

void flush_tlb_all(void)
{
    cpumask_t targets = others_in(&cpu_online_map, smp_processor_id());
    flush_tlb_mask(&targets);
}

/*
 * Only a CPU running one of d's vCPUs can use a stale translation of d's
 * page tables: every vCPU switch reloads CR3, which drops all (non-global)
 * guest entries, unless an idle CPU resumes the vCPU whose tables it kept,
 * and that one first asks tlb_missed_shootdown(). The caller's page-table
 * change is made before the scan (fence), so a CPU that starts running d
 * afterwards walks the new tables.
 */
cpumask_t cpus_running_domain(const struct domain *d)
{
    unsigned int self = smp_processor_id(), cpu;
    cpumask_t running;

    cpumask_clear(&running);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for_each_cpu(cpu, &cpu_online_map) {
        const struct cpu_info *ci = cpu_info_of(cpu);
        const struct vcpu *v = ci ? ACCESS_ONCE(ci->current_vcpu) : NULL;
        if (cpu != self && v && v->domain == d)
            cpumask_set_cpu(cpu, &running);
    }
    return running;
}

void flush_tlb_domain(struct domain *d)
{
    tlb_note_shootdown(d);
    cpumask_t targets = cpus_running_domain(d);

    flush_tlb_mask(&targets);
}
