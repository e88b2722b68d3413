/*
 * HVM vCPU start states (Xen 4.17's arch/x86/hvm/domain.c
 * arch_set_info_hvm_guest() and hvm.c hvm_vcpu_reset_state()): the state a
 * VCPUOP_initialise context (<xen/hvm/hvm_vcpu.h>) or a startup IPI gives a
 * vCPU. The decoding is pure (arch/x86/hvm/vcpu_state.c, unit-tested in
 * tests/unit/test_hvm_vcpu_state.c); arch/x86/hvm/vcpu_start.c applies it.
 */
#ifndef ASM_HVM_VCPU_STATE_H
#define ASM_HVM_VCPU_STATE_H

#include <xenia/types.h>
#include <xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>

/*
 * A segment register as the hardware caches it; attr in the 12-bit packed
 * form of Xen's segment_register, vcpu_hvm_context's *_ar fields and the
 * VMCB (type, S, DPL, P in bits 0-7; AVL, L, D/B, G in bits 8-11).
 */
struct hvm_seg {
    uint16_t sel, attr;
    uint32_t limit;
    uint64_t base;
};

/*
 * A whole vCPU start state (Xen's arch_set_info_hvm_guest() and
 * hvm_vcpu_reset_state() targets): general registers, control registers,
 * EFER as the guest sees it (LMA included) and every segment register.
 */
struct hvm_cpu_state {
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, rip, rflags;
    uint64_t cr0, cr3, cr4, efer;
    struct hvm_seg cs, ds, es, fs, gs, ss, tr, ldtr, gdtr, idtr;
};

/* EFER bits an HVM guest may set (SVME stays hidden: no nested SVM). */
#define HVM_EFER_SCE    (1ULL << 0)
#define HVM_EFER_LME    (1ULL << 8)
#define HVM_EFER_LMA    (1ULL << 10)
#define HVM_EFER_NXE    (1ULL << 11)

/*
 * hvm_vcpu_context_decode(): check a VCPUOP_initialise context as Xen
 * 4.17's arch_set_info_hvm_guest() does and turn it into *s. cr4_valid:
 * the CR4 bits the guest may set (Xen's hvm_cr4_guest_valid_bits());
 * efer_valid: the EFER bits its CPUID allows (Xen's hvm_efer_valid()).
 * VCPU_HVM_MODE_32B: the segments as given (accessed bit set in present
 * code/data segments, busy in TR), checked: no attribute bits 12-15,
 * CS/SS/TR not null, TR a 32-bit TSS, code/data segments not system
 * ones and present, CS code, SS writable data, DS/ES readable, EIP within
 * CS's limit, SS.DPL = CS.DPL, DS/ES.DPL <= CS.DPL. VCPU_HVM_MODE_64B:
 * flat 64-bit segments; RIP canonical, CR0.PG, CR4.PAE, EFER.LME. Both:
 * LMA set from LME, no CR4 bit outside cr4_valid, no EFER bit outside
 * efer_valid, LMA only with LME. Returns 0, or -EINVAL (Xen's answer to
 * every one of these, and to a mode it does not know or non-zero
 * padding). Pure.
 */
int hvm_vcpu_context_decode(const struct vcpu_hvm_context *ctx, uint64_t cr4_valid,
                            uint64_t efer_valid, struct hvm_cpu_state *s);

/*
 * hvm_real_mode_state(): the state a startup IPI with vector vec gives a
 * vCPU (Xen's hvm_vcpu_reset_state(v, vec << 8, 0)): real mode at
 * CS = vec << 8 (base vec << 12), IP 0, 64 KiB segments, CR0 = ET, paging
 * and EFER off. Pure.
 */
void hvm_real_mode_state(uint8_t vec, struct hvm_cpu_state *s);

/* hvm_flat32_state(): PVH's entry state: flat 32-bit protected mode, paging off, EIP/EBX. Pure. */
void hvm_flat32_state(uint32_t eip, uint32_t ebx, struct hvm_cpu_state *s);

#endif
