/* Whole-vCPU context in and out (VCPUOP_initialise, XEN_DOMCTL_{set,get}vcpucontext). */
#ifndef ASM_PV_CONTEXT_H
#define ASM_PV_CONTEXT_H

#include <xen/xen.h>

struct vcpu;

/*
 * pv_set_vcpu_context(): load a struct vcpu_guest_context (xen/arch-x86/
 * xen.h) into v, which must not be running. Validates every address
 * (canonical), selector (forced to RPL 3), the GDT frames and the page
 * tables (ctrlreg[3] kernel, ctrlreg[1] user), taking their references.
 * Returns 0, -EINVAL (bad value or table), -ERESTART (the tables'
 * validation was preempted: re-issue the hypercall, which resumes it; a
 * kernel table already validated waits in v->arch.guest_table) or
 * -EFAULT-free errors of pv_set_gdt()/pv_set_guest_table(). Releases
 * after a failure may be left in current's old_guest_table. Current is a
 * PV vCPU (the caller of VCPUOP_initialise / the domctl).
 */
int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);

/* pv_get_vcpu_context(): v's state as a vcpu_guest_context (v not running). */
void pv_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);

/* pv_set_gdt(): see arch/x86/pv/descriptor.c. */
int pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries);

/*
 * pv_guest_code_selector(): is sel a present code segment of v's own GDT?
 * Sets *long_mode from its L bit. v must be current (its GDT is loaded).
 */
bool pv_guest_code_selector(const struct vcpu *v, uint16_t sel, bool *long_mode);

/*
 * vcpu_update_runstate_area(): copy v's runstate to the area
 * VCPUOP_register_runstate_memory_area named (xen/vcpu.h). With
 * VMASST_TYPE_runstate_update_flag on, XEN_RUNSTATE_UPDATE is set in the
 * guest's state_entry_time while the copy is in progress, as Xen does, so
 * that a guest reading another vCPU's area can retry a torn read. Called
 * when v is switched in and when it is switched out (Xen's
 * _update_runstate_area(prev)), v current with its page tables loaded; a
 * PV vCPU in user mode is written through its kernel L4
 * (pv_guest_kernel_tables_begin()). An address that faults is skipped, not
 * forgotten (Xen keeps trying too).
 */
void vcpu_update_runstate_area(struct vcpu *v);
/*
 * vcpu_update_time_area(): copy v's time record (vcpu_info's) to the area
 * VCPUOP_register_vcpu_time_memory_area named, version odd while writing,
 * as vcpu_update_runstate_area() reaches it (v current, user mode through
 * the kernel L4, a fault skips the copy).
 */
void vcpu_update_time_area(struct vcpu *v);

/*
 * pv_guest_kernel_tables_begin(): v is current, a PV vCPU in guest user
 * mode with its own user L4, whose page tables do not map the guest
 * kernel: load v's kernel L4 so that kernel addresses it registered (the
 * runstate and time areas) can be written, and return true;
 * pv_guest_kernel_tables_end(v, true) loads the user L4 again. False (and
 * nothing done) for HVM vCPUs and kernel mode. Xen does the same with
 * update_guest_memory_policy(). Interrupts off or on; no locks.
 */
bool pv_guest_kernel_tables_begin(struct vcpu *v);
void pv_guest_kernel_tables_end(struct vcpu *v, bool loaded);

#endif
