/*
 * Hypercall handlers (64-bit PV ABI: number in %rax, arguments in %rdi,
 * %rsi, %rdx, %r10, %r8, result in %rax; <xen/xen.h> __HYPERVISOR_*).
 *
 * Each handler lives with its subsystem and is named do_<hypercall> as in
 * Xen. common/hypercall.c holds the one table of which hypercall exists,
 * how many arguments it takes, and whether only a privileged domain
 * (dom0) may make it; privilege is checked there, once, at dispatch. A
 * handler not linked into the image answers -ENOSYS.
 *
 * Handlers return 0 or a positive result, or -errno (Xen's values). A
 * handler that must be continued later returns -ERESTART after updating
 * its guest-visible arguments (see hypercall_create_continuation()).
 */
#ifndef XENIA_HYPERCALL_H
#define XENIA_HYPERCALL_H

#include <xenia/types.h>
#include <xen/xen.h>

typedef unsigned long hc_arg_t;

long do_set_trap_table(hc_arg_t traps);
long do_mmu_update(hc_arg_t ureqs, hc_arg_t count, hc_arg_t pdone, hc_arg_t foreigndom);
long do_set_gdt(hc_arg_t frame_list, hc_arg_t entries);
long do_stack_switch(hc_arg_t ss, hc_arg_t esp);
long do_set_callbacks(hc_arg_t event_address, hc_arg_t failsafe_address, hc_arg_t syscall_address);
long do_fpu_taskswitch(hc_arg_t set);
long do_platform_op(hc_arg_t u_xenpf_op);
long do_mca(hc_arg_t u_xen_mc);        /* arch/x86/mca.c */
long do_set_debugreg(hc_arg_t reg, hc_arg_t value);
long do_get_debugreg(hc_arg_t reg);
long do_update_descriptor(hc_arg_t maddr, hc_arg_t desc);
long do_memory_op(hc_arg_t cmd, hc_arg_t arg);
long do_multicall(hc_arg_t call_list, hc_arg_t nr_calls);
long do_update_va_mapping(hc_arg_t va, hc_arg_t val, hc_arg_t flags);
long do_set_timer_op(hc_arg_t timeout);
long do_xen_version(hc_arg_t cmd, hc_arg_t arg);
long do_console_io(hc_arg_t cmd, hc_arg_t count, hc_arg_t buffer);
long do_grant_table_op(hc_arg_t cmd, hc_arg_t uop, hc_arg_t count);
long do_vm_assist(hc_arg_t cmd, hc_arg_t type);
long do_update_va_mapping_otherdomain(hc_arg_t va, hc_arg_t val, hc_arg_t flags, hc_arg_t domid);
long do_iret(void);
long do_vcpu_op(hc_arg_t cmd, hc_arg_t vcpuid, hc_arg_t arg);
long do_set_segment_base(hc_arg_t which, hc_arg_t base);
long do_mmuext_op(hc_arg_t uops, hc_arg_t count, hc_arg_t pdone, hc_arg_t foreigndom);
long do_nmi_op(hc_arg_t cmd, hc_arg_t arg);
long do_sched_op(hc_arg_t cmd, hc_arg_t arg);
long do_callback_op(hc_arg_t cmd, hc_arg_t arg);
long do_event_channel_op_hc(hc_arg_t cmd, hc_arg_t arg);
long do_physdev_op(hc_arg_t cmd, hc_arg_t arg);
long do_hvm_op(hc_arg_t op, hc_arg_t arg);
long do_sysctl(hc_arg_t u_sysctl);
long do_domctl(hc_arg_t u_domctl);

/*
 * hypercall_dispatch(): run hypercall nr with args[0..4] for the current
 * vCPU; returns the value for the guest's %rax. Unknown or unimplemented
 * numbers return -ENOSYS; privilege is each handler's own check.
 */
long hypercall_dispatch(unsigned long nr, const unsigned long args[5]);

/*
 * Continuations (Xen's hypercall_create_continuation): a handler working
 * through a long batch calls hypercall_preempt_check() every few items
 * (true when this pCPU has softirq work pending or the current vCPU has
 * an event to be delivered, as Xen's; in a multicall entry too);
 * when it says yes, the handler stores its progress in the guest's
 * argument registers with hypercall_set_arg() (index 0..4 = the 1st..5th
 * argument) and returns -ERESTART, so the guest re-executes the call with
 * the remaining work after the hypervisor has run what was pending.
 */
bool hypercall_preempt_check(void);
/* multicall_in_progress(): this pCPU runs a multicall's entries (domctl waits instead of restarting). */
bool multicall_in_progress(void);
/*
 * multicall_entry_args(): while a multicall entry runs, its args[] (where
 * hypercall_set_arg() puts a sub-call's continuation), else NULL.
 */
xen_ulong_t *multicall_entry_args(void);
void hypercall_set_arg(unsigned int index, unsigned long value);

/* hypercall_name(): for logs ("mmu_update"), or "?" */
const char *hypercall_name(unsigned long nr);

#endif
