/*
 * System time, wallclock, delays and software timers.
 *
 * System time (s_time_t) is signed nanoseconds since the hypervisor
 * calibrated its clock at boot; it is what Xen hands to guests as
 * vcpu_time_info.system_time and what every timer deadline is expressed
 * in. It is derived from the TSC (assumed invariant and synchronised
 * across CPUs, as on every machine Xenia targets):
 *
 *   NOW() = stime_stamp + scale_delta(rdtsc() - tsc_stamp, tsc_scale)
 *
 * with the same (mul_frac, shift) pair that guests receive in their
 * pvclock (tsc_to_system_mul, tsc_shift), so guest and hypervisor agree.
 */
#ifndef XENIA_TIME_H
#define XENIA_TIME_H

#include <xenia/types.h>
#include <xenia/list.h>
#include <xen/xen.h>

typedef int64_t s_time_t;                /* ns of system time */

#define NSEC_PER_SEC        1000000000LL
#define SECONDS(s)          ((s_time_t)(s) * 1000000000LL)
#define MILLISECS(ms)       ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us)       ((s_time_t)(us) * 1000LL)
#define STIME_MAX           ((s_time_t)INT64_MAX)

/*
 * A TSC-to-ns conversion in Xen's pvclock form:
 *   ns = ((shift >= 0 ? ticks << shift : ticks >> -shift) * mul_frac) >> 32
 */
struct time_scale {
    int8_t shift;
    uint32_t mul_frac;
};

/*
 * scale_delta(): ticks of a clock described by ts, converted to ns.
 * Pure; exact to within the 32-bit fraction (relative error < 2^-31).
 */
static inline uint64_t scale_delta(uint64_t ticks, const struct time_scale *ts)
{
    if (ts->shift < 0)
        ticks >>= -ts->shift;
    else
        ticks <<= ts->shift;
    return (uint64_t)(((unsigned __int128)ticks * ts->mul_frac) >> 32);
}

/*
 * set_time_scale(): the (mul_frac, shift) pair for a clock of ticks_per_sec
 * Hz (must be non-zero), normalised as Xen does so that the shifted rate
 * lies in (1e9, 2e9] and mul_frac < 2^32. Pure (common/time_calc.c).
 */
void set_time_scale(struct time_scale *ts, uint64_t ticks_per_sec);

/*
 * rtc_to_epoch(): seconds since 1970-01-01 00:00:00 UTC of a Gregorian
 * date and time (year >= 1970, mon 1..12, day 1..31, hour 0..23,
 * min/sec 0..59). Pure (common/time_calc.c).
 */
uint64_t rtc_to_epoch(unsigned int year, unsigned int mon, unsigned int day,
                      unsigned int hour, unsigned int min, unsigned int sec);

/* ---- arch/x86/time.c ---- */

/* TSC rate measured at boot, in kHz (0 until time_init()). */
extern uint64_t tsc_khz;

/*
 * time_init(): calibrate the TSC against the ACPI PM timer (100 ms; PIT
 * channel 2 for 50 ms when the FADT has no PM timer), set system
 * time 0 to now, read the CMOS RTC for the wallclock. Boot CPU, once,
 * interrupts off. Prints the TSC frequency.
 */
void time_init(void);

/* time_init_secondary(): give this AP the boot CPU's time scale and stamp. */
void time_init_secondary(void);

/* NOW(): current system time in ns; any CPU, any context, no lock. */
s_time_t NOW(void);

/*
 * update_vcpu_system_time(): publish this CPU's time record into a guest's
 * vcpu_time_info using Xen's version protocol: version becomes odd, the
 * fields are written, version becomes even again (a reader retries while
 * it sees an odd or changed version). Caller: the CPU the vCPU runs on.
 */
void update_vcpu_system_time(struct vcpu_time_info *t);

/* get_wallclock(): current wall time (s, ns since the Unix epoch, UTC). */
void get_wallclock(uint32_t *sec, uint32_t *nsec);

/*
 * get_wallclock_at_boot(): the wall time that corresponds to system time 0
 * (what shared_info.wc_sec / wc_nsec carry in Xen's ABI).
 */
void get_wallclock_at_boot(uint32_t *sec, uint32_t *nsec);
/* time_set_wallclock_boot(): XENPF_settime: wall time (ns since the epoch) at system time 0. */
void time_set_wallclock_boot(uint64_t ns);

/*
 * time_selftest(): with "time_selftest" on the command line, check the
 * LAPIC-driven timers on every CPU, NOW() against the RTC over 1 s and the
 * IPIs; prints "selftest: PASS" or "FAIL". Boot CPU, after smp_boot_cpus().
 */
void time_selftest(void);

/* udelay()/mdelay(): busy-wait (TSC; port 0x80 before calibration). */
void udelay(unsigned long us);
void mdelay(unsigned long ms);

/* ---- software timers (common/timer.c) ---- */

/*
 * A one-shot timer: fn(data) runs on CPU `cpu` from the local APIC timer
 * interrupt (interrupts off, no timer lock held) once system time reaches
 * `expires`. Callbacks must be short; to do real work they raise a softirq
 * (raise_softirq(), <xenia/softirq.h>). A callback may re-arm its own timer.
 */
struct timer {
    s_time_t expires;                /* ns of system time */
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;                /* pCPU whose queue holds it */
    uint8_t status;                  /* TIMER_STATUS_* */
    struct list_head entry;          /* on timers[cpu].queue while active */
};

#define TIMER_STATUS_invalid   0     /* never initialised */
#define TIMER_STATUS_inactive  1
#define TIMER_STATUS_active    2
#define TIMER_STATUS_killed    3

/* timers_init(): set up every CPU's queue; time_init() calls it, before any timer use. */
void timers_init(void);

/* init_timer(): set up an inactive timer on cpu. Not while it is active. */
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);

/*
 * set_timer(): (re-)arm t for expires (ns of system time; a time in the
 * past fires at the next timer interrupt). Takes the queue lock (IRQ-safe);
 * any CPU. No effect on a killed timer.
 */
void set_timer(struct timer *t, s_time_t expires);

/* stop_timer(): disarm t if armed; a callback already running may finish. */
void stop_timer(struct timer *t);

/*
 * migrate_timer(): move t (armed or not) to new_cpu's queue; its deadline
 * is kept.
 */
void migrate_timer(struct timer *t, unsigned int new_cpu);

/*
 * kill_timer(): disarm t for good and wait until its callback is not
 * running on any CPU; t may then be freed. Never from t's own callback.
 */
void kill_timer(struct timer *t);

/* timer_active(): t is armed (racy unless the caller serialises). */
static inline bool timer_active(const struct timer *t)
{
    return t->status == TIMER_STATUS_active;
}

/*
 * timer_interrupt(): run this CPU's expired timers and program the local
 * APIC for the next deadline. Called by the LOCAL_TIMER_VECTOR handler
 * (arch/x86/apic.c) with interrupts off, after the EOI.
 */
void timer_interrupt(void);

/* ---- the pure timer queue (common/timer_queue.c), under the caller's lock ---- */

/* timerq_insert(): add t in deadline order (after timers with equal expiry). */
void timerq_insert(struct list_head *q, struct timer *t);
/* timerq_first(): the earliest timer, or NULL if q is empty. */
struct timer *timerq_first(const struct list_head *q);
/* timerq_pop_expired(): remove and return the earliest timer if expires <= now, else NULL. */
struct timer *timerq_pop_expired(struct list_head *q, s_time_t now);

#endif
