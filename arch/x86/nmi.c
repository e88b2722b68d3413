/*
 * NMIs: the watchdog and the dump of every CPU's state.
 *
 * Watchdog (Xen's `watchdog` and `watchdog_timeout=<seconds>` options, off
 * by default): every CPU counts ticks of a one-second software timer; the
 * PIT (channel 0 at its slowest, about 18 Hz) is routed through the
 * IO-APIC as an NMI to CPU 0, which forwards each NMI to the other online
 * CPUs. A CPU that takes watchdog_timeout seconds' worth of NMIs without
 * one tick of its own has been running with interrupts off all that time:
 * it prints its registers and call trace, has every other CPU print
 * theirs, and panics (QEMU ends with a non-zero status). Counting NMIs
 * rather than wall time keeps a CPU whose host thread was descheduled
 * from looking stuck: it misses ticks and NMIs alike.
 *
 * State dump (all_cpus_dump(): the watchdog, debug key 'd'): each other
 * CPU is asked by NMI to snapshot its interrupted registers and call trace
 * (memory reads only: it may have been interrupted holding the console
 * lock) and the asking CPU prints the snapshots, waiting at most a second
 * for each. On the fatal path the other CPUs stop after their snapshot.
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/console.h>
#include <xenia/param.h>
#include <xenia/time.h>
#include <xenia/sched.h>
#include <asm/apic.h>
#include <asm/current.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/io_apic.h>
#include <asm/nmi.h>
#include <asm/smp.h>
#include <asm/traps.h>

#define PIT_CH0             0x40
#define PIT_MODE            0x43
#define PIT_CH0_RATE_GEN    0x34         /* channel 0, lobyte/hibyte, mode 2, binary */
#define WATCHDOG_NMI_HZ     18           /* 1193182 Hz / 65536 */
#define PIT_ISA_IRQ         0
#define DUMP_WAIT_NS        SECONDS(1)

static bool opt_watchdog;
boolean_param("watchdog", opt_watchdog);
static unsigned int opt_watchdog_timeout = 5;
integer_param("watchdog_timeout", opt_watchdog_timeout);
/* Test aid: once booted, CPU 1 spins with interrupts off, for the watchdog to catch. */
static bool opt_watchdog_selftest;
boolean_param("watchdog_selftest", opt_watchdog_selftest);
/* ... and CPU 0 prints without end (interrupts on), so the report must take the console from it. */
static bool opt_watchdog_selftest_console;
boolean_param("watchdog_selftest_console", opt_watchdog_selftest_console);

static bool watchdog_running;
static DEFINE_PER_CPU(unsigned long, watchdog_ticks);   /* one a second, by each CPU's timer */
static DEFINE_PER_CPU(unsigned long, ticks_seen);       /* as of this CPU's last NMI */
static DEFINE_PER_CPU(unsigned int, nmis_without_tick);
static DEFINE_PER_CPU(struct timer, watchdog_timer);

/* A CPU's state as its NMI handler found it. */
struct cpu_snapshot {
    struct cpu_user_regs regs;
    const struct vcpu *vcpu;             /* current then */
    unsigned long trace[CALL_TRACE_MAX];
    unsigned int nr_trace;
    struct cpu_user_regs guest;         /* the running vCPU's saved frame, if any */
};

static struct cpu_snapshot snapshot;     /* filled by dump_target, read by the asking CPU */
static int dump_target = -1;             /* CPU asked to fill snapshot, or -1 */
static bool going_down;                  /* a fatal dump is under way */

/*
 * Print one CPU's state. When it was interrupted in the hypervisor while
 * running a vCPU, also print that vCPU's saved frame (where the guest
 * entered), as Xen's "guest state" dump does: a hang in a guest waiting
 * on the hypervisor then shows both sides.
 */
static void print_cpu_state(unsigned int cpu, const struct cpu_user_regs *regs,
                            const unsigned long *trace, unsigned int n, const struct vcpu *v,
                            const struct cpu_user_regs *guest)
{
    printk("*** CPU%u state:\n", cpu);
    show_registers_of(cpu, regs);
    print_call_trace(regs, trace, n, v);
    if (v && !guest_mode(regs)) {
        printk("*** CPU%u guest state (d%uv%d, saved frame):\n", cpu, v->domain->domain_id,
               v->vcpu_id);
        show_registers_of(cpu, guest);
    }
}

/* This CPU was asked (dump_target) for a snapshot. NMI context. */
static void snapshot_self(unsigned int cpu, const struct cpu_user_regs *regs)
{
    snapshot.regs = *regs;
    snapshot.vcpu = current;
    snapshot.guest = *guest_cpu_user_regs();
    snapshot.nr_trace = collect_call_trace(regs, snapshot.trace, CALL_TRACE_MAX);
    __atomic_store_n(&dump_target, -1, __ATOMIC_RELEASE);
    if (__atomic_load_n(&going_down, __ATOMIC_ACQUIRE))
        for (;;)
            __asm__ __volatile__("cli; hlt");
}

void all_cpus_dump(const struct cpu_user_regs *regs)
{
    unsigned int self = smp_processor_id(), cpu;
    unsigned long trace[CALL_TRACE_MAX];

    print_cpu_state(self, regs, trace, collect_call_trace(regs, trace, CALL_TRACE_MAX), current,
                    guest_cpu_user_regs());
    for_each_cpu(cpu, &cpu_online_map) {
        if (cpu == self)
            continue;
        __atomic_store_n(&dump_target, (int)cpu, __ATOMIC_RELEASE);
        apic_send_nmi(cpu_physical_id(cpu));
        s_time_t end = NOW() + DUMP_WAIT_NS;
        while (__atomic_load_n(&dump_target, __ATOMIC_ACQUIRE) == (int)cpu && NOW() < end)
            __builtin_ia32_pause();
        if (__atomic_exchange_n(&dump_target, -1, __ATOMIC_ACQ_REL) == (int)cpu)
            printk("*** CPU%u did not answer the NMI\n", cpu);
        else
            print_cpu_state(cpu, &snapshot.regs, snapshot.trace, snapshot.nr_trace,
                            snapshot.vcpu, &snapshot.guest);
    }
}

void dump_execution_state(void)
{
    struct cpu_user_regs regs = { .cs = __HYPERVISOR_CS, .ss = __HYPERVISOR_DS };

    __asm__ __volatile__("lea 0(%%rip), %0; mov %%rsp, %1; pushf; pop %2"
                         : "=r"(regs.rip), "=r"(regs.rsp), "=r"(regs.rflags));
    all_cpus_dump(&regs);
}

static void __noreturn watchdog_fatal(unsigned int cpu, const struct cpu_user_regs *regs)
{
    if (__atomic_exchange_n(&going_down, true, __ATOMIC_ACQ_REL))
        for (;;)                         /* another CPU is reporting */
            __asm__ __volatile__("cli; hlt");
    console_force_unlock();
    printk("Watchdog timer detects that CPU%u is stuck!\n", cpu);
    all_cpus_dump(regs);
    panic("Watchdog: CPU%u took no timer tick for %u seconds", cpu, opt_watchdog_timeout);
}

static void watchdog_check(unsigned int cpu, const struct cpu_user_regs *regs)
{
    unsigned long ticks = ACCESS_ONCE(per_cpu(watchdog_ticks, cpu));

    if (ticks != per_cpu(ticks_seen, cpu)) {
        per_cpu(ticks_seen, cpu) = ticks;
        per_cpu(nmis_without_tick, cpu) = 0;
        return;
    }
    if (++per_cpu(nmis_without_tick, cpu) >= opt_watchdog_timeout * WATCHDOG_NMI_HZ)
        watchdog_fatal(cpu, regs);
}

/* CPU 0 takes the PIT's NMIs and hands one to every other online CPU. */
static void watchdog_forward(unsigned int self)
{
    unsigned int cpu;

    if (apic_icr_in_use())
        return;                          /* the next NMI forwards */
    for_each_cpu(cpu, &cpu_online_map)
        if (cpu != self)
            apic_send_nmi(cpu_physical_id(cpu));
}

void do_nmi(const struct cpu_user_regs *regs)
{
    unsigned int cpu = smp_processor_id();

    bool dump = __atomic_load_n(&dump_target, __ATOMIC_ACQUIRE) == (int)cpu;

    if (dump)
        snapshot_self(cpu, regs);
    if (!__atomic_load_n(&watchdog_running, __ATOMIC_ACQUIRE)) {
        if (!dump)
            printk("NMI on CPU %u ignored\n", cpu);
        return;
    }
    if (cpu == 0)
        watchdog_forward(cpu);
    watchdog_check(cpu, regs);
}

static void watchdog_tick(void *data)
{
    unsigned int cpu = smp_processor_id();

    per_cpu(watchdog_ticks, cpu)++;
    set_timer(&per_cpu(watchdog_timer, cpu), NOW() + SECONDS(1));
}

/* The watchdog self-test's hang: a CPU that never takes an interrupt again. */
static void __noreturn watchdog_selftest_spin(void *unused)
{
    printk("watchdog_selftest: CPU%u spins with interrupts off\n", smp_processor_id());
    for (;;)
        __builtin_ia32_pause();
}

void watchdog_init(void)
{
    unsigned int cpu;

    if (!opt_watchdog)
        return;
    if (!opt_watchdog_timeout)
        opt_watchdog_timeout = 1;
    for_each_cpu(cpu, &cpu_online_map) {
        init_timer(&per_cpu(watchdog_timer, cpu), watchdog_tick, NULL, cpu);
        set_timer(&per_cpu(watchdog_timer, cpu), NOW() + SECONDS(1));
    }
    if (ioapic_route_isa_nmi(PIT_ISA_IRQ, cpu_physical_id(0))) {
        printk("Watchdog: no IO-APIC pin for the PIT; not started\n");
        return;
    }
    __atomic_store_n(&watchdog_running, true, __ATOMIC_RELEASE);
    outb(PIT_MODE, PIT_CH0_RATE_GEN);
    outb(PIT_CH0, 0);                    /* divisor 0: 65536 */
    outb(PIT_CH0, 0);
    printk("Watchdog: on, %u s without a timer tick is fatal\n", opt_watchdog_timeout);

    if (opt_watchdog_selftest) {
        cpumask_t target;
        cpumask_clear(&target);
        cpumask_set_cpu(num_online_cpus() > 1 ? 1 : 0, &target);
        on_selected_cpus(&target, watchdog_selftest_spin, NULL, false);
    }
    if (opt_watchdog_selftest && opt_watchdog_selftest_console) {
        /* 4 KiB a lock hold, as dom0's CONSOLEIO_write of its boot log. */
        static char block[4096];
        static const char line[] = "watchdog_selftest: CPU0 holds the console\n";
        for (size_t i = 0; i < sizeof(block); i++)
            block[i] = line[i % (sizeof(line) - 1)];
        local_irq_enable();              /* CPU 0's own ticks go on */
        for (;;)
            console_write(block, sizeof(block));
    }
}
