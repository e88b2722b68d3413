/* SOURCES: common/time_calc.c */
/* TSC-to-ns scaling in Xen's pvclock form, against 128-bit arithmetic; RTC dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/time.h>
#include "host_stubs.h"

static const uint64_t freqs[] = {
    1000000, 1193182, 3579545, 14318180, 100000000, 999999999, 1000000000,
    1000000001, 1999999999, 2000000000, 2000000001, 2599993000ULL, 3000000000ULL,
    4294967295ULL, 4294967296ULL, 5000000000ULL, 10000000000ULL,
};

/* Exact ns for ticks at freq Hz, rounded down. */
static uint64_t ref_ns(uint64_t ticks, uint64_t freq)
{
    return (uint64_t)((unsigned __int128)ticks * 1000000000ULL / freq);
}

static void scale_is_normalised(void **state)
{
    for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
        struct time_scale ts;
        set_time_scale(&ts, freqs[i]);
        /* The shifted rate lies in (1e9, 2e9], so the fraction is in [0.5, 1). */
        assert_true(ts.mul_frac >= 0x80000000u);
        /* Exactly: f * 2^shift in (1e9, 2e9], scaled to integers. */
        unsigned __int128 f = freqs[i], lo = 1000000000ULL, hi = 2000000000ULL;
        if (ts.shift >= 0)
            f <<= ts.shift;
        else
            lo <<= -ts.shift, hi <<= -ts.shift;
        assert_true(f > lo && f <= hi);
    }
}

static void scale_matches_reference(void **state)
{
    static const uint64_t secs_x1000[] = { 0, 1, 1000, 3600000, 86400000, 31536000000ULL };
    for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
        uint64_t f = freqs[i];
        struct time_scale ts;
        set_time_scale(&ts, f);
        /* Ticks of 0, 1, 1000, 1e6 and of 1 ms .. one year of time. */
        uint64_t deltas[16] = { 0, 1, 1000, 1000000, f / 1000, f, f + 12345 };
        size_t n = 7;
        for (size_t j = 0; j < sizeof(secs_x1000) / sizeof(secs_x1000[0]); j++)
            deltas[n++] = (uint64_t)((unsigned __int128)f * secs_x1000[j] / 1000);
        for (size_t j = 0; j < n; j++) {
            uint64_t want = ref_ns(deltas[j], f);
            uint64_t got = scale_delta(deltas[j], &ts);
            /* Fraction truncation (< 2^-31 relative), dropped low bits, final floor. */
            uint64_t slack = want / (1ULL << 31) + 2 + (ts.shift < 0 ? ((1ULL << -ts.shift) * 1000000000ULL / f) : 0);
            uint64_t err = got > want ? got - want : want - got;
            if (err > slack)
                fail_msg("f=%llu ticks=%llu: got %llu want %llu (slack %llu)",
                         (unsigned long long)f, (unsigned long long)deltas[j],
                         (unsigned long long)got, (unsigned long long)want,
                         (unsigned long long)slack);
        }
    }
}

static void scale_is_monotonic(void **state)
{
    struct time_scale ts;
    set_time_scale(&ts, 2599993000ULL);
    uint64_t prev = 0;
    for (uint64_t t = 0; t < 200000; t += 7) {
        uint64_t ns = scale_delta(t, &ts);
        assert_true(ns >= prev);
        prev = ns;
    }
}

static void known_pvclock_values(void **state)
{
    /* 1 GHz: exactly 1 ns per tick (shift 1, mul 0x80000000). */
    struct time_scale ts;
    set_time_scale(&ts, 1000000000ULL);
    assert_int_equal(ts.shift, 1);
    assert_int_equal(ts.mul_frac, 0x80000000u);
    assert_int_equal(scale_delta(123456789, &ts), 123456789);
    /* 2 GHz: shift 0, mul 2^31: 0.5 ns per tick. */
    set_time_scale(&ts, 2000000000ULL);
    assert_int_equal(ts.shift, 0);
    assert_int_equal(ts.mul_frac, 0x80000000u);
    assert_int_equal(scale_delta(2000000000ULL, &ts), 1000000000ULL);
}

static void rtc_dates(void **state)
{
    assert_int_equal(rtc_to_epoch(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(rtc_to_epoch(1999, 12, 31, 23, 59, 59), 946684799);
    assert_int_equal(rtc_to_epoch(2000, 3, 1, 0, 0, 0), 951868800);      /* 2000 is leap */
    assert_int_equal(rtc_to_epoch(2024, 2, 29, 12, 34, 56), 1709210096);
    assert_int_equal(rtc_to_epoch(2100, 12, 31, 23, 59, 59), 4133980799ULL); /* 2100 is not */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_is_normalised),
        cmocka_unit_test(scale_matches_reference),
        cmocka_unit_test(scale_is_monotonic),
        cmocka_unit_test(known_pvclock_values),
        cmocka_unit_test(rtc_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
