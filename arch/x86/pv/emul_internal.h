/*
 * Internal interfaces of the PV privileged-instruction emulator
 * (arch/x86/pv/emul_*.c). Not for use outside arch/x86/pv/emul_*.
 *
 * emul_priv.c decodes one instruction into struct emul_insn and hands it
 * to the handler for its opcode (emul_io.c, emul_msr.c, emul_cr.c); a
 * handler returns an enum emul_rc and never touches regs->rip, which
 * emul_priv.c advances past the instruction on EMUL_DONE.
 *
 * The hardware itself (port I/O, MSRs, CR0/CR4, CPUID, WBINVD) is reached
 * only through the emul_hw_*() functions, implemented in emul_hw.c for the
 * hypervisor and by fakes in tests/unit/test_emulate.c on the host.
 */
#ifndef PV_EMUL_INTERNAL_H
#define PV_EMUL_INTERNAL_H

#include <xenia/types.h>
#include <xen/xen.h>
#include <asm/x86_defns.h>

struct vcpu;
struct domain;

#define EMUL_MAX_INSN_LEN   15          /* architectural limit, bytes */

#define X86_CR0_TS          0x00000008UL
#define X86_CR4_TSD         0x00000004UL
#define X86_CR4_DE          0x00000008UL
#define X86_CR4_PAE         0x00000020UL
#define X86_CR4_MCE         0x00000040UL
#define X86_CR4_OSFXSR      0x00000200UL
#define X86_CR4_OSXMMEXCPT  0x00000400UL

enum emul_rc {
    EMUL_DONE,          /* emulated: advance rip past the instruction */
    EMUL_RETRY,         /* state updated, leave rip: the guest re-executes it */
    EMUL_FAIL,          /* not emulated: the caller injects #GP */
};

/* Segment named by an override prefix (none: the instruction's default). */
enum emul_seg { SEG_NONE, SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

/* One decoded instruction: prefixes, opcode, and (if any) ModRM / imm8. */
struct emul_insn {
    unsigned long rip;          /* guest linear address of the first byte */
    unsigned int len;           /* bytes consumed so far */
    bool long_mode;             /* 64-bit code segment (else 32-bit compat) */
    bool opsize;                /* 0x66 */
    bool adsize;                /* 0x67 */
    bool rep;                   /* 0xf3 or 0xf2 */
    bool lock;                  /* 0xf0 */
    uint8_t rex;                /* 0x40-0x4f immediately before the opcode, or 0 */
    enum emul_seg seg;          /* segment override */
    bool twobyte;               /* 0x0f escape */
    uint8_t opcode;
    uint8_t modrm;
    uint8_t imm8;
};

#define REX_W 0x08
#define REX_R 0x04
#define REX_B 0x01

/* emul_canonical(): va is a canonical 48-bit address. */
static inline bool emul_canonical(unsigned long va)
{
    return ((long)va >> 47) == 0 || ((long)va >> 47) == -1;
}

/* ---- emul_priv.c: guest registers and guest mode ---- */

/* emul_gpr(): GPR number 0-15 (x86 encoding: rax rcx rdx rbx rsp rbp rsi rdi r8-r15). */
unsigned long *emul_gpr(struct cpu_user_regs *regs, unsigned int nr);
/* emul_guest_kernel(): v is in guest kernel mode (Xen's guest_kernel_mode()). */
bool emul_guest_kernel(const struct vcpu *v);

/* ---- handlers (each returns EMUL_DONE / EMUL_RETRY / EMUL_FAIL) ---- */

/* emul_io.c: IN/OUT (e4-e7, ec-ef) and INS/OUTS (6c-6f). */
enum emul_rc emul_in_out(struct cpu_user_regs *regs, const struct emul_insn *in);
enum emul_rc emul_ins_outs(struct cpu_user_regs *regs, const struct emul_insn *in);
/* emul_io_iopl_ok(): Xen's iopl_ok(): the virtual IOPL covers the guest's CPL. */
bool emul_io_iopl_ok(const struct vcpu *v);

/* emul_msr.c: RDMSR (0f 32), WRMSR (0f 30). */
enum emul_rc emul_rdmsr(struct cpu_user_regs *regs, const struct emul_insn *in);
enum emul_rc emul_wrmsr(struct cpu_user_regs *regs, const struct emul_insn *in);

/* emul_cr.c: MOV CR (0f 20/22), MOV DR (0f 21/23), CLTS (0f 06), WBINVD (0f 09). */
enum emul_rc emul_mov_cr(struct cpu_user_regs *regs, const struct emul_insn *in);
enum emul_rc emul_mov_dr(struct cpu_user_regs *regs, const struct emul_insn *in);
enum emul_rc emul_clts(struct cpu_user_regs *regs, const struct emul_insn *in);
enum emul_rc emul_wbinvd(struct cpu_user_regs *regs, const struct emul_insn *in);

/* ---- emul_hw.c: the hardware, one thin function per access ---- */

uint32_t emul_hw_in(uint16_t port, unsigned int bytes);              /* bytes 1, 2, 4 */
void emul_hw_out(uint16_t port, unsigned int bytes, uint32_t val);  /* bytes 1, 2, 4 */
int emul_hw_rdmsr(uint32_t msr, uint64_t *val);                     /* 0 or -1 (#GP) */
int emul_hw_wrmsr(uint32_t msr, uint64_t val);                      /* 0 or -1 (#GP) */
unsigned long emul_hw_read_cr0(void);
unsigned long emul_hw_read_cr4(void);
void emul_hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4]);
void emul_hw_wbinvd(void);

#endif
