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
 * pv_switch_to_idle(): this pCPU has saved prev (NULL: none) and has
 * nothing to run. A PV prev's page tables stay in CR3 (lazily, see
 * pv/domain.c); otherwise CR3 goes to idle_pg_table. Interrupts off.
 */
void pv_switch_to_idle(struct vcpu *prev);
/*
 * pv_context_restore(): load v's state into this pCPU and frame; CR3 is
 * left alone if this pCPU idled with v's tables, v ran nowhere since and
 * no shootdown for v's domain came meanwhile.
 * Interrupts off.
 */
void pv_context_restore(struct vcpu *v, struct cpu_user_regs *frame);
/* pv_lazy_end(): this pCPU's CR3 has left the lazily kept tables (an HVM vCPU was loaded). */
void pv_lazy_end(void);
/*
 * pv_idle_drop_stale_tables(): on an idle pCPU, load idle_pg_table if the
 * vCPU whose tables CR3 still holds has run on another pCPU since (it will
 * not be resumed here without a reload). Interrupts off.
 */
void pv_idle_drop_stale_tables(void);
/*
 * pv_sync_lazy(): before a reference on one of v's L4 tables is dropped
 * (a new base pointer, a new context, domain destruction), make every
 * other pCPU that idles with v's tables in CR3 load idle_pg_table, and
 * wait for it (an IPI: interrupts must be on). v is current or not
 * running, so no pCPU can take v's tables up again meanwhile.
 */
void pv_sync_lazy(struct vcpu *v);
/* pv_lazy_holds_table(): does an idle pCPU still have L4 table mfn in CR3? (an assertion's question) */
bool pv_lazy_holds_table(unsigned long mfn);
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
