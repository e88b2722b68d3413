/*
 * Emulated writes to guest page tables (Xen's "ptwr"): a PV guest's page
 * tables are mapped read-only in its own address space, yet Linux writes
 * some entries with plain stores (e.g. while building its direct map). Such
 * a store faults; if the target is a page-table frame the guest owns, the
 * hypervisor decodes the store, validates the new entry exactly as
 * MMU_NORMAL_PT_UPDATE would, performs it, and skips the instruction.
 *
 * Handled stores (the forms Linux emits for PTE writes, see decode_store):
 * MOV, XCHG, CMPXCHG, AND and OR on 1, 2, 4 or 8 bytes of one entry; a
 * narrow store is merged into the rest of the entry before validation.
 *
 * An L2-L4 store whose new lower table needs a long validation is
 * preemptible like mmu_update: when work is pending the instruction is
 * not skipped, so the guest executes it again and the validation resumes
 * (arch/x86/mm/page_type.c); a pending old_guest_table is finished first.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/pv_pt.h>
#include <asm/pv_mm.h>
#include <asm/pv_ptwr.h>
#include <asm/x86_defns.h>

#define PFEC_present   (1u << 0)
#define PFEC_write     (1u << 1)
#define PFEC_reserved  (1u << 3)
#define PFEC_insn      (1u << 4)
#define MAX_INSN       15

struct store {
    unsigned int len;          /* instruction bytes */
    unsigned int width;        /* operand bytes: 1, 2, 4 or 8 */
    enum { ST_MOV, ST_XCHG, ST_CMPXCHG, ST_AND, ST_OR } kind;
    int reg;                   /* source register, -1 for an immediate */
    uint64_t imm;
};

static unsigned long *gpr(struct cpu_user_regs *r, int n)
{
    unsigned long *const map[16] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };
    return map[n & 15];
}

/* Length of a ModRM memory operand (ModRM byte included) at p, or 0. */
static unsigned int modrm_len(const uint8_t *p, unsigned int avail)
{
    if (avail < 1)
        return 0;
    unsigned int mod = p[0] >> 6, rm = p[0] & 7, len = 1;
    if (mod == 3)
        return 0;                           /* register operand: not a store */
    if (rm == 4) {
        if (avail < 2)
            return 0;
        len++;
        if (mod == 0 && (p[1] & 7) == 5)
            len += 4;
    } else if (mod == 0 && rm == 5) {
        len += 4;                           /* RIP-relative */
    }
    len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    return len <= avail ? len : 0;
}

static bool is_store_prefix(uint8_t b)
{
    return b == 0xf0 || b == 0x66 || b == 0x2e || b == 0x36 || b == 0x3e ||
           b == 0x26 || b == 0x64 || b == 0x65;
}

/* Read a little-endian immediate of n bytes (1 or 4), sign-extended. */
static bool read_imm(const uint8_t *b, unsigned int n, unsigned int at, unsigned int size,
                     uint64_t *imm)
{
    if (at + size > n)
        return false;
    if (size == 1) {
        *imm = (uint64_t)(int64_t)(int8_t)b[at];
    } else {
        int32_t v;
        memcpy(&v, b + at, 4);
        *imm = (uint64_t)(int64_t)v;
    }
    return true;
}

/*
 * The stores Linux uses on PTEs: MOV r/imm (88/89, C6/C7), XCHG (86/87),
 * CMPXCHG (0F B0/B1), AND/OR with a register (20/21, 08/09) or an
 * immediate (80/81/83 /1 and /4), each with optional LOCK, 66 and REX.
 */
static bool decode_store(const uint8_t *b, unsigned int n, struct store *s)
{
    unsigned int i = 0, rex = 0;
    bool opsize16 = false;

    s->imm = 0;
    /*
     * LOCK, operand size, and segment overrides (a uniprocessor kernel's
     * alternatives turn LOCK into a harmless DS prefix); the address is cr2.
     */
    for (; i < n && is_store_prefix(b[i]); i++)
        opsize16 |= b[i] == 0x66;
    if (i < n && (b[i] & 0xf0) == 0x40)
        rex = b[i++];
    if (i + 1 >= n)
        return false;
    uint8_t op = b[i++];
    bool two = op == 0x0f;
    if (two)
        op = b[i++];
    if (i >= n)
        return false;
    unsigned int ext = (b[i] >> 3) & 7;
    bool byte_op = !(op & 1);
    s->width = byte_op ? 1 : (rex & 8) ? 8 : opsize16 ? 2 : 4;
    s->reg = (int)(ext | ((rex & 4) << 1));
    unsigned int imm_size = 0;

    if (two && (op == 0xb0 || op == 0xb1))
        s->kind = ST_CMPXCHG;
    else if (two)
        return false;
    else if (op == 0x88 || op == 0x89)
        s->kind = ST_MOV;
    else if (op == 0x86 || op == 0x87)
        s->kind = ST_XCHG;
    else if (op == 0x20 || op == 0x21)
        s->kind = ST_AND;
    else if (op == 0x08 || op == 0x09)
        s->kind = ST_OR;
    else if ((op == 0xc6 || op == 0xc7) && ext == 0) {
        s->kind = ST_MOV;
        s->reg = -1;
        imm_size = byte_op ? 1 : 4;
    } else if ((op == 0x80 || op == 0x81 || op == 0x83) && (ext == 1 || ext == 4)) {
        s->kind = ext == 4 ? ST_AND : ST_OR;
        s->reg = -1;
        s->width = op == 0x80 ? 1 : (rex & 8) ? 8 : opsize16 ? 2 : 4;
        imm_size = op == 0x81 ? 4 : 1;
    } else {
        return false;
    }
    if (s->width == 2 && imm_size == 4)
        imm_size = 2;                       /* 66 C7 / 66 81 take imm16 */
    unsigned int m = modrm_len(b + i, n - i);
    if (!m)
        return false;
    i += m;
    if (imm_size == 2) {
        if (i + 2 > n)
            return false;
        s->imm = (uint64_t)(int64_t)(int16_t)(b[i] | (b[i + 1] << 8));
    } else if (imm_size && !read_imm(b, n, i, imm_size, &s->imm)) {
        return false;
    }
    s->len = i + imm_size;
    return true;
}

/* The L1 entry that maps va in the current guest tables, or NULL. */
static pte_t *guest_l1e(const struct vcpu *v, unsigned long va)
{
    unsigned long l4 = (v->arch.flags & TF_kernel_mode) || !v->arch.guest_table_user ?
                       v->arch.guest_table : v->arch.guest_table_user;
    unsigned long l1 = pv_guest_l1_frame(l4, va);
    return l1 ? (pte_t *)mfn_to_virt(l1) + l1_table_offset(va) : NULL;
}

/* Perform the decoded store on the table entry holding addr; 0 or -errno. */
static int apply_store(struct cpu_user_regs *regs, const struct store *s,
                       struct page_info *pg, unsigned int level, unsigned long addr)
{
    struct domain *d = current->domain;
    unsigned int slot = (addr & ~PAGE_MASK) / sizeof(pte_t);
    unsigned int shift = (addr & 7) * 8;
    uint64_t mask = s->width == 8 ? ~0ULL : ((1ULL << (s->width * 8)) - 1);
    pte_t *entry = (pte_t *)mfn_to_virt(mfn_x(page_to_mfn(pg))) + slot;
    pte_t old = ACCESS_ONCE(*entry);
    uint64_t field = (old >> shift) & mask;
    uint64_t src = (s->reg < 0 ? s->imm : *gpr(regs, s->reg)) & mask;

    if ((addr & 7) + s->width > 8)
        return -EINVAL;                     /* straddles two entries */
    switch (s->kind) {
    case ST_AND: src &= field; break;
    case ST_OR:  src |= field; break;
    case ST_CMPXCHG:
        if (field != (regs->rax & mask)) {
            regs->rax = s->width == 4 ? field : (regs->rax & ~mask) | field;
            regs->rflags &= ~X86_EFLAGS_ZF;
            return 0;
        }
        regs->rflags |= X86_EFLAGS_ZF;
        break;
    default:
        break;
    }
    pte_t nval = (old & ~(mask << shift)) | (src << shift);
    struct pt_ctx ctx = { .pt_dom = d, .pg_owner = d, .io_only = false, .preemptible = true };
    int rc = pt_mod_entry(pg, level, slot, nval, &ctx, false);
    if (!rc && s->kind == ST_XCHG) {
        unsigned long *r = gpr(regs, s->reg);
        *r = s->width >= 4 ? field : (*r & ~mask) | field;
    }
    return rc;
}

bool pv_emulate_pt_write(struct cpu_user_regs *regs, unsigned long addr, uint32_t error_code)
{
    struct vcpu *v = current;

    if ((error_code & (PFEC_present | PFEC_write | PFEC_reserved | PFEC_insn)) !=
        (PFEC_present | PFEC_write))
        return false;
    pte_t *l1e = guest_l1e(v, addr);
    if (!l1e || !(*l1e & _PAGE_PRESENT) || (*l1e & _PAGE_RW))
        return false;
    mfn_t mfn = _mfn(pte_mfn(*l1e));
    if (!mfn_valid(mfn))
        return false;
    struct page_info *pg = mfn_to_page(mfn);
    if (!get_page(pg, v->domain))
        return false;

    bool done = false;
    unsigned long type = pt_get_current_type(pg);
    unsigned int level = pt_type_level(type);
    uint8_t insn[MAX_INSN];
    struct store s;
    size_t fetch = MAX_INSN;
    /* Fetch what is readable of the instruction (it may end near a page end). */
    while (fetch && raw_copy_from_guest(insn, (void *)regs->rip, fetch))
        fetch--;
    if (level && fetch && decode_store(insn, (unsigned int)fetch, &s)) {
        int rc = pv_put_old_guest_table(v, true);

        if (!rc)
            rc = apply_store(regs, &s, pg, level, addr);
        if (!rc)
            regs->rip += s.len;
        done = !rc || rc == -ERESTART;                          /* -ERESTART: executed again */
    }
    if (level > 1)
        put_page_and_type_preemptible(pg);
    else if (type != PGT_none)
        put_page_and_type(pg);
    else
        put_page(pg);
    return done;
}
