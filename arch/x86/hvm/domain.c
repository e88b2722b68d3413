/*
 * HVM domains and vCPUs from creation to destruction (see <asm/hvm/hvm.h>):
 * what hvm_domain_initialise()/hvm_vcpu_initialise() allocate, and the
 * two destruction steps that give it all back, in Xen 4.17's order:
 *
 *   domain_kill() (common/domain_destroy.c), vCPUs paused and off their pCPUs:
 *     hvm_vcpu_kill(): the emulated local APIC's timer is killed, so no
 *     callback of it runs or is queued afterwards (Xen kills its
 *     periodic-timer sources in hvm_domain_relinquish_resources());
 *   domain_free() (the last reference):
 *     hvm_vcpu_destroy(): local APIC state, the back end's VMCB, the
 *     pending start state, struct hvm_vcpu (Xen's hvm_vcpu_destroy()/vlapic_destroy());
 *     hvm_domain_destroy(): every P2M table, root included, the CPUID
 *     policy, then struct hvm_domain (Xen's p2m_final_teardown()).
 *
 * The P2M holds no page references: the RAM it maps is on d->page_list
 * and goes back in domain_kill() with every other frame; its
 * p2m_xenheap_rw entries (shared_info) are the domain's own xen-heap
 * frames, freed with the domain. The P2M outlives the RAM only in tables
 * nothing walks any more (the vCPUs never run again).
 *
 * Failures: each initialise function undoes its own partial work, so a
 * caller only destroys what succeeded.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/params.h>
#include <asm/msr.h>
#include <asm/hvm/vlapic.h>

int hvm_domain_initialise(struct domain *d)
{
    struct hvm_domain *h;

    if (!hvm_funcs)
        return -EOPNOTSUPP;
    h = xzalloc_bytes(sizeof(*h));
    if (!h)
        return -ENOMEM;
    spin_lock_init(&h->p2m_lock);
    h->shared_info_gfn = HVM_GFN_NONE;
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
        h->gnttab_gfn[i] = HVM_GFN_NONE;
    hvm_params_init(h->params);
    if (p2m_init(&h->p2m, &hvm_p2m_ops, d)) {
        xfree_bytes(h, sizeof(*h));
        return -ENOMEM;
    }
    d->arch.hvm = h;
    d->arch.is_pv = false;
    return 0;
}

int hvm_vcpu_initialise(struct vcpu *v)
{
    struct hvm_vcpu *hv = xzalloc_bytes(sizeof(*hv));

    if (!hv)
        return -ENOMEM;
    hv->apic_base = APIC_DEFAULT_PADDR | APIC_BASE_ENABLE | (v->vcpu_id ? 0 : APIC_BASE_BSP);
    spin_lock_init(&hv->state_lock);
    hv->pending = xzalloc_bytes(sizeof(*hv->pending));
    v->arch.hvm = hv;
    if (!hv->pending || vlapic_init(v))
        goto fail;
    if (hvm_funcs->vcpu_initialise(v)) {
        vlapic_destroy(v);
        goto fail;
    }
    return 0;

fail:
    v->arch.hvm = NULL;
    if (hv->pending)
        xfree_bytes(hv->pending, sizeof(*hv->pending));
    xfree_bytes(hv, sizeof(*hv));
    return -ENOMEM;
}

void hvm_vcpu_kill(struct vcpu *v)
{
    if (v->arch.hvm && v->arch.hvm->vlapic)
        vlapic_kill(v);
}

void hvm_vcpu_migrate_timers(struct vcpu *v, unsigned int cpu)
{
    if (v->arch.hvm && v->arch.hvm->vlapic)
        vlapic_migrate_timer(v, cpu);
}

void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_vcpu *hv = v->arch.hvm;

    if (!hv)
        return;
    if (hv->vlapic)
        vlapic_destroy(v);              /* kills the timer too, if domain_kill() did not */
    if (hv->vendor)
        hvm_funcs->vcpu_destroy(v);
    if (hv->pending)
        xfree_bytes(hv->pending, sizeof(*hv->pending));
    v->arch.hvm = NULL;
    xfree_bytes(hv, sizeof(*hv));
}

void hvm_domain_destroy(struct domain *d)
{
    struct hvm_domain *h = d->arch.hvm;

    if (!h)
        return;
    spin_lock(&h->p2m_lock);
    p2m_teardown(&h->p2m);
    spin_unlock(&h->p2m_lock);
    if (h->cpuid_policy)
        xfree_bytes(h->cpuid_policy, h->nr_cpuid_policy * sizeof(*h->cpuid_policy));
    d->arch.hvm = NULL;
    xfree_bytes(h, sizeof(*h));
}
