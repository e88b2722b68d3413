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

/*
 * Event types of SVM's EVENTINJ/EXITINTINFO and VMX's interruption
 * information (bits 8-10 of both): the vendor-neutral names.
 */
#define HVM_EVENT_EXT_INTR      0u
#define HVM_EVENT_NMI           2u
#define HVM_EVENT_HW_EXCEPTION  3u
#define HVM_EVENT_SW_INTERRUPT  4u      /* INT n */
#define HVM_EVENT_PRI_SW_EXCEPTION 5u   /* VMX: INT1 (ICEBP) */
#define HVM_EVENT_SW_EXCEPTION  6u      /* VMX: INT3, INTO */

/*
 * hvm_event_needs_reinjection(): an event whose delivery a #VMEXIT cut
 * short (EXITINTINFO): inject it again at the next entry (true), or let
 * the guest execute its instruction again (false), as Xen's function of
 * the same name. Interrupts, NMIs and hardware exceptions go again.
 * Software interrupts and exceptions (INT n, INT3, INTO, ICEBP) do not:
 * the saved RIP still points at the instruction, so injecting them would
 * return to it instead of past it. SVM reports INT3/INTO as type 3, so
 * vectors 3 (#BP) and 4 (#OF) are software ones there too. Pure.
 */
static inline bool hvm_event_needs_reinjection(unsigned int type, unsigned int vector)
{
    switch (type) {
    case HVM_EVENT_EXT_INTR:
    case HVM_EVENT_NMI:
        return true;
    case HVM_EVENT_HW_EXCEPTION:
        return vector != 3 && vector != 4;
    default:
        return false;
    }
}

#endif
