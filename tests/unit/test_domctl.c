/* SOURCES: common/domctl_util.c */
/* Pure parts of domctl/sysctl: version checks, getdomaininfo flags, readconsole start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <xenia/domctl.h>
#include <xenia/sched.h>
#include <xenia/ctl_abi.h>

static void versions(void **s)
{
    assert_true(domctl_version_ok(0x15));
    assert_false(domctl_version_ok(0x14));
    assert_true(sysctl_version_ok(0x15));
    assert_false(sysctl_version_ok(0x16));
}

static void flags_online_blocked_running(void **s)
{
    struct dominf_domain d = { 0 };
    struct dominf_vcpu v[3] = { { .blocked = true }, { .down = true }, { .blocked = true } };
    uint32_t online;

    assert_int_equal(dominf_flags(&d, v, 3, &online), XEN_DOMINF_blocked);
    assert_int_equal(online, 2);
    v[2] = (struct dominf_vcpu){ .running = true };
    assert_int_equal(dominf_flags(&d, v, 3, &online), XEN_DOMINF_running);
    assert_int_equal(dominf_flags(&d, v, 0, &online), 0);
    assert_int_equal(online, 0);
}

static void flags_lifecycle(void **s)
{
    struct dominf_domain d = { .is_dying = DOMDYING_dying, .controller_pause_count = 1 };
    uint32_t online;

    assert_int_equal(dominf_flags(&d, NULL, 0, &online), XEN_DOMINF_paused);
    d.is_dying = DOMDYING_dead;
    d.shut_down = true;
    d.shutdown_code = 3;
    assert_int_equal(dominf_flags(&d, NULL, 0, &online),
                     XEN_DOMINF_paused | XEN_DOMINF_dying | XEN_DOMINF_shutdown |
                     (3u << XEN_DOMINF_shutdownshift));
}

static void readconsole_index(void **s)
{
    assert_int_equal(readconsole_start(100, false, 500), 100);
    assert_int_equal(readconsole_start(100, true, 500), 500);
    assert_int_equal(readconsole_start(100, true, 50), 100);     /* behind: oldest */
    assert_int_equal(readconsole_start(0x100000010ULL, true, 0x20), 0x100000020ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions),
        cmocka_unit_test(flags_online_blocked_running),
        cmocka_unit_test(flags_lifecycle),
        cmocka_unit_test(readconsole_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
