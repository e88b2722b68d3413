/*
 * SYSCALL from PV guests: hypercalls from the guest kernel, system calls
 * from guest user space (bounced to the kernel's syscall callback), and the
 * iret hypercall, whose frame is special.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/param.h>
#include <xenia/softirq.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/irq.h>
#include <asm/msr.h>
#include <asm/pv_bounce.h>
#include <asm/pv_domain.h>
#include <asm/traps.h>
#include <asm/x86_defns.h>

#define SYSCALL_STUB_BYTES  64
#define SYSCALL_RFLAGS_MASK 0x47700UL   /* TF IF DF IOPL NT AC cleared on entry */

extern const char syscall_stubs[];

/* hypercall_trace: log every hypercall and its result (debugging aid). */
static __guest_path_data bool opt_hypercall_trace;
boolean_param("hypercall_trace", opt_hypercall_trace);
extern unsigned long syscall_stack_top[NR_CPUS];

void cpu_init_syscall(unsigned int cpu)
{
    syscall_stack_top[cpu] = (unsigned long)&get_cpu_info()->guest_cpu_user_regs.es;
    wrmsr(MSR_STAR, ((uint64_t)FLAT_RING3_CS32 << 48) | ((uint64_t)0xe008 << 32));
    wrmsr(MSR_LSTAR, (unsigned long)syscall_stubs + cpu * SYSCALL_STUB_BYTES);
    wrmsr(MSR_CSTAR, (unsigned long)syscall_stubs + cpu * SYSCALL_STUB_BYTES);
    wrmsr(MSR_SYSCALL_MASK, SYSCALL_RFLAGS_MASK);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/*
 * do_iret(): HYPERVISOR_iret (xen.h, struct iret_context on the guest
 * stack). Restores the guest frame, switching to user mode when the saved
 * CS has RPL 3. Returns the saved %rax; crashes the domain on a bad frame.
 */
__guest_path long do_iret(void)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    struct vcpu *v = current;
    struct iret_context ctx;

    if (raw_copy_from_guest(&ctx, (void *)regs->rsp, sizeof(ctx))) {
        domain_crash(v->domain, "iret: frame not readable");
        return -EFAULT;
    }
    if ((ctx.cs & 3) == 3) {
        if (!v->arch.guest_table_user) {
            domain_crash(v->domain, "iret to user mode without a user page table");
            return -EFAULT;
        }
        pv_toggle_guest_mode(v);
    }
    regs->rip = ctx.rip;
    regs->cs = ctx.cs | 3;
    regs->rflags = (ctx.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = ctx.rsp;
    regs->ss = ctx.ss | 3;
    if (!(ctx.flags & VGCF_in_syscall)) {
        regs->entry_vector &= ~ENTRY_VECTOR_SYSCALL;
        regs->r11 = ctx.r11;
        regs->rcx = ctx.rcx;
    }
    v->vcpu_info->evtchn_upcall_mask = !(ctx.rflags & X86_EFLAGS_IF);
    return (long)ctx.rax;
}

__guest_path static void bounce_user_syscall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;

    if (!v->arch.syscall_callback_eip) {
        pv_inject_trap(regs, TRAP_invalid_op, -1);
        return;
    }
    pv_create_bounce_frame(regs, v->arch.syscall_callback_eip,
                           v->arch.syscall_disables_events ? TBF_INTERRUPT : 0, 0);
}

void do_guest_syscall(struct cpu_user_regs *regs);
__guest_path void do_guest_syscall(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;

    if (!(v->arch.flags & TF_kernel_mode)) {
        bounce_user_syscall(regs);
        return;
    }
    if (regs->rax == __HYPERVISOR_iret) {
        regs->rax = (unsigned long)do_iret();
        return;
    }

    const unsigned long args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };
    unsigned long nr = regs->rax;
    long rc = hypercall_dispatch(nr, args);
    if (opt_hypercall_trace)
        printk("d%uv%d hypercall %s(%#lx, %#lx, %#lx) = %ld\n", v->domain->domain_id,
               v->vcpu_id, hypercall_name(nr), args[0], args[1], args[2], rc);
    if (rc == -ERESTART)
        regs->rip -= 2;                 /* re-execute the SYSCALL instruction */
    else
        regs->rax = (unsigned long)rc;
}

bool hypercall_preempt_check(void)
{
    const struct vcpu_info *vi = current->vcpu_info;

    /* Xen's softirq_pending() || local_events_need_delivery(): timer events run in the IRQ. */
    return softirq_pending(smp_processor_id()) != 0 ||
           (ACCESS_ONCE(vi->evtchn_upcall_pending) && !ACCESS_ONCE(vi->evtchn_upcall_mask));
}

void hypercall_set_arg(unsigned int index, unsigned long value)
{
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    unsigned long *const args[5] = { &regs->rdi, &regs->rsi, &regs->rdx, &regs->r10, &regs->r8 };
    xen_ulong_t *entry = multicall_entry_args();

    ASSERT(index < 5);
    if (entry)
        entry[index] = value;                   /* a multicall entry's continuation */
    else
        *args[index] = value;
}

void pv_bad_iret_frame(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    struct cpu_user_regs *frame = guest_cpu_user_regs();

    printk("d%uv%d: bad iret frame %04x:%lx ss %04x\n",
           v->domain->domain_id, v->vcpu_id, frame->cs, frame->rip, frame->ss);
    domain_crash(v->domain, "return to guest faulted");
    reset_stack_and_ret_to_guest(frame);
}
