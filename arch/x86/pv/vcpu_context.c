/* Loading and reading a PV vCPU's whole context (struct vcpu_guest_context). */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <asm/msr.h>
#include <asm/pv_context.h>
#include <asm/pv_mm.h>
#include <asm/x86_defns.h>

#define LDT_MAX_ENTRIES 8192

static bool context_addresses_ok(const struct vcpu_guest_context *c)
{
    if (!is_canonical_address(c->user_regs.rip) || !is_canonical_address(c->user_regs.rsp) ||
        !is_canonical_address(c->event_callback_eip) ||
        !is_canonical_address(c->failsafe_callback_eip) ||
        !is_canonical_address(c->syscall_callback_eip) ||
        !is_canonical_address(c->fs_base) || !is_canonical_address(c->gs_base_kernel) ||
        !is_canonical_address(c->gs_base_user) || !is_canonical_address(c->ldt_base) ||
        !is_canonical_address(c->kernel_sp))
        return false;
    for (unsigned int i = 0; i < 256; i++)
        if (!is_canonical_address(c->trap_ctxt[i].address))
            return false;
    return true;
}

int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    if (!context_addresses_ok(c))
        return -EINVAL;
    if (c->ldt_ents > LDT_MAX_ENTRIES || (c->ldt_base & (PAGE_SIZE - 1)))
        return -EINVAL;

    /*
     * Hold the new page tables as L4s before anything changes: a table
     * that fails validation must leave v as it was, GDT included. Once
     * held, installing them cannot fail.
     */
    unsigned long l4[2] = { c->ctrlreg[3] >> PAGE_SHIFT, c->ctrlreg[1] >> PAGE_SHIFT };
    unsigned int held = 0;
    int rc = 0;
    for (; held < 2 && (held == 0 || l4[held]); held++) {
        rc = mfn_valid(_mfn(l4[held])) ?
             get_page_and_type_preemptible(mfn_to_page(_mfn(l4[held])), v->domain,
                                           PGT_l4_page_table) : -EINVAL;
        if (rc) {
            rc = rc == -ERESTART ? rc : -EINVAL;                /* -ERESTART: the call is re-issued */
            break;
        }
    }
    if (rc == -ERESTART && held == 1 && !v->arch.guest_table) {
        /*
         * The kernel table is validated, the user table's validation was
         * preempted. Keep the kernel table in v (not initialised, not
         * running) rather than devalidate it, or every round would start
         * over (Xen parks it in old_guest_table): the re-issued call finds
         * it validated, and pv_set_guest_table() then finds it installed.
         */
        v->arch.guest_table = l4[0];                            /* our reference moves there */
        held = 0;
    }
    if (!rc)
        rc = pv_set_gdt(v, c->gdt_frames, (unsigned int)c->gdt_ents);
    if (!rc) {
        for (unsigned int i = 0; i < held; i++)
            BUG_ON(pv_set_guest_table(v, l4[i], i == 1, false));
    }
    /* On failure ours may be the last references: their devalidation is preemptible. */
    while (held-- > 0) {
        if (rc)
            put_page_and_type_preemptible(mfn_to_page(_mfn(l4[held])));
        else
            put_page_and_type(mfn_to_page(_mfn(l4[held])));
    }
    if (rc)
        return rc;

    struct cpu_user_regs *r = &v->arch.user_regs;
    *r = c->user_regs;
    r->cs |= 3;                          /* Xen's fixup_guest_{code,stack}_selector: RPL 3 */
    r->ss |= 3;
    /* The virtual IOPL travels in the context's RFLAGS (Linux gives 1). */
    v->arch.iopl = (unsigned int)((r->rflags & X86_EFLAGS_IOPL) >> 12);
    r->rflags = (r->rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    v->arch.flags = (c->flags & VGCF_in_kernel) ? TF_kernel_mode : 0;
    memcpy(v->arch.trap_ctxt, c->trap_ctxt, sizeof(v->arch.trap_ctxt));
    for (unsigned int i = 0; i < ARRAY_SIZE(v->arch.trap_ctxt); i++)
        v->arch.trap_ctxt[i].cs |= 3;
    v->arch.ldt_base = c->ldt_base;
    v->arch.ldt_ents = (unsigned int)c->ldt_ents;
    v->arch.kernel_ss = c->kernel_ss | 3;
    v->arch.kernel_sp = c->kernel_sp;
    memcpy(v->arch.ctrlreg, c->ctrlreg, sizeof(v->arch.ctrlreg));
    memcpy(v->arch.debugreg, c->debugreg, sizeof(v->arch.debugreg));
    v->arch.event_callback_eip = c->event_callback_eip;
    v->arch.failsafe_callback_eip = c->failsafe_callback_eip;
    v->arch.syscall_callback_eip = c->syscall_callback_eip;
    v->arch.failsafe_disables_events = c->flags & VGCF_failsafe_disables_events;
    v->arch.syscall_disables_events = c->flags & VGCF_syscall_disables_events;
    v->arch.fs_base = c->fs_base;
    v->arch.gs_base_kernel = c->gs_base_kernel;
    v->arch.gs_base_user = c->gs_base_user;
    if (c->flags & VGCF_i387_valid)
        memcpy(v->arch.xsave_area, &c->fpu_ctxt, sizeof(c->fpu_ctxt));
    return 0;
}

void pv_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(&c->fpu_ctxt, v->arch.xsave_area, sizeof(c->fpu_ctxt));
    c->flags = VGCF_i387_valid | ((v->arch.flags & TF_kernel_mode) ? VGCF_in_kernel : 0) |
               (v->pause_flags & VPF_down ? 0 : VGCF_online);
    c->user_regs = v->arch.user_regs;
    memcpy(c->trap_ctxt, v->arch.trap_ctxt, sizeof(c->trap_ctxt));
    c->ldt_base = v->arch.ldt_base;
    c->ldt_ents = v->arch.ldt_ents;
    memcpy(c->gdt_frames, v->arch.gdt_frames, sizeof(v->arch.gdt_frames));
    c->gdt_ents = v->arch.gdt_ents;
    c->kernel_ss = v->arch.kernel_ss;
    c->kernel_sp = v->arch.kernel_sp;
    memcpy(c->ctrlreg, v->arch.ctrlreg, sizeof(c->ctrlreg));
    c->ctrlreg[3] = v->arch.guest_table << PAGE_SHIFT;
    c->ctrlreg[1] = v->arch.guest_table_user << PAGE_SHIFT;
    memcpy(c->debugreg, v->arch.debugreg, sizeof(c->debugreg));
    c->event_callback_eip = v->arch.event_callback_eip;
    c->failsafe_callback_eip = v->arch.failsafe_callback_eip;
    c->syscall_callback_eip = v->arch.syscall_callback_eip;
    c->vm_assist = v->domain->arch.vm_assist;
    c->fs_base = v->arch.fs_base;
    c->gs_base_kernel = v->arch.gs_base_kernel;
    c->gs_base_user = v->arch.gs_base_user;
}
