/*
 * pvh_domu_refusals: what an unprivileged PVH domU (created by xl in
 * scripts/toolstack/pvh.sh, type="pvh", on_reboot="destroy") gets for bad
 * input, as on Xen 4.17; it prints through its PV console ring:
 *   - HVM params: the toolstack's params (TRIPLE_FAULT_REASON, STORE_PFN)
 *     cannot be set by the guest, IDENT_PT not read (-EPERM); a deprecated
 *     one (PAE_ENABLED) -EINVAL; a bad X87_FIP_WIDTH -EINVAL; another
 *     domain's params: dom0 (PV) -EINVAL, a missing domain -ESRCH;
 *   - the toolstack's hypercalls (domctl, sysctl, platform_op) -EPERM;
 *     PV-only ones (mmu_update, set_trap_table, update_va_mapping), a
 *     number past the table and physdev_op (no PIRQs in a PVH domU)
 *     -ENOSYS; dom0's memory (decrease/populate: no extent done;
 *     add_to_physmap into PV dom0: -EACCES); an event channel for dom0
 *     -EPERM; bad pointers -EFAULT;
 *   - guest-physical addresses with nothing behind them (the 1 GiB window
 *     at 64 GiB, a RAM frame it gave back) read all ones and drop stores;
 *     port I/O to nowhere reads all ones; the guest keeps running;
 *   - then, with everything passed (its PASS line flushed to xenconsoled),
 *     a triple fault (an empty IDT, then int3): Xen's default
 *     HVM_PARAM_TRIPLE_FAULT_REASON shuts the domain down as a reboot,
 *     which pvh.sh checks in xl's log, with dom0 and the hypervisor fine.
 */
#define __XEN_TOOLS__ 1
#include "pvh.h"
#include "toolstack_ops.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/platform.h>
#include <xen/physdev.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

const char test_name[] = "pvh_domu_refusals";

#define BAD_POINTER     (512UL << 30)   /* not mapped by the guest's page tables */

static struct xen_platform_op pf;

static long param(unsigned int op, domid_t dom, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index, .value = value ? *value : 0 };
    long rc = HYPERVISOR_hvm_op(op, &p);

    if ( value )
        *value = p.value;
    return rc;
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile ("inb %1, %0" : "=a" (v) : "Nd" (port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile ("inl %1, %0" : "=a" (v) : "Nd" (port));
    return v;
}

static inline void outb(uint8_t v, uint16_t port)
{
    asm volatile ("outb %0, %1" :: "a" (v), "Nd" (port));
}

static void check_params(void)
{
    uint64_t v;

    v = SHUTDOWN_crash;
    expect_eq(param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_TRIPLE_FAULT_REASON, &v), -XEN_EPERM,
              "set own TRIPLE_FAULT_REASON");
    v = 0x1234;
    expect_eq(param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), -XEN_EPERM,
              "set own STORE_PFN");
    expect_eq(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_IDENT_PT, &v), -XEN_EPERM,
              "get own IDENT_PT");
    expect_eq(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_TRIPLE_FAULT_REASON, &v), -XEN_EPERM,
              "get own TRIPLE_FAULT_REASON");
    expect_eq(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_PAE_ENABLED, &v), -XEN_EINVAL,
              "get deprecated PAE_ENABLED");
    v = 3;
    expect_eq(param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, &v), -XEN_EINVAL,
              "set X87_FIP_WIDTH 3");
    v = 0;
    expect_eq(param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0, "get own STORE_PFN");
    check(v != 0, "a xenstore page");
    expect_eq(param(HVMOP_get_param, 0, HVM_PARAM_CALLBACK_IRQ, &v), -XEN_EINVAL,
              "get a param of dom0 (PV)");
    v = 0;
    expect_eq(param(HVMOP_set_param, 0, HVM_PARAM_CALLBACK_IRQ, &v), -XEN_EINVAL,
              "set a param of dom0 (PV)");
    expect_eq(param(HVMOP_get_param, 30000, HVM_PARAM_CALLBACK_IRQ, &v), -XEN_ESRCH,
              "get a param of a missing domain");
    expect_eq(param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &v), -XEN_EINVAL,
              "index past HVM_NR_PARAMS");
    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, (void *)BAD_POINTER), -XEN_EFAULT,
              "get_param: bad argument pointer");
}

static void check_hypercalls(void)
{
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
    struct xen_add_to_physmap xatp = { .domid = 0, .space = XENMAPSPACE_shared_info,
                                       .idx = 0, .gpfn = 0x100 };
    struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = DOMID_SELF };
    struct evtchn_send send = { .port = 4095 };
    static xen_pfn_t ext;
    static mmu_update_t mu;

    expect_eq(domctl(XEN_DOMCTL_getdomaininfo, 0), -XEN_EPERM, "domctl getdomaininfo(dom0)");
    expect_eq(domctl(XEN_DOMCTL_pausedomain, 0), -XEN_EPERM, "domctl pausedomain(dom0)");
    expect_eq(hypercall(__HYPERVISOR_domctl, BAD_POINTER, 0, 0, 0, 0), -XEN_EFAULT,
              "domctl bad pointer");
    expect_eq(sysctl(XEN_SYSCTL_physinfo), -XEN_EPERM, "sysctl physinfo");
    pf.cmd = XENPF_get_cpuinfo;
    pf.interface_version = XENPF_INTERFACE_VERSION;
    expect_eq(HYPERVISOR_platform_op(&pf), -XEN_EPERM, "platform_op get_cpuinfo");

    expect_eq(HYPERVISOR_mmu_update(&mu, 1, NULL, DOMID_SELF), -XEN_ENOSYS, "mmu_update (PV only)");
    expect_eq(HYPERVISOR_set_trap_table(NULL), -XEN_ENOSYS, "set_trap_table (PV only)");
    expect_eq(HYPERVISOR_update_va_mapping(0x400000UL, 0, 0), -XEN_ENOSYS,
              "update_va_mapping (PV only)");
    expect_eq(hypercall(60, 0, 0, 0, 0, 0), -XEN_ENOSYS, "hypercall 60 (none)");
    static struct physdev_map_pirq map = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                           .index = 1, .pirq = 1 };
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &map), -XEN_ENOSYS,
              "physdev map_pirq (no PIRQs in PVH)");

    set_xen_guest_handle(r.extent_start, &ext);
    ext = 0x100;
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
              "decrease_reservation(dom0): no extent done");
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
              "populate_physmap(dom0): no extent done");
    expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -XEN_EACCES,
              "add_to_physmap into dom0 (PV: not translated)");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, (void *)BAD_POINTER), -XEN_EFAULT,
              "current_reservation: bad pointer");

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM,
              "alloc_unbound for dom0");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_send, &send), -XEN_EINVAL,
              "send on a port not bound");
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, (void *)BAD_POINTER), -XEN_EFAULT,
              "xen_version: bad pointer");
}

static void check_nowhere(void)
{
    volatile uint32_t *high = (volatile uint32_t *)(PVH_HIGH_WINDOW + 0x3000);
    static volatile uint64_t page[512] __attribute__((aligned(4096)));
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
    static xen_pfn_t gfn;

    expect_eq(*high, 0xffffffffu, "load from a GFN above RAM");
    *high = 0;
    expect_eq(*high, 0xffffffffu, "a store there is dropped");

    page[3] = 0x1122334455667788UL;
    gfn = (uint64_t)page >> PAGE_SHIFT;
    set_xen_guest_handle(r.extent_start, &gfn);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1, "give a RAM frame back");
    expect_eq(page[3], (long)~0UL, "its GFN then reads all ones");
    page[3] = 0;
    expect_eq(page[3], (long)~0UL, "and drops stores");
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1, "take it back");
    page[3] = 42;
    expect_eq(page[3], 42, "RAM again");

    expect_eq(inb(0x60), 0xff, "inb from a port with no device");
    expect_eq(inl(0xc000), 0xffffffffu, "inl from a port with no device");
    outb(0x55, 0x80);
    check(true, "outb to a port with no device: still running");
    expect_eq(last_trap.count, 0, "no exception reached the guest");
}

/* An empty IDT: int3 cannot be delivered (#GP), nor can the #GP (#DF),
 * nor the #DF: a triple fault. Never returns. */
static void __attribute__((noreturn)) triple_fault(void)
{
    static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty = { 0, 0 };

    asm volatile ("lidt %0; int3" :: "m" (empty) : "memory");
    for ( ;; )
        asm volatile ("cli; hlt");
}

void test_main(void)
{
    check(!(start_info->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)), "an unprivileged domU");
    check_params();
    check_hypercalls();
    check_nowhere();
    if ( !test_report() )
        guest_shutdown(SHUTDOWN_crash);
    printk("%s: now a triple fault\n", test_name);
    guest_console_flush();
    triple_fault();
}
