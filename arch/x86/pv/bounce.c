/*
 * Bounce frames: how the hypervisor hands control to a PV guest kernel's
 * handler (exception, event upcall, system call), per the x86-64 PV ABI.
 *
 * On the guest kernel stack (kernel_sp if the guest was in user mode, else
 * its current %rsp, 16-byte aligned) the hypervisor writes, lowest address
 * first:  RCX, R11, [error code], RIP, CS (bits 32-39: saved upcall mask),
 * RFLAGS (IF = !saved upcall mask), RSP, SS
 * and resumes the guest at the handler in kernel mode. CS's RPL is cleared
 * in the frame when the interrupted context was the guest kernel.
 */
#include <xenia/lib.h>
#include <xenia/guest_access.h>
#include <xenia/param.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include <asm/pv_domain.h>
#include <asm/pv_bounce.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/x86_defns.h>


__guest_path int pv_create_bounce_frame(struct cpu_user_regs *regs, unsigned long handler,
                                        unsigned int flags, uint32_t error_code)
{
    struct vcpu *v = current;
    struct vcpu_info *vi = v->vcpu_info;
    unsigned long frame[9];
    unsigned int n = 0;
    uint16_t cs = regs->cs;
    unsigned long sp;

    if (!handler) {
        domain_crash(v->domain, "no handler registered for a bounce");
        return -1;
    }
    if (!(v->arch.flags & TF_kernel_mode)) {
        pv_toggle_guest_mode(v);
        sp = v->arch.kernel_sp;
    } else {
        sp = regs->rsp;
        cs &= ~3;                       /* tells the guest: kernel context */
    }
    sp &= ~0xfUL;

    uint8_t saved_mask = vi->evtchn_upcall_mask;
    if (flags & TBF_INTERRUPT)
        vi->evtchn_upcall_mask = 1;

    unsigned long rflags = regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL);
    if (!saved_mask)
        rflags |= X86_EFLAGS_IF;

    frame[n++] = regs->rcx;
    frame[n++] = regs->r11;
    if (flags & TBF_EXCEPTION_ERRCODE)
        frame[n++] = error_code;
    frame[n++] = regs->rip;
    frame[n++] = (unsigned long)cs | ((unsigned long)saved_mask << 32);
    frame[n++] = rflags;
    frame[n++] = regs->rsp;
    frame[n++] = regs->ss;

    sp -= n * sizeof(unsigned long);
    if (raw_copy_to_guest((void *)sp, frame, n * sizeof(unsigned long))) {
        domain_crash(v->domain, "bounce frame: guest kernel stack not writable");
        return -1;
    }

    regs->entry_vector |= ENTRY_VECTOR_SYSCALL;
    regs->rflags &= ~(X86_EFLAGS_AC | X86_EFLAGS_VM | X86_EFLAGS_RF |
                      X86_EFLAGS_NT | X86_EFLAGS_TF);
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = sp;
    regs->cs = FLAT_KERNEL_CS;
    regs->rip = handler;
    return 0;
}

/* trap_trace: log every exception bounced to a guest (debugging aid). */
static __guest_path_data bool opt_trap_trace;
boolean_param("trap_trace", opt_trap_trace);

void pv_inject_trap(struct cpu_user_regs *regs, unsigned int vector, int32_t error_code)
{
    struct vcpu *v = current;

    if (opt_trap_trace)
        printk("d%uv%d: trap %u error %#x at %04x:%lx cr2 %lx\n", v->domain->domain_id,
               v->vcpu_id, vector, (unsigned int)error_code, regs->cs, regs->rip,
               vector == TRAP_page_fault ? (unsigned long)v->vcpu_info->arch.cr2 : 0UL);
    const struct trap_info *ti = &v->arch.trap_ctxt[vector];
    unsigned int flags = 0;

    if (error_code >= 0)
        flags |= TBF_EXCEPTION_ERRCODE;
    if (TI_GET_IF(ti))
        flags |= TBF_INTERRUPT;
    if (!ti->address) {
        printk("d%uv%d: unhandled exception %u at %04x:%lx (error %#x)\n",
               v->domain->domain_id, v->vcpu_id, vector, regs->cs, regs->rip,
               (unsigned int)error_code);
        domain_crash(v->domain, "exception without a guest handler");
        return;
    }
    pv_create_bounce_frame(regs, ti->address, flags, (uint32_t)error_code);
}

void pv_inject_page_fault(struct cpu_user_regs *regs, unsigned long addr, uint32_t error_code)
{
    current->vcpu_info->arch.cr2 = addr;
    pv_inject_trap(regs, TRAP_page_fault, (int32_t)error_code);
}

__guest_path void pv_deliver_pending_events(struct vcpu *v, struct cpu_user_regs *frame)
{
    struct vcpu_info *vi = v->vcpu_info;

    if (!vi->evtchn_upcall_pending || vi->evtchn_upcall_mask)
        return;
    if (!v->arch.event_callback_eip)
        return;
    pv_create_bounce_frame(frame, v->arch.event_callback_eip, TBF_INTERRUPT, 0);
}

void vcpu_mark_events_pending(struct vcpu *v)
{
    if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        return;
    if (is_hvm_vcpu(v)) {
        hvm_assert_evtchn_irq(v);       /* upcall vector or callback vector */
        return;
    }
    vcpu_unblock(v);
    if (v->is_running && v->processor != (int)smp_processor_id())
        smp_send_event_check((unsigned int)v->processor);
}
