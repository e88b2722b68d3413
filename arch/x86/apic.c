/*
 * Local APIC: enable, EOI, IPIs, and the one-shot timer that drives the
 * software timers (common/timer.c).
 *
 * The xAPIC page is reached through the direct map (uncached there); in
 * x2APIC mode registers are MSRs 0x800 + offset / 16 and the ICR is one
 * 64-bit MSR. The mode is chosen once on the boot CPU and every AP
 * follows it.
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/param.h>
#include <xenia/spinlock.h>
#include <xenia/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/current.h>

#define X2APIC_MSR(reg)         (0x800 + ((reg) >> 4))
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CALIBRATE_US            20000
#define PIC_MASTER_DATA         0x21
#define PIC_SLAVE_DATA          0xa1

static bool opt_x2apic = true;
boolean_param("x2apic", opt_x2apic);

uint64_t apic_timer_khz;
paddr_t apic_paddr;
DEFINE_PER_CPU(unsigned long, apic_timer_irqs);

static bool x2apic_mode;
static volatile uint32_t *apic_mmio;

static uint32_t apic_read(unsigned int reg)
{
    if (x2apic_mode)
        return (uint32_t)rdmsr(X2APIC_MSR(reg));
    return apic_mmio[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t v)
{
    if (x2apic_mode)
        wrmsr(X2APIC_MSR(reg), v);
    else
        apic_mmio[reg / 4] = v;
}

uint32_t apic_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return x2apic_mode ? id : id >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

/*
 * This CPU is between the two xAPIC ICR writes: an NMI handler that sent
 * an IPI of its own now would make the interrupted one go astray.
 */
static DEFINE_PER_CPU(bool, icr_in_use);

bool apic_icr_in_use(void)
{
    return ACCESS_ONCE(per_cpu(icr_in_use, smp_processor_id()));
}

/* Write the ICR: low word (vector, mode, shorthand) to dest. Interrupts off inside. */
static void apic_icr_write(uint32_t low, uint32_t dest)
{
    unsigned long flags = local_irq_save();
    unsigned int cpu = smp_processor_id();

    ACCESS_ONCE(per_cpu(icr_in_use, cpu)) = true;
    __asm__ __volatile__("" ::: "memory");
    if (x2apic_mode) {
        /* x2APIC MSR writes are not serialising: order earlier stores first. */
        __asm__ __volatile__("mfence" ::: "memory");
        wrmsr(X2APIC_MSR(APIC_ICR), ((uint64_t)dest << 32) | low);
    } else {
        while (apic_read(APIC_ICR) & APIC_ICR_BUSY)
            __builtin_ia32_pause();
        apic_write(APIC_ICR2, dest << 24);
        apic_write(APIC_ICR, low);
    }
    __asm__ __volatile__("" ::: "memory");
    ACCESS_ONCE(per_cpu(icr_in_use, cpu)) = false;
    local_irq_restore(flags);
}

void apic_send_nmi(uint32_t dest)
{
    apic_icr_write(APIC_DM_NMI | APIC_INT_ASSERT, dest);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
    apic_icr_write(APIC_DM_FIXED | APIC_INT_ASSERT | vector, dest);
}

void apic_send_ipi_allbutself(uint8_t vector)
{
    apic_icr_write(APIC_DEST_ALLBUT | APIC_DM_FIXED | APIC_INT_ASSERT | vector, 0);
}

void apic_send_init(uint32_t dest)
{
    apic_icr_write(APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT, dest);
    udelay(200);
    /* De-assert: needed by pre-Pentium-4 APICs, ignored by the rest. */
    apic_icr_write(APIC_DM_INIT | APIC_INT_LEVELTRIG, dest);
}

void apic_send_startup(uint32_t dest, paddr_t entry)
{
    apic_icr_write(APIC_DM_STARTUP | (uint32_t)(entry >> PAGE_SHIFT), dest);
}

uint64_t apic_timer_set_deadline(uint64_t ns)
{
    if (!ns || !apic_timer_khz) {
        apic_write(APIC_TMICT, 0);
        return 0;
    }
    s_time_t now = NOW(), delta = (s_time_t)ns - now;
    if (delta > SECONDS(4)) {
        delta = SECONDS(4);              /* keeps the product below 2^64 */
        ns = (uint64_t)(now + delta);    /* fires early; the handler re-arms */
    }
    uint64_t ticks = delta > 0 ? (uint64_t)delta * apic_timer_khz / 1000000 : 0;
    if (ticks > UINT32_MAX)
        ticks = UINT32_MAX;              /* a timer above ~1.07 GHz: fires sooner still */
    apic_write(APIC_TMICT, ticks ? (uint32_t)ticks : 1);
    return ns;                           /* never earlier than the LAPIC fires */
}

static void apic_timer_irq(struct cpu_user_regs *regs)
{
    per_cpu(apic_timer_irqs, smp_processor_id())++;
    apic_eoi();
    timer_interrupt();
}

static void apic_error_irq(struct cpu_user_regs *regs)
{
    apic_write(APIC_ESR, 0);
    uint32_t esr = apic_read(APIC_ESR);
    apic_eoi();
    printk("CPU%u: APIC error, ESR 0x%x\n", smp_processor_id(), esr);
}

static void apic_spurious_irq(struct cpu_user_regs *regs)
{
    /* A spurious interrupt is not in service: no EOI. */
}

/* Program this CPU's LAPIC: enabled, all LVTs quiet, timer one-shot but idle. */
static void apic_setup_local(bool bsp)
{
    /* LINT0 (the 8259's ExtINT) off first: the TPR write then drops any stale request. */
    apic_write(APIC_LVT0, APIC_LVT_MASKED);
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
    /* LINT1 carries the legacy NMI line: the boot CPU alone takes it. */
    apic_write(APIC_LVT1, bsp ? APIC_DM_NMI : APIC_LVT_MASKED);
    apic_write(APIC_LVTERR, ERROR_APIC_VECTOR);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_TDCR, APIC_TDR_DIV_1);
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | LOCAL_TIMER_VECTOR);
}

/* Turn the LAPIC on in the chosen mode (x2APIC needs EXTD set after ENABLE). */
static void apic_enable_mode(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if (!(base & APIC_BASE_ENABLE)) {
        base |= APIC_BASE_ENABLE;
        wrmsr(MSR_APIC_BASE, base);
    }
    if (x2apic_mode && !(base & APIC_BASE_EXTD))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
}

/*
 * A (current count, TSC) pair: the count read sits between two TSC reads;
 * of 8 tries the tightest bracket wins (a slow MMIO access or a preemption
 * cannot skew it). False if even that is wider than 100 us.
 */
static bool apic_timer_sample(uint32_t *count, uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;

    for (unsigned int i = 0; i < 8; i++) {
        uint64_t a = rdtsc_ordered();
        uint32_t c = apic_read(APIC_TMCCT);
        uint64_t b = rdtsc_ordered();
        if (b - a < best) {
            best = b - a;
            *count = c;
            *tsc = a + (b - a) / 2;
        }
    }
    return best <= tsc_khz / 10;
}

/* LAPIC timer rate against the (already calibrated) TSC over CALIBRATE_US. */
static void apic_calibrate_timer(void)
{
    uint32_t c0 = 0, c1 = 0;
    uint64_t t0 = 0, t1 = 0;

    apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
    apic_write(APIC_TMICT, UINT32_MAX);
    bool ok = apic_timer_sample(&c0, &t0);
    udelay(CALIBRATE_US);
    ok = ok && apic_timer_sample(&c1, &t1);
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | LOCAL_TIMER_VECTOR);

    if (!ok || t1 <= t0 || c0 <= c1)
        panic("APIC: cannot calibrate the local APIC timer");
    /* kHz = ticks / (TSC ticks / tsc_khz) */
    apic_timer_khz = (uint64_t)(c0 - c1) * tsc_khz / (t1 - t0);
    if (!apic_timer_khz)
        panic("APIC: the local APIC timer does not count");
}

void apic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    bool has_x2apic = cpuid(1).ecx & CPUID1_ECX_X2APIC;

    x2apic_mode = (base & APIC_BASE_EXTD) || (opt_x2apic && has_x2apic);
    apic_paddr = base & APIC_BASE_ADDR_MASK;
    if (!x2apic_mode)
        apic_mmio = __va(apic_paddr);
    apic_enable_mode();

    /* Legacy PIC: every line masked, so nothing arrives through LINT0 (as Xen does). */
    outb(PIC_SLAVE_DATA, 0xff);
    outb(PIC_MASTER_DATA, 0xff);

    set_irq_handler(LOCAL_TIMER_VECTOR, apic_timer_irq);
    set_irq_handler(ERROR_APIC_VECTOR, apic_error_irq);
    set_irq_handler(SPURIOUS_APIC_VECTOR, apic_spurious_irq);

    apic_setup_local(true);
    apic_calibrate_timer();
    printk("APIC: %s, id %u, version 0x%x, timer %lu.%03lu MHz\n",
           x2apic_mode ? "x2APIC" : "xAPIC", apic_id(), apic_read(APIC_LVR) & 0xff,
           (unsigned long)(apic_timer_khz / 1000), (unsigned long)(apic_timer_khz % 1000));
}

void apic_init_secondary(void)
{
    apic_enable_mode();
    apic_setup_local(false);
}
