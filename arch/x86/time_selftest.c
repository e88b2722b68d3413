/*
 * Boot-time self-check of CPUs, interrupts and time, on request
 * ("time_selftest" on the command line; Xenia-only option):
 *   - a 10 ms periodic software timer on every online CPU, 10 ticks
 *     (LAPIC one-shot timer -> timer_interrupt() -> callback);
 *   - NOW() against the CMOS RTC over one second;
 *   - a cross-CPU call with wait, a TLB shootdown and an event-check IPI.
 * Prints one "selftest:" line per check and "selftest: PASS"/"FAIL".
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/param.h>
#include <xenia/spinlock.h>
#include <xenia/time.h>
#include <asm/apic.h>
#include <asm/flushtlb.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/smp.h>

#define TICK_NS         MILLISECS(10)

static bool opt_time_selftest;
boolean_param("time_selftest", opt_time_selftest);

#define NR_TICKS        10

static DEFINE_PER_CPU(struct timer, ticker);
static DEFINE_PER_CPU(unsigned long, ticks);
static DEFINE_PER_CPU(s_time_t, last_tick_at);
static unsigned long calls;

/* Periodic: re-arm from the previous deadline, NR_TICKS times. */
static void tick(void *data)
{
    unsigned int cpu = (unsigned int)(unsigned long)data;

    if (++per_cpu(ticks, cpu) < NR_TICKS)
        set_timer(&per_cpu(ticker, cpu), per_cpu(ticker, cpu).expires + TICK_NS);
    else
        ACCESS_ONCE(per_cpu(last_tick_at, cpu)) = NOW();
}

static bool have_idt(void)
{
    struct { uint16_t limit; uint64_t base; } __packed idtr;
    __asm__ __volatile__("sidt %0" : "=m"(idtr));
    return idtr.limit >= SPURIOUS_APIC_VECTOR * 16 + 15;
}

/*
 * Every online CPU runs a 10 ms periodic timer NR_TICKS times. The last
 * tick must come no earlier than NR_TICKS * 10 ms (timers never fire
 * early) and not absurdly late (TCG may run a vCPU late: 3x slack).
 */
static bool check_timers(void)
{
    unsigned int cpu;
    bool ok = true;
    s_time_t start = NOW();

    for_each_cpu(cpu, &cpu_online_map) {
        init_timer(&per_cpu(ticker, cpu), tick, (void *)(unsigned long)cpu, cpu);
        set_timer(&per_cpu(ticker, cpu), start + TICK_NS);
    }
    for_each_cpu(cpu, &cpu_online_map)
        while (!ACCESS_ONCE(per_cpu(last_tick_at, cpu)) && NOW() < start + SECONDS(1))
            __builtin_ia32_pause();

    for_each_cpu(cpu, &cpu_online_map) {
        kill_timer(&per_cpu(ticker, cpu));
        s_time_t took = per_cpu(last_tick_at, cpu) ? per_cpu(last_tick_at, cpu) - start : 0;
        printk("selftest: CPU%u: %lu x 10 ms timer ticks, the last after %lu us (%lu LAPIC interrupts)\n",
               cpu, per_cpu(ticks, cpu), (unsigned long)(took / 1000), per_cpu(apic_timer_irqs, cpu));
        ok &= per_cpu(ticks, cpu) == NR_TICKS && took >= NR_TICKS * TICK_NS &&
              took < 3 * NR_TICKS * TICK_NS;
    }
    return ok;
}

static uint8_t rtc_seconds(void)
{
    outb(0x70, 0x00);
    return inb(0x71);
}

/* Spin until the RTC's seconds register changes; NOW() at that moment. */
static s_time_t rtc_next_second(void)
{
    uint8_t s0 = rtc_seconds();
    s_time_t give_up = NOW() + SECONDS(3);

    while (rtc_seconds() == s0 && NOW() < give_up)
        ;
    return NOW();
}

/* NOW() over one RTC second: within 2 % (TCG preempts the polling vCPU). */
static bool check_now_rate(void)
{
    unsigned long flags = local_irq_save();
    s_time_t start = rtc_next_second();
    s_time_t delta = rtc_next_second() - start;
    local_irq_restore(flags);

    uint32_t sec, nsec;
    get_wallclock(&sec, &nsec);
    printk("selftest: NOW() advanced %lu us over 1 s of RTC time; wallclock %u.%09u\n",
           (unsigned long)(delta / 1000), sec, nsec);
    return delta > MILLISECS(980) && delta < MILLISECS(1020);
}

static void count_call(void *arg)
{
    __atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST);
}

static bool check_ipis(void)
{
    unsigned int cpu;

    smp_call_function(count_call, NULL, true);
    flush_tlb_all();
    for_each_cpu(cpu, &cpu_online_map)
        smp_send_event_check(cpu);
    printk("selftest: cross-CPU call ran on %lu of %u other CPUs; TLB shootdown done\n",
           calls, num_online_cpus() - 1);
    return calls == num_online_cpus() - 1;
}

void time_selftest(void)
{
    if (!opt_time_selftest)
        return;
    if (!have_idt()) {
        printk("selftest: skipped (no IDT loaded)\n");
        return;
    }
    unsigned long flags = local_irq_save();
    local_irq_enable();
    bool ok = check_timers();
    ok &= check_now_rate();
    ok &= check_ipis();
    local_irq_restore(flags);
    printk("selftest: %s\n", ok ? "PASS" : "FAIL");
}
