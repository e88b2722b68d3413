/*
 * HVM context save and load (see <asm/hvm/save.h>): the records Xenia
 * produces and applies. Called from common/domctl.c with the target's
 * vCPUs paused.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <asm/msr.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/save.h>

#define REC(t)  (sizeof(struct hvm_save_descriptor) + HVM_SAVE_LENGTH(t))

uint32_t hvm_save_size(const struct domain *d)
{
    return REC(HEADER) + d->max_vcpus * (REC(CPU) + REC(MTRR)) + REC(END);
}

/* Append one record; the caller sized buf with hvm_save_size(). */
static void put_record(uint8_t *buf, uint32_t *cur, uint16_t type, uint16_t instance,
                       const void *data, uint32_t len)
{
    const struct hvm_save_descriptor d = { .typecode = type, .instance = instance, .length = len };

    memcpy(buf + *cur, &d, sizeof(d));
    memcpy(buf + *cur + sizeof(d), data, len);
    *cur += sizeof(d) + len;
}

static void save_cpu(struct vcpu *v, struct hvm_hw_cpu *c)
{
    const struct cpu_user_regs *r = &v->arch.user_regs;
    uint64_t cr0, cr3, cr4, efer;

    memset(c, 0, sizeof(*c));
    hvm_funcs->get_paging(v, &cr0, &cr3, &cr4, &efer);
    c->rax = r->rax; c->rbx = r->rbx; c->rcx = r->rcx; c->rdx = r->rdx;
    c->rbp = r->rbp; c->rsi = r->rsi; c->rdi = r->rdi; c->rsp = r->rsp;
    c->r8 = r->r8; c->r9 = r->r9; c->r10 = r->r10; c->r11 = r->r11;
    c->r12 = r->r12; c->r13 = r->r13; c->r14 = r->r14; c->r15 = r->r15;
    c->rip = r->rip;
    c->rflags = r->rflags;
    c->cr0 = cr0;
    c->cr3 = cr3;
    c->cr4 = cr4;
    c->msr_efer = v->arch.hvm->guest_efer | (efer & EFER_LMA);
}

uint32_t hvm_save(struct domain *d, uint8_t *buf, uint32_t size)
{
    struct hvm_save_header h = { .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION,
                                 .cpuid = cpuid(1).eax, .gtsc_khz = (uint32_t)tsc_khz };
    struct hvm_save_end end = { };
    struct hvm_hw_cpu cpu;
    struct hvm_hw_mtrr mtrr;
    struct vcpu *v;
    uint32_t cur = 0;

    ASSERT(size >= hvm_save_size(d));
    put_record(buf, &cur, HVM_SAVE_CODE(HEADER), 0, &h, sizeof(h));
    for_each_vcpu(d, v) {
        if ((v->pause_flags & VPF_down) || !v->arch.hvm)
            continue;                   /* as Xen: a vCPU that is down has no state */
        save_cpu(v, &cpu);
        put_record(buf, &cur, HVM_SAVE_CODE(CPU), (uint16_t)v->vcpu_id, &cpu, sizeof(cpu));
    }
    for_each_vcpu(d, v) {
        if (!v->arch.hvm)
            continue;                   /* max_vcpus ran out of memory for it */
        memset(&mtrr, 0, sizeof(mtrr));
        mtrr.msr_pat_cr = v->arch.hvm->msr_pat;
        put_record(buf, &cur, HVM_SAVE_CODE(MTRR), (uint16_t)v->vcpu_id, &mtrr, sizeof(mtrr));
    }
    put_record(buf, &cur, HVM_SAVE_CODE(END), 0, &end, sizeof(end));
    return cur;
}

/* The vCPU a record's instance names: one that exists with its HVM state (max_vcpus made it). */
static struct vcpu *record_vcpu(struct domain *d, uint16_t instance)
{
    struct vcpu *v = instance < d->max_vcpus ? d->vcpu[instance] : NULL;

    return v && v->arch.hvm ? v : NULL;
}

/* A CPU record (Xen zero-extends a short one): the vCPU starts at it. */
static int load_cpu(struct domain *d, const struct hvm_save_descriptor *desc, const void *data)
{
    struct vcpu *v = record_vcpu(d, desc->instance);
    struct hvm_hw_cpu c = { 0 };

    if (!v || desc->length > sizeof(c))
        return -EINVAL;
    memcpy(&c, data, desc->length);
    if (!hvm_cpu_record_boot_ok(&c))
        return -EOPNOTSUPP;
    const struct hvm_boot_state boot = { .eip = (uint32_t)c.rip, .ebx = (uint32_t)c.rbx };
    hvm_set_boot_state(v, &boot);
    v->is_initialised = true;
    __atomic_and_fetch(&v->pause_flags, ~VPF_down, __ATOMIC_SEQ_CST);
    return 0;
}

static int load_record(struct domain *d, const struct hvm_save_descriptor *desc, const void *data)
{
    switch (desc->typecode) {
    case HVM_SAVE_CODE(CPU):
        return load_cpu(d, desc, data);
    case HVM_SAVE_CODE(MTRR):           /* Xen: exact length, an existing vCPU */
        return (desc->length == HVM_SAVE_LENGTH(MTRR) && record_vcpu(d, desc->instance)) ?
               0 : -EINVAL;
    case HVM_SAVE_CODE(HEADER):
        return -EINVAL;                 /* Xen has no loader for a second header */
    default:
        return desc->typecode > HVM_SAVE_CODE_MAX ? -EINVAL : -EOPNOTSUPP;
    }
}

int hvm_load(struct domain *d, const uint8_t *buf, uint32_t size)
{
    const struct hvm_save_descriptor *desc;
    const void *data;
    struct vcpu *v;
    uint32_t off;
    int rc;

    if (d->is_dying)
        return -EINVAL;
    if ((rc = hvm_context_header_check(buf, size, &off)))
        return rc;
    for_each_vcpu(d, v)                 /* only vCPUs with a CPU record come back up */
        __atomic_or_fetch(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST);
    while ((rc = hvm_context_next(buf, size, &off, &desc, &data)) > 0)
        if ((rc = load_record(d, desc, data)))
            return rc;
    return rc;
}
