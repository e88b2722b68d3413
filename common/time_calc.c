/*
 * Pure time arithmetic: clock scale factors in Xen's pvclock form and the
 * calendar conversion for the CMOS RTC. No hardware, no locks.
 */
#include <xenia/time.h>
#include <xenia/lib.h>

#define SCALE_LOW   1000000000ULL          /* shifted rate must exceed this... */
#define SCALE_HIGH  2000000000ULL          /* ...and must not exceed this */

/* n / d for a quotient known to fit 64 bits (no libgcc in the hypervisor). */
static uint64_t div128_64(unsigned __int128 n, uint64_t d)
{
    uint64_t q, r;
    __asm__ ("divq %4" : "=a"(q), "=d"(r) : "a"((uint64_t)n), "d"((uint64_t)(n >> 64)), "rm"(d));
    return q;
}

void set_time_scale(struct time_scale *ts, uint64_t ticks_per_sec)
{
    unsigned __int128 rate = ticks_per_sec, low = SCALE_LOW, high = SCALE_HIGH;
    int shift = 0;

    ASSERT(rate != 0);
    /*
     * Pick shift so that rate * 2^shift lies in (1e9, 2e9] (compared
     * exactly, no bits of the rate dropped): then 1e9 / (rate * 2^shift)
     * is a fraction in [0.5, 1) and mul_frac = 2^32 times it.
     */
    while (rate > (high << -shift))
        shift--;
    while (shift >= 0 && (rate << shift) <= low)
        shift++;
    ts->shift = (int8_t)shift;
    ts->mul_frac = (uint32_t)div128_64((unsigned __int128)SCALE_LOW << (32 - shift), ticks_per_sec);
}

static bool is_leap(unsigned int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

uint64_t rtc_to_epoch(unsigned int year, unsigned int mon, unsigned int day,
                      unsigned int hour, unsigned int min, unsigned int sec)
{
    static const uint16_t days_before[12] = {
        0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
    };
    uint64_t days = 0;

    for (unsigned int y = 1970; y < year; y++)
        days += is_leap(y) ? 366 : 365;
    if (mon >= 1 && mon <= 12)
        days += days_before[mon - 1];
    if (mon > 2 && is_leap(year))
        days++;
    days += day ? day - 1 : 0;
    return ((days * 24 + hour) * 60 + min) * 60 + sec;
}
