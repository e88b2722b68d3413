/*
 * CPUID and MSR exits of HVM guests (Xen 4.17's guest_cpuid() HVM view and
 * hvm_msr_read_intercept()/hvm_msr_write_intercept(), narrowed).
 *
 * CPUID: the PV policy (arch/x86/pv/emul_cpuid.c: what Xenia can
 * context-switch), with what an HVM guest owns itself added back: PSE,
 * PGE, PSE36 (its own paging), the topology fields of the toolstack's
 * policy (<asm/hvm/cpuid_topology.h>), the initial APIC ID = 2 x vCPU id
 * (leaf 1, and leaf 0xb's x2APIC ID, as Xen), APIC and
 * x2APIC (the emulated local APIC, arch/x86/hvm/vlapic.c); Xen's leaf
 * 0x40000004 says the vCPU id is in EBX; leaf 0x40000002 ECX carries no PV
 * MMU flag. SVM/VMX stay hidden (no nested virtualisation).
 *
 * MSRs: the hypercall-page MSR (0x40000000), EFER (SVME never visible),
 * PAT, APIC_BASE (xAPIC at 0xfee00000 fixed; enable and x2APIC mode
 * switch as the hardware allows), the x2APIC registers (0x800-0x8ff), TSC, MTRR capability and
 * default type (none), MISC_ENABLE; FS/GS bases and the syscall MSRs are
 * the guest's own (not intercepted). Anything else: #GP(0), as Xen does
 * for an MSR it does not know.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <xen/arch-x86/cpuid.h>
#include <asm/current.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/pv_emulate.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>
#include <asm/hvm/cpuid_topology.h>

#define MSR_HYPERCALL_PAGE   0x40000000u
#define MSR_IA32_TSC         0x00000010u
#define MSR_MTRRcap          0x000000feu
#define MSR_MTRRdefType      0x000002ffu
#define EFER_GUEST_BITS      (EFER_SCE | EFER_LME | EFER_NXE)

/* The CPUID leaf v sees: res = EAX, EBX, ECX, EDX. */
static void hvm_cpuid_leaf(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t res[4])
{
    const struct hvm_domain *h = v->domain->arch.hvm;
    uint32_t l0[4];

    pv_cpuid(leaf, subleaf, res, v->domain);
    hvm_cpuid_topology(h->cpuid_policy, h->nr_cpuid_policy, leaf, subleaf, res);
    if (leaf == 0xb && (pv_cpuid(0, 0, l0, v->domain), l0[0] >= 0xb)) {
        /* Xen: tied to the x2APIC it offers on any vendor: this subleaf, this vCPU's x2APIC ID. */
        res[2] = (res[2] & ~0xffu) | (subleaf & 0xff);
        res[3] = (uint32_t)v->vcpu_id * 2;
    } else if (leaf == 1) {
        struct cpuid_regs hw = cpuid(1);
        res[3] |= hw.edx & ((1u << 3) | (1u << 13) | (1u << 17));   /* PSE PGE PSE36 */
        res[1] = (res[1] & 0x00ffffffu) | ((uint32_t)v->vcpu_id << 25);
        res[3] |= 1u << 9;                                          /* APIC: emulated */
        res[2] |= 1u << 21;                                         /* x2APIC: Xen offers it */
    } else if (leaf == 0x80000001) {
        struct cpuid_regs hw = cpuid(0x80000001);
        res[3] |= hw.edx & ((1u << 3) | (1u << 13) | (1u << 17));
        res[2] &= ~(1u << 2);                                       /* SVM */
    } else if (leaf == XEN_CPUID_FIRST_LEAF + 2) {
        res[2] = 0;
    } else if (leaf == XEN_CPUID_FIRST_LEAF + 4 && subleaf == 0) {
        res[0] = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
        res[1] = (uint32_t)v->vcpu_id;
        res[2] = v->domain->domain_id;
    }
}

void hvm_cpuid(struct cpu_user_regs *frame, unsigned int insn_len)
{
    uint32_t res[4];

    hvm_cpuid_leaf(current, (uint32_t)frame->rax, (uint32_t)frame->rcx, res);
    frame->rax = res[0];
    frame->rbx = res[1];
    frame->rcx = res[2];
    frame->rdx = res[3];
    frame->rip += insn_len;
}

#define BIT_IF(reg, bit, cr4bit) (((reg) >> (bit)) & 1 ? (uint64_t)(cr4bit) : 0)

uint64_t hvm_cr4_guest_valid_bits(struct vcpu *v)
{
    uint32_t l1[4], l7[4] = { 0 }, l0[4];

    hvm_cpuid_leaf(v, 0, 0, l0);
    hvm_cpuid_leaf(v, 1, 0, l1);
    if (l0[0] >= 7)
        hvm_cpuid_leaf(v, 7, 0, l7);
    /* Xen's list: a bit is valid when the feature behind it is in the guest's CPUID. */
    return BIT_IF(l1[3], 1, 3) |                /* VME: VME, PVI */
           BIT_IF(l1[3], 4, 1u << 2) |          /* TSC: TSD */
           BIT_IF(l1[3], 2, 1u << 3) |          /* DE */
           BIT_IF(l1[3], 3, 1u << 4) |          /* PSE */
           BIT_IF(l1[3], 6, 1u << 5) |          /* PAE */
           BIT_IF(l1[3], 7, 1u << 6) |          /* MCE */
           BIT_IF(l1[3], 13, 1u << 7) |         /* PGE */
           (1u << 8) |                          /* PCE */
           BIT_IF(l1[3], 24, 1u << 9) |         /* FXSR: OSFXSR */
           BIT_IF(l1[3], 25, 1u << 10) |        /* SSE: OSXMMEXCPT */
           BIT_IF(l7[2], 2, 1u << 11) |         /* UMIP */
           BIT_IF(l7[1], 0, 1u << 16) |         /* FSGSBASE */
           BIT_IF(l1[2], 17, 1u << 17) |        /* PCID: PCIDE */
           BIT_IF(l1[2], 26, 1u << 18) |        /* XSAVE: OSXSAVE */
           BIT_IF(l7[1], 7, 1u << 20) |         /* SMEP */
           BIT_IF(l7[1], 20, 1u << 21) |        /* SMAP */
           BIT_IF(l7[2], 3, 1u << 22);          /* PKU: PKE */
}

uint64_t hvm_efer_guest_valid_bits(struct vcpu *v)
{
    uint32_t e1[4];

    hvm_cpuid_leaf(v, 0x80000001, 0, e1);
    return BIT_IF(e1[3], 11, EFER_SCE) | BIT_IF(e1[3], 29, EFER_LME | EFER_LMA) |
           BIT_IF(e1[3], 20, EFER_NXE);
}

int hvm_msr_read(struct cpu_user_regs *frame, unsigned int insn_len)
{
    struct vcpu *v = current;
    uint64_t val;

    switch ((uint32_t)frame->rcx) {
    case MSR_EFER: {
        uint64_t cr0, cr3, cr4, efer;
        hvm_funcs->get_paging(v, &cr0, &cr3, &cr4, &efer);
        val = v->arch.hvm->guest_efer | (efer & EFER_LMA);
        break;
    }
    case MSR_PAT:             val = v->arch.hvm->msr_pat; break;
    case MSR_APIC_BASE:       val = v->arch.hvm->apic_base; break;
    case MSR_IA32_TSC:        val = rdtsc(); break;
    case MSR_MTRRcap:         val = 0; break;
    case MSR_MTRRdefType:     val = 0; break;
    case MSR_IA32_MISC_ENABLE: val = 1; break;   /* fast strings */
    default:
        if (vlapic_msr_read(v, (uint32_t)frame->rcx, &val))
            return -1;
        break;
    }
    frame->rax = (uint32_t)val;
    frame->rdx = val >> 32;
    frame->rip += insn_len;
    return 0;
}

int hvm_msr_write(struct cpu_user_regs *frame, unsigned int insn_len)
{
    struct vcpu *v = current;
    uint64_t val = ((uint64_t)(uint32_t)frame->rdx << 32) | (uint32_t)frame->rax;

    switch ((uint32_t)frame->rcx) {
    case MSR_HYPERCALL_PAGE:
        /* Page index in bits 0-11: one page only. */
        if ((val & (PAGE_SIZE - 1)) || hvm_write_hypercall_page(v->domain, val >> PAGE_SHIFT))
            return -1;
        break;
    case MSR_EFER: {
        uint64_t cr0, cr3, cr4, efer;
        hvm_funcs->get_paging(v, &cr0, &cr3, &cr4, &efer);
        if (val & ~(uint64_t)(EFER_GUEST_BITS | EFER_LMA))
            return -1;
        /* As the hardware: LME cannot change while paging is on. */
        if (((val ^ v->arch.hvm->guest_efer) & EFER_LME) && (cr0 & HVM_CR0_PG))
            return -1;
        hvm_funcs->set_efer(v, val);
        break;
    }
    case MSR_PAT:
        v->arch.hvm->msr_pat = val;     /* the VMCB's g_pat follows at the next change (later) */
        break;
    case MSR_MTRRdefType:
    case MSR_IA32_MISC_ENABLE:
        break;                          /* ignored */
    case MSR_APIC_BASE: {
        uint64_t old = v->arch.hvm->apic_base, keep = 0xfee00000ULL | (1ULL << 8);
        /* Only enable/EXTD change; x2APIC needs the APIC enabled; x2APIC -> xAPIC only via off. */
        if ((val & ~(APIC_BASE_ENABLE | APIC_BASE_EXTD)) != (old & keep) ||
            ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_ENABLE)) ||
            ((old & APIC_BASE_EXTD) && (val & APIC_BASE_ENABLE) && !(val & APIC_BASE_EXTD)))
            return -1;
        v->arch.hvm->apic_base = val;
        break;
    }
    default:
        if (vlapic_msr_write(v, (uint32_t)frame->rcx, val))
            return -1;
        break;
    }
    frame->rip += insn_len;
    return 0;
}
