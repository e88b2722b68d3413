/*
 * x86 PV state of a domain and of a vCPU (Xen's "arch" halves).
 * Field meanings follow struct vcpu_guest_context in <xen/arch-x86/xen.h>.
 */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <xenia/types.h>
#include <xen/xen.h>

#define NR_GDT_GUEST_FRAMES  14          /* FIRST_RESERVED_GDT_PAGE */

/* arch_vcpu.flags */
#define TF_kernel_mode       (1UL << 0)  /* the PV kernel (not its user space) runs */

struct xsave_area;
struct hvm_vcpu;
struct hvm_domain;

struct arch_vcpu {
    struct cpu_user_regs user_regs;     /* guest registers while not running */
    unsigned long flags;                /* TF_* */

    /* callbacks (set_callbacks, callback_op); the trap table is last */
    unsigned long event_callback_eip;
    unsigned long failsafe_callback_eip;
    unsigned long syscall_callback_eip;
    bool syscall_disables_events;
    bool failsafe_disables_events;
    unsigned long kernel_ss, kernel_sp; /* stack_switch: guest kernel stack */

    /* address spaces: MFNs of the guest's L4 tables (0 = none) */
    unsigned long guest_table;          /* kernel mode */
    unsigned long guest_table_user;     /* user mode */
    /*
     * Xen's old_guest_table: a page table whose devalidation this vCPU's
     * hypercall started (a release, or the unwinding of a failed
     * validation) and was preempted, leaving it parked (PGT_partial).
     * Holds one general reference on the frame. Finished by
     * pv_put_old_guest_table() before the vCPU's next MMU hypercall does
     * anything else (arch/x86/mm/page_type.c).
     */
    struct page_info *old_guest_table;
    /* The pCPU that idles with these tables still in CR3 and may resume us without a reload, or -1 (pv/domain.c). */
    int lazy_cpu;

    /* segments */
    unsigned long fs_base, gs_base_kernel, gs_base_user;
    unsigned long gdt_frames[NR_GDT_GUEST_FRAMES];
    unsigned int gdt_ents;
    unsigned long ldt_base;             /* guest virtual address, bytes */
    unsigned int ldt_ents;

    /* control and debug state */
    unsigned long ctrlreg[8];
    unsigned long debugreg[8];
    unsigned int iopl;                  /* PHYSDEVOP_set_iopl: 0..3 */
    unsigned long vm_assist;            /* VMASST_TYPE_* bits */

    /* FPU: lazily saved; xsave area allocated at vcpu creation */
    struct xsave_area *xsave_area;
    bool fpu_initialised;

    struct hvm_vcpu *hvm;               /* HVM vCPU state (asm/hvm/hvm.h), NULL for PV */

    /*
     * The trap table (set_trap_table), 4 KiB: last, so that what every
     * guest crossing reads (flags, callbacks, kernel stack, page tables,
     * and struct vcpu's common part before this) shares the first page.
     */
    struct trap_info trap_ctxt[256];
};

struct arch_domain {
    unsigned long vm_assist;            /* domain-wide VMASST_TYPE_* */
    unsigned long pirq_eoi_mfn;         /* PHYSDEVOP_pirq_eoi_gmfn_v2 frame (held), 0 = none */
    unsigned long *pirq_eoi_map;        /* its bitmap: bit n set = PIRQ n needs PHYSDEVOP_eoi */
    unsigned long p2m_frames;           /* PV: frames in the guest's P2M list */
    uint64_t tlb_shootdown_time;        /* TLB clock at the latest shootdown for us (flushtlb.c) */
    bool is_pv;
    uint32_t emulation_flags;           /* XEN_X86_EMU_* given at createdomain */
    struct hvm_domain *hvm;             /* HVM domain state (asm/hvm/hvm.h), NULL for PV */
};

#endif
