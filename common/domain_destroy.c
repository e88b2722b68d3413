/*
 * Domain destruction (XEN_DOMCTL_destroydomain): give back every frame and
 * every hypervisor allocation a domain held, with Xen 4.17's lifecycle
 * (d->is_dying: DOMDYING_alive -> dying -> dead; the struct goes with the
 * last reference).
 *
 * Order, as Xen's domain_kill()/domain_relinquish_resources():
 *   1. pause every vCPU (off its pCPU) and stop its timers;
 *   2. close the event channels;
 *   3. per vCPU: drop the guest page-table references (guest_table(_user),
 *      a pending old_guest_table), the GDT frames and a registered
 *      vcpu_info page;
 *   4. walk d->page_list: drop each pin (its type + general reference),
 *      abandon each table parked half-way through a preempted
 *      (de)validation (dropping the references it holds so far, see
 *      arch/x86/mm/page_type.c T9), and drop the PGC_allocated reference.
 *      Page tables lose their last type reference as the tables above
 *      them devalidate (put_page_type() cascades), so every frame nothing
 *      else maps returns to the heap;
 *   5. DOMDYING_dead, VIRQ_DOM_EXC to dom0, drop the domain's own ref.
 * HVM vCPUs also lose their emulated APIC timer in step 1 (hvm_vcpu_kill()).
 * domain_free() (the last rcu_unlock_domain()) frees vCPU structs, xsave
 * areas, HVM state (APIC, VMCB, every P2M table: arch/x86/hvm/domain.c),
 * shared_info and the domain struct.
 *
 * A frame another domain still maps (dom0's foreign mappings, grants)
 * stays owned by the dead domain until that mapping goes, as on Xen.
 * Steps 2 and 4 are preemptible, as Xen 4.17's evtchn_destroy() and
 * relinquish_memory(): -ERESTART with the progress kept in d
 * (d->kill_step, d->evtchn.destroy_next, d->relmem_list), and
 * XEN_DOMCTL_destroydomain re-issued goes on from there.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/grant_table.h>
#include <xenia/memory_op.h>
#include <asm/pirq.h>
#include <xenia/event.h>
#include <xenia/time.h>
#include <xenia/hypercall.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <asm/hvm/hvm.h>
#include <xen/xen.h>

/* arch/x86/pv/descriptor.c: drop v's GDT frame references (no header yet). */
void pv_destroy_gdt(struct vcpu *v);

/* pv_vcpu_init() allocates the xsave area with xzalloc_bytes(): one page. */
#define XSAVE_AREA_ALLOC_BYTES  PAGE_SIZE

static void vcpu_quiesce(struct vcpu *v)
{
    vcpu_pause(v);
    sched_remove_vcpu(v);
    kill_timer(&v->singleshot_timer);
    kill_timer(&v->poll_timer);
    kill_timer(&v->periodic_timer);
    v->periodic_period = 0;
    if (is_hvm_vcpu(v))
        hvm_vcpu_kill(v);               /* the emulated local APIC's timer */
}

/* Step 3 for one vCPU: the references its architectural state holds. */
static void vcpu_release_refs(struct vcpu *v)
{
    pv_drop_guest_tables(v);
    pv_destroy_gdt(v);
    if (v->vcpu_info_registered) {
        unsigned long mfn = virt_to_mfn(v->vcpu_info);
        v->vcpu_info = &v->domain->shared_info->vcpu_info[v->vcpu_id];
        v->vcpu_info_registered = false;
        put_page_and_type(mfn_to_page(_mfn(mfn)));
    }
}

/* Take the next frame off d's page_list onto relmem_list, or NULL when empty. */
static struct page_info *next_owned_page(struct domain *d)
{
    struct page_info *pg = NULL;

    spin_lock(&d->page_alloc_lock);
    if ((pg = page_list_remove_head(&d->page_list)) != NULL)
        page_list_add_tail(pg, &d->relmem_list);
    spin_unlock(&d->page_alloc_lock);
    return pg;
}

/* Step 4 for one frame: its pin and its allocation reference. */
static void relinquish_page(struct domain *d, struct page_info *pg)
{
    if (!get_page(pg, d))
        return;                         /* already on its way out */
    unsigned long t = __atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_SEQ_CST);
    if (t & PGT_pinned)
        put_page_and_type(pg);
    pt_put_partial(pg, false);          /* a parked table: abandoned with its parked children */
    unsigned long c = __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_SEQ_CST);
    if (c & PGC_allocated)
        put_page(pg);
    put_page(pg);                       /* ours: may free the frame now */
}

/*
 * Step 4: every frame on d->page_list, parked on d->relmem_list once done
 * (a freed frame leaves it); survivors (still mapped elsewhere) go back to
 * page_list at the end. -ERESTART every RELMEM_PREEMPT_EVERY frames when
 * the caller has work pending (Xen's relinquish_memory()).
 */
#define RELMEM_PREEMPT_EVERY 256

static int relinquish_memory(struct domain *d)
{
    struct page_info *pg;
    unsigned long n = 0;

    while ((pg = next_owned_page(d)) != NULL) {
        relinquish_page(d, pg);
        if (!(++n % RELMEM_PREEMPT_EVERY) && hypercall_preempt_check())
            return -ERESTART;
    }

    spin_lock(&d->page_alloc_lock);
    while ((pg = page_list_remove_head(&d->relmem_list)) != NULL)
        page_list_add_tail(pg, &d->page_list);
    if (d->tot_pages)
        printk("domain %u: %lu frames still referenced after destruction "
               "(mapped by another domain: freed with their last mapping)\n",
               d->domain_id, d->tot_pages);
    spin_unlock(&d->page_alloc_lock);
    return 0;
}

/* d->kill_step while DOMDYING_dying: the next thing domain_kill() does. */
enum {
    KILL_EVTCHN,                        /* close the event channels (preemptible) */
    KILL_REFS,                          /* pirqs, physdev, vCPU references (one go) */
    KILL_MEMORY,                        /* relinquish every frame (preemptible) */
};

int domain_kill(struct domain *d)
{
    struct vcpu *v;
    int rc;

    spin_lock(&d->lock);
    switch (d->is_dying) {
    case DOMDYING_dead:
        spin_unlock(&d->lock);
        return 0;                       /* Xen: dead already, nothing to do */
    case DOMDYING_alive:
        d->is_dying = DOMDYING_dying;
        d->kill_step = KILL_EVTCHN;
        __atomic_add_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST);
        spin_unlock(&d->lock);
        for_each_vcpu(d, v)
            vcpu_quiesce(v);
        break;
    default:                            /* a preempted kill goes on */
        spin_unlock(&d->lock);
        break;
    }

    switch (d->kill_step) {
    case KILL_EVTCHN:
        if ((rc = evtchn_domain_destroy(d)) != 0)
            return rc;
        d->kill_step = KILL_REFS;
        /* fall through */
    case KILL_REFS: {
        pirq_domain_destroy(d);
        physdev_domain_destroy(d);
        memory_op_domain_destroy(d);
        for_each_vcpu(d, v)
            vcpu_release_refs(v);
        /*
         * Frames other domains still map (grant or foreign mappings) keep
         * the domain as a zombie: one reference, dropped by the last
         * frame's free (domain_last_page_freed(), once d is dead).
         */
        struct domain *self = rcu_lock_domain_by_id_any(d->domain_id);
        ASSERT(self == d);
        __atomic_store_n(&d->zombie, true, __ATOMIC_SEQ_CST);
        d->kill_step = KILL_MEMORY;
    }
        /* fall through */
    case KILL_MEMORY:
        if ((rc = relinquish_memory(d)) != 0)
            return rc;
        break;
    }

    __atomic_store_n(&d->is_dying, DOMDYING_dead, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST))
        domain_last_page_freed(d);
    if (hardware_domain && d != hardware_domain)
        send_guest_global_virq(hardware_domain, VIRQ_DOM_EXC);
    rcu_unlock_domain(d);               /* the domain's own reference */
    return 0;
}

/* shared_info back to the xen heap, if nothing but its allocation ref is left. */
void domain_free_shared_info(struct domain *d)
{
    struct page_info *pg = mfn_to_page(_mfn(virt_to_mfn(d->shared_info)));

    if ((pg->count_info & PGC_count_mask) > 1) {
        printk("domain %u: shared_info still mapped (count_info 0x%lx): leaked\n",
               d->domain_id, pg->count_info);
        return;
    }
    page_set_owner(pg, NULL);
    pg->type_info = 0;
    pg->count_info = PGC_xen_heap;
    free_xenheap_page(d->shared_info);
}

void domain_last_page_freed(struct domain *d)
{
    if (d->is_dying == DOMDYING_dead && __atomic_exchange_n(&d->zombie, false, __ATOMIC_SEQ_CST)) {
        printk("domain %u: last frame freed, the domain is gone\n", d->domain_id);
        rcu_unlock_domain(d);
    }
}

void domain_free(struct domain *d)
{
    ASSERT(d->is_dying == DOMDYING_dead);
    grant_table_domain_destroy(d);      /* nobody maps its grants any more */
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        d->vcpu[i] = NULL;
        hvm_vcpu_destroy(v);            /* HVM: APIC, VMCB; nothing for PV */
        xfree_bytes(v->arch.xsave_area, XSAVE_AREA_ALLOC_BYTES);
        xfree_bytes(v, sizeof(*v));
    }
    hvm_domain_destroy(d);              /* HVM: the P2M's tables; nothing for PV */
    domain_free_shared_info(d);
    xfree_bytes(d, sizeof(*d));
}
