/*
 * multicall: a batch of calls runs in order with per-entry results
 * (including failures of single entries); bad lists fail with -EFAULT.
 */
#include "test.h"
#include <xen/version.h>
#include <xen/event_channel.h>

const char test_name[] = "multicall";

void test_main(void)
{
    static const char msg[] = "multicall: console write from a batch\n";
    struct evtchn_send snd = { .port = 100000 };
    multicall_entry_t mc[6];

    memset(mc, 0, sizeof(mc));
    mc[0].op = __HYPERVISOR_xen_version;
    mc[0].args[0] = XENVER_version;
    mc[1].op = __HYPERVISOR_console_io;
    mc[1].args[0] = CONSOLEIO_write;
    mc[1].args[1] = sizeof(msg) - 1;
    mc[1].args[2] = (unsigned long)msg;
    mc[2].op = __HYPERVISOR_event_channel_op;
    mc[2].args[0] = EVTCHNOP_send;
    mc[2].args[1] = (unsigned long)&snd;
    mc[3].op = __HYPERVISOR_xen_version;
    mc[3].args[0] = XENVER_extraversion;
    mc[3].args[1] = 0;
    mc[4].op = 63;
    mc[5].op = __HYPERVISOR_xen_version;
    mc[5].args[0] = XENVER_pagesize;
    mc[5].result = 12345;

    expect_eq(HYPERVISOR_multicall(mc, 6), 0, "multicall of 6");
    expect_eq(mc[0].result, (4 << 16) | 17, "entry 0: xen_version");
    expect_eq(mc[1].result, 0, "entry 1: console write");
    expect_eq(mc[2].result, -XEN_EINVAL, "entry 2: send on a bad port");
    expect_eq(mc[3].result, -XEN_EFAULT, "entry 3: extraversion to NULL");
    expect_eq(mc[4].result, -XEN_ENOSYS, "entry 4: hypercall 63");
    expect_eq(mc[5].result, PAGE_SIZE, "entry 5: runs after failures");

    mc[0].op = __HYPERVISOR_multicall;
    mc[0].args[0] = (unsigned long)&mc[1];
    mc[0].args[1] = 1;
    mc[1].op = __HYPERVISOR_xen_version;
    mc[1].args[0] = XENVER_version;
    expect_eq(HYPERVISOR_multicall(mc, 2), 0, "multicall containing a multicall");
    expect_eq(mc[0].result, -XEN_EINVAL, "a nested multicall entry fails with -EINVAL");
    expect_eq(mc[1].result, (4 << 16) | 17, "the entry after it still runs");

    expect_eq(HYPERVISOR_multicall(mc, 0), 0, "empty multicall");
    expect_eq(HYPERVISOR_multicall(0, 1), -XEN_EFAULT, "multicall, NULL");
    expect_eq(HYPERVISOR_multicall(HYPERVISOR_VIRT_START, 2), -XEN_EFAULT,
              "multicall, hypervisor address");
    expect_eq(HYPERVISOR_multicall(0x10000000UL, 1), -XEN_EFAULT, "multicall, unmapped");
}
