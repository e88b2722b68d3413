/*
 * The hypercall table: the one place that says which hypercalls exist, how
 * many arguments they take, and which need a privileged domain.
 * Handlers are weak references: one whose subsystem is not linked in yet is
 * NULL here and answers -ENOSYS.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <asm/current.h>

typedef long (*hc_fn_t)(hc_arg_t, hc_arg_t, hc_arg_t, hc_arg_t, hc_arg_t);

struct hypercall_entry {
    hc_fn_t fn;
    const char *name;
    bool privileged;            /* dom0 only */
};

#define HC(nr, handler, priv) \
    [__HYPERVISOR_##nr] = { (hc_fn_t)(handler), #nr, priv }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-function-type"
#pragma weak do_set_trap_table
#pragma weak do_mmu_update
#pragma weak do_set_gdt
#pragma weak do_stack_switch
#pragma weak do_set_callbacks
#pragma weak do_fpu_taskswitch
#pragma weak do_platform_op
#pragma weak do_set_debugreg
#pragma weak do_get_debugreg
#pragma weak do_update_descriptor
#pragma weak do_memory_op
#pragma weak do_multicall
#pragma weak do_update_va_mapping
#pragma weak do_set_timer_op
#pragma weak do_xen_version
#pragma weak do_console_io
#pragma weak do_grant_table_op
#pragma weak do_vm_assist
#pragma weak do_update_va_mapping_otherdomain
#pragma weak do_iret
#pragma weak do_vcpu_op
#pragma weak do_set_segment_base
#pragma weak do_mmuext_op
#pragma weak do_nmi_op
#pragma weak do_sched_op
#pragma weak do_callback_op
#pragma weak do_event_channel_op_hc
#pragma weak do_physdev_op
#pragma weak do_hvm_op
#pragma weak do_sysctl
#pragma weak do_domctl

static const struct hypercall_entry hypercall_table[64] = {
    HC(set_trap_table, do_set_trap_table, false),
    HC(mmu_update, do_mmu_update, false),
    HC(set_gdt, do_set_gdt, false),
    HC(stack_switch, do_stack_switch, false),
    HC(set_callbacks, do_set_callbacks, false),
    HC(fpu_taskswitch, do_fpu_taskswitch, false),
    HC(platform_op, do_platform_op, false),
    HC(set_debugreg, do_set_debugreg, false),
    HC(get_debugreg, do_get_debugreg, false),
    HC(update_descriptor, do_update_descriptor, false),
    HC(memory_op, do_memory_op, false),
    HC(multicall, do_multicall, false),
    HC(update_va_mapping, do_update_va_mapping, false),
    HC(set_timer_op, do_set_timer_op, false),
    HC(xen_version, do_xen_version, false),
    HC(console_io, do_console_io, false),
    HC(grant_table_op, do_grant_table_op, false),
    HC(vm_assist, do_vm_assist, false),
    HC(update_va_mapping_otherdomain, do_update_va_mapping_otherdomain, false),
    HC(iret, do_iret, false),
    HC(vcpu_op, do_vcpu_op, false),
    HC(set_segment_base, do_set_segment_base, false),
    HC(mmuext_op, do_mmuext_op, false),
    HC(nmi_op, do_nmi_op, false),
    HC(sched_op, do_sched_op, false),
    HC(callback_op, do_callback_op, false),
    HC(event_channel_op, do_event_channel_op_hc, false),
    HC(physdev_op, do_physdev_op, false),
    HC(hvm_op, do_hvm_op, false),
    HC(sysctl, do_sysctl, false),
    HC(domctl, do_domctl, false),
};
#pragma GCC diagnostic pop

const char *hypercall_name(unsigned long nr)
{
    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].name)
        return "?";
    return hypercall_table[nr].name;
}

long hypercall_dispatch(unsigned long nr, const unsigned long args[5])
{
    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].fn)
        return -ENOSYS;
    const struct hypercall_entry *e = &hypercall_table[nr];
    if (e->privileged && !current->domain->is_privileged)
        return -EPERM;
    return e->fn(args[0], args[1], args[2], args[3], args[4]);
}
