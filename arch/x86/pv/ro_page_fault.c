/*
 * Emulated writes to guest page tables (Xen's "ptwr"): a PV guest's page
 * tables are mapped read-only in its own address space, yet Linux writes
 * some entries with plain stores (e.g. while building its direct map). Such
 * a store faults; if the target is a page-table frame the guest owns, the
 * hypervisor decodes the store, validates the new entry exactly as
 * MMU_NORMAL_PT_UPDATE would, performs it, and skips the instruction.
 *
 * Handled stores (the forms compilers emit for PTE writes): MOV r->m
 * (89), MOV imm32->m (C7 /0), XCHG r,m (87) and [LOCK] CMPXCHG r,m (0F B1),
 * 64-bit (REX.W) or 32-bit halves combined with the other half.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/pv_pt.h>
#include <asm/pv_ptwr.h>

#define PFEC_present   (1u << 0)
#define PFEC_write     (1u << 1)
#define PFEC_reserved  (1u << 3)
#define PFEC_insn      (1u << 4)
#define X86_EFLAGS_ZF  0x40UL
#define MAX_INSN       15

struct store {
    unsigned int len;          /* instruction bytes */
    unsigned int width;        /* 4 or 8 */
    enum { ST_MOV, ST_XCHG, ST_CMPXCHG } kind;
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

static bool decode_store(const uint8_t *b, unsigned int n, struct store *s)
{
    unsigned int i = 0, rex = 0;

    s->imm = 0;
    if (i < n && b[i] == 0xf0)
        i++;                                /* LOCK */
    if (i < n && (b[i] & 0xf0) == 0x40)
        rex = b[i++];
    if (i >= n)
        return false;
    s->width = (rex & 8) ? 8 : 4;
    uint8_t op = b[i++];
    if (op == 0x0f) {
        if (i >= n || b[i++] != 0xb1)
            return false;
        s->kind = ST_CMPXCHG;
    } else if (op == 0x89) {
        s->kind = ST_MOV;
    } else if (op == 0x87) {
        s->kind = ST_XCHG;
    } else if (op == 0xc7) {
        s->kind = ST_MOV;
    } else {
        return false;
    }
    if (i >= n)
        return false;
    s->reg = op == 0xc7 ? -1 : (int)(((b[i] >> 3) & 7) | ((rex & 4) << 1));
    if (op == 0xc7 && ((b[i] >> 3) & 7) != 0)
        return false;
    unsigned int m = modrm_len(b + i, n - i);
    if (!m)
        return false;
    i += m;
    if (op == 0xc7) {
        if (i + 4 > n)
            return false;
        int32_t imm;
        memcpy(&imm, b + i, 4);
        s->imm = (uint64_t)(int64_t)imm;    /* sign-extended, as the CPU does */
        i += 4;
    }
    s->len = i;
    return true;
}

/* The L1 entry that maps va in the current guest tables, or NULL. */
static pte_t *guest_l1e(const struct vcpu *v, unsigned long va)
{
    unsigned long l4 = (v->arch.flags & TF_kernel_mode) || !v->arch.guest_table_user ?
                       v->arch.guest_table : v->arch.guest_table_user;
    pte_t *t = mfn_to_virt(l4);
    unsigned int idx[3] = { l4_table_offset(va), l3_table_offset(va), l2_table_offset(va) };

    for (unsigned int lvl = 0; lvl < 3; lvl++) {
        pte_t e = t[idx[lvl]];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE) || !mfn_valid(_mfn(pte_mfn(e))))
            return NULL;
        t = mfn_to_virt(pte_mfn(e));
    }
    return &t[l1_table_offset(va)];
}

/* Perform the decoded store on the table entry at pg/slot; 0 or -errno. */
static int apply_store(struct cpu_user_regs *regs, const struct store *s,
                       struct page_info *pg, unsigned int level, unsigned long addr)
{
    struct domain *d = current->domain;
    unsigned int slot = (addr & ~PAGE_MASK) / sizeof(pte_t);
    pte_t *entry = (pte_t *)mfn_to_virt(mfn_x(page_to_mfn(pg))) + slot;
    pte_t old = ACCESS_ONCE(*entry);
    uint64_t val = s->reg < 0 ? s->imm : *gpr(regs, s->reg);

    if (s->width == 4) {
        unsigned int shift = (addr & 4) * 8;
        val = (old & ~(0xffffffffULL << shift)) | ((val & 0xffffffffULL) << shift);
    } else if (addr & 7) {
        return -EINVAL;                     /* straddles two entries */
    }
    if (s->kind == ST_CMPXCHG) {
        uint64_t expect = regs->rax;
        uint64_t cur = s->width == 4 ? (old >> ((addr & 4) * 8)) & 0xffffffffULL : old;
        if (s->width == 4)
            expect &= 0xffffffffULL;
        if (cur != expect) {
            regs->rax = cur;
            regs->rflags &= ~X86_EFLAGS_ZF;
            return 0;
        }
        regs->rflags |= X86_EFLAGS_ZF;
    }
    struct pt_ctx ctx = { .pt_dom = d, .pg_owner = d, .io_only = false };
    int rc = pt_mod_entry(pg, level, slot, val, &ctx, false);
    if (!rc && s->kind == ST_XCHG)
        *gpr(regs, s->reg) = s->width == 4 ? (old >> ((addr & 4) * 8)) & 0xffffffffULL : old;
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
    if (level && fetch && decode_store(insn, (unsigned int)fetch, &s) &&
        apply_store(regs, &s, pg, level, addr) == 0) {
        regs->rip += s.len;
        done = true;
    }
    if (type != PGT_none)
        put_page_type(pg);
    put_page(pg);
    return done;
}
