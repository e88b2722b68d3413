/*
 * Softirq flags: set from anywhere, acted on by the CPU that owns them
 * (the scheduler's idle loop and the guest exit path read
 * cpu_info->softirq_pending).
 */
#include <xenia/lib.h>
#include <xenia/softirq.h>
#include <asm/current.h>
#include <asm/smp.h>

static unsigned long *pending_word(unsigned int cpu)
{
    if (cpu == smp_processor_id())
        return &get_cpu_info()->softirq_pending;
    struct cpu_info *ci = cpu_info_of(cpu);
    return ci ? &ci->softirq_pending : NULL;
}

void raise_softirq(unsigned int cpu, unsigned int nr)
{
    unsigned long *p = pending_word(cpu);

    if (!p)
        return;                          /* CPU not brought up */
    unsigned long old = __atomic_fetch_or(p, 1UL << nr, __ATOMIC_SEQ_CST);
    if (cpu != smp_processor_id() && !(old & (1UL << nr)))
        smp_send_event_check(cpu);
}

unsigned long softirq_pending(unsigned int cpu)
{
    unsigned long *p = pending_word(cpu);
    return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : 0;
}

__guest_path bool softirq_test_and_clear(unsigned int nr)
{
    unsigned long bit = 1UL << nr;
    return __atomic_fetch_and(&get_cpu_info()->softirq_pending, ~bit, __ATOMIC_SEQ_CST) & bit;
}
