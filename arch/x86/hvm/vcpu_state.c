/*
 * HVM vCPU start states (see <asm/hvm/vcpu_state.h>): decoding a
 * VCPUOP_initialise context with Xen 4.17's checks, the startup-IPI real
 * mode state and PVH's flat entry state. Pure: no hypervisor state is read
 * or written, so tests/unit/test_hvm_vcpu_state.c builds this file alone.
 */
#include <xenia/types.h>
#include <xenia/errno.h>
#include <xenia/lib.h>
#include <asm/hvm/vcpu_state.h>

/* Packed attribute fields (the layout <xen/hvm/hvm_vcpu.h> documents). */
#define AR_TYPE(a)      ((a) & 0xfu)
#define AR_S            (1u << 4)
#define AR_DPL(a)       (((a) >> 5) & 3u)
#define AR_P            (1u << 7)
#define AR_G            (1u << 11)
#define AR_RESERVED     0xf000u
#define TYPE_CODE       0x8u
#define TYPE_WRITE_READ 0x2u            /* data: writable; code: readable */
#define TYPE_TSS_BUSY   0xbu            /* 32-bit TSS, busy */

#define CR0_PG          (1ULL << 31)
#define CR0_ET          (1ULL << 4)
#define CR4_PAE         (1ULL << 5)

enum seg_kind { SEG_CS, SEG_DS, SEG_SS, SEG_ES, SEG_TR };

/* One segment of a 32-bit context, as Xen's check_segment(). 0 or -EINVAL. */
static int check_seg(const struct hvm_seg *s, enum seg_kind k)
{
    uint16_t a = s->attr;

    if (a & AR_RESERVED)
        return -EINVAL;
    if (a == 0)
        return (k == SEG_DS || k == SEG_ES) ? 0 : -EINVAL;   /* null: DS/ES only */
    if (k == SEG_TR) {
        if ((a & AR_S) || AR_TYPE(a) != TYPE_TSS_BUSY)
            return -EINVAL;
    } else if (!(a & AR_S)) {
        return -EINVAL;                 /* a system segment for code or data */
    }
    if (!(a & AR_P))
        return -EINVAL;
    switch (k) {
    case SEG_CS:
        return (AR_TYPE(a) & TYPE_CODE) ? 0 : -EINVAL;
    case SEG_SS:
        return (!(AR_TYPE(a) & TYPE_CODE) && (AR_TYPE(a) & TYPE_WRITE_READ)) ? 0 : -EINVAL;
    case SEG_DS: case SEG_ES:           /* execute-only code is unreadable */
        return ((AR_TYPE(a) & TYPE_CODE) && !(AR_TYPE(a) & TYPE_WRITE_READ)) ? -EINVAL : 0;
    default:
        return 0;
    }
}

/* A segment from a 32-bit context: accessed (busy for TR) when present, as Xen marks it. */
static struct hvm_seg seg32(uint32_t base, uint32_t limit, uint16_t attr, bool tr)
{
    struct hvm_seg s = { .sel = 0, .attr = attr, .limit = limit, .base = base };

    if (attr & AR_P)
        s.attr |= tr ? 2u : 1u;
    return s;
}

static int decode32(const struct vcpu_hvm_x86_32 *r, struct hvm_cpu_state *s)
{
    uint32_t limit;
    int rc = 0;

    if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
        return -EINVAL;
    s->cs = seg32(r->cs_base, r->cs_limit, r->cs_ar, false);
    s->ds = seg32(r->ds_base, r->ds_limit, r->ds_ar, false);
    s->ss = seg32(r->ss_base, r->ss_limit, r->ss_ar, false);
    s->es = seg32(r->es_base, r->es_limit, r->es_ar, false);
    s->tr = seg32(r->tr_base, r->tr_limit, r->tr_ar, true);
    rc |= check_seg(&s->cs, SEG_CS);
    rc |= check_seg(&s->ds, SEG_DS);
    rc |= check_seg(&s->ss, SEG_SS);
    rc |= check_seg(&s->es, SEG_ES);
    rc |= check_seg(&s->tr, SEG_TR);
    if (rc)
        return -EINVAL;
    limit = (s->cs.attr & AR_G) ? (s->cs.limit << 12) | 0xfffu : s->cs.limit;
    if (r->eip > limit || AR_DPL(s->ss.attr) != AR_DPL(s->cs.attr))
        return -EINVAL;
    if ((s->ds.attr & AR_P) && AR_DPL(s->ds.attr) > AR_DPL(s->cs.attr))
        return -EINVAL;
    if ((s->es.attr & AR_P) && AR_DPL(s->es.attr) > AR_DPL(s->cs.attr))
        return -EINVAL;
    if ((r->efer & HVM_EFER_LMA) && !(r->efer & HVM_EFER_LME))
        return -EINVAL;
    s->rax = r->eax; s->rcx = r->ecx; s->rdx = r->edx; s->rbx = r->ebx;
    s->rsp = r->esp; s->rbp = r->ebp; s->rsi = r->esi; s->rdi = r->edi;
    s->rip = r->eip; s->rflags = r->eflags;
    s->cr0 = r->cr0; s->cr3 = r->cr3; s->cr4 = r->cr4; s->efer = r->efer;
    s->fs = s->gs = s->ds;              /* Xen leaves FS/GS as they were: null at start */
    return 0;
}

static bool canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static int decode64(const struct vcpu_hvm_x86_64 *r, struct hvm_cpu_state *s)
{
    if (!canonical(r->rip) || !(r->cr0 & CR0_PG) || !(r->cr4 & CR4_PAE) ||
        !(r->efer & HVM_EFER_LME))
        return -EINVAL;
    s->rax = r->rax; s->rcx = r->rcx; s->rdx = r->rdx; s->rbx = r->rbx;
    s->rsp = r->rsp; s->rbp = r->rbp; s->rsi = r->rsi; s->rdi = r->rdi;
    s->rip = r->rip; s->rflags = r->rflags;
    s->cr0 = r->cr0; s->cr3 = r->cr3; s->cr4 = r->cr4; s->efer = r->efer;
    s->cs = (struct hvm_seg){ .attr = 0xa9b, .limit = ~0u };    /* 64-bit code */
    s->ds = s->es = s->ss = (struct hvm_seg){ .attr = 0xc93, .limit = ~0u };
    s->fs = s->gs = (struct hvm_seg){ 0 };
    s->tr = (struct hvm_seg){ .attr = 0x8b, .limit = 0x67 };     /* busy TSS */
    return 0;
}

int hvm_vcpu_context_decode(const struct vcpu_hvm_context *ctx, uint64_t cr4_valid,
                            uint64_t efer_valid, struct hvm_cpu_state *s)
{
    int rc;

    memset(s, 0, sizeof(*s));
    if (ctx->pad)
        return -EINVAL;
    switch (ctx->mode) {
    case VCPU_HVM_MODE_32B:
        rc = decode32(&ctx->cpu_regs.x86_32, s);
        break;
    case VCPU_HVM_MODE_64B:
        rc = decode64(&ctx->cpu_regs.x86_64, s);
        break;
    default:
        return -EINVAL;
    }
    if (rc)
        return rc;
    if (s->efer & HVM_EFER_LME)
        s->efer |= HVM_EFER_LMA;
    if ((s->cr4 & ~cr4_valid) || (s->efer & ~(efer_valid | HVM_EFER_LMA)))
        return -EINVAL;
    if ((s->efer & HVM_EFER_LME) && !(efer_valid & HVM_EFER_LME))
        return -EINVAL;
    s->ldtr = (struct hvm_seg){ .attr = 0x82 };
    return 0;
}

void hvm_real_mode_state(uint8_t vec, struct hvm_cpu_state *s)
{
    const struct hvm_seg data = { .sel = 0, .attr = 0x93, .limit = 0xffff, .base = 0 };

    memset(s, 0, sizeof(*s));
    s->cs = (struct hvm_seg){ .sel = (uint16_t)(vec << 8), .attr = 0x9b, .limit = 0xffff,
                              .base = (uint64_t)vec << 12 };
    s->ds = s->es = s->fs = s->gs = s->ss = data;
    s->ldtr = (struct hvm_seg){ .attr = 0x82, .limit = 0xffff };
    s->tr = (struct hvm_seg){ .attr = 0x8b, .limit = 0xffff };
    s->gdtr = s->idtr = (struct hvm_seg){ .limit = 0xffff };
    s->cr0 = CR0_ET;
    s->rflags = 0x2;
    s->rdx = 0xf00;                     /* Xen's reset EDX */
}

void hvm_flat32_state(uint32_t eip, uint32_t ebx, struct hvm_cpu_state *s)
{
    const struct hvm_seg data = { .sel = 0, .attr = 0xc93, .limit = ~0u, .base = 0 };

    memset(s, 0, sizeof(*s));
    s->cs = (struct hvm_seg){ .attr = 0xc9b, .limit = ~0u };
    s->ds = s->es = s->fs = s->gs = s->ss = data;
    s->tr = (struct hvm_seg){ .attr = 0x8b, .limit = 0x67 };
    s->ldtr = (struct hvm_seg){ .attr = 0x82 };
    s->cr0 = 0x1 | CR0_ET;              /* PE */
    s->rip = eip;
    s->rbx = ebx;
    s->rflags = 0x2;
}
