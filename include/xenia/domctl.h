/*
 * The toolstack's interface: XEN_DOMCTL_* (common/domctl.c) and
 * XEN_SYSCTL_* (common/sysctl.c), <xen/domctl.h> / <xen/sysctl.h>.
 * The pure parts below (common/domctl_util.c) are shared by both and by
 * the host unit tests; they touch no hypervisor state.
 */
#ifndef XENIA_DOMCTL_H
#define XENIA_DOMCTL_H

#include <xenia/types.h>

/* What getdomaininfo needs to know about one vCPU. */
struct dominf_vcpu {
    bool down;          /* VPF_down */
    bool blocked;       /* VPF_blocked */
    bool running;       /* on a pCPU now */
};

/* ... and about the domain. */
struct dominf_domain {
    unsigned int is_dying;          /* DOMDYING_* */
    bool shut_down;                 /* SCHEDOP_shutdown done */
    unsigned int shutdown_code;     /* SHUTDOWN_* */
    unsigned int controller_pause_count;
    bool debugger_attached;
};

/*
 * dominf_flags(): XEN_DOMINF_* of struct xen_domctl_getdomaininfo, as Xen
 * 4.17's getdomaininfo(): blocked only if every online vCPU is blocked,
 * running if any is, both 0 without online vCPUs; dying only when
 * DOMDYING_dead; paused for a controller pause; the shutdown code in the
 * XEN_DOMINF_shutdownshift bits. *online gets the online vCPU count.
 */
uint32_t dominf_flags(const struct dominf_domain *dom, const struct dominf_vcpu *vcpus,
                      unsigned int nr_vcpus, uint32_t *online);

/*
 * readconsole_start(): the ring position XEN_SYSCTL_readconsole starts at.
 * oldest is the oldest byte still readable (after any clear), in bytes
 * since boot; with incremental set, a 32-bit index ahead of oldest (in
 * Xen's wrap-around sense) moves the start there. Returns the position.
 */
uint64_t readconsole_start(uint64_t oldest, bool incremental, uint32_t index);

/* domctl_version_ok()/sysctl_version_ok(): interface_version matches 4.17's (else -EACCES). */
bool domctl_version_ok(uint32_t interface_version);
bool sysctl_version_ok(uint32_t interface_version);

struct xen_domctl_createdomain;

/* What this machine can build: createdomain_config_check()'s limits. */
struct cdf_limits {
    bool hvm;                       /* SVM with nested paging: HVM with HAP (no shadow paging) */
    unsigned int max_vcpus;         /* vCPUs a domain may have */
    unsigned int gnttab_max_version;
};

/*
 * createdomain_config_check(): XEN_DOMCTL_createdomain's configuration,
 * checked in Xen 4.17's order (sanitise_domain_config(),
 * arch_sanitise_domain_config(), arch_domain_create()'s emulation flags,
 * grant_table_init()). -EINVAL: unknown CDF flags or grant options, no
 * vCPUs, HAP without HVM, HVM unavailable, too many vCPUs, HVM without HAP
 * (Xenia has no shadow paging), nested virt, IOMMU options, vmtrace, vPMU,
 * unknown misc_flags (only XEN_X86_MSR_RELAXED) or emulation bits, a grant
 * version outside 1..max. -EOPNOTSUPP: an emulation set Xen refuses (PV: 0
 * or PIT; HVM domU: LAPIC alone, PVH) or one Xenia cannot serve yet (the
 * full HVM set, which Xen 4.17 accepts, needs a device model). 0: valid.
 */
long createdomain_config_check(const struct xen_domctl_createdomain *c,
                               const struct cdf_limits *lim);

/*
 * physinfo_capabilities(): XEN_SYSCTL_physinfo's capabilities: PV and grant
 * v1 always, grant v2 when gnttab_max_version allows it, hvm and hap when
 * the HVM back end exists (it always has nested paging).
 */
uint32_t physinfo_capabilities(bool hvm, unsigned int gnttab_max_version);

/*
 * paging_mempool_size_check(): XEN_DOMCTL_set_paging_mempool_size's size
 * (bytes), as Xen 4.17's arch_set_paging_mempool_size(): -EOPNOTSUPP for a
 * PV domain, -EINVAL for a size not a whole number of pages or whose page
 * count does not fit 32 bits; 0 otherwise.
 */
long paging_mempool_size_check(bool is_pv, uint64_t size);

struct domain;
struct xen_domctl_getdomaininfo;
/*
 * domctl_getdomaininfo() (common/domctl.c): d as XEN_DOMCTL_getdomaininfo
 * reports it (Xen's getdomaininfo()): flags, page counts, cpu_time (ns in
 * RUNSTATE_running, summed over vCPUs), shared_info MFN, handle. The
 * caller holds a reference on d.
 */
void domctl_getdomaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info);

#endif
