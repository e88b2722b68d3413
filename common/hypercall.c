/*
 * The hypercall table: the one place that says which hypercalls exist and
 * which handler runs each. Privilege is checked inside each handler, where
 * Xen 4.17's XSM hooks check it (domctl, sysctl, platform_op, physdev_op
 * and others refuse an unprivileged caller only after the checks Xen makes
 * first, so a domU sees Xen's error codes). Handlers are weak references:
 * one that is not linked in (nmi_op, hvm_op today) is NULL here and
 * answers -ENOSYS.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <xenia/perfc.h>
#include <xenia/time.h>

typedef long (*hc_fn_t)(hc_arg_t, hc_arg_t, hc_arg_t, hc_arg_t, hc_arg_t);

struct hypercall_entry {
    hc_fn_t fn;
    const char *name;
};

#define HC(nr, handler) \
    [__HYPERVISOR_##nr] = { (hc_fn_t)(handler), #nr }

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
#pragma weak do_mca
#pragma weak do_sysctl
#pragma weak do_domctl

static const struct hypercall_entry hypercall_table[64] __guest_path_data = {
    HC(set_trap_table, do_set_trap_table),
    HC(mmu_update, do_mmu_update),
    HC(set_gdt, do_set_gdt),
    HC(stack_switch, do_stack_switch),
    HC(set_callbacks, do_set_callbacks),
    HC(fpu_taskswitch, do_fpu_taskswitch),
    HC(platform_op, do_platform_op),
    HC(set_debugreg, do_set_debugreg),
    HC(get_debugreg, do_get_debugreg),
    HC(update_descriptor, do_update_descriptor),
    HC(memory_op, do_memory_op),
    HC(multicall, do_multicall),
    HC(update_va_mapping, do_update_va_mapping),
    HC(set_timer_op, do_set_timer_op),
    HC(xen_version, do_xen_version),
    HC(console_io, do_console_io),
    HC(grant_table_op, do_grant_table_op),
    HC(vm_assist, do_vm_assist),
    HC(update_va_mapping_otherdomain, do_update_va_mapping_otherdomain),
    HC(iret, do_iret),
    HC(vcpu_op, do_vcpu_op),
    HC(set_segment_base, do_set_segment_base),
    HC(mmuext_op, do_mmuext_op),
    HC(nmi_op, do_nmi_op),
    HC(sched_op, do_sched_op),
    HC(callback_op, do_callback_op),
    HC(event_channel_op, do_event_channel_op_hc),
    HC(physdev_op, do_physdev_op),
    HC(hvm_op, do_hvm_op),
    [__HYPERVISOR_arch_0] = { (hc_fn_t)do_mca, "mca" },     /* __HYPERVISOR_mca */
    HC(sysctl, do_sysctl),
    HC(domctl, do_domctl),
};
#pragma GCC diagnostic pop

const char *hypercall_name(unsigned long nr)
{
    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].name)
        return "?";
    return hypercall_table[nr].name;
}

__guest_path long hypercall_dispatch(unsigned long nr, const unsigned long args[5])
{
    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].fn)
        return -ENOSYS;
    const struct hypercall_entry *e = &hypercall_table[nr];
    s_time_t t0 = NOW();
    long rc = e->fn(args[0], args[1], args[2], args[3], args[4]);
    perfc_hypercall(nr, args[0], NOW() - t0);
    return rc;
}
