/*
 * HYPERVISOR_hvm_op (Xen 4.17 arch/x86/hvm/hvm.c do_hvm_op, <xen/hvm/hvm_op.h>):
 * HVMOP_set_param and HVMOP_get_param on struct xen_hvm_param,
 * HVMOP_set_evtchn_upcall_vector (arch/x86/hvm/irq.c). Other subcommands:
 * -ENOSYS (not built yet).
 *
 * Order of checks as Xen's: the argument is copied in (-EFAULT), the index
 * checked (-EINVAL past HVM_NR_PARAMS), the domain looked up (-ESRCH; only
 * a privileged caller reaches another domain, else -EPERM), it must be HVM
 * (-EINVAL); a guest may set only the params Xen lets a guest set itself
 * (hvm_allow_set_param: CALLBACK_IRQ and a few others) and read only the
 * ones Xen lets it read (hvm_allow_get_param), else -EPERM. Params are
 * stored per domain under d->lock. Setting CALLBACK_IRQ also sets the
 * callback via (hvm_set_callback_via(): events are delivered through a
 * vector type; GSI and PCI INTx types deliver nothing yet).
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

/* Params a guest may set on itself (Xen's hvm_allow_set_param). */
static bool guest_may_set(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

/* Params a guest may read of itself (Xen's hvm_allow_get_param). */
static bool guest_may_get(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_PAE_ENABLED:
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

static long hvmop_param(unsigned long op, unsigned long arg)
{
    struct xen_hvm_param a;
    struct domain *curr = current->domain, *d;
    long rc = 0;

    if (raw_copy_from_guest(&a, (void *)arg, sizeof(a)))
        return -EFAULT;
    if (a.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if (a.domid != DOMID_SELF && a.domid >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    d = rcu_lock_domain_by_id(a.domid);
    if (!d)
        return -ESRCH;
    if (d != curr && !curr->is_privileged)
        rc = -EPERM;
    else if (!is_hvm_domain(d))
        rc = -EINVAL;
    else if (d == curr && !(op == HVMOP_set_param ? guest_may_set(a.index) : guest_may_get(a.index)))
        rc = -EPERM;
    if (rc)
        goto out;

    spin_lock(&d->lock);
    if (op == HVMOP_set_param)
        d->arch.hvm->params[a.index] = a.value;
    else
        a.value = d->arch.hvm->params[a.index];
    spin_unlock(&d->lock);
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
