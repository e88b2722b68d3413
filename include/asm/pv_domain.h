/* PV guest state management (arch/x86/pv/): what common code calls. */
#ifndef ASM_PV_DOMAIN_H
#define ASM_PV_DOMAIN_H

#include <xenia/types.h>
#include <xen/xen.h>

struct domain;
struct vcpu;

/* pv_domain_init(): arch part of a new PV domain. 0 or -ENOMEM. */
int pv_domain_init(struct domain *d);
/* pv_vcpu_init(): arch part of a new vCPU (FPU area, kernel mode). 0 or -ENOMEM. */
int pv_vcpu_init(struct vcpu *v);

/* pv_context_save(): move the running vCPU's state (frame, segments, FPU) into v. */
void pv_context_save(struct vcpu *v, const struct cpu_user_regs *frame);
/*
 * pv_switch_to_idle(): this pCPU has saved its vCPU and has nothing to run:
 * CR3 goes to idle_pg_table, so no guest page table stays loaded (and
 * walked) here while its owner frees it.
 */
void pv_switch_to_idle(void);
/* pv_context_restore(): load v's state into this pCPU and frame. */
void pv_context_restore(struct vcpu *v, struct cpu_user_regs *frame);
/*
 * vcpu_fpu_save()/vcpu_fpu_restore(): v's x87/SSE state (FXSAVE format, the
 * area pv_vcpu_init() allocated) from/to this pCPU's registers. The HVM
 * context switch uses them too.
 */
void vcpu_fpu_save(struct vcpu *v);
void vcpu_fpu_restore(struct vcpu *v);
/* pv_update_cr3(): reload CR3 for v's current mode (after NEW_BASEPTR). v must be current. */
void pv_update_cr3(struct vcpu *v);
/* pv_toggle_guest_mode(): switch between guest kernel and user mode (CR3 + GS bases). */
void pv_toggle_guest_mode(struct vcpu *v);

/*
 * pv_deliver_pending_events(): if v has an unmasked event upcall pending,
 * bounce to its event callback (creates the frame on the guest stack).
 */
void pv_deliver_pending_events(struct vcpu *v, struct cpu_user_regs *frame);

/*
 * pv_inject_trap(): deliver exception vector (with error_code if the
 * vector has one, -1 otherwise) to the current vCPU through its trap
 * table; crashes the domain if it has no handler.
 */
void pv_inject_trap(struct cpu_user_regs *regs, unsigned int vector, int32_t error_code);

/*
 * pv_inject_page_fault(): deliver #PF for linear address addr (bytes) with
 * error_code: the guest reads addr from its vcpu_info's arch.cr2, as on Xen.
 */
void pv_inject_page_fault(struct cpu_user_regs *regs, unsigned long addr, uint32_t error_code);

/* pv_bad_iret_frame(): an iretq to the guest faulted (entry.S). */
void __attribute__((noreturn)) pv_bad_iret_frame(struct cpu_user_regs *regs);

/* vcpu_mark_events_pending(): set evtchn_upcall_pending and wake v (event channels). */
void vcpu_mark_events_pending(struct vcpu *v);
/* vcpu_unblock(): end SCHEDOP_block/poll for v and make it runnable. */
void vcpu_unblock(struct vcpu *v);



/* reset_stack_and_ret_to_guest(): entry.S: continue at ret_to_guest with rsp = frame. */
void __attribute__((noreturn)) reset_stack_and_ret_to_guest(struct cpu_user_regs *frame);
#endif
