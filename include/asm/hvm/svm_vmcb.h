/*
 * AMD SVM hardware definitions: the VMCB, intercept bits, exit codes,
 * event injection. Written from AMD's Architecture Programmer's Manual,
 * volume 2, chapter 15 ("Secure Virtual Machine") and appendix B ("Layout
 * of VMCB"). Not Xen ABI: nothing here is seen by guests or the toolstack.
 */
#ifndef ASM_HVM_SVM_VMCB_H
#define ASM_HVM_SVM_VMCB_H

#include <xenia/types.h>

/* CPUID Fn8000_0001 ECX[2]: SVM; Fn8000_000A: revision, ASIDs (EBX), features (EDX). */
#define CPUID_80000001_ECX_SVM   (1u << 2)
#define CPUID_8000000A_EDX_NP    (1u << 0)   /* nested paging */
#define CPUID_8000000A_EDX_NRIPS (1u << 3)   /* next RIP saved on #VMEXIT */

#define MSR_VM_CR                0xc0010114
#define MSR_VM_HSAVE_PA          0xc0010117
#define VM_CR_SVMDIS             (1u << 4)
#define EFER_SVME                (1u << 12)

/* Intercept vector 3 (VMCB offset 0x00c). */
#define SVM_INTERCEPT_INTR       (1u << 0)
#define SVM_INTERCEPT_NMI        (1u << 1)
#define SVM_INTERCEPT_SMI        (1u << 2)
#define SVM_INTERCEPT_INIT       (1u << 3)
#define SVM_INTERCEPT_VINTR      (1u << 4)
#define SVM_INTERCEPT_CPUID      (1u << 18)
#define SVM_INTERCEPT_IRET       (1u << 20)
#define SVM_INTERCEPT_INVD       (1u << 22)
#define SVM_INTERCEPT_HLT        (1u << 24)
#define SVM_INTERCEPT_INVLPGA    (1u << 26)
#define SVM_INTERCEPT_IOIO_PROT  (1u << 27)
#define SVM_INTERCEPT_MSR_PROT   (1u << 28)
#define SVM_INTERCEPT_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT_SHUTDOWN   (1u << 31)
/* Intercept vector 4 (VMCB offset 0x010). */
#define SVM_INTERCEPT_VMRUN      (1u << 0)   /* must be set, or VMRUN fails */
#define SVM_INTERCEPT_VMMCALL    (1u << 1)
#define SVM_INTERCEPT_VMLOAD     (1u << 2)
#define SVM_INTERCEPT_VMSAVE     (1u << 3)
#define SVM_INTERCEPT_STGI       (1u << 4)
#define SVM_INTERCEPT_CLGI       (1u << 5)
#define SVM_INTERCEPT_SKINIT     (1u << 6)
#define SVM_INTERCEPT_XSETBV     (1u << 13)

/* #VMEXIT codes (VMCB EXITCODE). */
#define SVM_EXIT_EXCP_BASE       0x040       /* + vector */
#define SVM_EXIT_INTR            0x060
#define SVM_EXIT_NMI             0x061
#define SVM_EXIT_SMI             0x062
#define SVM_EXIT_INIT            0x063
#define SVM_EXIT_VINTR           0x064
#define SVM_EXIT_CPUID           0x072
#define SVM_EXIT_IRET            0x074
#define SVM_EXIT_INVD            0x076
#define SVM_EXIT_HLT             0x078
#define SVM_EXIT_INVLPGA         0x07a
#define SVM_EXIT_IOIO            0x07b
#define SVM_EXIT_MSR             0x07c
#define SVM_EXIT_TASK_SWITCH     0x07d
#define SVM_EXIT_SHUTDOWN        0x07f
#define SVM_EXIT_VMRUN           0x080
#define SVM_EXIT_VMMCALL         0x081
#define SVM_EXIT_VMLOAD          0x082
#define SVM_EXIT_VMSAVE          0x083
#define SVM_EXIT_STGI            0x084
#define SVM_EXIT_CLGI            0x085
#define SVM_EXIT_SKINIT          0x086
#define SVM_EXIT_XSETBV          0x08d
#define SVM_EXIT_NPF             0x400
#define SVM_EXIT_INVALID         (~0ULL)     /* VMRUN refused the VMCB */

/* IOIO EXITINFO1 bits. */
#define SVM_IOIO_IN              (1u << 0)
#define SVM_IOIO_STR             (1u << 2)
#define SVM_IOIO_REP             (1u << 3)
#define SVM_IOIO_SZ_SHIFT        4           /* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_ASZ_SHIFT       7           /* bits 7-9: 16, 32 or 64-bit addresses, one-hot */
#define SVM_IOIO_SEG_SHIFT       10          /* bits 10-12: OUTS's segment (decode assists; else 0) */
#define SVM_IOIO_PORT_SHIFT      16

/* NPF EXITINFO1 (a #PF-style error code) bits. */
#define SVM_NPF_PRESENT          (1u << 0)
#define SVM_NPF_WRITE            (1u << 1)
#define SVM_NPF_FETCH            (1u << 4)

/* EVENTINJ / EXITINTINFO. */
#define SVM_EVENT_VALID          (1u << 31)
#define SVM_EVENT_EV             (1u << 11)  /* error code valid */
#define SVM_EVENT_TYPE_INTR      (0u << 8)
#define SVM_EVENT_TYPE_NMI       (2u << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3u << 8)
#define SVM_EVENT_TYPE_SOFTINT   (4u << 8)

/* VMCB V_INTR (offset 0x060) bits. */
#define SVM_VINTR_IRQ            (1ULL << 8)     /* V_IRQ: a virtual interrupt is pending */
#define SVM_VINTR_PRIO_SHIFT     16              /* V_INTR_PRIO, bits 16-19 */
#define SVM_VINTR_IGN_TPR        (1ULL << 20)
#define SVM_VINTR_MASKING        (1ULL << 24)
/* INTERRUPT_SHADOW (offset 0x068) bit 0: the guest is in an STI/MOV SS shadow. */
#define SVM_INTERRUPT_SHADOW     (1ULL << 0)

/* TLB_CONTROL */
#define SVM_TLB_FLUSH_NONE       0
#define SVM_TLB_FLUSH_ALL        1

/* Segment attrib bits (descriptor bits 52-55 moved down to 8-11). */
#define SVM_SEG_ATTR_L           (1u << 9)   /* CS: 64-bit code */
#define SVM_SEG_ATTR_DB          (1u << 10)  /* CS: 32-bit code */

/*
 * A segment in the save area. attrib packs descriptor bits 40-47 (type,
 * S, DPL, P) into bits 0-7 and bits 52-55 (AVL, L, D/B, G) into 8-11.
 */
struct svm_segment {
    uint16_t sel;
    uint16_t attrib;                /* SVM_SEG_ATTR_* */
    uint32_t limit;
    uint64_t base;
};

/* The VMCB: one 4 KiB page, control area then save area (APM appendix B). */
struct vmcb {
    /* Control area, 0x000-0x3ff. */
    uint32_t cr_intercepts;          /* 0x000: reads 0-15, writes 16-31 */
    uint32_t dr_intercepts;          /* 0x004 */
    uint32_t exception_intercepts;   /* 0x008 */
    uint32_t intercepts1;            /* 0x00c: SVM_INTERCEPT_INTR ... SHUTDOWN */
    uint32_t intercepts2;            /* 0x010: SVM_INTERCEPT_VMRUN ... */
    uint32_t intercepts3;            /* 0x014 */
    uint8_t  res_018[0x03c - 0x018];
    uint16_t pause_filter_thresh;    /* 0x03c */
    uint16_t pause_filter_count;     /* 0x03e */
    uint64_t iopm_base_pa;           /* 0x040 */
    uint64_t msrpm_base_pa;          /* 0x048 */
    uint64_t tsc_offset;             /* 0x050 */
    uint32_t asid;                   /* 0x058 */
    uint8_t  tlb_control;            /* 0x05c */
    uint8_t  res_05d[3];
    uint64_t vintr;                  /* 0x060: V_TPR, V_IRQ, ..., V_INTR_MASKING */
    uint64_t interrupt_shadow;       /* 0x068 */
    uint64_t exitcode;               /* 0x070 */
    uint64_t exitinfo1;              /* 0x078 */
    uint64_t exitinfo2;              /* 0x080 */
    uint64_t exitintinfo;            /* 0x088 */
    uint64_t np_enable;              /* 0x090: bit 0 */
    uint64_t avic_apic_bar;          /* 0x098 */
    uint64_t ghcb_pa;                /* 0x0a0 */
    uint64_t eventinj;               /* 0x0a8 */
    uint64_t n_cr3;                  /* 0x0b0: nested page table root */
    uint64_t virt_ext;               /* 0x0b8: LBR virtualisation, VMSAVE/VMLOAD virt. */
    uint32_t clean_bits;             /* 0x0c0 */
    uint32_t res_0c4;
    uint64_t next_rip;               /* 0x0c8: with NRIPS */
    uint8_t  insn_len;               /* 0x0d0: with decode assists */
    uint8_t  insn_bytes[15];         /* 0x0d1 */
    uint8_t  res_0e0[0x400 - 0x0e0];

    /* State save area, 0x400 on. */
    struct svm_segment es, cs, ss, ds, fs, gs;   /* 0x400-0x45f */
    struct svm_segment gdtr, ldtr, idtr, tr;     /* 0x460-0x49f */
    uint8_t  res_4a0[0x4cb - 0x4a0];
    uint8_t  cpl;                    /* 0x4cb */
    uint32_t res_4cc;
    uint64_t efer;                   /* 0x4d0 */
    uint8_t  res_4d8[0x548 - 0x4d8];
    uint64_t cr4;                    /* 0x548 */
    uint64_t cr3;                    /* 0x550 */
    uint64_t cr0;                    /* 0x558 */
    uint64_t dr7;                    /* 0x560 */
    uint64_t dr6;                    /* 0x568 */
    uint64_t rflags;                 /* 0x570 */
    uint64_t rip;                    /* 0x578 */
    uint8_t  res_580[0x5d8 - 0x580];
    uint64_t rsp;                    /* 0x5d8 */
    uint64_t s_cet, ssp, isst_addr;  /* 0x5e0 */
    uint64_t rax;                    /* 0x5f8 */
    uint64_t star, lstar, cstar, sfmask;         /* 0x600 */
    uint64_t kernel_gs_base;         /* 0x620 */
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;  /* 0x628 */
    uint64_t cr2;                    /* 0x640 */
    uint8_t  res_648[0x668 - 0x648];
    uint64_t g_pat;                  /* 0x668 */
    uint64_t dbgctl;                 /* 0x670 */
    uint8_t  res_678[0x1000 - 0x678];
};

BUILD_BUG_ON(sizeof(struct vmcb) != 0x1000);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, exitcode) != 0x070);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, n_cr3) != 0x0b0);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, next_rip) != 0x0c8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, es) != 0x400);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, tr) != 0x490);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, cpl) != 0x4cb);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, efer) != 0x4d0);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, cr4) != 0x548);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, rip) != 0x578);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, rsp) != 0x5d8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, rax) != 0x5f8);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, cr2) != 0x640);
BUILD_BUG_ON(__builtin_offsetof(struct vmcb, g_pat) != 0x668);

#define SVM_MSRPM_BYTES          (2 * 4096)   /* MSR permission map */
#define SVM_IOPM_BYTES           (3 * 4096)   /* I/O permission map */

#endif
