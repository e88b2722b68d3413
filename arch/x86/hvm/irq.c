/*
 * Event delivery to HVM vCPUs (Xen 4.17 arch/x86/hvm/irq.c semantics for
 * the callback via, hvm.c for HVMOP_set_evtchn_upcall_vector).
 *
 * Event channels mark a vCPU's vcpu_info.evtchn_upcall_pending as for PV
 * (vcpu_mark_events_pending()); an HVM vCPU is then interrupted by:
 *   - its own upcall vector (HVMOP_set_evtchn_upcall_vector, what Linux
 *     PVH uses), raised in its emulated local APIC like an edge-triggered
 *     interrupt: the guest acknowledges it with an APIC EOI;
 *   - else the domain's callback vector (HVM_PARAM_CALLBACK_IRQ, type
 *     HVM_PARAM_CALLBACK_TYPE_VECTOR): delivered at every VM entry while
 *     upcall_pending is set and the guest takes interrupts.
 * Callback vias of GSI and PCI INTx type are recorded but deliver nothing
 * (no emulated IO-APIC/PIC yet).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/sched.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <asm/current.h>
#include <asm/smp.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/intr.h>
#include <asm/hvm/vlapic.h>

void hvm_vcpu_kick(struct vcpu *v)
{
    vcpu_unblock(v);
    if (v->is_running && v->processor != (int)smp_processor_id())
        smp_send_event_check((unsigned int)v->processor);
}

void hvm_set_callback_via(struct domain *d, uint64_t via)
{
    struct vcpu *v;

    /* Other types need an emulated PIC and IO-APIC, which PVH lacks: Xen changes nothing. */
    if ((via >> 56) != HVM_PARAM_CALLBACK_TYPE_VECTOR)
        return;
    ACCESS_ONCE(d->arch.hvm->callback_vector) = (uint8_t)via;
    printk("d%u: callback via changed to direct vector %#x\n", d->domain_id, (uint8_t)via);
    for_each_vcpu(d, v)
        if (!(v->pause_flags & VPF_down))
            hvm_assert_evtchn_irq(v);
}

void hvm_assert_evtchn_irq(struct vcpu *v)
{
    uint8_t vec = ACCESS_ONCE(v->arch.hvm->evtchn_upcall_vector);

    if (vec)
        vlapic_set_irq(v, vec);         /* wakes v */
    else
        hvm_vcpu_kick(v);
}

void hvm_inject_nmi(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->arch.hvm->nmi_pending, true, __ATOMIC_SEQ_CST))
        hvm_vcpu_kick(v);
}

int hvm_pending_vector(struct vcpu *v, bool *from_lapic)
{
    uint8_t cb = ACCESS_ONCE(v->domain->arch.hvm->callback_vector);

    *from_lapic = false;
    if (cb && v->vcpu_info->evtchn_upcall_pending)
        return cb;
    *from_lapic = true;
    return vlapic_pending_vector(v);
}

void hvm_dump_vcpu(struct vcpu *v)
{
    bool lapic;
    int vec;

    if (!v->arch.hvm || !v->arch.hvm->vlapic)
        return;                         /* hvm_vcpu_initialise() not done */
    vec = hvm_pending_vector(v, &lapic);

    printk("      hvm: pending vector %d (%s) callback %#x upcall vector %#x nmi %d\n", vec,
           lapic ? "lapic" : "callback", ACCESS_ONCE(v->domain->arch.hvm->callback_vector),
           ACCESS_ONCE(v->arch.hvm->evtchn_upcall_vector), ACCESS_ONCE(v->arch.hvm->nmi_pending));
    hvm_funcs->dump_vcpu(v);
    vlapic_dump(v);
}

bool hvm_local_events_need_delivery(struct vcpu *v)
{
    bool lapic;
    int vec = hvm_pending_vector(v, &lapic);

    if (ACCESS_ONCE(v->arch.hvm->nmi_pending) && !hvm_funcs->nmi_blocked(v))
        return true;
    return hvm_intr_decide(vec, guest_cpu_user_regs()->rflags,
                           hvm_funcs->interrupt_shadow(v), false) == HVM_INTR_INJECT;
}

long hvmop_set_evtchn_upcall_vector(unsigned long arg)
{
    struct xen_hvm_evtchn_upcall_vector op;
    struct domain *d = current->domain;
    struct vcpu *v;

    if (!is_hvm_domain(d))
        return -EINVAL;
    if (raw_copy_from_guest(&op, (void *)arg, sizeof(op)))
        return -EFAULT;
    if (op.vector < 0x10)
        return -EINVAL;
    if (op.vcpu >= d->max_vcpus || !(v = d->vcpu[op.vcpu]))
        return -ENOENT;
    printk("d%uv%u: upcall vector %02x\n", d->domain_id, op.vcpu, op.vector);
    ACCESS_ONCE(v->arch.hvm->evtchn_upcall_vector) = op.vector;
    hvm_assert_evtchn_irq(v);           /* as Xen: one upcall right away */
    return 0;
}
