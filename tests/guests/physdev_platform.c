/*
 * physdev_platform: the dom0 queries Linux makes at boot and Xen 4.17
 * answers: PHYSDEVOP_set_iopl, XENPF_get_cpuinfo, XENPF_settime64 of
 * the current time; wrong interface version, bad pointers and unknown
 * commands fail as Xen fails them.
 */
#include "test.h"
#include <xen/physdev.h>
#include <xen/platform.h>

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
}
