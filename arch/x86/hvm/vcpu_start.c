/*
 * Starting HVM vCPUs (Xen 4.17's VCPUOP_initialise/VCPUOP_up for HVM and
 * the local APIC's INIT and STARTUP IPIs): how a PVH guest's secondary
 * vCPUs come up.
 *
 * Linux 6.1 as a PVH guest starts its APs natively: INIT, then STARTUP
 * with the vector of its real-mode trampoline, through the emulated local
 * APIC (vlapic.c calls hvm_vcpu_init_ipi()/hvm_vcpu_startup_ipi()). Other
 * guests use VCPUOP_initialise with a struct vcpu_hvm_context, then
 * VCPUOP_up (common/vcpu_op.c).
 *
 * A state set from outside the vCPU is not written into its VMCB at once:
 * the target may still be running on another pCPU (an INIT takes it down
 * only at its next scheduling point). It is kept in hv->pending and loaded
 * by the vCPU's own pCPU right before its next VMRUN
 * (hvm_vcpu_load_pending_state()), replacing whatever it ran before.
 *
 * Locking: hv->state_lock (irqsave; taken by VM entry with interrupts off)
 * covers hv->pending, hv->state_pending and the is_initialised and
 * VPF_down changes made together with them, so two vCPUs sending a
 * STARTUP at once start the target once.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>

/* The general registers of s into r (a cpu_info frame or v->arch.user_regs). */
static void set_gprs(struct cpu_user_regs *r, const struct hvm_cpu_state *s)
{
    r->rax = s->rax; r->rcx = s->rcx; r->rdx = s->rdx; r->rbx = s->rbx;
    r->rsp = s->rsp; r->rbp = s->rbp; r->rsi = s->rsi; r->rdi = s->rdi;
    r->r8 = r->r9 = r->r10 = r->r11 = r->r12 = r->r13 = r->r14 = r->r15 = 0;
    r->rip = s->rip;
    r->rflags = s->rflags | 0x2;
}

void hvm_set_boot_state(struct vcpu *v, const struct hvm_boot_state *b)
{
    struct hvm_cpu_state s;

    hvm_flat32_state(b->eip, b->ebx, &s);
    memset(&v->arch.user_regs, 0, sizeof(v->arch.user_regs));
    hvm_funcs->set_cpu_state(v, &s);
    set_gprs(&v->arch.user_regs, &s);
    v->arch.hvm->state_pending = false;
}

/* Keep s for v's next VM entry. hv->state_lock held. */
static void set_pending(struct vcpu *v, const struct hvm_cpu_state *s)
{
    *v->arch.hvm->pending = *s;
    v->arch.hvm->state_pending = true;
}

void hvm_vcpu_load_pending_state(struct vcpu *v, struct cpu_user_regs *frame)
{
    struct hvm_vcpu *hv = v->arch.hvm;
    unsigned long flags;

    if (!__atomic_load_n(&hv->state_pending, __ATOMIC_ACQUIRE))
        return;
    spin_lock_irqsave(&hv->state_lock, flags);
    if (hv->state_pending) {
        hvm_funcs->set_cpu_state(v, hv->pending);
        set_gprs(frame, hv->pending);
        hv->state_pending = false;
    }
    spin_unlock_irqrestore(&hv->state_lock, flags);
}

long hvm_vcpu_op_initialise(struct vcpu *v, const void *arg)
{
    struct hvm_vcpu *hv = v->arch.hvm;
    struct vcpu_hvm_context ctx;
    struct hvm_cpu_state s;
    unsigned long flags;
    long rc;

    if (raw_copy_from_guest(&ctx, arg, sizeof(ctx)))
        return -EFAULT;
    spin_lock_irqsave(&hv->state_lock, flags);
    if (v->is_initialised) {
        rc = -EEXIST;
    } else {
        rc = hvm_vcpu_context_decode(&ctx, hvm_cr4_guest_valid_bits(v),
                                     hvm_efer_guest_valid_bits(v), &s);
        if (!rc) {
            set_pending(v, &s);
            __atomic_or_fetch(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST);
            v->is_initialised = true;   /* runs from VCPUOP_up on */
        }
    }
    spin_unlock_irqrestore(&hv->state_lock, flags);
    return rc;
}

void hvm_vcpu_init_ipi(struct vcpu *v)
{
    struct hvm_vcpu *hv = v->arch.hvm;
    unsigned long flags;
    bool reset;

    spin_lock_irqsave(&hv->state_lock, flags);
    reset = v->is_initialised;          /* nothing to do for a vCPU already at reset */
    if (reset) {
        v->is_initialised = false;
        hv->state_pending = false;
    }
    spin_unlock_irqrestore(&hv->state_lock, flags);
    if (!reset)
        return;
    hvm_vcpu_down(v);                   /* off its pCPU at its next scheduling point */
    vlapic_reset(v);
}

void hvm_vcpu_startup_ipi(struct vcpu *v, uint8_t vec)
{
    struct hvm_vcpu *hv = v->arch.hvm;
    struct hvm_cpu_state s;
    unsigned long flags;
    bool wake = false;

    hvm_real_mode_state(vec, &s);
    spin_lock_irqsave(&hv->state_lock, flags);
    /* Only a vCPU waiting for it (down and at reset); a second STARTUP finds it up. */
    if ((__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) & VPF_down) && !v->is_initialised) {
        set_pending(v, &s);
        v->is_initialised = true;
        __atomic_and_fetch(&v->pause_flags, ~VPF_down, __ATOMIC_SEQ_CST);
        wake = true;
    }
    spin_unlock_irqrestore(&hv->state_lock, flags);
    if (wake)
        vcpu_wake(v);
}
