/*
 * PV privileged-instruction emulation: instruction fetch, prefix and
 * opcode decoding, dispatch, INT n through #GP, and Xen's forced-emulation
 * CPUID (semantics of Xen 4.17 arch/x86/traps.c do_general_protection(),
 * pv/emul-priv-op.c and pv/emul-inv-op.c; see include/asm/pv_emulate.h).
 *
 * Only 64-bit PV guests exist in Xenia: the guest runs on the flat
 * FLAT_RING3_CS64 (kernel and user) or FLAT_RING3_CS32 (32-bit user code)
 * selectors; any other code segment is refused rather than decoded.
 */
#include <xenia/lib.h>
#include <xenia/guest_access.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/pv_bounce.h>
#include <asm/pv_domain.h>
#include <asm/pv_emulate.h>
#include <asm/traps.h>
#include "emul_internal.h"
#include <asm/pv_context.h>

#define DR6_BS           0x4000UL       /* single-step status */
#define GP_EC_IDT        0x2u           /* #GP error code: the IDT entry faulted */
#define GP_EC_EXT        0x1u

unsigned long *emul_gpr(struct cpu_user_regs *regs, unsigned int nr)
{
    static const size_t off[16] = {
        offsetof(struct cpu_user_regs, rax), offsetof(struct cpu_user_regs, rcx),
        offsetof(struct cpu_user_regs, rdx), offsetof(struct cpu_user_regs, rbx),
        offsetof(struct cpu_user_regs, rsp), offsetof(struct cpu_user_regs, rbp),
        offsetof(struct cpu_user_regs, rsi), offsetof(struct cpu_user_regs, rdi),
        offsetof(struct cpu_user_regs, r8),  offsetof(struct cpu_user_regs, r9),
        offsetof(struct cpu_user_regs, r10), offsetof(struct cpu_user_regs, r11),
        offsetof(struct cpu_user_regs, r12), offsetof(struct cpu_user_regs, r13),
        offsetof(struct cpu_user_regs, r14), offsetof(struct cpu_user_regs, r15),
    };
    return (unsigned long *)((char *)regs + off[nr & 15]);
}

bool emul_guest_kernel(const struct vcpu *v)
{
    return (v->arch.flags & TF_kernel_mode) != 0;
}

/* ---- instruction fetch ---- */

/* fetch_byte(): the next instruction byte into *b; false if unreadable or too long. */
static bool fetch_byte(struct emul_insn *in, uint8_t *b)
{
    unsigned long va = in->rip + in->len;

    if (in->len >= EMUL_MAX_INSN_LEN)
        return false;
    if (!in->long_mode)
        va = (uint32_t)va;
    if (raw_copy_from_guest(b, (const void *)va, 1))
        return false;
    in->len++;
    return true;
}

/* ---- prefixes ---- */

struct prefix_desc {
    uint8_t byte;
    enum emul_seg seg;          /* SEG_NONE: not a segment override */
};

static const struct prefix_desc legacy_prefixes[] = {
    { 0x66, SEG_NONE }, { 0x67, SEG_NONE }, { 0xf0, SEG_NONE },
    { 0xf2, SEG_NONE }, { 0xf3, SEG_NONE },
    { 0x26, SEG_ES }, { 0x2e, SEG_CS }, { 0x36, SEG_SS },
    { 0x3e, SEG_DS }, { 0x64, SEG_FS }, { 0x65, SEG_GS },
};

static const struct prefix_desc *find_prefix(uint8_t b)
{
    for (size_t i = 0; i < ARRAY_SIZE(legacy_prefixes); i++)
        if (legacy_prefixes[i].byte == b)
            return &legacy_prefixes[i];
    return NULL;
}

static void apply_prefix(struct emul_insn *in, const struct prefix_desc *p)
{
    in->rex = 0;                 /* REX only counts right before the opcode */
    switch (p->byte) {
    case 0x66: in->opsize = true; break;
    case 0x67: in->adsize = true; break;
    case 0xf0: in->lock = true; break;
    case 0xf2:
    case 0xf3: in->rep = true; break;
    default:   in->seg = p->seg; break;
    }
}

/* decode_prefixes(): consume prefixes; leaves the first opcode byte in in->opcode. */
static bool decode_prefixes(struct emul_insn *in)
{
    uint8_t b;

    for (;;) {
        if (!fetch_byte(in, &b))
            return false;
        const struct prefix_desc *p = find_prefix(b);
        if (p) {
            apply_prefix(in, p);
            continue;
        }
        if (in->long_mode && (b & 0xf0) == 0x40) {
            in->rex = b;
            continue;
        }
        in->opcode = b;
        return true;
    }
}

/* ---- opcode table ---- */

enum operand { OPND_NONE, OPND_IMM8, OPND_MODRM };

typedef enum emul_rc (*emul_handler_t)(struct cpu_user_regs *, const struct emul_insn *);

struct opcode_desc {
    bool twobyte;
    uint8_t first, last;        /* opcode range, inclusive */
    enum operand operand;
    bool kernel_only;           /* CPL-0 instruction: refused from guest user mode */
    emul_handler_t handler;
};

static enum emul_rc emul_cli_sti(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    /*
     * Xen lets a guest with sufficient IOPL execute CLI/STI as no-ops: the
     * virtual interrupt flag is the event mask, which POPF could not restore.
     */
    return emul_io_iopl_ok(current) ? EMUL_DONE : EMUL_FAIL;
}

static const struct opcode_desc opcode_table[] = {
    { false, 0x6c, 0x6f, OPND_NONE,  false, emul_ins_outs },
    { false, 0xe4, 0xe7, OPND_IMM8,  false, emul_in_out },
    { false, 0xec, 0xef, OPND_NONE,  false, emul_in_out },
    { false, 0xfa, 0xfb, OPND_NONE,  false, emul_cli_sti },
    { true,  0x06, 0x06, OPND_NONE,  true,  emul_clts },
    { true,  0x09, 0x09, OPND_NONE,  true,  emul_wbinvd },
    { true,  0x20, 0x20, OPND_MODRM, true,  emul_mov_cr },
    { true,  0x21, 0x21, OPND_MODRM, true,  emul_mov_dr },
    { true,  0x22, 0x22, OPND_MODRM, true,  emul_mov_cr },
    { true,  0x23, 0x23, OPND_MODRM, true,  emul_mov_dr },
    { true,  0x30, 0x30, OPND_NONE,  true,  emul_wrmsr },
    { true,  0x32, 0x32, OPND_NONE,  true,  emul_rdmsr },
};

static const struct opcode_desc *find_opcode(const struct emul_insn *in)
{
    for (size_t i = 0; i < ARRAY_SIZE(opcode_table); i++) {
        const struct opcode_desc *d = &opcode_table[i];
        if (d->twobyte == in->twobyte && in->opcode >= d->first && in->opcode <= d->last)
            return d;
    }
    return NULL;
}

static bool fetch_operand(struct emul_insn *in, enum operand op)
{
    switch (op) {
    case OPND_IMM8:  return fetch_byte(in, &in->imm8);
    case OPND_MODRM: return fetch_byte(in, &in->modrm);
    default:         return true;
    }
}

/*
 * code_mode(): long_mode for the guest's code segment (the flat PV
 * selectors, or a code descriptor of the guest's own GDT, such as the
 * __KERNEL_CS Linux gives its secondary vCPUs); false if CS is unusable.
 */
static bool code_mode(const struct cpu_user_regs *regs, bool *long_mode)
{
    if ((regs->cs | 3) == FLAT_RING3_CS64) {
        *long_mode = true;
        return true;
    }
    if ((regs->cs | 3) == FLAT_RING3_CS32) {
        *long_mode = false;
        return true;
    }
    return pv_guest_code_selector(current, regs->cs, long_mode);
}

/*
 * decode(): prefixes, opcode (one or two bytes) and operand bytes at
 * regs->rip. Returns the opcode's table entry, or NULL (unreadable,
 * LOCK-prefixed, or not an instruction this emulator handles).
 */
static const struct opcode_desc *decode(const struct cpu_user_regs *regs, struct emul_insn *in)
{
    memset(in, 0, sizeof(*in));
    in->rip = regs->rip;
    if (!code_mode(regs, &in->long_mode) || !decode_prefixes(in))
        return NULL;
    if (in->opcode == 0x0f) {
        in->twobyte = true;
        if (!fetch_byte(in, &in->opcode))
            return NULL;
    }
    const struct opcode_desc *d = find_opcode(in);
    if (!d || in->lock || !fetch_operand(in, d->operand))
        return NULL;
    return d;
}

/* ---- completion ---- */

/*
 * finish_insn(): the instruction at in->rip completed: move rip past it,
 * clear RF, and deliver a single-step #DB if the guest had TF set (Xen's
 * pv_emul_instruction_done()).
 */
static void finish_insn(struct cpu_user_regs *regs, unsigned long next_rip, bool long_mode)
{
    regs->rip = long_mode ? next_rip : (uint32_t)next_rip;
    regs->rflags &= ~X86_EFLAGS_RF;
    if (regs->rflags & X86_EFLAGS_TF) {
        current->arch.debugreg[6] |= DR6_BS;
        pv_inject_trap(regs, TRAP_debug, -1);
    }
}

/* ---- INT n ---- */

/* int_vector(): the vector a decoded INT-family instruction raises, or -1. */
static int int_vector(const struct emul_insn *in)
{
    if (in->twobyte)
        return -1;
    switch (in->opcode) {
    case 0xcc: return TRAP_int3;
    case 0xcd: return in->imm8;
    default:   return -1;
    }
}

/* decode_int(): decode the INT instruction at regs->rip; false if it is not one. */
static bool decode_int(const struct cpu_user_regs *regs, struct emul_insn *in)
{
    memset(in, 0, sizeof(*in));
    in->rip = regs->rip;
    if (!code_mode(regs, &in->long_mode) || !decode_prefixes(in))
        return false;
    if (in->opcode == 0xcd && !fetch_byte(in, &in->imm8))
        return false;
    return !in->lock && int_vector(in) >= 0;
}

/*
 * emulate_soft_int(): #GP with error code (n << 3) | IDT: an INT n whose
 * IDT gate has DPL 0. Delivered to the guest's trap-table handler if its
 * DPL admits the guest's privilege (Xen's permit_softint(): DPL >= 1 from
 * the guest kernel, DPL 3 from guest user space), with the return address
 * after the instruction and no error code.
 */
static bool emulate_soft_int(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vector = (regs->error_code >> 3) & 0xff;
    const struct trap_info *ti = &v->arch.trap_ctxt[vector];
    unsigned int min_dpl = emul_guest_kernel(v) ? 1 : 3;
    struct emul_insn in;

    if (TI_GET_DPL(ti) < min_dpl || !ti->address)
        return false;
    if (!decode_int(regs, &in) || int_vector(&in) != (int)vector)
        return false;
    regs->rip = in.long_mode ? in.rip + in.len : (uint32_t)(in.rip + in.len);
    regs->rflags &= ~X86_EFLAGS_RF;
    pv_create_bounce_frame(regs, ti->address, TI_GET_IF(ti) ? TBF_INTERRUPT : 0, 0);
    return true;
}

/* ---- entry points ---- */

bool pv_emulate_privileged_op(struct cpu_user_regs *regs)
{
    struct emul_insn in;

    if ((regs->error_code & (GP_EC_IDT | GP_EC_EXT)) == GP_EC_IDT)
        return emulate_soft_int(regs);
    if (regs->error_code != 0)
        return false;

    const struct opcode_desc *d = decode(regs, &in);
    if (!d)
        return false;
    if (d->kernel_only && !emul_guest_kernel(current))
        return false;

    switch (d->handler(regs, &in)) {
    case EMUL_DONE:
        finish_insn(regs, in.rip + in.len, in.long_mode);
        return true;
    case EMUL_RETRY:
        return true;
    default:
        return false;
    }
}

#define FORCED_CPUID_LEN 7

bool pv_emulate_forced_invalid_op(struct cpu_user_regs *regs)
{
    static const uint8_t sig[FORCED_CPUID_LEN] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
    uint8_t insn[FORCED_CPUID_LEN];
    uint32_t res[4];
    bool long_mode;

    if (!code_mode(regs, &long_mode))
        return false;
    if (raw_copy_from_guest(insn, (const void *)regs->rip, sizeof(insn)))
        return false;
    if (memcmp(insn, sig, sizeof(sig)))
        return false;

    pv_cpuid((uint32_t)regs->rax, (uint32_t)regs->rcx, res, current->domain);
    regs->rax = res[0];
    regs->rbx = res[1];
    regs->rcx = res[2];
    regs->rdx = res[3];
    finish_insn(regs, regs->rip + FORCED_CPUID_LEN, long_mode);
    return true;
}
