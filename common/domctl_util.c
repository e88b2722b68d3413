/* Pure helpers of XEN_DOMCTL_* / XEN_SYSCTL_* (see <xenia/domctl.h>). */
#include <xenia/domctl.h>
#include <xenia/sched.h>
#include <xenia/ctl_abi.h>
#include <xenia/errno.h>

uint32_t dominf_flags(const struct dominf_domain *dom, const struct dominf_vcpu *vcpus,
                      unsigned int nr_vcpus, uint32_t *online)
{
    uint32_t flags = XEN_DOMINF_blocked, n = 0;

    for (unsigned int i = 0; i < nr_vcpus; i++) {
        if (vcpus[i].down)
            continue;
        if (!vcpus[i].blocked)
            flags &= ~XEN_DOMINF_blocked;
        if (vcpus[i].running)
            flags |= XEN_DOMINF_running;
        n++;
    }
    if (!n)
        flags = 0;
    if (dom->is_dying == DOMDYING_dead)
        flags |= XEN_DOMINF_dying;
    if (dom->shut_down)
        flags |= XEN_DOMINF_shutdown;
    if (dom->controller_pause_count)
        flags |= XEN_DOMINF_paused;
    if (dom->debugger_attached)
        flags |= XEN_DOMINF_debugged;
    flags |= (dom->shutdown_code & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    *online = n;
    return flags;
}

uint64_t readconsole_start(uint64_t oldest, bool incremental, uint32_t index)
{
    int32_t ahead = (int32_t)(index - (uint32_t)oldest);

    if (incremental && ahead > 0)
        return oldest + (uint32_t)ahead;
    return oldest;
}

bool domctl_version_ok(uint32_t interface_version)
{
    return interface_version == XEN_DOMCTL_INTERFACE_VERSION;
}

bool sysctl_version_ok(uint32_t interface_version)
{
    return interface_version == XEN_SYSCTL_INTERFACE_VERSION;
}

/* arch_domain_create()'s emulation sets (Xen's emulation_flags_ok()); Xenia serves PV and PVH. */
static long emulation_flags_check(bool hvm, uint32_t emflags)
{
    if (emflags & ~XEN_X86_EMU_ALL)
        return -EINVAL;
    if (!hvm)
        return (emflags & ~XEN_X86_EMU_PIT) ? -EOPNOTSUPP : 0;
    if (emflags == XEN_X86_EMU_LAPIC)
        return 0;                   /* PVH domU */
    /* An HVM domU (all but VPCI, USE_PIRQ optional) is valid on Xen: no device model here yet. */
    return -EOPNOTSUPP;
}

long createdomain_config_check(const struct xen_domctl_createdomain *c,
                               const struct cdf_limits *lim)
{
    const uint32_t known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity |
                           XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain |
                           XEN_DOMCTL_CDF_iommu | XEN_DOMCTL_CDF_nested_virt |
                           XEN_DOMCTL_CDF_vpmu;
    bool hvm = c->flags & XEN_DOMCTL_CDF_hvm, hap = c->flags & XEN_DOMCTL_CDF_hap;

    /* sanitise_domain_config() */
    if ((c->flags & ~known) || (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask) ||
        c->max_vcpus < 1 || (hap && !hvm) || c->iommu_opts || c->vmtrace_size ||
        (c->flags & XEN_DOMCTL_CDF_vpmu))
        return -EINVAL;
    /* arch_sanitise_domain_config(): no shadow paging, no nested virt here. */
    if ((hvm && !lim->hvm) || c->max_vcpus > lim->max_vcpus || (hvm && !hap) ||
        (c->flags & XEN_DOMCTL_CDF_nested_virt) || (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED))
        return -EINVAL;
    long rc = emulation_flags_check(hvm, c->arch.emulation_flags);
    if (rc)
        return rc;
    unsigned int version = XEN_DOMCTL_GRANT_version(c->grant_opts);
    if (!version || version > lim->gnttab_max_version)
        return -EINVAL;             /* grant_table_init() */
    return 0;
}

uint32_t physinfo_capabilities(bool hvm, unsigned int gnttab_max_version)
{
    return XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 |
           (gnttab_max_version >= 2 ? XEN_SYSCTL_PHYSCAP_gnttab_v2 : 0) |
           (hvm ? XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap : 0);
}

long paging_mempool_size_check(bool is_pv, uint64_t size)
{
    uint64_t pages = size >> 12;

    if (is_pv)
        return -EOPNOTSUPP;
    if ((size & 4095) || pages != (uint32_t)pages)
        return -EINVAL;
    return 0;
}
