/*
 * physdev_platform: the dom0 queries Linux makes at boot and Xen 4.17
 * answers: PHYSDEVOP_set_iopl, XENPF_get_cpuinfo, XENPF_settime64 of
 * the current time, HYPERVISOR_mca's XEN_MC_physcpuinfo (what Linux's
 * mcelog driver asks) and an empty XEN_MC_fetch; wrong interface version,
 * bad pointers and unknown commands fail as Xen fails them.
 */
#include "test.h"
#include <xen/physdev.h>
#include <xen/platform.h>
#include <xen/arch-x86/xen-mca.h>

#define HYPERVISOR_mca(op) HC(__HYPERVISOR_mca, op, 0, 0, 0, 0)

static void test_mca(void)
{
    static struct mcinfo_logical_cpu cpus[4];
    static struct mc_info telemetry;
    struct xen_mc mc;

    memset(&mc, 0, sizeof(mc));
    mc.cmd = XEN_MC_physcpuinfo;
    mc.interface_version = XEN_MCA_INTERFACE_VERSION;
    expect_eq(HYPERVISOR_mca(&mc), 0, "mca physcpuinfo, no array");
    expect_eq(mc.u.mc_physcpuinfo.ncpus, 2, "two physical CPUs");
    mc.u.mc_physcpuinfo.ncpus = 4;
    set_xen_guest_handle(mc.u.mc_physcpuinfo.info, cpus);
    expect_eq(HYPERVISOR_mca(&mc), 0, "mca physcpuinfo into an array of 4");
    expect_eq(mc.u.mc_physcpuinfo.ncpus, 2, "two entries written");
    expect_eq(cpus[1].mc_cpunr, 1, "second entry is CPU 1");
    check(cpus[0].mc_vendorid[0] != 0, "vendor id filled");
    mc.u.mc_physcpuinfo.ncpus = 0;
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EINVAL, "mca physcpuinfo, array of 0");
    mc.u.mc_physcpuinfo.ncpus = 2;
    set_xen_guest_handle(mc.u.mc_physcpuinfo.info, (struct mcinfo_logical_cpu *)HYPERVISOR_VIRT_START);
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EFAULT, "mca physcpuinfo into hypervisor memory");

    memset(&mc, 0, sizeof(mc));
    mc.cmd = XEN_MC_fetch;
    mc.interface_version = XEN_MCA_INTERFACE_VERSION;
    mc.u.mc_fetch.flags = XEN_MC_NONURGENT;
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EINVAL, "mca fetch, no buffer");
    set_xen_guest_handle(mc.u.mc_fetch.data, &telemetry);
    expect_eq(HYPERVISOR_mca(&mc), 0, "mca fetch, non-urgent");
    check(mc.u.mc_fetch.flags & XEN_MC_NODATA, "no telemetry");
    mc.u.mc_fetch.flags = XEN_MC_URGENT | XEN_MC_NONURGENT;
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EINVAL, "mca fetch, both urgencies");

    mc.interface_version = XEN_MCA_INTERFACE_VERSION + 1;
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EACCES, "mca, wrong interface version");
    mc.interface_version = XEN_MCA_INTERFACE_VERSION;
    mc.cmd = 99;
    expect_eq(HYPERVISOR_mca(&mc), -XEN_EINVAL, "mca, unknown command");
    expect_eq(HYPERVISOR_mca(0), -XEN_EFAULT, "mca, NULL");
}

const char test_name[] = "physdev_platform";

void test_main(void)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };
    struct xen_platform_op op;

    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0, "set_iopl 1");
    iopl.iopl = 4;
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), -XEN_EINVAL, "set_iopl 4");
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, 0), -XEN_EFAULT, "set_iopl, NULL");
    expect_eq(HYPERVISOR_physdev_op(999, &iopl), -XEN_ENOSYS, "physdev_op 999");

    memset(&op, 0, sizeof(op));
    op.cmd = XENPF_get_cpuinfo;
    op.interface_version = XENPF_INTERFACE_VERSION;
    op.u.pcpu_info.xen_cpuid = 0;
    expect_eq(HYPERVISOR_platform_op(&op), 0, "XENPF_get_cpuinfo of cpu 0");
    expect_eq(op.u.pcpu_info.max_present, 1, "two pcpus (0..1)");
    check(op.u.pcpu_info.flags & XEN_PCPU_FLAGS_ONLINE, "cpu 0 online");
    op.u.pcpu_info.xen_cpuid = 64;
    expect_eq(HYPERVISOR_platform_op(&op), 0, "get_cpuinfo of a cpu that is not there");
    check(op.u.pcpu_info.flags & XEN_PCPU_FLAGS_INVALID, "flagged invalid");

    memset(&op, 0, sizeof(op));
    op.cmd = XENPF_settime64;
    op.interface_version = XENPF_INTERFACE_VERSION;
    op.u.settime64.secs = shared->wc_sec;
    op.u.settime64.nsecs = shared->wc_nsec;
    op.u.settime64.system_time = xen_now();
    expect_eq(HYPERVISOR_platform_op(&op), 0, "XENPF_settime64");

    op.interface_version = XENPF_INTERFACE_VERSION - 1;
    expect_eq(HYPERVISOR_platform_op(&op), -XEN_EACCES, "wrong interface version");
    op.interface_version = XENPF_INTERFACE_VERSION;
    op.cmd = 250;
    expect_eq(HYPERVISOR_platform_op(&op), -XEN_ENOSYS, "platform_op 250");
    expect_eq(HYPERVISOR_platform_op(0), -XEN_EFAULT, "platform_op, NULL");
    expect_eq(HYPERVISOR_platform_op(HYPERVISOR_VIRT_START), -XEN_EFAULT,
              "platform_op, hypervisor address");
    test_mca();
}
