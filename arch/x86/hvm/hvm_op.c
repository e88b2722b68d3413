/*
 * HYPERVISOR_hvm_op (Xen 4.17 arch/x86/hvm/hvm.c do_hvm_op, <xen/hvm/hvm_op.h>):
 * HVMOP_set_param and HVMOP_get_param on struct xen_hvm_param,
 * HVMOP_set_evtchn_upcall_vector (arch/x86/hvm/irq.c). Other subcommands:
 * -ENOSYS (not built yet).
 *
 * Order of checks as Xen's: the argument is copied in (-EFAULT), the index
 * checked (-EINVAL past HVM_NR_PARAMS), the domain looked up (-ESRCH), it
 * must be HVM (-EINVAL), only a privileged caller reaches another domain
 * (-EPERM); then the param's own rules (arch/x86/hvm/params.c: deprecated
 * params, what a guest may set or read of itself, set-once params, the
 * values each takes). Params are read and written under d->lock. Setting
 * CALLBACK_IRQ also sets the callback via (hvm_set_callback_via(): events
 * are delivered through a vector type; GSI and PCI INTx types deliver
 * nothing yet).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/params.h>

static long hvmop_param(unsigned long op, unsigned long arg)
{
    struct xen_hvm_param a;
    struct domain *curr = current->domain, *d;
    long rc = 0;
    bool crash = false;

    if (raw_copy_from_guest(&a, (void *)arg, sizeof(a)))
        return -EFAULT;
    if (a.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if (a.domid != DOMID_SELF && a.domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    d = rcu_lock_domain_by_id(a.domid);
    if (!d)
        return -ESRCH;
    if (!is_hvm_domain(d))
        rc = -EINVAL;
    else if (d != curr && !curr->is_privileged)
        rc = -EPERM;
    if (rc)
        goto out;

    spin_lock(&d->lock);
    if (op == HVMOP_set_param)
        rc = hvm_param_set(d->arch.hvm->params, a.index, a.value, d == curr, &crash);
    else
        rc = hvm_param_get(d->arch.hvm->params, a.index, d == curr, &a.value);
    spin_unlock(&d->lock);
    if (crash)
        domain_crash(d, "HVMOP_set_param: bad VM86 TSS");
    if (rc)
        goto out;
    if (op == HVMOP_set_param && a.index == HVM_PARAM_CALLBACK_IRQ)
        hvm_set_callback_via(d, a.value);
    if (op == HVMOP_get_param && raw_copy_to_guest((void *)arg, &a, sizeof(a)))
        rc = -EFAULT;
 out:
    rcu_unlock_domain(d);
    return rc;
}

long do_hvm_op(hc_arg_t op, hc_arg_t arg)
{
    switch (op) {
    case HVMOP_set_param:
    case HVMOP_get_param:
        return hvmop_param(op, arg);
    case HVMOP_set_evtchn_upcall_vector:
        return hvmop_set_evtchn_upcall_vector(arg);
    default:
        return -ENOSYS;
    }
}
