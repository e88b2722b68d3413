/*
 * HYPERVISOR_vm_assist (<xen/xen.h> VMASST_*): a PV domain switches
 * optional hypervisor behaviours on and off, domain-wide, as in Xen 4.17.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <asm/current.h>

/*
 * What a 64-bit PV domain may set (Xen's PV64_VM_ASSIST_MASK): the 32-bit
 * set, kept for 64-bit guests so old requests do not start failing, plus
 * m2p_strict.
 */
#define PV64_VM_ASSIST_VALID ((1UL << VMASST_TYPE_4gb_segments)        | \
                              (1UL << VMASST_TYPE_4gb_segments_notify) | \
                              (1UL << VMASST_TYPE_writable_pagetables) | \
                              (1UL << VMASST_TYPE_pae_extended_cr3)    | \
                              (1UL << VMASST_TYPE_architectural_iopl)  | \
                              (1UL << VMASST_TYPE_runstate_update_flag) | \
                              (1UL << VMASST_TYPE_m2p_strict))

/*
 * do_vm_assist(): cmd VMASST_CMD_enable/disable, type VMASST_TYPE_* (both
 * taken as 32-bit values, as Xen's handler takes unsigned ints). Sets or
 * clears bit type of current->domain->arch.vm_assist (atomically; no
 * lock). Returns 0, -EINVAL for a type a 64-bit PV domain may not use
 * (checked first), -ENOSYS for an unknown cmd.
 */
long do_vm_assist(hc_arg_t cmd, hc_arg_t type)
{
    unsigned int c = (unsigned int)cmd, t = (unsigned int)type;
    unsigned long *bits = &current->domain->arch.vm_assist;

    if (t >= 64 || !(PV64_VM_ASSIST_VALID & (1UL << t)))
        return -EINVAL;
    switch (c) {
    case VMASST_CMD_enable:
        __atomic_or_fetch(bits, 1UL << t, __ATOMIC_SEQ_CST);
        return 0;
    case VMASST_CMD_disable:
        __atomic_and_fetch(bits, ~(1UL << t), __ATOMIC_SEQ_CST);
        return 0;
    default:
        return -ENOSYS;
    }
}
