/*
 * Control and debug registers of a PV guest kernel: MOV to/from CR0, CR2,
 * CR3, CR4 and DR0-DR7, CLTS, WBINVD (Xen 4.17 pv/emul-priv-op.c
 * read_cr()/write_cr()/cache_op(), pv/misc-hypercalls.c set_debugreg(),
 * pv/domain.c pv_fixup_guest_cr4()).
 *
 *  CR0  reads the hardware value with the guest's own TS; a write may only
 *       change TS (HYPERVISOR_fpu_taskswitch), anything else refuses.
 *  CR2  the guest's fault address (vcpu_info.arch.cr2).
 *  CR3  reads the kernel L4's machine address (xen_pfn_to_cr3: mfn << 12);
 *       a write is MMUEXT_NEW_BASEPTR (pv_new_baseptr()).
 *  CR4  the guest controls TSD and DE (recorded only: the hardware CR4 is
 *       the hypervisor's) and sees PAE/MCE/OSFXSR/OSXMMEXCPT from hardware.
 *  DRn  validated and kept in v->arch.debugreg; not loaded into hardware
 *       (Xenia does not yet context-switch debug registers).
 *  WBINVD executed for the hardware domain, ignored for others.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/pv_emulate.h>
#include "emul_internal.h"

#define PV_CR4_GUEST_MASK    (X86_CR4_TSD | X86_CR4_DE)
#define PV_CR4_VISIBLE_MASK  (X86_CR4_PAE | X86_CR4_MCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

#define DR6_RESERVED_ONE     0xffff0ff0UL
#define DR6_RESERVED_ZERO    0x00001000UL
#define DR7_RESERVED_ONE     0x00000400UL
#define DR7_RESERVED_ZERO    0x0000d800UL   /* bits 11, 12, 14, 15 */
#define DR7_GD               0x00002000UL
#define DR7_ACTIVE_MASK      0x000000ffUL
#define DR7_RW_IO            2u

/* modrm_reg()/modrm_rm(): the control/debug register and the GPR of a MOV CR/DR. */
static unsigned int modrm_reg(const struct emul_insn *in)
{
    return ((in->modrm >> 3) & 7) | ((in->rex & REX_R) ? 8 : 0);
}

static unsigned int modrm_rm(const struct emul_insn *in)
{
    return (in->modrm & 7) | ((in->rex & REX_B) ? 8 : 0);
}

/* ---- control registers ---- */

static bool read_cr(const struct vcpu *v, unsigned int cr, unsigned long *val)
{
    switch (cr) {
    case 0:
        *val = (emul_hw_read_cr0() & ~X86_CR0_TS) | (v->arch.ctrlreg[0] & X86_CR0_TS);
        return true;
    case 2:
        *val = v->vcpu_info->arch.cr2;
        return true;
    case 3:
        *val = v->arch.guest_table << 12;
        return true;
    case 4:
        *val = (v->arch.ctrlreg[4] & PV_CR4_GUEST_MASK) |
               (emul_hw_read_cr4() & PV_CR4_VISIBLE_MASK);
        return true;
    default:
        return false;
    }
}

static enum emul_rc write_cr3(struct vcpu *v, unsigned long val)
{
    switch (pv_new_baseptr(v, val >> 12)) {
    case 0:
        return EMUL_DONE;
    case -ERESTART:
        return EMUL_RETRY;
    default:
        return EMUL_FAIL;
    }
}

static enum emul_rc write_cr(struct vcpu *v, unsigned int cr, unsigned long val)
{
    switch (cr) {
    case 0:
        if ((val ^ emul_hw_read_cr0()) & ~X86_CR0_TS)
            return EMUL_FAIL;           /* only TS is the guest's */
        do_fpu_taskswitch(!!(val & X86_CR0_TS));
        return EMUL_DONE;
    case 2:
        v->arch.ctrlreg[2] = val;
        v->vcpu_info->arch.cr2 = val;
        return EMUL_DONE;
    case 3:
        return write_cr3(v, val);
    case 4:
        v->arch.ctrlreg[4] = (val & PV_CR4_GUEST_MASK) |
                             (emul_hw_read_cr4() & PV_CR4_VISIBLE_MASK);
        return EMUL_DONE;
    default:
        return EMUL_FAIL;
    }
}

/* emul_mov_cr(): 0f 20 (MOV reg, CRn) and 0f 22 (MOV CRn, reg); the mod field is ignored. */
enum emul_rc emul_mov_cr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    struct vcpu *v = current;
    unsigned long *gpr = emul_gpr(regs, modrm_rm(in));
    unsigned long val;

    if (in->opcode == 0x22)
        return write_cr(v, modrm_reg(in), in->long_mode ? *gpr : (uint32_t)*gpr);
    if (!read_cr(v, modrm_reg(in), &val))
        return EMUL_FAIL;
    *gpr = in->long_mode ? val : (uint32_t)val;
    return EMUL_DONE;
}

enum emul_rc emul_clts(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    do_fpu_taskswitch(0);
    return EMUL_DONE;
}

enum emul_rc emul_wbinvd(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    /* Xen: ignored without cache-flush permission (Linux uses it in timing loops). */
    if (current->domain->is_privileged)
        emul_hw_wbinvd();
    return EMUL_DONE;
}

/* ---- debug registers ---- */

/* dr_alias(): DR4/DR5 are DR6/DR7 unless CR4.DE; -1 if the access is invalid. */
static int dr_alias(const struct vcpu *v, unsigned int dr)
{
    if (dr == 4 || dr == 5)
        return (v->arch.ctrlreg[4] & X86_CR4_DE) ? -1 : (int)dr + 2;
    return dr < 8 ? (int)dr : -1;
}

/* dr7_ok(): DR7 value acceptable: no GD, I/O breakpoints only with CR4.DE. */
static bool dr7_ok(const struct vcpu *v, unsigned long val)
{
    if (val & DR7_GD)
        return false;
    if (!(val & DR7_ACTIVE_MASK))
        return true;
    for (unsigned int i = 0; i < 4; i++) {
        unsigned int rw = (val >> (16 + 4 * i)) & 3;
        if (rw == DR7_RW_IO && !(v->arch.ctrlreg[4] & X86_CR4_DE))
            return false;
    }
    return true;
}

/* write_dr(): 0, or Xen 4.17's set_debugreg() errors: -EPERM (a DR0-3 address outside the guest, DR7.GD, I/O breakpoints without CR4.DE), -EINVAL (upper half of DR6/DR7). */
static int write_dr(struct vcpu *v, unsigned int dr, unsigned long val)
{
    if (dr < 4) {
        if (!emul_canonical(val) || !guest_range_ok(val, 1))
            return -EPERM;
        v->arch.debugreg[dr] = val;
        return 0;
    }
    if (val != (uint32_t)val)
        return -EINVAL;         /* upper halves of DR6/DR7 are reserved */
    if (dr == 6) {
        v->arch.debugreg[6] = (val & ~DR6_RESERVED_ZERO) | DR6_RESERVED_ONE;
        return 0;
    }
    val = (val & ~DR7_RESERVED_ZERO) | DR7_RESERVED_ONE;
    if (!dr7_ok(v, val))
        return -EPERM;
    v->arch.debugreg[7] = val;
    return 0;
}

static unsigned long read_dr(const struct vcpu *v, unsigned int dr)
{
    if (dr == 6)
        return v->arch.debugreg[6] | DR6_RESERVED_ONE;
    if (dr == 7)
        return v->arch.debugreg[7] | DR7_RESERVED_ONE;
    return v->arch.debugreg[dr];
}

/* emul_mov_dr(): 0f 21 (MOV reg, DRn) and 0f 23 (MOV DRn, reg). */
enum emul_rc emul_mov_dr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    struct vcpu *v = current;
    unsigned long *gpr = emul_gpr(regs, modrm_rm(in));
    int dr = dr_alias(v, modrm_reg(in));

    if (dr < 0)
        return EMUL_FAIL;
    if (in->opcode == 0x23)
        return write_dr(v, (unsigned int)dr, in->long_mode ? *gpr : (uint32_t)*gpr)
               ? EMUL_FAIL : EMUL_DONE;
    *gpr = read_dr(v, (unsigned int)dr);
    return EMUL_DONE;
}

/*
 * HYPERVISOR_set_debugreg (xen.h): DR0-7 of the current vCPU. reg is an
 * int, as Xen's (the upper half of the argument is ignored). 0, -ENODEV (no
 * such register: beyond 7, or DR4/DR5 with CR4.DE), or write_dr()'s
 * -EPERM / -EINVAL.
 */
long do_set_debugreg(hc_arg_t reg, hc_arg_t value)
{
    struct vcpu *v = current;
    unsigned int r = (unsigned int)(int)reg;
    int dr = r < 8 ? dr_alias(v, r) : -1;

    return dr < 0 ? -ENODEV : write_dr(v, (unsigned int)dr, value);
}

/* HYPERVISOR_get_debugreg (xen.h): the value of DRreg (reg an int, as Xen's), or -ENODEV for no such register. */
long do_get_debugreg(hc_arg_t reg)
{
    struct vcpu *v = current;
    unsigned int r = (unsigned int)(int)reg;
    int dr = r < 8 ? dr_alias(v, r) : -1;

    return dr < 0 ? -ENODEV : (long)read_dr(v, (unsigned int)dr);
}
