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
#include <xenia/errno.h>

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

static const struct cdf_limits svm_npt = { .hvm = true, .max_vcpus = 8, .gnttab_max_version = 2 };

/* What libxl 4.17 sends for type="pvh" (libxl__arch_domain_prepare_config). */
static struct xen_domctl_createdomain pvh_config(void)
{
    return (struct xen_domctl_createdomain){
        .flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap, .max_vcpus = 2,
        .grant_opts = XEN_DOMCTL_GRANT_version(1), .max_grant_frames = 32,
        .arch.emulation_flags = XEN_X86_EMU_LAPIC,
    };
}

static void createdomain_pv_and_pvh(void **s)
{
    struct xen_domctl_createdomain c = pvh_config();
    const struct cdf_limits no_hvm = { .max_vcpus = 8, .gnttab_max_version = 2 };

    assert_int_equal(createdomain_config_check(&c, &svm_npt), 0);
    c.arch.misc_flags = XEN_X86_MSR_RELAXED;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), 0);
    assert_int_equal(createdomain_config_check(&c, &no_hvm), -EINVAL);   /* HVM not available */
    c.flags = 0;
    c.arch.emulation_flags = 0;                                          /* PV */
    assert_int_equal(createdomain_config_check(&c, &no_hvm), 0);
    c.arch.emulation_flags = XEN_X86_EMU_PIT;
    assert_int_equal(createdomain_config_check(&c, &no_hvm), 0);
}

static void createdomain_bad_flags(void **s)
{
    struct xen_domctl_createdomain c = pvh_config();

    c.flags = XEN_DOMCTL_CDF_hvm;                       /* shadow paging: none here */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c.flags = XEN_DOMCTL_CDF_hap;                       /* HAP without HVM */
    c.arch.emulation_flags = 0;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c = pvh_config();
    c.flags |= XEN_DOMCTL_CDF_nested_virt;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c = pvh_config();
    c.flags |= 1u << 20;                                /* unknown */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c = pvh_config();
    c.max_vcpus = 9;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c.max_vcpus = 0;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c = pvh_config();
    c.arch.misc_flags = 2;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c = pvh_config();
    c.grant_opts = XEN_DOMCTL_GRANT_version(3);
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c.grant_opts = 0;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
}

static void createdomain_emulation_flags(void **s)
{
    struct xen_domctl_createdomain c = pvh_config();

    c.arch.emulation_flags = 1u << 11;                  /* beyond XEN_X86_EMU_ALL */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EINVAL);
    c.arch.emulation_flags = XEN_X86_EMU_LAPIC | XEN_X86_EMU_IOAPIC;    /* PVH dom0's set */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EOPNOTSUPP);
    c.arch.emulation_flags = 0;
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EOPNOTSUPP);
    c.arch.emulation_flags = XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI;       /* HVM: no device model */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EOPNOTSUPP);
    c.flags = 0;
    c.arch.emulation_flags = XEN_X86_EMU_LAPIC;         /* PV with an emulator */
    assert_int_equal(createdomain_config_check(&c, &svm_npt), -EOPNOTSUPP);
}

static void physinfo_caps(void **s)
{
    assert_int_equal(physinfo_capabilities(false, 1), XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1);
    assert_int_equal(physinfo_capabilities(true, 2),
                     XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 | XEN_SYSCTL_PHYSCAP_gnttab_v2 |
                     XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap);
}

static void paging_mempool(void **s)
{
    assert_int_equal(paging_mempool_size_check(true, 4096), -EOPNOTSUPP);
    assert_int_equal(paging_mempool_size_check(false, 0), 0);
    assert_int_equal(paging_mempool_size_check(false, 8ull << 20), 0);
    assert_int_equal(paging_mempool_size_check(false, 4097), -EINVAL);
    assert_int_equal(paging_mempool_size_check(false, 0xffffffffull << 12), 0);
    assert_int_equal(paging_mempool_size_check(false, 1ull << 44), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions),
        cmocka_unit_test(flags_online_blocked_running),
        cmocka_unit_test(flags_lifecycle),
        cmocka_unit_test(readconsole_index),
        cmocka_unit_test(createdomain_pv_and_pvh),
        cmocka_unit_test(createdomain_bad_flags),
        cmocka_unit_test(createdomain_emulation_flags),
        cmocka_unit_test(physinfo_caps),
        cmocka_unit_test(paging_mempool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
