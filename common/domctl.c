/*
 * HYPERVISOR_domctl (<xen/domctl.h>, interface version 0x15 = Xen 4.17):
 * the toolstack's per-domain operations, for the privileged domain.
 *
 * The struct xen_domctl is copied in once (-EFAULT); interface_version is
 * checked (-EACCES); an unprivileged caller then gets Xen's answer (-ESRCH
 * for a missing domain where Xen looks it up, else -EPERM); the target
 * domain is looked up (-ESRCH), except for createdomain and getdomaininfo;
 * under domctl_lock (busy: -ERESTART, the call is re-issued) one handler
 * per subop works on the copy and says whether Xen copies the struct back
 * (copyback). Subops not in the table answer -ENOSYS.
 *
 * Not yet: cpu policy, getpageframeinfo3, ext vCPU state,
 * HVM, devices, vm_event (-EOPNOTSUPP), gdbsx (-ENOSYS).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/mm.h>
#include <xenia/domctl.h>
#include <xenia/grant_table.h>
#include <xenia/ctl_abi.h>
#include <xenia/perfc.h>
#include <xenia/time.h>
#include <asm/cpu_policy.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <asm/pv_context.h>
#include <asm/dom0_build.h>
#include <xen/sched.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/save.h>

/* A subop: d is the held target (NULL for the domain-less ones). 0 or -errno. */
typedef long (*domctl_fn_t)(struct xen_domctl *op, struct domain *d, bool *copyback);

struct domctl_entry {
    domctl_fn_t fn;
    bool no_domain;             /* createdomain, getdomaininfo: no lookup */
    bool dying_too;             /* destroydomain: a dying domain is found too (Xen's lookup) */
    const char *name;           /* for the performance counters (debug key 'p') */
};

#define XENIA_PV_ADDRESS_SIZE   64

static DEFINE_SPINLOCK(domctl_lock);    /* serialises every domctl (Xen's domctl_lock) */

static bool is_self(const struct domain *d)
{
    return d == current->domain;
}

/* Xen's domid choice: an explicit free id, else the next free one after the last picked. */
static long pick_domid(domid_t want, domid_t *out)
{
    static domid_t rover;

    if (want > 0 && want < DOMID_FIRST_RESERVED) {
        if (!domid_is_free(want))
            return -EEXIST;
        *out = want;
        return 0;
    }
    for (domid_t dom = rover + 1; dom != rover; dom++) {
        if (dom == DOMID_FIRST_RESERVED)
            dom = 1;
        if (domid_is_free(dom)) {
            rover = dom;
            *out = dom;
            return 0;
        }
    }
    return -ENOMEM;
}

static long dc_createdomain(struct xen_domctl *op, struct domain *unused, bool *copyback)
{
    struct xen_domctl_createdomain *c = &op->u.createdomain;
    const struct cdf_limits lim = { .hvm = hvm_funcs != NULL, .max_vcpus = MAX_VIRT_CPUS_XENIA,
                                    .gnttab_max_version = opt_gnttab_max_version };
    domid_t dom;
    long rc = createdomain_config_check(c, &lim);

    if (rc)
        return rc;
    rc = pick_domid(op->domain, &dom);
    if (rc)
        return rc;
    struct domain *d;
    rc = domain_create(dom, false, c->max_vcpus, &d);
    if (rc)
        return rc;
    /* PVH (CDF_hvm|hap, LAPIC only; checked above): an HVM domain with its P2M. */
    if ((c->flags & XEN_DOMCTL_CDF_hvm) && (rc = hvm_domain_initialise(d))) {
        domain_kill(d);
        return rc;
    }
    d->arch.emulation_flags = c->arch.emulation_flags;
    /* Created paused by the controller, as Xen 4.17 does. */
    d->controller_pause_count = 1;
    __atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    grant_table_set_max_version(d, XEN_DOMCTL_GRANT_version(c->grant_opts));   /* checked above */
    d->ssidref = c->ssidref;
    memcpy(d->handle, c->handle, sizeof(d->handle));
    /* Xen 4.17 (evtchn_init): ports 0..max_evtchn_port; 0 leaves only the reserved port 0. */
    if (c->max_evtchn_port < d->evtchn.max_port)
        d->evtchn.max_port = c->max_evtchn_port + 1;
    op->domain = dom;
    *copyback = true;
    return 0;
}

static long dc_destroydomain(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    if (is_self(d) || d == hardware_domain)
        return -EINVAL;
    return domain_kill(d);
}

static long dc_pausedomain(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct vcpu *v;

    if (is_self(d))
        return -EINVAL;
    __atomic_add_fetch(&d->controller_pause_count, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    for_each_vcpu(d, v)
        vcpu_wait_descheduled(v);
    return 0;
}

static long dc_unpausedomain(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct vcpu *v;
    unsigned int c = d->controller_pause_count;

    do {
        if (!c)
            return -EINVAL;
    } while (!__atomic_compare_exchange_n(&d->controller_pause_count, &c, c - 1, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        for_each_vcpu(d, v)
            vcpu_wake(v);
    return 0;
}

void domctl_getdomaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    struct dominf_vcpu vs[MAX_VIRT_CPUS_XENIA];
    struct dominf_domain dom = {
        .is_dying = d->is_dying, .shut_down = d->is_shutting_down,
        .shutdown_code = d->shutdown_code,
        .controller_pause_count = d->controller_pause_count,
        .debugger_attached = d->debugger_attached,
    };
    struct vcpu *v;
    unsigned int n = 0;

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for_each_vcpu(d, v) {
        vs[n++] = (struct dominf_vcpu){ .down = v->pause_flags & VPF_down,
                                        .blocked = v->pause_flags & VPF_blocked,
                                        .running = v->is_running };
        info->cpu_time += v->runstate.time[RUNSTATE_running];
        if (v->runstate.state == RUNSTATE_running)     /* the slice in progress */
            info->cpu_time += (uint64_t)(NOW() - v->runstate.state_entry_time);
        info->max_vcpu_id = (uint32_t)v->vcpu_id;
    }
    info->flags = dominf_flags(&dom, vs, n, &info->nr_online_vcpus) |
                  (is_hvm_domain(d) ? XEN_DOMINF_hvm_guest | XEN_DOMINF_hap : 0);
    info->arch_config.emulation_flags = d->arch.emulation_flags;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = virt_to_mfn(d->shared_info);
    info->ssidref = d->ssidref;
    info->cpupool = 0;
    memcpy(info->handle, d->handle, sizeof(info->handle));
}

static long dc_getdomaininfo(struct xen_domctl *op, struct domain *unused, bool *copyback)
{
    if (op->domain >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    struct domain *d = domain_get_next(op->domain);
    if (!d)
        return -ESRCH;
    domctl_getdomaininfo(d, &op->u.getdomaininfo);
    rcu_unlock_domain(d);
    op->domain = op->u.getdomaininfo.domain;
    *copyback = true;
    return 0;
}

static long dc_max_vcpus(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    unsigned int max = op->u.max_vcpus.max;

    if (is_self(d) || max != d->max_vcpus)
        return -EINVAL;
    for (unsigned int i = 0; i < max; i++) {
        if (d->vcpu[i])
            continue;
        struct vcpu *v = vcpu_create(d, i, i % num_online_cpus());
        if (!v || (is_hvm_domain(d) && hvm_vcpu_initialise(v)))
            return -ENOMEM;         /* a half-made HVM vCPU goes with the domain */
    }
    return 0;
}

static long dc_max_mem(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    uint64_t new_max = op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10);

    spin_lock(&d->page_alloc_lock);
    d->max_pages = new_max > ~0UL ? ~0UL : (unsigned long)new_max;
    spin_unlock(&d->page_alloc_lock);
    return 0;
}

static long dc_setvcpucontext(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    unsigned int id = op->u.vcpucontext.vcpu;
    struct vcpu *v;

    if (is_self(d) || id >= d->max_vcpus || !(v = d->vcpu[id]))
        return -EINVAL;
    if (guest_handle_is_null(op->u.vcpucontext.ctxt) || is_hvm_domain(d))
        return -EOPNOTSUPP;         /* vcpu_reset(), HVM (sethvmcontext's job): not yet */
    struct vcpu_guest_context *c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -ENOMEM;
    long rc = copy_from_guest(c, op->u.vcpucontext.ctxt, 1) ? -EFAULT : 0;
    if (!rc && (v->is_running || v->is_initialised))
        rc = v->is_running ? -EBUSY : -EEXIST;
    if (!rc)
        rc = pv_set_vcpu_context(v, c);
    if (!rc) {
        v->is_initialised = true;
        if (c->flags & VGCF_online)
            __atomic_and_fetch(&v->pause_flags, ~VPF_down, __ATOMIC_SEQ_CST);
        vcpu_wake(v);
    }
    xfree_bytes(c, sizeof(*c));
    return rc;
}

static long dc_getvcpucontext(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    unsigned int id = op->u.vcpucontext.vcpu;
    struct vcpu *v;

    if (id >= d->max_vcpus || !(v = d->vcpu[id]) || v == current)
        return -EINVAL;
    if (!v->is_initialised)
        return -ENODATA;
    struct vcpu_guest_context *c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -ENOMEM;
    vcpu_pause(v);
    pv_get_vcpu_context(v, c);
    vcpu_unpause(v);
    long rc = copy_to_guest(op->u.vcpucontext.ctxt, c, 1) ? -EFAULT : 0;
    xfree_bytes(c, sizeof(*c));
    *copyback = true;
    return rc;
}

static long dc_getvcpuinfo(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_getvcpuinfo *i = &op->u.getvcpuinfo;
    struct vcpu *v;

    if (i->vcpu >= d->max_vcpus)
        return -EINVAL;
    if (!(v = d->vcpu[i->vcpu]))
        return -ESRCH;
    i->online = !(v->pause_flags & VPF_down);
    i->blocked = !!(v->pause_flags & VPF_blocked);
    i->running = v->is_running;
    i->cpu_time = v->runstate.time[RUNSTATE_running];
    if (v->runstate.state == RUNSTATE_running)     /* and the run in progress, as Xen */
        i->cpu_time += NOW() - v->runstate.state_entry_time;
    i->cpu = (uint32_t)v->processor;
    *copyback = true;
    return 0;
}

static long dc_setdomainhandle(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
    return 0;
}

static long dc_setdebugging(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    if (is_self(d))
        return -EINVAL;
    d->debugger_attached = !!op->u.setdebugging.enable;
    return 0;
}

/* A guest xenctl_bitmap (nr_bits, bytes) to a cpumask (the first 64 pCPUs). */
static int bitmap_from_guest(const struct xenctl_bitmap *b, cpumask_t *m)
{
    uint8_t bytes[8] = { 0 };
    uint32_t n = MIN((b->nr_bits + 7) / 8, (uint32_t)sizeof(bytes));

    if (n && raw_copy_from_guest(bytes, b->bitmap.p, n))
        return -EFAULT;
    cpumask_clear(m);
    for (unsigned int cpu = 0; cpu < 64 && cpu < NR_CPUS && cpu < b->nr_bits; cpu++)
        if (bytes[cpu / 8] & (1u << (cpu % 8)))
            cpumask_set_cpu(cpu, m);
    return 0;
}

static int bitmap_to_guest(struct xenctl_bitmap *b, const cpumask_t *m)
{
    uint8_t bytes[8] = { 0 };
    uint32_t n = MIN((b->nr_bits + 7) / 8, (uint32_t)sizeof(bytes));

    for (unsigned int cpu = 0; cpu < 64 && cpu < NR_CPUS; cpu++)
        if (cpumask_test_cpu(cpu, m))
            bytes[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
    return n && raw_copy_to_guest(b->bitmap.p, bytes, n) ? -EFAULT : 0;
}

/*
 * XEN_DOMCTL_{set,get}vcpuaffinity (`xl vcpu-pin D V HARD [SOFT]`): hard
 * affinity is enforced (the vCPU leaves pCPUs it may not use), soft
 * affinity is where the scheduler prefers to wake it (sched_set_affinity()).
 * Set reports back what the scheduler uses, as Xen 4.17: hard = the
 * mask's online pCPUs, soft = soft & online & hard; get reports the soft
 * mask as set. -EINVAL (vCPU id beyond max_vcpus, no flag, no online pCPU
 * in the hard mask), -ESRCH (vCPU not created), -EFAULT.
 */
static long dc_vcpuaffinity(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_vcpuaffinity *a = &op->u.vcpuaffinity;
    cpumask_t hard, soft, eff;
    int rc;

    if (a->vcpu >= d->max_vcpus)
        return -EINVAL;
    if (!d->vcpu[a->vcpu])
        return -ESRCH;
    if (!(a->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -EINVAL;
    struct vcpu *v = d->vcpu[a->vcpu];
    bool set = op->cmd == XEN_DOMCTL_setvcpuaffinity;
    if (set) {
        bool want_hard = a->flags & XEN_VCPUAFFINITY_HARD, want_soft = a->flags & XEN_VCPUAFFINITY_SOFT;
        if ((want_hard && (rc = bitmap_from_guest(&a->cpumap_hard, &hard))) ||
            (want_soft && (rc = bitmap_from_guest(&a->cpumap_soft, &soft))) ||
            (rc = sched_set_affinity(v, want_hard ? &hard : NULL, want_soft ? &soft : NULL)))
            return rc;
    }
    if ((a->flags & XEN_VCPUAFFINITY_HARD) && (rc = bitmap_to_guest(&a->cpumap_hard,
                                                                    &v->cpu_hard_affinity)))
        return rc;
    if (a->flags & XEN_VCPUAFFINITY_SOFT) {
        eff = v->cpu_soft_affinity;
        if (set)
            cpumask_and(&eff, &eff, &v->cpu_hard_affinity);   /* hard is online-only */
        if ((rc = bitmap_to_guest(&a->cpumap_soft, &eff)))
            return rc;
    }
    return 0;
}

static long dc_scheduler_op(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_scheduler_op *s = &op->u.scheduler_op;

    unsigned int weight, cap;

    if (s->sched_id != XEN_SCHEDULER_CREDIT2)
        return -EINVAL;
    if (s->cmd == XEN_DOMCTL_SCHEDOP_putinfo)
        return sched_set_params(d, s->u.credit2.weight, s->u.credit2.cap);
    if (s->cmd != XEN_DOMCTL_SCHEDOP_getinfo)
        return -EINVAL;
    sched_get_params(d, &weight, &cap);
    s->u.credit2.weight = (uint16_t)weight;
    s->u.credit2.cap = (uint16_t)cap;
    *copyback = true;
    return 0;
}

static long dc_address_size(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    if (op->cmd == XEN_DOMCTL_set_address_size && is_hvm_domain(d))
        return -EOPNOTSUPP;         /* as Xen 4.17 */
    if (op->cmd == XEN_DOMCTL_set_address_size)
        return op->u.address_size.size == XENIA_PV_ADDRESS_SIZE ? 0 : -EINVAL;
    op->u.address_size.size = XENIA_PV_ADDRESS_SIZE;
    *copyback = true;
    return 0;
}

static long dc_tscinfo(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    if (op->cmd == XEN_DOMCTL_settscinfo)
        return is_self(d) ? -EINVAL : 0;
    memset(&op->u.tsc_info, 0, sizeof(op->u.tsc_info));
    op->u.tsc_info.tsc_mode = 0;      /* TSC_MODE_DEFAULT */
    op->u.tsc_info.gtsc_khz = (uint32_t)tsc_khz;
    *copyback = true;
    return 0;
}

/* Resource permissions: dom0 may hand out what it has (everything). */
/*
 * XEN_DOMCTL_hypercall_init: write the hypercall stubs into d's frame gmfn
 * (PV: an MFN). As Xen 4.17: -EINVAL if d does not own it, -EPERM if it
 * cannot be typed writable (a page table, a descriptor page). An HVM
 * domain (a GFN for Xen; PVH guests set their page through the MSR
 * instead): -EOPNOTSUPP, not yet.
 */
static long dc_hypercall_init(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    mfn_t mfn = _mfn(op->u.hypercall_init.gmfn);
    struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;

    if (is_hvm_domain(d))
        return -EOPNOTSUPP;
    if (!pg || !get_page(pg, d))
        return -EINVAL;
    if (get_page_type(pg, PGT_writable_page)) {
        put_page(pg);
        return -EPERM;
    }
    write_hypercall_page(mfn_to_virt(mfn_x(mfn)));
    put_page_and_type(pg);
    return 0;
}

static long dc_accept(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    return 0;
}

static long dc_enosys(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    return -ENOSYS;
}

static long dc_eopnotsupp(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    return -EOPNOTSUPP;
}

/*
 * XEN_DOMCTL_get_cpu_policy: the domain's CPUID policy, serialised; short
 * arrays get -ENOBUFS with the needed count, as Xen.
 */
static long dc_get_cpu_policy(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_cpu_policy *cp = &op->u.cpu_policy;
    xen_cpuid_leaf_t *leaves = xzalloc_bytes(CPU_POLICY_MAX_LEAVES * sizeof(*leaves));
    long rc = 0;

    if (!leaves)
        return -ENOMEM;
    unsigned int n = cpu_policy_serialise(d, leaves, CPU_POLICY_MAX_LEAVES);
    *copyback = true;
    if (cp->leaves.p) {
        if (cp->nr_leaves < n)
            rc = -ENOBUFS;
        else if (raw_copy_to_guest(cp->leaves.p, leaves, n * sizeof(*leaves)))
            rc = -EFAULT;
    }
    cp->nr_leaves = n;
    cp->nr_msrs = 0;
    xfree_bytes(leaves, CPU_POLICY_MAX_LEAVES * sizeof(*leaves));
    return rc;
}

/*
 * XEN_DOMCTL_set_cpu_policy: accepted within Xen's size limits, only
 * before the domain has run (-EEXIST). Xenia's PV CPUID answers are one
 * fixed, already-levelled policy: a PV domain's choices are not applied.
 * An HVM domain keeps the leaves (-EFAULT if unreadable, -ENOMEM) and its
 * CPUID takes their topology fields (<asm/hvm/cpuid_topology.h>), so its
 * guest sees the topology libxenguest computed for its vCPUs; feature bits
 * stay Xenia's. MSRs are not applied.
 */
static long dc_set_cpu_policy(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_cpu_policy *cp = &op->u.cpu_policy;

    if (cp->nr_leaves > CPU_POLICY_MAX_LEAVES || cp->nr_msrs > CPU_POLICY_MAX_MSRS)
        return -E2BIG;
    if (d->max_vcpus && d->vcpu[0] && d->vcpu[0]->is_initialised)
        return -EEXIST;                 /* Xen: only before the domain has run */
    if (!is_hvm_domain(d) || !cp->nr_leaves)
        return 0;
    size_t bytes = cp->nr_leaves * sizeof(xen_cpuid_leaf_t);
    xen_cpuid_leaf_t *leaves = xzalloc_bytes(bytes);
    if (!leaves)
        return -ENOMEM;
    if (raw_copy_from_guest(leaves, cp->leaves.p, bytes)) {
        xfree_bytes(leaves, bytes);
        return -EFAULT;
    }
    struct hvm_domain *h = d->arch.hvm;
    if (h->cpuid_policy)
        xfree_bytes(h->cpuid_policy, h->nr_cpuid_policy * sizeof(*h->cpuid_policy));
    h->cpuid_policy = leaves;
    h->nr_cpuid_policy = cp->nr_leaves;
    return 0;
}

/*
 * XEN_DOMCTL_get/set_paging_mempool_size (Xen 4.17's arch_*_paging_mempool_size()):
 * the size in bytes. -EOPNOTSUPP for PV; set: -EINVAL unless whole pages
 * whose count fits 32 bits. Xenia's P2M tables come from the xen heap as
 * needed, not from a per-domain pool: the size is kept and reported, not
 * reserved.
 */
static long dc_get_paging_mempool_size(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    if (!is_hvm_domain(d))
        return -EOPNOTSUPP;
    op->u.paging_mempool.size = d->arch.hvm->paging_mempool_bytes;
    *copyback = true;
    return 0;
}

static long dc_set_paging_mempool_size(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    long rc = paging_mempool_size_check(!is_hvm_domain(d), op->u.paging_mempool.size);

    if (!rc)
        d->arch.hvm->paging_mempool_bytes = op->u.paging_mempool.size;
    return rc;
}

/* The most a sethvmcontext buffer may hold: every record Xen 4.17 has, per vCPU, fits in a page. */
#define HVM_CONTEXT_MAX_BYTES   ((MAX_VIRT_CPUS_XENIA + 1) * PAGE_SIZE)

static void domain_pause_all(struct domain *d, bool pause)
{
    struct vcpu *v;

    for_each_vcpu(d, v)
        pause ? vcpu_pause(v) : vcpu_unpause(v);
}

/*
 * XEN_DOMCTL_gethvmcontext (Xen 4.17's arch_do_domctl(), records in
 * <asm/hvm/save.h>): a null buffer asks for the size; otherwise the
 * context is written and size set to its length. -EINVAL for oneself or a
 * PV domain, -ENOSPC for a buffer smaller than the size, -ENOMEM, -EFAULT.
 * The struct is copied back in every case, as Xen.
 */
static long dc_gethvmcontext(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_hvmcontext *hc = &op->u.hvmcontext;

    *copyback = true;
    if (is_self(d) || !is_hvm_domain(d))
        return -EINVAL;
    uint32_t size = hvm_save_size(d);
    if (guest_handle_is_null(hc->buffer)) {
        hc->size = size;
        return 0;
    }
    if (hc->size < size)
        return -ENOSPC;
    uint8_t *buf = xzalloc_bytes(size);
    if (!buf)
        return -ENOMEM;
    domain_pause_all(d, true);
    hc->size = hvm_save(d, buf, size);
    domain_pause_all(d, false);
    long rc = copy_to_guest(hc->buffer, buf, hc->size) ? -EFAULT : 0;
    xfree_bytes(buf, size);
    return rc;
}

/*
 * XEN_DOMCTL_sethvmcontext: size bytes of records applied by hvm_load()
 * (its errors). -EINVAL for oneself or a PV domain, -ENOMEM for a buffer
 * beyond HVM_CONTEXT_MAX_BYTES (where Xen's allocation would fail sooner
 * or later) or out of memory, -EFAULT.
 */
static long dc_sethvmcontext(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    struct xen_domctl_hvmcontext *hc = &op->u.hvmcontext;

    if (is_self(d) || !is_hvm_domain(d))
        return -EINVAL;
    if (hc->size > HVM_CONTEXT_MAX_BYTES)
        return -ENOMEM;
    uint32_t size = hc->size;
    uint8_t *buf = xzalloc_bytes(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    long rc = copy_from_guest(buf, hc->buffer, size) ? -EFAULT : 0;
    if (!rc) {
        domain_pause_all(d, true);
        rc = hvm_load(d, buf, size);
        domain_pause_all(d, false);
    }
    xfree_bytes(buf, size ? size : 1);
    return rc;
}

#define DC(cmd, fn)     [XEN_DOMCTL_##cmd] = { fn, false, false, #cmd }
#define DC_NODOM(cmd, fn) [XEN_DOMCTL_##cmd] = { fn, true, false, #cmd }
#define DC_DYING(cmd, fn) [XEN_DOMCTL_##cmd] = { fn, false, true, #cmd }

static const struct domctl_entry domctl_table[] = {
    DC_NODOM(createdomain, dc_createdomain),
    DC_NODOM(getdomaininfo, dc_getdomaininfo),
    DC_DYING(destroydomain, dc_destroydomain),
    DC(pausedomain, dc_pausedomain),
    DC(unpausedomain, dc_unpausedomain),
    DC(max_vcpus, dc_max_vcpus),
    DC(max_mem, dc_max_mem),
    DC(setvcpucontext, dc_setvcpucontext),
    DC(getvcpucontext, dc_getvcpucontext),
    DC(getvcpuinfo, dc_getvcpuinfo),
    DC(setdomainhandle, dc_setdomainhandle),
    DC(setdebugging, dc_setdebugging),
    DC(setvcpuaffinity, dc_vcpuaffinity),
    DC(getvcpuaffinity, dc_vcpuaffinity),
    DC(scheduler_op, dc_scheduler_op),
    DC(set_address_size, dc_address_size),
    DC(get_address_size, dc_address_size),
    DC(settscinfo, dc_tscinfo),
    DC(gettscinfo, dc_tscinfo),
    DC(iomem_permission, dc_accept),
    DC(ioport_permission, dc_accept),
    DC(irq_permission, dc_accept),
    DC(set_virq_handler, dc_accept),
    DC(setvcpuextstate, dc_enosys),
    DC(getvcpuextstate, dc_enosys),
    DC(vm_event_op, dc_eopnotsupp),
    DC(get_cpu_policy, dc_get_cpu_policy),
    DC(set_cpu_policy, dc_set_cpu_policy),
    DC(hypercall_init, dc_hypercall_init),
    DC(setnodeaffinity, dc_accept),
    DC(get_paging_mempool_size, dc_get_paging_mempool_size),
    DC(gethvmcontext, dc_gethvmcontext),
    DC(sethvmcontext, dc_sethvmcontext),
    DC(set_paging_mempool_size, dc_set_paging_mempool_size),
    DC(getnodeaffinity, dc_accept),
};

/* do_domctl(): see the top of this file. 0 or -errno (Xen's values). */
long do_domctl(hc_arg_t u_domctl)
{
    struct xen_domctl op;
    bool copyback = false;
    struct domain *d = NULL;

    if (raw_copy_from_guest(&op, (void *)u_domctl, sizeof(op)))
        return -EFAULT;
    if (!domctl_version_ok(op.interface_version))
        return -EACCES;
    /*
     * An unprivileged caller (Xen 4.17's order): after the copy (-EFAULT)
     * and the version (-EACCES), the domain is looked up (-ESRCH, except
     * where Xen takes no domain), then XSM refuses whatever the command.
     */
    if (!current->domain->is_privileged) {
        bool no_lookup = op.cmd == XEN_DOMCTL_createdomain || op.cmd == XEN_DOMCTL_getdomaininfo ||
            ((op.cmd == XEN_DOMCTL_test_assign_device || op.cmd == XEN_DOMCTL_vm_event_op) &&
             op.domain == DOMID_INVALID) ||
            ((op.cmd == XEN_DOMCTL_assign_device || op.cmd == XEN_DOMCTL_deassign_device) &&
             op.domain == DOMID_IO);
        if ((op.cmd == XEN_DOMCTL_assign_device || op.cmd == XEN_DOMCTL_deassign_device) &&
            op.domain == DOMID_INVALID)
            return -ESRCH;
        if (!no_lookup) {
            if (!(d = rcu_lock_domain_by_id(op.domain)))
                return -ESRCH;
            rcu_unlock_domain(d);
        }
        return -EPERM;
    }
    if (op.cmd >= ARRAY_SIZE(domctl_table) || !domctl_table[op.cmd].fn)
        return -ENOSYS;
    const struct domctl_entry *e = &domctl_table[op.cmd];
    if (!e->no_domain &&
        !(d = e->dying_too ? rcu_lock_domain_by_id_any(op.domain) : rcu_lock_domain_by_id(op.domain)))
        return -ESRCH;
    /*
     * One domctl at a time, as Xen's domctl_lock. A busy lock is not spun
     * on: the call is re-issued (-ERESTART), so this vCPU stays
     * preemptible. Inside a multicall (whose entries are not restarted)
     * it waits, with interrupts on.
     */
    if (multicall_in_progress()) {
        spin_lock(&domctl_lock);
    } else if (!spin_trylock(&domctl_lock)) {
        if (d)
            rcu_unlock_domain(d);
        return -ERESTART;
    }

    s_time_t t0 = NOW();
    long rc = e->fn(&op, d, &copyback);
    perfc_domctl(op.cmd, e->name, NOW() - t0);
    spin_unlock(&domctl_lock);
    if (d)
        rcu_unlock_domain(d);
    if (copyback && raw_copy_to_guest((void *)u_domctl, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
