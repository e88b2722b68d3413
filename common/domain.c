/*
 * Domains and vCPUs: creation, lookup, shutdown and destruction.
 *
 * The domain list is guarded by domlist_lock. A domain found through
 * rcu_lock_domain_by_id() holds a reference (refcnt) until
 * rcu_unlock_domain(); it is freed when the last reference goes after
 * domain_destroy().
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <xenia/grant_table.h>
#include <asm/current.h>
#include <asm/page.h>
#include <xen/sched.h>
#include <asm/pv_domain.h>
#include <asm/smp.h>

struct domain *hardware_domain;
static LIST_HEAD(domain_list);
static DEFINE_SPINLOCK(domlist_lock);

/* Is domid on the list (dying domains included)? domlist_lock held. */
static bool domid_in_use_locked(domid_t domid)
{
    ASSERT_LOCKED(&domlist_lock);
    const struct domain *d;

    list_for_each_entry(d, &domain_list, domain_list)
        if (d->domain_id == domid)
            return true;
    return false;
}

/* Undo a domain_create() that failed after allocating d: every stage is safe to undo unrun. */
static void domain_create_undo(struct domain *d)
{
    grant_table_domain_destroy(d);
    d->is_dying = DOMDYING_dead;
    evtchn_domain_destroy(d);
    if (d->shared_info)
        domain_free_shared_info(d);
    xfree_bytes(d, sizeof(*d));
}

int domain_create(domid_t domid, bool privileged, unsigned int max_vcpus, struct domain **out)
{
    if (max_vcpus == 0 || max_vcpus > MAX_VIRT_CPUS_XENIA)
        return -EINVAL;

    struct domain *d = xzalloc_bytes(sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->domain_id = domid;
    d->is_privileged = privileged;
    d->max_vcpus = max_vcpus;
    d->refcnt = 1;
    spin_lock_init(&d->lock);
    spin_lock_init(&d->page_alloc_lock);
    INIT_PAGE_LIST_HEAD(&d->page_list);
    INIT_PAGE_LIST_HEAD(&d->relmem_list);
    sched_init_domain(d);

    int rc = -ENOMEM;
    d->shared_info = alloc_xenheap_page();
    if (!d->shared_info)
        goto fail;
    /* The guest maps its shared_info frame: it counts as the guest's. */
    share_xen_page_with_guest(d->shared_info, d);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;

    if ((rc = evtchn_domain_init(d)) || (rc = pv_domain_init(d)) ||
        (rc = grant_table_domain_init(d)))
        goto fail;

    /* The id is checked where it is taken: two creations cannot both get it. */
    unsigned long flags;
    spin_lock_irqsave(&domlist_lock, flags);
    if (domid_in_use_locked(domid)) {
        spin_unlock_irqrestore(&domlist_lock, flags);
        rc = -EEXIST;
        goto fail;
    }
    list_add_tail(&d->domain_list, &domain_list);
    spin_unlock_irqrestore(&domlist_lock, flags);
    if (privileged && !hardware_domain)
        hardware_domain = d;
    *out = d;
    return 0;

fail:
    domain_create_undo(d);
    return rc;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int vcpu_id, unsigned int cpu)
{
    if (vcpu_id >= d->max_vcpus || d->vcpu[vcpu_id])
        return NULL;

    struct vcpu *v = xzalloc_bytes(sizeof(*v));
    if (!v)
        return NULL;
    v->vcpu_id = (int)vcpu_id;
    v->domain = d;
    v->processor = (int)cpu;
    v->pause_flags = VPF_down;
    v->cpu_hard_affinity = cpu_online_map;
    v->vcpu_info = &d->shared_info->vcpu_info[vcpu_id];
    sched_init_vcpu(v);
    v->runstate.state = RUNSTATE_offline;

    vcpu_timers_init(v);
    if (pv_vcpu_init(v)) {
        xfree_bytes(v, sizeof(*v));
        return NULL;
    }
    d->vcpu[vcpu_id] = v;
    return v;
}

static struct domain *lock_domain(domid_t domid, bool dying_too)
{
    struct domain *d, *found = NULL;
    unsigned long flags;

    if (domid == DOMID_SELF)
        domid = current->domain->domain_id;
    spin_lock_irqsave(&domlist_lock, flags);
    list_for_each_entry(d, &domain_list, domain_list) {
        if (d->domain_id == domid && (dying_too || !d->is_dying)) {
            d->refcnt++;
            found = d;
            break;
        }
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
    return found;
}

struct domain *rcu_lock_domain_by_id(domid_t domid)
{
    return lock_domain(domid, false);
}

struct domain *rcu_lock_domain_by_id_any(domid_t domid)
{
    return lock_domain(domid, true);
}

void rcu_unlock_domain(struct domain *d)
{
    unsigned long flags;
    bool last;

    spin_lock_irqsave(&domlist_lock, flags);
    ASSERT(d->refcnt > 0);
    last = --d->refcnt == 0;
    if (last)
        list_del(&d->domain_list);
    spin_unlock_irqrestore(&domlist_lock, flags);
    if (last)
        domain_free(d);
}

struct domain *domain_get_next(domid_t domid)
{
    struct domain *d, *best = NULL;
    unsigned long flags;

    spin_lock_irqsave(&domlist_lock, flags);
    list_for_each_entry(d, &domain_list, domain_list)
        if (d->domain_id >= domid && (!best || d->domain_id < best->domain_id))
            best = d;
    if (best)
        best->refcnt++;
    spin_unlock_irqrestore(&domlist_lock, flags);
    return best;
}

bool domid_is_free(domid_t domid)
{
    struct domain *d;
    unsigned long flags;
    bool free = true;

    spin_lock_irqsave(&domlist_lock, flags);
    list_for_each_entry(d, &domain_list, domain_list)
        if (d->domain_id == domid)
            free = false;
    spin_unlock_irqrestore(&domlist_lock, flags);
    return free;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    struct vcpu *v;

    spin_lock(&d->lock);
    if (d->is_shutting_down) {
        spin_unlock(&d->lock);
        return;
    }
    d->is_shutting_down = true;
    d->shutdown_code = reason;
    spin_unlock(&d->lock);

    for_each_vcpu(d, v)
        vcpu_pause_nosync(v);

    if (d == hardware_domain)
        hardware_domain_shutdown(reason);
    if (hardware_domain && d != hardware_domain)
        send_guest_global_virq(hardware_domain, VIRQ_DOM_EXC);
}

void domain_crash(struct domain *d, const char *why)
{
    printk("domain %u crashed: %s\n", d->domain_id, why);
    domain_shutdown(d, SHUTDOWN_crash);
}
