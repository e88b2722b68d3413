/*
 * System time from the TSC, calibrated once against the ACPI PM timer
 * (PIT channel 2 if there is none), and the wallclock from the CMOS RTC.
 *
 * Every CPU shares one (tsc_stamp, stime_stamp, scale) record: Xenia
 * assumes an invariant TSC that all CPUs see in step (true of every
 * machine and of QEMU). Guests receive the same record through
 * update_vcpu_system_time(), so their pvclock agrees with NOW().
 */
#include <xenia/lib.h>
#include <xenia/time.h>
#include <xenia/spinlock.h>
#include <xenia/acpi.h>
#include <asm/page.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/current.h>

#define PIT_HZ              1193182ULL
#define PIT_CH2             0x42
#define PIT_MODE            0x43
#define PIT_GATE_PORT       0x61         /* bit 0 gate, bit 1 speaker, bit 5 OUT2 */
#define CALIBRATE_MS        50

#define CMOS_INDEX          0x70
#define CMOS_DATA           0x71

struct cpu_time {
    uint64_t tsc_stamp;                  /* TSC at system time stime_stamp */
    s_time_t stime_stamp;
    struct time_scale scale;             /* TSC ticks -> ns */
};

uint64_t tsc_khz;
static struct cpu_time boot_time;        /* the one record every CPU uses */
static uint64_t wc_boot_ns;              /* wall time (ns since epoch) at system time 0 */

/* Measure TSC ticks over CALIBRATE_MS of PIT channel 2 (mode 0, one shot). */
static uint64_t calibrate_tsc_pit(void)
{
    const uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;

    /* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0, binary. */
    outb(PIT_GATE_PORT, (inb(PIT_GATE_PORT) & ~0x02) | 0x01);
    outb(PIT_MODE, 0xb0);
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);

    uint64_t start = rdtsc_ordered();
    unsigned long spins = 0;
    while (!(inb(PIT_GATE_PORT) & 0x20))
        spins++;
    uint64_t end = rdtsc_ordered();

    if (!spins)
        return 0;                        /* OUT2 was high at once: no PIT */
    return (end - start) * 1000 / CALIBRATE_MS;
}

/* ---- ACPI PM timer: a free-running 3.579545 MHz counter, 24 or 32 bits ---- */

#define PMTMR_HZ            3579545ULL
#define PMTMR_CALIBRATE     (PMTMR_HZ / 10)    /* 100 ms of PM time */
#define PMTMR_SLACK         360                /* ~100 us: widest bracket trusted */
#define FADT_PM_TMR_BLK     76
#define FADT_FLAGS          112
#define FADT_TMR_VAL_EXT    (1u << 8)

static uint16_t pmtmr_port;
static uint32_t pmtmr_mask;

static void pmtmr_probe(void)
{
    paddr_t fadt = acpi_find_table("FACP");
    if (!fadt)
        return;
    const uint8_t *f = __va(fadt);
    uint32_t len, port, flags;
    memcpy(&len, f + 4, 4);
    if (len < FADT_FLAGS + 4)
        return;
    memcpy(&port, f + FADT_PM_TMR_BLK, 4);
    memcpy(&flags, f + FADT_FLAGS, 4);
    if (!port || port > 0xffff)
        return;
    pmtmr_port = (uint16_t)port;
    pmtmr_mask = (flags & FADT_TMR_VAL_EXT) ? 0xffffffffu : 0xffffffu;
}

/*
 * A (PM timer, TSC) pair read close together: the TSC read sits between two
 * PM timer reads, and of 8 tries the tightest bracket wins, so a
 * preemption or a slow (trapping) port access cannot skew it. False if even
 * the best bracket is wider than PMTMR_SLACK.
 */
static bool pmtmr_sample(uint32_t *pm, uint64_t *tsc)
{
    uint32_t best = UINT32_MAX;

    for (unsigned int i = 0; i < 8; i++) {
        uint32_t a = inl(pmtmr_port) & pmtmr_mask;
        uint64_t t = rdtsc_ordered();
        uint32_t b = inl(pmtmr_port) & pmtmr_mask;
        uint32_t width = (b - a) & pmtmr_mask;
        if (width < best) {
            best = width;
            *pm = (a + width / 2) & pmtmr_mask;
            *tsc = t;
        }
    }
    return best <= PMTMR_SLACK;
}

/* TSC Hz over 100 ms of PM timer, or 0 if there is none or it misbehaves. */
static uint64_t calibrate_tsc_pmtmr(void)
{
    uint32_t pm0, pm1 = 0;
    uint64_t tsc0, tsc1 = 0;

    if (!pmtmr_port || !pmtmr_sample(&pm0, &tsc0))
        return 0;
    for (uint64_t spins = 0; spins < (1ULL << 32); spins++) {
        if (!pmtmr_sample(&pm1, &tsc1))
            return 0;
        if (((pm1 - pm0) & pmtmr_mask) >= PMTMR_CALIBRATE)
            break;
    }
    uint64_t dpm = (pm1 - pm0) & pmtmr_mask;
    if (dpm < PMTMR_CALIBRATE)
        return 0;
    return (tsc1 - tsc0) * PMTMR_HZ / dpm;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v & 0x0f) + (v >> 4) * 10 : v;
}

/* Seconds since the epoch from the RTC, read between two update cycles. */
static uint64_t rtc_read_epoch(void)
{
    uint8_t s, m, h, d, mo, y, b;

    for (unsigned int tries = 0; tries < 1000000 && (cmos_read(0x0a) & 0x80); tries++)
        ;                                /* update in progress: wait it out */
    do {
        s = cmos_read(0x00);
        m = cmos_read(0x02);
        h = cmos_read(0x04);
        d = cmos_read(0x07);
        mo = cmos_read(0x08);
        y = cmos_read(0x09);
    } while (s != cmos_read(0x00));
    b = cmos_read(0x0b);

    bool is_bcd = !(b & 0x04);
    bool pm = !(b & 0x02) && (h & 0x80);  /* 12-hour mode */
    unsigned int hour = bcd(h & 0x7f, is_bcd);
    if (!(b & 0x02))
        hour = (hour % 12) + (pm ? 12 : 0);
    unsigned int year = bcd(y, is_bcd);
    year += year < 70 ? 2000 : 1900;
    return rtc_to_epoch(year, bcd(mo, is_bcd), bcd(d, is_bcd), hour,
                        bcd(m, is_bcd), bcd(s, is_bcd));
}

void time_init(void)
{
    pmtmr_probe();
    uint64_t hz = calibrate_tsc_pmtmr();
    const char *src = "ACPI PM timer";
    if (!hz) {
        hz = calibrate_tsc_pit();
        src = "PIT";
    }
    if (!hz)
        panic("time: neither the PM timer nor PIT channel 2 counts; cannot calibrate the TSC");

    tsc_khz = hz / 1000;
    set_time_scale(&boot_time.scale, hz);
    boot_time.stime_stamp = 0;
    boot_time.tsc_stamp = rdtsc_ordered();

    timers_init();

    uint64_t rtc = rtc_read_epoch();
    wc_boot_ns = rtc * NSEC_PER_SEC - NOW();
    printk("TSC: %lu.%03lu MHz by the %s (mul 0x%x shift %d); RTC %lu s since the epoch\n",
           (unsigned long)(tsc_khz / 1000), (unsigned long)(tsc_khz % 1000), src,
           boot_time.scale.mul_frac, boot_time.scale.shift, (unsigned long)rtc);
}

void time_init_secondary(void)
{
    /* One shared record: nothing per CPU yet (kept as the hook for TSC sync checks). */
}

s_time_t NOW(void)
{
    uint64_t tsc = rdtsc_ordered();
    const struct cpu_time *t = &boot_time;

    if (unlikely(tsc < t->tsc_stamp))
        return t->stime_stamp;           /* before calibration, or TSC skew */
    return t->stime_stamp + (s_time_t)scale_delta(tsc - t->tsc_stamp, &t->scale);
}

void update_vcpu_system_time(struct vcpu_time_info *u)
{
    const struct cpu_time *t = &boot_time;
    uint32_t v = u->version;

    /* Odd while writing; readers retry on an odd or changed version. */
    v = (v + 1) | 1;
    ACCESS_ONCE(u->version) = v;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    /* A fresh (tsc, system time) pair keeps the guest's deltas small. */
    uint64_t tsc = rdtsc_ordered();
    u->tsc_timestamp = tsc;
    u->system_time = tsc < t->tsc_stamp ? t->stime_stamp :
                     t->stime_stamp + (s_time_t)scale_delta(tsc - t->tsc_stamp, &t->scale);
    u->tsc_to_system_mul = t->scale.mul_frac;
    u->tsc_shift = t->scale.shift;
    u->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ACCESS_ONCE(u->version) = v + 1;
}

static void ns_to_sec(uint64_t ns, uint32_t *sec, uint32_t *nsec)
{
    *sec = (uint32_t)(ns / NSEC_PER_SEC);
    *nsec = (uint32_t)(ns % NSEC_PER_SEC);
}

void get_wallclock(uint32_t *sec, uint32_t *nsec)
{
    ns_to_sec(wc_boot_ns + NOW(), sec, nsec);
}

void time_set_wallclock_boot(uint64_t ns)
{
    wc_boot_ns = ns;
}

void get_wallclock_at_boot(uint32_t *sec, uint32_t *nsec)
{
    ns_to_sec(wc_boot_ns, sec, nsec);
}

void udelay(unsigned long us)
{
    if (!tsc_khz) {
        for (unsigned long i = 0; i < us; i++)
            outb(0x80, 0);               /* about 1 us per ISA bus write */
        return;
    }
    uint64_t start = rdtsc_ordered();
    uint64_t ticks = (uint64_t)us * tsc_khz / 1000;
    while (rdtsc_ordered() - start < ticks)
        __builtin_ia32_pause();
}

void mdelay(unsigned long ms)
{
    while (ms--)
        udelay(1000);
}
