/*
 * HYPERVISOR_sysctl (<xen/sysctl.h>, interface version 0x15 = Xen 4.17):
 * host-wide queries for the toolstack. Only dom0 reaches here (checked at
 * dispatch). The struct is copied in once, interface_version checked
 * (-EACCES), one handler per subop, copied back once when the subop
 * reports something. Unknown subops: -ENOSYS.
 *
 * Not yet: cpu featureset/policy, NUMA/topology details beyond one node,
 * idle time per CPU (reported as 0), pm/perf/lockprof/livepatch (-ENOSYS).
 */
#include <xenia/lib.h>
#include <xenia/grant_table.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/mm.h>
#include <xenia/console.h>
#include <xenia/keyhandler.h>
#include <xenia/time.h>
#include <xenia/domctl.h>
#include <xenia/spinlock.h>
#include <asm/current.h>
#include <xenia/ctl_abi.h>
#include <asm/hvm/hvm.h>
#include <asm/cpu_policy.h>
#include <asm/smp.h>

typedef long (*sysctl_fn_t)(struct xen_sysctl *op, bool *copyback);

/* XEN_SYSCTL_readconsole with clear set: nothing before this position is readable again. */
static uint64_t console_cleared;
static DEFINE_SPINLOCK(readconsole_lock);

static long copy_console(char *guest_buf, uint32_t max, uint64_t *pos, uint32_t *done)
{
    char chunk[256];

    *done = 0;
    while (*done < max) {
        size_t n = console_ring_read(chunk, MIN(sizeof(chunk), (size_t)(max - *done)), pos);
        if (!n)
            break;
        if (raw_copy_to_guest(guest_buf + *done, chunk, n))
            return -EFAULT;
        *done += (uint32_t)n;
    }
    return 0;
}

static long sc_readconsole(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_readconsole *r = &op->u.readconsole;
    char scratch[256];
    uint32_t done;

    spin_lock(&readconsole_lock);
    uint64_t pos = readconsole_start(console_cleared, r->incremental, r->index);
    long rc = copy_console(r->buffer.p, r->count, &pos, &done);
    if (!rc && r->clear) {
        while (console_ring_read(scratch, sizeof(scratch), &pos))
            ;
        console_cleared = pos;
    }
    spin_unlock(&readconsole_lock);
    if (rc)
        return rc;
    r->count = done;
    r->index = (uint32_t)pos;
    *copyback = true;
    return 0;
}

static long sc_physinfo(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_physinfo *p = &op->u.physinfo;
    unsigned int cpus = num_online_cpus();

    memset(p, 0, sizeof(*p));
    p->threads_per_core = 1;
    p->cores_per_socket = cpus;
    p->nr_cpus = cpus;
    p->max_cpu_id = cpus - 1;
    p->nr_nodes = 1;
    p->max_node_id = 0;
    p->cpu_khz = (uint32_t)tsc_khz;
    p->capabilities = physinfo_capabilities(hvm_funcs != NULL, opt_gnttab_max_version);
    p->total_pages = max_page;
    p->free_pages = total_free_pages();
    p->max_mfn = max_page - 1;
    *copyback = true;
    return 0;
}

/*
 * XEN_SYSCTL_numainfo: one node (0) with all memory, local distance 10.
 * Null handles ask for the node count; a short array gets -ENOBUFS with
 * the count Xen wanted, as Xen does.
 */
static long sc_numainfo(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_numainfo *ni = &op->u.numainfo;
    const unsigned int nodes = 1;
    long rc = 0;

    *copyback = true;
    if (!ni->meminfo.p && !ni->distance.p) {
        ni->num_nodes = nodes;
        return 0;
    }
    if (ni->num_nodes < nodes) {
        ni->num_nodes = nodes;
        return -ENOBUFS;
    }
    struct xen_sysctl_meminfo mem = {
        .memsize = (uint64_t)max_page << PAGE_SHIFT,
        .memfree = (uint64_t)total_free_pages() << PAGE_SHIFT,
    };
    uint32_t distance = 10;
    if (ni->meminfo.p && raw_copy_to_guest(ni->meminfo.p, &mem, sizeof(mem)))
        rc = -EFAULT;
    if (ni->distance.p && raw_copy_to_guest(ni->distance.p, &distance, sizeof(distance)))
        rc = -EFAULT;
    ni->num_nodes = nodes;
    return rc;
}

/* XEN_SYSCTL_cputopoinfo: every online CPU is core n of socket 0, node 0. */
static long sc_cputopoinfo(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_cputopoinfo *ti = &op->u.cputopoinfo;
    unsigned int cpus = num_online_cpus();

    *copyback = true;
    if (!ti->cputopo.p) {
        ti->num_cpus = cpus;
        return 0;
    }
    unsigned int n = MIN(ti->num_cpus, cpus);
    for (unsigned int cpu = 0; cpu < n; cpu++) {
        struct xen_sysctl_cputopo t = { .core = cpu, .socket = 0, .node = 0 };
        if (raw_copy_to_guest(ti->cputopo.p + cpu, &t, sizeof(t)))
            return -EFAULT;
    }
    long rc = ti->num_cpus < cpus ? -ENOBUFS : 0;
    ti->num_cpus = cpus;
    return rc;
}

/*
 * XEN_SYSCTL_get_cpu_policy: every index answers Xenia's one PV policy
 * (the only guest type it runs). Null handles ask for the maximum sizes;
 * a short array gets -ENOBUFS, as Xen.
 */
static long sc_get_cpu_policy(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_cpu_policy *cp = &op->u.cpu_policy;
    static xen_cpuid_leaf_t leaves[CPU_POLICY_MAX_LEAVES];
    static DEFINE_SPINLOCK(policy_lock);

    if (cp->_rsvd || cp->index > XEN_SYSCTL_cpu_policy_hvm_default)
        return -EINVAL;
    *copyback = true;
    if (!cp->leaves.p && !cp->msrs.p) {
        cp->nr_leaves = CPU_POLICY_MAX_LEAVES;
        cp->nr_msrs = CPU_POLICY_MAX_MSRS;
        return 0;
    }
    spin_lock(&policy_lock);
    unsigned int n = cpu_policy_serialise(hardware_domain, leaves, CPU_POLICY_MAX_LEAVES);
    long rc = 0;
    if (cp->leaves.p) {
        if (cp->nr_leaves < n)
            rc = -ENOBUFS;
        else if (raw_copy_to_guest(cp->leaves.p, leaves, n * sizeof(leaves[0])))
            rc = -EFAULT;
        cp->nr_leaves = n;
    }
    spin_unlock(&policy_lock);
    cp->nr_msrs = 0;
    return rc;
}

/* XEN_SYSCTL_get_cpu_featureset: the same policy as feature words. */
static long sc_get_cpu_featureset(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_cpu_featureset *fs = &op->u.cpu_featureset;
    uint32_t words[CPU_FEATURESET_WORDS];

    if (fs->index > XEN_SYSCTL_cpu_featureset_hvm_max)
        return -EINVAL;
    *copyback = true;
    if (!fs->features.p) {
        fs->nr_features = CPU_FEATURESET_WORDS;
        return 0;
    }
    unsigned int n = cpu_featureset(words, CPU_FEATURESET_WORDS);
    unsigned int give = MIN(fs->nr_features, n);
    if (raw_copy_to_guest(fs->features.p, words, give * sizeof(words[0])))
        return -EFAULT;
    long rc = fs->nr_features < n ? -ENOBUFS : 0;
    fs->nr_features = give;
    return rc;
}

static long sc_sched_id(struct xen_sysctl *op, bool *copyback)
{
    op->u.sched_id.sched_id = XEN_SCHEDULER_CREDIT2;  /* Xen 4.17's default */
    *copyback = true;
    return 0;
}

static long sc_getdomaininfolist(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_getdomaininfolist *l = &op->u.getdomaininfolist;
    struct xen_domctl_getdomaininfo info;
    uint32_t n = 0;
    unsigned int next = l->first_domain;
    struct domain *d;

    while (n < l->max_domains && next < DOMID_FIRST_RESERVED &&
           (d = domain_get_next((domid_t)next)) != NULL) {
        domctl_getdomaininfo(d, &info);
        next = d->domain_id + 1u;
        rcu_unlock_domain(d);
        if (raw_copy_to_guest(l->buffer.p + n, &info, sizeof(info)))
            return -EFAULT;
        n++;
    }
    l->num_domains = n;
    *copyback = true;
    return 0;
}

static long sc_getcpuinfo(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_getcpuinfo *g = &op->u.getcpuinfo;
    struct xen_sysctl_cpuinfo zero = { 0 };
    uint32_t n = MIN(g->max_cpus, num_online_cpus());

    for (uint32_t i = 0; i < n; i++)
        if (raw_copy_to_guest(g->info.p + i, &zero, sizeof(zero)))
            return -EFAULT;
    g->nr_cpus = n;
    *copyback = true;
    return 0;
}

static long sc_cpupool_op(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_cpupool_op *c = &op->u.cpupool_op;

    if (c->op != XEN_SYSCTL_CPUPOOL_OP_INFO)
        return -EOPNOTSUPP;
    if (c->cpupool_id != 0 && c->cpupool_id != XEN_SYSCTL_CPUPOOL_PAR_ANY)
        return -ENOENT;
    c->cpupool_id = 0;
    c->sched_id = XEN_SCHEDULER_CREDIT2;
    c->n_dom = 0;
    for (unsigned int id = 0; id < DOMID_FIRST_RESERVED;) {
        struct domain *d = domain_get_next((domid_t)id);
        if (!d)
            break;
        id = d->domain_id + 1u;
        rcu_unlock_domain(d);
        c->n_dom++;
    }
    uint8_t map[8] = { 0 };
    for (unsigned int cpu = 0; cpu < num_online_cpus() && cpu < 64; cpu++)
        map[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
    uint32_t bytes = MIN((c->cpumap.nr_bits + 7) / 8, (uint32_t)sizeof(map));
    if (bytes && raw_copy_to_guest(c->cpumap.bitmap.p, map, bytes))
        return -EFAULT;
    *copyback = true;
    return 0;
}

/*
 * XEN_SYSCTL_debug_keys: run each key of keys[0, nr_keys) (Xen's
 * handle_keypress). A long string yields every DEBUG_KEYS_BATCH keys when
 * work is pending: the op is copied back with the keys left and the
 * hypercall restarts (-ERESTART). -EFAULT for an unreadable key.
 */
#define DEBUG_KEYS_BATCH 16

static long sc_debug_keys(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_debug_keys *k = &op->u.debug_keys;

    for (uint32_t i = 0; i < k->nr_keys; i++) {
        char c;
        if (i && !(i % DEBUG_KEYS_BATCH) && hypercall_preempt_check()) {
            k->keys.p += i;
            k->nr_keys -= i;
            *copyback = true;
            return -ERESTART;
        }
        if (raw_copy_from_guest(&c, k->keys.p + i, 1))
            return -EFAULT;
        handle_keypress(c);
    }
    return 0;
}

/*
 * XEN_SYSCTL_scheduler_op: credit2's global parameter, the context-switch
 * rate limit (`xl sched-credit2 -s -r US`): putinfo sets it (0 turns it
 * off, else XEN_SYSCTL_SCHED_RATELIMIT_MIN..MAX us), both report it.
 * -EINVAL (bad command, another scheduler, ratelimit out of range),
 * -ESRCH (no such cpupool: only pool 0 exists), as Xen 4.17.
 */
static long sc_scheduler_op(struct xen_sysctl *op, bool *copyback)
{
    struct xen_sysctl_scheduler_op *s = &op->u.scheduler_op;

    if (s->cmd != XEN_SYSCTL_SCHEDOP_putinfo && s->cmd != XEN_SYSCTL_SCHEDOP_getinfo)
        return -EINVAL;
    if (s->cpupool_id != 0)
        return -ESRCH;
    if (s->sched_id != XEN_SCHEDULER_CREDIT2)
        return -EINVAL;
    if (s->cmd == XEN_SYSCTL_SCHEDOP_putinfo) {
        uint32_t us = s->u.sched_credit2.ratelimit_us;
        if (us && (us > XEN_SYSCTL_SCHED_RATELIMIT_MAX || us < XEN_SYSCTL_SCHED_RATELIMIT_MIN))
            return -EINVAL;
        sched_set_ratelimit(us);
    }
    s->u.sched_credit2.ratelimit_us = sched_ratelimit();
    *copyback = true;
    return 0;
}

static const sysctl_fn_t sysctl_table[] = {
    [XEN_SYSCTL_scheduler_op] = sc_scheduler_op,
    [XEN_SYSCTL_debug_keys] = sc_debug_keys,
    [XEN_SYSCTL_readconsole] = sc_readconsole,
    [XEN_SYSCTL_physinfo] = sc_physinfo,
    [XEN_SYSCTL_sched_id] = sc_sched_id,
    [XEN_SYSCTL_getdomaininfolist] = sc_getdomaininfolist,
    [XEN_SYSCTL_getcpuinfo] = sc_getcpuinfo,
    [XEN_SYSCTL_cpupool_op] = sc_cpupool_op,
    [XEN_SYSCTL_numainfo] = sc_numainfo,
    [XEN_SYSCTL_get_cpu_policy] = sc_get_cpu_policy,
    [XEN_SYSCTL_get_cpu_featureset] = sc_get_cpu_featureset,
    [XEN_SYSCTL_cputopoinfo] = sc_cputopoinfo,
};

/* do_sysctl(): see the top of this file. 0 or -errno (Xen's values). */
long do_sysctl(hc_arg_t u_sysctl)
{
    struct xen_sysctl op;
    bool copyback = false;

    if (raw_copy_from_guest(&op, (void *)u_sysctl, sizeof(op)))
        return -EFAULT;
    if (!sysctl_version_ok(op.interface_version))
        return -EACCES;
    if (!current->domain->is_privileged)
        return -EPERM;                  /* XSM_PRIV, after the version check */
    if (op.cmd >= ARRAY_SIZE(sysctl_table) || !sysctl_table[op.cmd])
        return -ENOSYS;
    long rc = sysctl_table[op.cmd](&op, &copyback);
    if (copyback && raw_copy_to_guest((void *)u_sysctl, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
