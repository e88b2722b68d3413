/*
 * PV exceptions and the hypercalls that register a guest's entry points:
 * set_trap_table, set_callbacks, callback_op, stack_switch,
 * fpu_taskswitch, set_segment_base (xen.h, callback.h, xen-x86_64.h).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xen/callback.h>
#include <asm/current.h>
#include <asm/msr.h>
#include <asm/pv_bounce.h>
#include <asm/pv_domain.h>
#include <asm/pv_emulate.h>
#include <asm/pv_ptwr.h>
#include <asm/traps.h>

#define X86_CR0_TS      0x8UL
#define PFEC_user_mode  (1 << 2)

static bool vector_has_error_code(unsigned int vec)
{
    return vec == TRAP_double_fault || vec == TRAP_invalid_tss ||
           vec == TRAP_no_segment || vec == TRAP_stack_error ||
           vec == TRAP_gp_fault || vec == TRAP_page_fault ||
           vec == TRAP_alignment_check;
}

void pv_handle_guest_exception(struct cpu_user_regs *regs, unsigned long cr2)
{
    unsigned int vec = regs->entry_vector;
    struct vcpu *v = current;

    switch (vec) {
    case TRAP_gp_fault:
        if (pv_emulate_privileged_op(regs))
            return;
        break;
    case TRAP_invalid_op:
        if (pv_emulate_forced_invalid_op(regs))
            return;
        break;
    case TRAP_page_fault:
        if (pv_emulate_pt_write(regs, cr2, regs->error_code))
            return;
        break;
    case TRAP_no_device:
        /* Lazy FPU: the guest asked for CR0.TS; clear it and let the guest see #NM. */
        __asm__ __volatile__("clts");
        v->arch.ctrlreg[0] &= ~X86_CR0_TS;
        break;
    case TRAP_machine_check:
        printk("d%uv%d: #MC while in guest ignored\n", v->domain->domain_id, v->vcpu_id);
        return;
    default:
        break;
    }
    int32_t error_code = vector_has_error_code(vec) ? (int32_t)regs->error_code : -1;
    /* The guest kernel runs in ring 3, but its faults are kernel-mode faults. */
    if (vec == TRAP_page_fault && (v->arch.flags & TF_kernel_mode))
        error_code &= ~PFEC_user_mode;
    if (vec == TRAP_page_fault)
        pv_inject_page_fault(regs, cr2, (uint32_t)error_code);
    else
        pv_inject_trap(regs, vec, error_code);
}

void pv_handle_int80(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    const struct trap_info *ti = &v->arch.trap_ctxt[LEGACY_SYSCALL_VECTOR];
    unsigned int need_dpl = (v->arch.flags & TF_kernel_mode) ? 1 : 3;

    if (ti->address && TI_GET_DPL(ti) >= need_dpl) {
        pv_create_bounce_frame(regs, ti->address, TI_GET_IF(ti) ? TBF_INTERRUPT : 0, 0);
        return;
    }
    /* As if the gate were DPL0: #GP naming IDT entry 0x80, at the INT itself. */
    regs->rip -= 2;
    pv_inject_trap(regs, TRAP_gp_fault, (LEGACY_SYSCALL_VECTOR << 3) | 2);
}

/* HYPERVISOR_set_trap_table (xen.h): array terminated by address == 0; NULL clears all. */
long do_set_trap_table(hc_arg_t traps)
{
    struct vcpu *v = current;
    struct trap_info ti;
    const struct trap_info *guest = (const struct trap_info *)traps;

    if (!traps) {
        memset(v->arch.trap_ctxt, 0, sizeof(v->arch.trap_ctxt));
        return 0;
    }
    for (unsigned int i = 0; i < 256; i++) {
        if (raw_copy_from_guest(&ti, &guest[i], sizeof(ti)))
            return -EFAULT;
        if (!ti.address)
            return 0;
        if (!is_canonical_address(ti.address))
            return -EINVAL;
        ti.cs |= 3;                     /* Xen's fixup_guest_code_selector: the kernel is ring 3 */
        v->arch.trap_ctxt[ti.vector] = ti;
    }
    return 0;
}

static long register_callback(struct vcpu *v, const struct callback_register *reg)
{
    unsigned long addr = reg->address;
    bool mask = reg->flags & CALLBACKF_mask_events;

    if (!is_canonical_address(addr))
        return -EINVAL;
    switch (reg->type) {
    case CALLBACKTYPE_event:
        v->arch.event_callback_eip = addr;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->arch.failsafe_callback_eip = addr;
        v->arch.failsafe_disables_events = mask;
        return 0;
    case CALLBACKTYPE_syscall:
        v->arch.syscall_callback_eip = addr;
        v->arch.syscall_disables_events = mask;
        return 0;
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
        return 0;                       /* 32-bit user space entry: accepted, unused yet */
    case CALLBACKTYPE_nmi:
        return 0;
    default:
        return -ENOSYS;
    }
}

/* HYPERVISOR_set_callbacks (xen-x86_64.h): event, failsafe, syscall addresses. */
long do_set_callbacks(hc_arg_t event_address, hc_arg_t failsafe_address, hc_arg_t syscall_address)
{
    struct vcpu *v = current;
    struct callback_register reg = { .flags = 0 };
    long rc;

    reg.type = CALLBACKTYPE_event;
    reg.address = event_address;
    if ((rc = register_callback(v, &reg)))
        return rc;
    reg.type = CALLBACKTYPE_failsafe;
    reg.address = failsafe_address;
    if ((rc = register_callback(v, &reg)))
        return rc;
    reg.type = CALLBACKTYPE_syscall;
    reg.address = syscall_address;
    return register_callback(v, &reg);
}

/* HYPERVISOR_callback_op (callback.h): CALLBACKOP_register / unregister. */
long do_callback_op(hc_arg_t cmd, hc_arg_t arg)
{
    struct vcpu *v = current;

    switch (cmd) {
    case CALLBACKOP_register: {
        struct callback_register reg;
        if (raw_copy_from_guest(&reg, (void *)arg, sizeof(reg)))
            return -EFAULT;
        return register_callback(v, &reg);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister unreg;
        if (raw_copy_from_guest(&unreg, (void *)arg, sizeof(unreg)))
            return -EFAULT;
        if (unreg.type == CALLBACKTYPE_event || unreg.type == CALLBACKTYPE_failsafe)
            return -EINVAL;             /* Xen: these cannot be unregistered */
        struct callback_register reg = { .type = unreg.type, .address = 0 };
        return register_callback(v, &reg);
    }
    default:
        return -ENOSYS;
    }
}

/* HYPERVISOR_stack_switch (xen.h): the guest kernel stack used when entering from user mode. */
long do_stack_switch(hc_arg_t ss, hc_arg_t esp)
{
    struct vcpu *v = current;
    v->arch.kernel_ss = ss | 3;         /* Xen's fixup_guest_stack_selector */
    v->arch.kernel_sp = esp;
    return 0;
}

/* HYPERVISOR_fpu_taskswitch (xen.h): set (1) or clear (0) the guest's CR0.TS. */
long do_fpu_taskswitch(hc_arg_t set)
{
    struct vcpu *v = current;
    if (set) {
        v->arch.ctrlreg[0] |= X86_CR0_TS;
        unsigned long cr0;
        __asm__ __volatile__("mov %%cr0, %0; or %1, %0; mov %0, %%cr0"
                             : "=&r"(cr0) : "i"(X86_CR0_TS));
    } else {
        v->arch.ctrlreg[0] &= ~X86_CR0_TS;
        __asm__ __volatile__("clts");
    }
    return 0;
}

/* HYPERVISOR_set_segment_base (xen-x86_64.h): SEGBASE_FS/GS_USER/GS_KERNEL/GS_USER_SEL. */
long do_set_segment_base(hc_arg_t which, hc_arg_t base)
{
    struct vcpu *v = current;
    bool kernel = v->arch.flags & TF_kernel_mode;

    switch (which) {
    case SEGBASE_FS:
        if (!is_canonical_address(base))
            return -EINVAL;
        v->arch.fs_base = base;
        wrmsr(MSR_FS_BASE, base);
        return 0;
    case SEGBASE_GS_USER:
        if (!is_canonical_address(base))
            return -EINVAL;
        v->arch.gs_base_user = base;
        wrmsr(kernel ? MSR_SHADOW_GS_BASE : MSR_GS_BASE, base);
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!is_canonical_address(base))
            return -EINVAL;
        v->arch.gs_base_kernel = base;
        wrmsr(kernel ? MSR_GS_BASE : MSR_SHADOW_GS_BASE, base);
        return 0;
    case SEGBASE_GS_USER_SEL: {
        /*
         * Load the user %gs selector without disturbing the kernel GS base.
         * As Xen: a non-NUL selector gets RPL 3; before a NUL one, a flat
         * selector (base 0) is loaded, since AMD CPUs keep the old base on
         * a NUL load; a selector that faults loads NUL.
         */
        unsigned int sel = (uint16_t)base;
        if (!kernel)
            return -EINVAL;
        if (sel > 3)
            sel |= 3;
        __asm__ __volatile__("swapgs\n\t"
                             "test $~3, %k0\n\t"
                             "jnz 1f\n\t"
                             "mov %k1, %%gs\n\t"
                             "1: mov %k0, %%gs\n\t"
                             "2: swapgs\n\t"
                             ".section .fixup_sreg, \"ax\"\n"
                             "3: mov %k1, %%gs\n\t"
                             "xor %k0, %k0\n\t"
                             "jmp 1b\n"
                             ".previous\n"
                             ".section .ex_table, \"a\"\n"
                             ".align 8\n"
                             ".quad 1b, 3b\n"
                             ".previous" : "+r"(sel) : "r"(FLAT_USER_DS32));
        v->arch.gs_base_user = rdmsr(MSR_SHADOW_GS_BASE);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

