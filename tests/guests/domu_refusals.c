/*
 * domu_refusals: what an unprivileged domU (created by xl, see
 * scripts/toolstack/domu-guests.sh) must be refused, with Xen 4.17's
 * exact errors, and go on running: domctl, sysctl, platform_op, mca, PIRQs,
 * console_io, mapping frames it does not own or dom0's, other domains'
 * memory, event channels and grant tables.
 */
#define __XEN_TOOLS__ 1
#include "test.h"
#include "toolstack_ops.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/platform.h>
#include <xen/physdev.h>
#include <xen/arch-x86/xen-mca.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/version.h>

const char test_name[] = "domu_refusals";

static struct xen_platform_op pf;
static char target[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static uint64_t pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | flags;
}

static long pt_update(uint64_t ptr, uint64_t val, domid_t foreign)
{
    struct mmu_update u = { .ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val };

    return HYPERVISOR_mmu_update(&u, 1, NULL, foreign);
}

static int16_t map_grant(domid_t dom, grant_ref_t ref)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = (unsigned long)target, .flags = GNTMAP_host_map | GNTMAP_readonly,
        .ref = ref, .dom = dom,
    };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);

    return rc ? -1000 + rc : m.status;
}

void test_main(void)
{
    domid_t dom0 = 0;
    uint64_t tpte = pte_maddr(target);
    unsigned long own = virt_to_mfn(target);
    unsigned long foreign = 0x100, i;
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
    xen_pfn_t ext = 0;
    struct evtchn_bind_interdomain bi = { .remote_dom = 0, .remote_port = 1 };
    struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = 0, .nr_frames = 1 };
    struct gnttab_query_size qs = { .dom = 0 };
    xen_pfn_t frames[1] = { 0 };

    check(!(start_info->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)), "unprivileged domU");

    /* The toolstack's and the host's interfaces. */
    expect_eq(domctl(XEN_DOMCTL_pausedomain, 0), -XEN_EPERM, "domctl pausedomain(dom0)");
    expect_eq(domctl(XEN_DOMCTL_getdomaininfo, 0), -XEN_EPERM, "domctl getdomaininfo(dom0)");
    expect_eq(domctl(XEN_DOMCTL_destroydomain, 0), -XEN_EPERM, "domctl destroydomain(dom0)");
    expect_eq(domctl(XEN_DOMCTL_createdomain, DOMID_INVALID), -XEN_EPERM, "domctl createdomain");
    /* Xen 4.17 copies the struct in (-EFAULT), checks the interface version
     * (-EACCES) and, for domctl, looks the domain up (-ESRCH) before XSM
     * refuses an unprivileged caller. */
    expect_eq(hypercall(__HYPERVISOR_domctl, 0x10000000UL, 0, 0, 0, 0), -XEN_EFAULT,
              "domctl bad pointer");
    dc.interface_version = 0;
    expect_eq(hypercall(__HYPERVISOR_domctl, (unsigned long)&dc, 0, 0, 0, 0), -XEN_EACCES,
              "domctl old interface version");
    expect_eq(domctl(XEN_DOMCTL_pausedomain, 1000), -XEN_ESRCH, "domctl pausedomain(1000)");
    expect_eq(hypercall(__HYPERVISOR_sysctl, 0x10000000UL, 0, 0, 0, 0), -XEN_EFAULT,
              "sysctl bad pointer");
    sc.interface_version = 0;
    expect_eq(hypercall(__HYPERVISOR_sysctl, (unsigned long)&sc, 0, 0, 0, 0), -XEN_EACCES,
              "sysctl old interface version");
    expect_eq(HYPERVISOR_platform_op(0x10000000UL), -XEN_EFAULT, "platform_op bad pointer");
    pf.cmd = XENPF_get_cpuinfo;
    pf.interface_version = 0;
    expect_eq(HYPERVISOR_platform_op(&pf), -XEN_EACCES, "platform_op old interface version");
    expect_eq(sysctl(XEN_SYSCTL_physinfo), -XEN_EPERM, "sysctl physinfo");
    expect_eq(sysctl(XEN_SYSCTL_getdomaininfolist), -XEN_EPERM, "sysctl getdomaininfolist");
    pf.cmd = XENPF_get_cpuinfo;
    pf.interface_version = XENPF_INTERFACE_VERSION;
    expect_eq(HYPERVISOR_platform_op(&pf), -XEN_EPERM, "platform_op get_cpuinfo");
    pf.cmd = XENPF_settime64;
    expect_eq(HYPERVISOR_platform_op(&pf), -XEN_EPERM, "platform_op settime64");
    /* Device interrupts are dom0's: a domU maps no PIRQ, its own or dom0's. */
    static struct physdev_map_pirq map = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                           .index = 1, .pirq = 1 };
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &map), -XEN_EPERM, "map_pirq GSI 1 for itself");
    map.domid = 0;
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &map), -XEN_EPERM, "map_pirq GSI 1 for dom0");
    static struct physdev_setup_gsi gsi = { .gsi = 1 };
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_setup_gsi, &gsi), -XEN_EPERM, "setup_gsi");
    static struct xen_mc mc = { .cmd = XEN_MC_physcpuinfo,
                                .interface_version = XEN_MCA_INTERFACE_VERSION };
    expect_eq(hypercall(__HYPERVISOR_mca, (unsigned long)&mc, 0, 0, 0, 0), -XEN_EPERM,
              "mca physcpuinfo");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 3, "hi\n"), -XEN_EPERM,
              "console_io write (non-debug Xen)");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_read, 3, target), -XEN_EPERM, "console_io read");

    /* Frames: one that is not ours, and dom0's through foreigndom = 0. */
    for ( i = 0; i < start_info->nr_pages && pfn_to_mfn(i) != foreign; i++ )
        continue;
    check(i == start_info->nr_pages, "mfn 0x100 is not ours");
    expect_eq(HYPERVISOR_update_va_mapping(target, pte(foreign, 0), UVMF_INVLPG), -XEN_EBUSY,
              "update_va_mapping of mfn 0x100 (not ours)");
    expect_eq(pt_update(tpte, pte(foreign, 0), DOMID_SELF), -XEN_EBUSY,
              "mmu_update mapping mfn 0x100 (not ours)");
    expect_eq(pt_update(tpte, pte(foreign, 0), 0), -XEN_EPERM,
              "mmu_update with foreigndom = dom0");
    expect_eq(pt_update(tpte, pte(own, 0), 0), -XEN_EPERM,
              "mmu_update with foreigndom = dom0, our own frame");
    expect_eq(pt_update(tpte, pte(own, 0), 1000), -XEN_ESRCH, "foreigndom 1000 (missing)");
    check((read_pte(target, 1) & (PTE_ADDR_MASK | _PAGE_PRESENT | _PAGE_RW)) ==
          (((uint64_t)own << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW),
          "our mapping untouched");
    ACCESS_ONCE(target[0]) = 1;

    /* Other domains' memory. */
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &dom0), -XEN_EPERM,
              "current_reservation(dom0)");
    expect_eq(HYPERVISOR_memory_op(XENMEM_maximum_reservation, &dom0), -XEN_EPERM,
              "maximum_reservation(dom0)");
    set_xen_guest_handle(r.extent_start, &ext);
    expect_eq(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0,
              "increase_reservation(dom0): 0 extents done (Xen 4.17: start_extent, not -EPERM)");
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
              "decrease_reservation(dom0): 0 extents done (Xen 4.17: start_extent, not -EPERM)");
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
              "populate_physmap(dom0): 0 extents done (Xen 4.17: start_extent, not -EPERM)");
    expect_eq(ext, 0, "no extent handed back");

    /* Event channels. */
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
              "bind_interdomain to dom0 port 1 (not unbound for us)");
    bi.remote_port = 4000;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL,
              "bind_interdomain to dom0 port 4000 (no such port)");
    bi.remote_dom = 1000;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH,
              "bind_interdomain to domain 1000 (missing)");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM,
              "alloc_unbound in dom0");

    /* Grant tables. */
    expect_eq(map_grant(0, 0x7fffffff), GNTST_bad_gntref, "map dom0 ref beyond its table");
    expect_eq(map_grant(0, 10), GNTST_general_error, "map dom0 ref 10 (not granted to us)");
    expect_eq(map_grant(DOMID_SELF, 10), GNTST_bad_domain, "map from DOMID_SELF");
    expect_eq(map_grant(1000, 10), GNTST_bad_domain, "map from domain 1000 (missing)");
    set_xen_guest_handle(st.frame_list, frames);
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table(dom0)");
    expect_eq(st.status, GNTST_permission_denied, "setup_table(dom0): permission denied");
    expect_eq(frames[0], 0, "no dom0 frame handed out");
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size(dom0)");
    expect_eq(qs.status, GNTST_permission_denied, "query_size(dom0): permission denied");

    /* Still alive, still able to do ordinary things. */
    expect_eq(HYPERVISOR_xen_version(XENVER_version, 0), (4 << 16) | 17, "still running");
    expect_eq(ACCESS_ONCE(target[0]), 1, "our page still ours");
}
