/*
 * xen_version: HYPERVISOR_xen_version reports Xen 4.17, an extraversion,
 * the x86_64 capability, PV feature bits and the platform parameters;
 * bad buffers give -EFAULT and unknown commands -ENOSYS.
 */
#include "test.h"
#include <xen/version.h>
#include <xen/features.h>

const char test_name[] = "xen_version";

/* Is string s NUL-terminated within n bytes? */
static bool terminated(const char *s, size_t n)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        if ( !s[i] )
            return true;
    return false;
}

void test_main(void)
{
    xen_extraversion_t extra;
    xen_capabilities_info_t caps;
    xen_changeset_info_t cs;
    xen_compile_info_t ci;
    xen_platform_parameters_t pp;
    xen_feature_info_t fi;
    xen_domain_handle_t h;
    xen_commandline_t cmd;
    long rc;

    expect_eq(HYPERVISOR_xen_version(XENVER_version, 0), (4 << 16) | 17,
              "XENVER_version is 4.17");

    memset(extra, 0xff, sizeof(extra));
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0, "XENVER_extraversion");
    check(terminated(extra, sizeof(extra)) && extra[0] == '.', "extraversion is \".N...\"");
    check(extra[1] >= '0' && extra[1] <= '9', "extraversion names a point release");
    printk("xen_version: 4.17%s\n", extra);

    memset(caps, 0, sizeof(caps));
    expect_eq(HYPERVISOR_xen_version(XENVER_capabilities, caps), 0, "XENVER_capabilities");
    check(strncmp(caps, "xen-3.0-x86_64", 14) == 0, "capabilities start with xen-3.0-x86_64");
    printk("xen_version: capabilities \"%s\"\n", caps);

    expect_eq(HYPERVISOR_xen_version(XENVER_changeset, cs), 0, "XENVER_changeset");
    check(terminated(cs, sizeof(cs)), "changeset terminated");
    expect_eq(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0, "XENVER_compile_info");
    check(terminated(ci.compiler, sizeof(ci.compiler)), "compiler terminated");

    expect_eq(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0,
              "XENVER_platform_parameters");
    expect_eq(pp.virt_start, HYPERVISOR_VIRT_START, "virt_start is HYPERVISOR_VIRT_START");

    fi.submap_idx = 0;
    expect_eq(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0, "XENVER_get_features");
    check(fi.submap & (1U << XENFEAT_dom0), "XENFEAT_dom0 for the initial domain");
    check(!(fi.submap & (1U << XENFEAT_writable_descriptor_tables)), "no writable_descriptor_tables");
    check(!(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb)), "pae_pgdir_above_4gb is 32-bit only");
    check(fi.submap & (1U << XENFEAT_mmu_pt_update_preserve_ad), "mmu_pt_update_preserve_ad");
    check(fi.submap & (1U << XENFEAT_gnttab_map_avail_bits), "gnttab_map_avail_bits");
    check(!(fi.submap & (1U << XENFEAT_auto_translated_physmap)), "PV: not auto-translated");
    check(!(fi.submap & (1U << XENFEAT_supervisor_mode_kernel)), "no supervisor_mode_kernel");
    check(!(fi.submap & (1U << XENFEAT_writable_page_tables)), "no writable_page_tables");
    printk("xen_version: features[0] %#x\n", fi.submap);
    fi.submap_idx = 1;
    expect_eq(HYPERVISOR_xen_version(XENVER_get_features, &fi), -XEN_EINVAL,
              "get_features submap 1 (XENFEAT_NR_SUBMAPS is 1)");

    expect_eq(HYPERVISOR_xen_version(XENVER_pagesize, 0), PAGE_SIZE, "XENVER_pagesize");
    memset(h, 0xff, sizeof(h));
    expect_eq(HYPERVISOR_xen_version(XENVER_guest_handle, h), 0, "XENVER_guest_handle");
    check(h[0] == 0 && h[15] == 0, "dom0's handle is all zeros");
    memset(cmd, 0, sizeof(cmd));
    expect_eq(HYPERVISOR_xen_version(XENVER_commandline, cmd), 0, "XENVER_commandline");
    check(strncmp(cmd, "console=com1", 12) == 0, "command line is the one QEMU gave");
    printk("xen_version: command line \"%s\"\n", cmd);

    /* Bad buffers and commands. */
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, 0), -XEN_EFAULT, "extraversion, NULL");
    expect_eq(HYPERVISOR_xen_version(XENVER_capabilities, HYPERVISOR_VIRT_START), -XEN_EFAULT,
              "capabilities into the hypervisor range");
    expect_eq(HYPERVISOR_xen_version(XENVER_get_features, 0x10000000UL), -XEN_EFAULT,
              "get_features, unmapped");
    expect_eq(HYPERVISOR_xen_version(XENVER_platform_parameters, 0x800000000000UL),
              -XEN_EFAULT, "platform_parameters, non-canonical");
    rc = HYPERVISOR_xen_version(64, 0);
    expect_eq(rc, -XEN_ENOSYS, "unknown command 64");
    expect_eq(HYPERVISOR_xen_version(-1, 0), -XEN_ENOSYS, "unknown command -1");
}
