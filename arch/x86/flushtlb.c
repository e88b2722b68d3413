/*
 * The TLB clock (include/asm/flushtlb.h; Xen's tlbflush_clock): one global
 * 64-bit count of full flushes started, and each CPU's time of its last.
 * Lock-free: the clock is an atomic counter; a CPU's time is written only
 * by that CPU (an interrupt's flush may record a later time in between,
 * which the interrupted one then overwrites with an earlier one: that
 * only makes filters flush more).
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/sched.h>
#include <asm/flushtlb.h>
#include <asm/smp.h>

static __guest_path_data uint64_t tlbflush_clock = 1;  /* 0: "before any flush" (boot stamps) */
static __guest_path_data DEFINE_PER_CPU(uint64_t, tlbflush_time);

__guest_path uint64_t tlbflush_tick(void)
{
    return __atomic_add_fetch(&tlbflush_clock, 1, __ATOMIC_SEQ_CST);
}

__guest_path void tlbflush_done(uint64_t t)
{
    __atomic_store_n(&this_cpu(tlbflush_time), t, __ATOMIC_RELEASE);
}

uint32_t tlbflush_current_time(void)
{
    return (uint32_t)__atomic_load_n(&tlbflush_clock, __ATOMIC_SEQ_CST);
}

/* The clock value a 32-bit stamp stands for: the latest with its low bits. */
static uint64_t stamp_time(uint32_t stamp)
{
    uint64_t now = __atomic_load_n(&tlbflush_clock, __ATOMIC_SEQ_CST);

    return now - (uint32_t)((uint32_t)now - stamp);
}

/* May cpu still cache a translation from before stamp? */
static bool needs_flush(unsigned int cpu, uint64_t since)
{
    return __atomic_load_n(&per_cpu(tlbflush_time, cpu), __ATOMIC_ACQUIRE) <= since;
}

/* Flush the CPUs of candidates (this one included if in it) that need it. */
static void flush_filtered(const cpumask_t *candidates, uint32_t stamp)
{
    uint64_t since = stamp_time(stamp);
    unsigned int self = smp_processor_id(), cpu;
    bool self_needs = false;
    cpumask_t targets;

    cpumask_clear(&targets);
    for_each_cpu(cpu, candidates) {
        if (!needs_flush(cpu, since))
            continue;
        if (cpu == self)
            self_needs = true;
        else
            cpumask_set_cpu(cpu, &targets);
    }
    if (!cpumask_empty(&targets))
        flush_tlb_mask(&targets);           /* flushes this CPU too */
    else if (self_needs)
        flush_tlb_local();
}

void flush_tlb_all_since(uint32_t stamp)
{
    flush_filtered(&cpu_online_map, stamp);
}

void tlb_note_shootdown(struct domain *d)
{
    uint64_t now = __atomic_load_n(&tlbflush_clock, __ATOMIC_SEQ_CST);
    uint64_t old = __atomic_load_n(&d->arch.tlb_shootdown_time, __ATOMIC_RELAXED);

    /* Keep the latest: concurrent shootdowns may store out of order. */
    while (old < now && !__atomic_compare_exchange_n(&d->arch.tlb_shootdown_time, &old, now, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool tlb_missed_shootdown(const struct domain *d)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return needs_flush(smp_processor_id(), __atomic_load_n(&d->arch.tlb_shootdown_time, __ATOMIC_ACQUIRE));
}

void flush_tlb_domain_since(struct domain *d, uint32_t stamp)
{
    tlb_note_shootdown(d);
    cpumask_t running = cpus_running_domain(d);

    cpumask_set_cpu(smp_processor_id(), &running);
    flush_filtered(&running, stamp);
}
