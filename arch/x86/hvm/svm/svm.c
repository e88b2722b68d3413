/*
 * The AMD SVM back end of the HVM core (see <asm/hvm/hvm.h>): detection,
 * per-pCPU enabling, the VMCB of each vCPU, VM entry and #VMEXIT dispatch.
 * Hardware facts from AMD's APM vol. 2 ch. 15 (<asm/hvm/svm_vmcb.h>).
 *
 * Per pCPU: EFER.SVME, a host save area (MSR_VM_HSAVE_PA) and a page the
 * host's VMSAVE state goes to before each VMRUN. Per vCPU: one VMCB.
 * Shared by every vCPU: the MSR permission map (all MSRs intercepted but
 * the ones VMLOAD/VMSAVE switch) and the I/O permission map (all ports).
 *
 * ASIDs: every vCPU runs with ASID 1 and a full TLB flush on each VMRUN
 * (TLB_CONTROL = 1): correct, not fast; per-pCPU ASID generations later.
 * Without NRIP save (QEMU's TCG has none) instruction lengths are known
 * per exit: CPUID, RDMSR/WRMSR 2 bytes, VMMCALL 3, HLT 1; IOIO gives the
 * next RIP in EXITINFO2.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/percpu.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <asm/x86_defns.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/emulate.h>
#include <asm/hvm/intr.h>
#include <asm/hvm/vlapic.h>
#include "svm.h"

/* The GPR offsets entry.S uses (Xen's struct cpu_user_regs). */
BUILD_BUG_ON(offsetof(struct cpu_user_regs, rbx) != 40);
BUILD_BUG_ON(offsetof(struct cpu_user_regs, r8) != 72);
BUILD_BUG_ON(offsetof(struct cpu_user_regs, rdi) != 112);

static DEFINE_PER_CPU(bool, svm_enabled);
static DEFINE_PER_CPU(paddr_t, svm_hsave_pa);        /* MSR_VM_HSAVE_PA's page */
static DEFINE_PER_CPU(paddr_t, svm_host_vmsave_pa);  /* the host's VMSAVE state */
static paddr_t msrpm_pa, iopm_pa;

static struct svm_vcpu *svm(const struct vcpu *v)
{
    return v->arch.hvm->vendor;
}

/* MSRs whose state VMLOAD/VMSAVE carry: the guest reads and writes them directly. */
static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_SHADOW_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
    MSR_SYSCALL_MASK, 0x174, 0x175, 0x176,      /* SYSENTER_CS/ESP/EIP */
};

/* Clear an MSR's read and write intercept bits (APM 15.11: 2 bits per MSR, 3 ranges). */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    uint32_t base;

    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        base = 0x800, msr -= 0xc0000000;
    else if (msr >= 0xc0010000 && msr < 0xc0012000)
        base = 0x1000, msr -= 0xc0010000;
    else
        return;
    pm[base + msr / 4] &= (uint8_t)~(3u << ((msr % 4) * 2));
}

/*
 * Enable SVM on this pCPU with the pages svm_probe() set aside for it (no
 * allocation: this runs with interrupts off before a pCPU's first VMRUN).
 */
static int svm_cpu_up(void)
{
    if (this_cpu(svm_enabled))
        return 0;
    if (!this_cpu(svm_hsave_pa) || !this_cpu(svm_host_vmsave_pa))
        return -ENOMEM;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, this_cpu(svm_hsave_pa));
    this_cpu(svm_enabled) = true;
    return 0;
}

static void svm_intr_window(struct vmcb *vmcb, bool want);

static struct svm_segment svm_seg(const struct hvm_seg *s)
{
    return (struct svm_segment){ .sel = s->sel, .attrib = s->attr, .limit = s->limit,
                                 .base = s->base };
}

static void svm_set_cpu_state(struct vcpu *v, const struct hvm_cpu_state *s)
{
    struct vmcb *vmcb = svm(v)->vmcb;

    vmcb->cs = svm_seg(&s->cs);
    vmcb->ds = svm_seg(&s->ds);
    vmcb->es = svm_seg(&s->es);
    vmcb->ss = svm_seg(&s->ss);
    vmcb->fs = svm_seg(&s->fs);
    vmcb->gs = svm_seg(&s->gs);
    vmcb->tr = svm_seg(&s->tr);
    vmcb->ldtr = svm_seg(&s->ldtr);
    vmcb->gdtr = svm_seg(&s->gdtr);
    vmcb->idtr = svm_seg(&s->idtr);
    vmcb->cpl = (s->cs.attr >> 5) & 3;  /* CS.DPL (0 in real mode) */
    vmcb->cr0 = s->cr0 | HVM_CR0_ET;
    vmcb->cr2 = 0;
    vmcb->cr3 = s->cr3;
    vmcb->cr4 = s->cr4;
    /* LMA only where the hardware would have set it: LME with paging on. */
    vmcb->efer = (s->efer & ~(uint64_t)EFER_LMA) | EFER_SVME;
    if ((s->efer & EFER_LME) && (s->cr0 & HVM_CR0_PG))
        vmcb->efer |= EFER_LMA;
    v->arch.hvm->guest_efer = s->efer & ~(uint64_t)EFER_LMA;
    vmcb->dr6 = 0xffff0ff0;
    vmcb->dr7 = 0x400;
    vmcb->g_pat = 0x0007040600070406ULL;
    v->arch.hvm->msr_pat = vmcb->g_pat;
    vmcb->eventinj = 0;
    vmcb->interrupt_shadow = 0;
    vmcb->intercepts1 &= ~SVM_INTERCEPT_IRET;   /* NMIs unblocked, as at reset */
    svm_intr_window(vmcb, false);
}

static int svm_vcpu_initialise(struct vcpu *v)
{
    struct svm_vcpu *s = xzalloc_bytes(sizeof(*s));
    struct vmcb *vmcb = alloc_xenheap_page();

    if (!s || !vmcb) {
        xfree_bytes(s, sizeof(*s));
        if (vmcb)
            free_xenheap_page(vmcb);
        return -ENOMEM;
    }
    s->vmcb = vmcb;
    s->vmcb_pa = __pa(vmcb);
    s->asid = 1;
    v->arch.hvm->vendor = s;

    vmcb->intercepts1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI |
                        SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD |
                        SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO_PROT |
                        SVM_INTERCEPT_MSR_PROT | SVM_INTERCEPT_TASK_SWITCH |
                        SVM_INTERCEPT_SHUTDOWN;
    vmcb->intercepts2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
                        SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
                        SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_XSETBV;
    vmcb->iopm_base_pa = iopm_pa;
    vmcb->msrpm_base_pa = msrpm_pa;
    vmcb->asid = s->asid;
    vmcb->tlb_control = SVM_TLB_FLUSH_ALL;
    vmcb->vintr = SVM_VINTR_MASKING;
    vmcb->np_enable = 1;
    vmcb->n_cr3 = (uint64_t)v->domain->arch.hvm->p2m.root_mfn << PAGE_SHIFT;
    return 0;
}

/* No pCPU caches a VMCB between VMRUNs (VMLOAD/VMSAVE each time): freeing it needs no flush. */
static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *s = svm(v);

    free_xenheap_page(s->vmcb);
    v->arch.hvm->vendor = NULL;
    xfree_bytes(s, sizeof(*s));
}

static void svm_get_paging(const struct vcpu *v, uint64_t *cr0, uint64_t *cr3,
                           uint64_t *cr4, uint64_t *efer)
{
    const struct vmcb *vmcb = svm(v)->vmcb;

    *cr0 = vmcb->cr0;
    *cr3 = vmcb->cr3;
    *cr4 = vmcb->cr4;
    *efer = vmcb->efer;
}

static unsigned int svm_get_cpl(const struct vcpu *v)
{
    return svm(v)->vmcb->cpl;
}

static bool svm_long_mode_code(const struct vcpu *v)
{
    const struct vmcb *vmcb = svm(v)->vmcb;

    return (vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & SVM_SEG_ATTR_L);
}

static void svm_inject_exception(struct vcpu *v, unsigned int vector, int ec)
{
    uint64_t ev = vector | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_VALID;

    if (ec >= 0)
        ev |= SVM_EVENT_EV | ((uint64_t)(uint32_t)ec << 32);
    svm(v)->vmcb->eventinj = ev;
}

static void svm_inject_page_fault(struct vcpu *v, uint32_t pfec, uint64_t cr2)
{
    svm(v)->vmcb->cr2 = cr2;
    svm_inject_exception(v, 14, (int)pfec);
}

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
    struct vmcb *vmcb = svm(v)->vmcb;

    v->arch.hvm->guest_efer = efer & ~(uint64_t)EFER_LMA;
    /* LMA is the hardware's to set (CR0.PG with LME); SVME must stay on for VMRUN. */
    vmcb->efer = (efer & ~(uint64_t)EFER_LMA) | (vmcb->efer & EFER_LMA) | EFER_SVME;
}

static bool svm_interrupt_shadow(const struct vcpu *v)
{
    return svm(v)->vmcb->interrupt_shadow & SVM_INTERRUPT_SHADOW;
}

/*
 * SVM does not track NMI blocking for its guest: as Xen, an injected NMI
 * turns on the IRET intercept, and NMIs stay blocked until that IRET's
 * #VMEXIT (or an interrupt shadow is active).
 */
static bool svm_nmi_blocked(const struct vcpu *v)
{
    const struct vmcb *vmcb = svm(v)->vmcb;

    return (vmcb->intercepts1 & SVM_INTERCEPT_IRET) ||
           (vmcb->interrupt_shadow & SVM_INTERRUPT_SHADOW);
}

/* Ask for a #VMEXIT (VINTR) as soon as the guest can take an interrupt, or stop asking. */
static void svm_intr_window(struct vmcb *vmcb, bool want)
{
    if (want) {
        vmcb->vintr |= SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | (0xfULL << SVM_VINTR_PRIO_SHIFT);
        vmcb->intercepts1 |= SVM_INTERCEPT_VINTR;
    } else {
        vmcb->vintr &= ~(SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | (0xfULL << SVM_VINTR_PRIO_SHIFT));
        vmcb->intercepts1 &= ~SVM_INTERCEPT_VINTR;
    }
}

/*
 * Xen's svm_intr_assist(): before VM entry, inject the vector the vCPU
 * should take (callback vector, local APIC) if it can take it now, else
 * open an interrupt window so the guest exits when it can.
 */
static void svm_intr_assist(struct vcpu *v, struct vmcb *vmcb, const struct cpu_user_regs *frame)
{
    bool lapic;
    int vec = hvm_pending_vector(v, &lapic);

    /* An NMI first, when it can be taken (the interrupt then waits for its window). */
    if (ACCESS_ONCE(v->arch.hvm->nmi_pending) && !(vmcb->eventinj & SVM_EVENT_VALID) &&
        !svm_nmi_blocked(v)) {
        __atomic_store_n(&v->arch.hvm->nmi_pending, false, __ATOMIC_SEQ_CST);
        vmcb->eventinj = 2 | SVM_EVENT_TYPE_NMI | SVM_EVENT_VALID;
        vmcb->intercepts1 |= SVM_INTERCEPT_IRET;
    }
    switch (hvm_intr_decide(vec, frame->rflags, vmcb->interrupt_shadow & SVM_INTERRUPT_SHADOW,
                            vmcb->eventinj & SVM_EVENT_VALID)) {
    case HVM_INTR_NONE:
        svm_intr_window(vmcb, false);
        break;
    case HVM_INTR_WINDOW:
        svm_intr_window(vmcb, true);
        break;
    case HVM_INTR_INJECT:
        if (lapic)
            vlapic_ack(v, (uint8_t)vec);
        vmcb->eventinj = (uint32_t)vec | SVM_EVENT_TYPE_INTR | SVM_EVENT_VALID;
        svm_intr_window(vmcb, false);
        break;
    }
}

/*
 * svm_vmenter_prepare(): called by entry.S with IF = 0 right before VMRUN:
 * the frame's rip/rsp/rflags/rax into the VMCB, the host's VMSAVE state
 * saved. Returns the VMCB's physical address.
 */
paddr_t svm_vmenter_prepare(struct cpu_user_regs *frame);
paddr_t svm_vmenter_prepare(struct cpu_user_regs *frame)
{
    struct vcpu *v = current;
    struct svm_vcpu *s = svm(v);
    struct vmcb *vmcb = s->vmcb;

    hvm_cpu_up();
    hvm_vcpu_load_pending_state(v, frame);
    vmcb->rip = frame->rip;
    vmcb->rsp = frame->rsp;
    vmcb->rflags = frame->rflags | 0x2;
    vmcb->rax = frame->rax;
    vmcb->tlb_control = SVM_TLB_FLUSH_ALL;
    svm_intr_assist(v, vmcb, frame);
    s->history[(s->history_next - 1) % SVM_EXIT_HISTORY].injected = vmcb->eventinj;
    __asm__ __volatile__("vmsave %%rax" :: "a"(this_cpu(svm_host_vmsave_pa)) : "memory");
    return s->vmcb_pa;
}

/* Print v's state and its last exits (oldest first), headed by why. */
static void svm_print_state(struct vcpu *v, const char *why)
{
    const struct svm_vcpu *s = svm(v);
    const struct vmcb *vmcb = s->vmcb;
    const struct cpu_user_regs *r = guest_cpu_user_regs();

    printk("d%uv%d: %s: exit %#lx info1 %#lx info2 %#lx rip %#lx cr0 %#lx efer %#lx\n",
           v->domain->domain_id, v->vcpu_id, why, (unsigned long)vmcb->exitcode,
           (unsigned long)vmcb->exitinfo1, (unsigned long)vmcb->exitinfo2,
           (unsigned long)vmcb->rip, (unsigned long)vmcb->cr0, (unsigned long)vmcb->efer);
    printk("  rsp %#lx rflags %#lx cr2 %#lx cr3 %#lx cr4 %#lx cs %04x/%03x ss %04x/%03x cpl %u\n",
           (unsigned long)vmcb->rsp, (unsigned long)vmcb->rflags, (unsigned long)vmcb->cr2,
           (unsigned long)vmcb->cr3, (unsigned long)vmcb->cr4, vmcb->cs.sel, vmcb->cs.attrib,
           vmcb->ss.sel, vmcb->ss.attrib, vmcb->cpl);
    printk("  idtr %#lx/%#x gdtr %#lx/%#x tr %04x %#lx/%#x gs %#lx kgs %#lx shadow %lu\n",
           (unsigned long)vmcb->idtr.base, vmcb->idtr.limit, (unsigned long)vmcb->gdtr.base,
           vmcb->gdtr.limit, vmcb->tr.sel, (unsigned long)vmcb->tr.base, vmcb->tr.limit,
           (unsigned long)vmcb->gs.base, (unsigned long)vmcb->kernel_gs_base,
           (unsigned long)vmcb->interrupt_shadow);
    printk("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx rbp %#lx\n",
           (unsigned long)r->rax, (unsigned long)r->rbx, (unsigned long)r->rcx,
           (unsigned long)r->rdx, (unsigned long)r->rsi, (unsigned long)r->rdi,
           (unsigned long)r->rbp);
    for (unsigned int i = 0; i < SVM_EXIT_HISTORY; i++) {
        const struct svm_exit_record *e =
            &s->history[(s->history_next + i) % SVM_EXIT_HISTORY];
        if (e->exitcode || e->rip)
            printk("  exit %#lx rip %#lx info1 %#lx intinfo %#lx then injected %#lx\n",
                   (unsigned long)e->exitcode, (unsigned long)e->rip,
                   (unsigned long)e->exitinfo1, (unsigned long)e->exitintinfo,
                   (unsigned long)e->injected);
    }
    hvm_dump_linear_walk(v, vmcb->rip);
    hvm_dump_linear_walk(v, vmcb->idtr.base);
    printk("  p2m audit d%u: %lu RAM entries name frames d does not hold\n",
           v->domain->domain_id, hvm_p2m_audit(v->domain));
}

/* Print v's state, then crash its domain. */
static void svm_crash(struct vcpu *v, const char *why)
{
    svm_print_state(v, why);
    domain_crash(v->domain, why);
}

/*
 * INS/OUTS: the exit gives port, size, direction and REP; the address size
 * and OUTS's segment come from EXITINFO1 where the CPU has decode assists,
 * else from the instruction's prefixes. INS writes ES:rDI, OUTS reads
 * DS:rSI or the override; in 64-bit code only FS and GS have a base.
 */
static void svm_string_io(struct cpu_user_regs *frame, const struct vmcb *vmcb, uint32_t info)
{
    struct vcpu *v = current;
    bool lm = svm_long_mode_code(v);
    unsigned int bytes = (info >> SVM_IOIO_SZ_SHIFT) & 7;
    unsigned int addr_bytes = ((info >> SVM_IOIO_ASZ_SHIFT) & 7) * 2;
    unsigned int seg = (info >> SVM_IOIO_SEG_SHIFT) & 7;

    if (!addr_bytes) {                  /* no decode assists: read the prefixes */
        uint8_t insn[HVM_INSN_MAX];
        struct hvm_string_insn si;
        unsigned long rip = lm ? frame->rip : (uint32_t)(vmcb->cs.base + frame->rip);
        size_t got = sizeof(insn) - hvm_copy_from_guest_linear(insn, (void *)rip, sizeof(insn));
        if (hvm_decode_string_io(insn, got, lm, &si)) {
            svm_crash(v, "string port I/O: the instruction cannot be read back");
            return;
        }
        bool code32 = vmcb->cs.attrib & SVM_SEG_ATTR_DB;
        addr_bytes = lm ? (si.addr_override ? 4 : 8) : (code32 != si.addr_override) ? 4 : 2;
        seg = si.seg >= 0 ? (unsigned int)si.seg : 3;
    }
    const struct svm_segment *segs[] = { &vmcb->es, &vmcb->cs, &vmcb->ss, &vmcb->ds, &vmcb->fs, &vmcb->gs };
    if ((info & SVM_IOIO_IN) || seg > 5)
        seg = 0;                        /* INS: always ES */
    struct hvm_string_io io = {
        .port = info >> SVM_IOIO_PORT_SHIFT,
        .bytes = bytes == 4 ? 4 : bytes == 2 ? 2 : 1,
        .addr_bytes = addr_bytes,
        .in = info & SVM_IOIO_IN,
        .rep = info & SVM_IOIO_REP,
        .seg_base = (lm && seg < 4) ? 0 : segs[seg]->base,
        .next_rip = vmcb->exitinfo2,
    };
    hvm_string_portio(frame, &io);
}

static void svm_handle_ioio(struct cpu_user_regs *frame, const struct vmcb *vmcb)
{
    uint32_t info = (uint32_t)vmcb->exitinfo1;
    unsigned int bytes = (info >> SVM_IOIO_SZ_SHIFT) & 7;

    if (info & SVM_IOIO_STR) {
        svm_string_io(frame, vmcb, info);
        return;
    }
    hvm_portio(frame, info >> SVM_IOIO_PORT_SHIFT, bytes == 4 ? 4 : bytes == 2 ? 2 : 1,
               info & SVM_IOIO_IN, vmcb->exitinfo2);
}

static void svm_dispatch(struct vcpu *v, struct cpu_user_regs *frame, struct vmcb *vmcb)
{
    switch (vmcb->exitcode) {
    case SVM_EXIT_INTR:
    case SVM_EXIT_NMI:
    case SVM_EXIT_SMI:
        break;                          /* taken by the host at STGI */
    case SVM_EXIT_CPUID:
        hvm_cpuid(frame, 2);
        break;
    case SVM_EXIT_MSR:
        if ((vmcb->exitinfo1 ? hvm_msr_write(frame, 2) : hvm_msr_read(frame, 2)) < 0)
            svm_inject_exception(v, 13, 0);
        break;
    case SVM_EXIT_VMMCALL:
        hvm_hypercall(frame, 3);
        break;
    case SVM_EXIT_VINTR:
        svm_intr_window(vmcb, false);   /* the window is open: the next entry injects */
        break;
    case SVM_EXIT_HLT:
        frame->rip += 1;
        vmcb->interrupt_shadow = 0;     /* past the instruction: an STI shadow is over */
        if (frame->rflags & X86_EFLAGS_IF)
            vcpu_block();
        else
            hvm_vcpu_down(v);           /* Xen: a shutdown sign (poweroff when the last) */
        break;
    case SVM_EXIT_IOIO:
        svm_handle_ioio(frame, vmcb);
        break;
    case SVM_EXIT_NPF:
        hvm_nested_page_fault(frame, vmcb->exitinfo2, vmcb->exitinfo1 & SVM_NPF_WRITE,
                              vmcb->exitinfo1 & SVM_NPF_FETCH);
        break;
    case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA: case SVM_EXIT_XSETBV:
        svm_inject_exception(v, 6, -1);  /* #UD: no nested SVM, no XSAVE */
        break;
    case SVM_EXIT_INVD:
        frame->rip += 2;
        break;
    case SVM_EXIT_IRET:
        /* The NMI handler's IRET: NMIs unblock. It has not run yet, so a
         * one-instruction shadow keeps a pending NMI out until it has
         * (Xen does the same). */
        vmcb->intercepts1 &= ~SVM_INTERCEPT_IRET;
        vmcb->interrupt_shadow = SVM_INTERRUPT_SHADOW;
        break;
    case SVM_EXIT_SHUTDOWN:
        svm_print_state(v, "triple fault");
        hvm_triple_fault(v);
        break;
    case SVM_EXIT_INVALID:
        svm_crash(v, "VMRUN refused the VMCB");
        break;
    default:
        svm_crash(v, "unhandled #VMEXIT");
        break;
    }
}

/*
 * svm_vmexit_handler(): called by entry.S after VMSAVE of the guest's
 * state, GIF = 0. Reloads the host's state, lets interrupts in, brings
 * the VMCB's rip/rsp/rflags/rax into the frame, handles the exit.
 */
void svm_vmexit_handler(struct cpu_user_regs *frame);
void svm_vmexit_handler(struct cpu_user_regs *frame)
{
    struct vcpu *v = current;
    struct svm_vcpu *s = svm(v);
    struct vmcb *vmcb = s->vmcb;

    __asm__ __volatile__("vmload %%rax" :: "a"(this_cpu(svm_host_vmsave_pa)) : "memory");
    __asm__ __volatile__("stgi" ::: "memory");
    s->history[s->history_next++ % SVM_EXIT_HISTORY] = (struct svm_exit_record){
        .exitcode = vmcb->exitcode, .rip = vmcb->rip, .exitinfo1 = vmcb->exitinfo1,
        .exitintinfo = vmcb->exitintinfo };
    frame->rip = vmcb->rip;
    frame->rsp = vmcb->rsp;
    frame->rflags = vmcb->rflags;
    frame->rax = vmcb->rax;
    frame->cs = 0;                      /* ring 0 in the frame: never an IDT return to it */
    vmcb->eventinj = 0;
    /*
     * An event the exit interrupted is delivered again at the next entry,
     * but for software ones (INT n, INT3, INTO): the guest runs the
     * instruction again (rip still points at it).
     */
    if ((vmcb->exitintinfo & SVM_EVENT_VALID) &&
        hvm_event_needs_reinjection((vmcb->exitintinfo >> 8) & 7, vmcb->exitintinfo & 0xff))
        vmcb->eventinj = vmcb->exitintinfo;
    uint64_t rip = frame->rip;
    svm_dispatch(v, frame, vmcb);
    if (frame->rip != rip)
        vmcb->interrupt_shadow = 0;     /* an emulated instruction completed (Xen's __update_guest_eip) */
}

extern const char svm_vmentry[];

/* Debug key 'q': v's VMCB entry state and last exit (racy while v runs). */
static void svm_dump_vcpu(const struct vcpu *v)
{
    const struct svm_vcpu *s = svm(v);
    const struct vmcb *vmcb = s->vmcb;

    printk("      svm: rip %#lx rflags %#lx cs %04x cpl %u shadow %lu eventinj %#lx "
           "int_ctl %#x last exit %#lx rip %#lx exitintinfo %#lx (exits %u)\n",
           (unsigned long)vmcb->rip, (unsigned long)vmcb->rflags, vmcb->cs.sel, vmcb->cpl,
           (unsigned long)vmcb->interrupt_shadow, (unsigned long)vmcb->eventinj,
           (unsigned)vmcb->vintr, (unsigned long)vmcb->exitcode,
           (unsigned long)s->history[(s->history_next - 1) % SVM_EXIT_HISTORY].rip,
           (unsigned long)vmcb->exitintinfo, s->history_next);
}

static const struct hvm_function_table svm_funcs = {
    .name = "SVM",
    .vmentry = svm_vmentry,
    .cpu_up = svm_cpu_up,
    .vcpu_initialise = svm_vcpu_initialise,
    .vcpu_destroy = svm_vcpu_destroy,
    .set_cpu_state = svm_set_cpu_state,
    .get_paging = svm_get_paging,
    .get_cpl = svm_get_cpl,
    .long_mode_code = svm_long_mode_code,
    .inject_exception = svm_inject_exception,
    .inject_page_fault = svm_inject_page_fault,
    .set_efer = svm_set_efer,
    .interrupt_shadow = svm_interrupt_shadow,
    .nmi_blocked = svm_nmi_blocked,
    .dump_vcpu = svm_dump_vcpu,
};

const struct hvm_function_table *svm_probe(void)
{
    struct cpuid_regs r = cpuid(0x80000000);
    uint8_t *msrpm, *iopm;

    if (r.eax < 0x8000000a || !(cpuid(0x80000001).ecx & CPUID_80000001_ECX_SVM))
        return NULL;
    if (!(cpuid(0x8000000a).edx & CPUID_8000000A_EDX_NP)) {
        printk("HVM: SVM without nested paging: not used\n");
        return NULL;
    }
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        printk("HVM: SVM disabled by the firmware\n");
        return NULL;
    }
    msrpm = alloc_xenheap_pages(1);
    iopm = alloc_xenheap_pages(2);      /* 4 pages; the map is 3 */
    if (!msrpm || !iopm)
        return NULL;
    memset(msrpm, 0xff, SVM_MSRPM_BYTES);
    memset(iopm, 0xff, 4 * PAGE_SIZE);
    for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(msrpm, passthrough_msrs[i]);
    msrpm_pa = __pa(msrpm);
    iopm_pa = __pa(iopm);
    unsigned int cpu;
    for_each_cpu(cpu, &cpu_online_map) {
        void *hsave = alloc_xenheap_page(), *host = alloc_xenheap_page();
        if (!hsave || !host)
            return NULL;
        per_cpu(svm_hsave_pa, cpu) = __pa(hsave);
        per_cpu(svm_host_vmsave_pa, cpu) = __pa(host);
    }
    printk("HVM: SVM with nested paging, %u ASIDs\n", cpuid(0x8000000a).ebx);
    return &svm_funcs;
}
