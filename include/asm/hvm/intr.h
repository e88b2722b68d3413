/*
 * Interrupt delivery to HVM vCPUs: the decision made before each VM entry
 * (Xen's hvm_vcpu_has_pending_irq() / hvm_interrupt_blocked() /
 * svm_intr_assist()), as pure logic so it is unit-tested
 * (tests/unit/test_hvm_intr.c).
 *
 * Sources, in Xen 4.17's order: the domain's callback vector
 * (HVM_PARAM_CALLBACK_IRQ of type HVM_PARAM_CALLBACK_TYPE_VECTOR) while
 * the vCPU's vcpu_info has evtchn_upcall_pending (never acknowledged: the
 * guest clears upcall_pending itself); then the emulated local APIC's
 * highest requested vector above the one in service (acknowledged:
 * IRR -> ISR). Either is blocked while RFLAGS.IF is clear or an
 * interrupt shadow (STI / MOV SS) is active.
 */
#ifndef ASM_HVM_INTR_H
#define ASM_HVM_INTR_H

#include <xenia/types.h>

#define HVM_RFLAGS_IF   (1UL << 9)

enum hvm_intr_action {
    HVM_INTR_NONE,      /* nothing to deliver: no window wanted */
    HVM_INTR_INJECT,    /* inject the vector now (EVENTINJ) */
    HVM_INTR_WINDOW,    /* something waits: exit when the guest can take it */
};

/*
 * hvm_intr_decide(): what to do at VM entry. vector: the pending vector
 * (< 0: none); rflags: the guest's RFLAGS; shadow: an interrupt shadow is
 * active; event_queued: an exception or re-injected event already occupies
 * the injection slot. Pure; no locks.
 */
static inline enum hvm_intr_action hvm_intr_decide(int vector, uint64_t rflags, bool shadow,
                                                   bool event_queued)
{
    if (vector < 0)
        return HVM_INTR_NONE;
    if (event_queued || !(rflags & HVM_RFLAGS_IF) || shadow)
        return HVM_INTR_WINDOW;
    return HVM_INTR_INJECT;
}

#endif
