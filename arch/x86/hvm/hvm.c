/*
 * The vendor-neutral HVM core (see <asm/hvm/hvm.h>): back-end selection,
 * HVM domains and vCPUs, their context switch, and the exits that need no
 * instruction emulation (port I/O, nested page faults).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/percpu.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <xenia/softirq.h>
#include <xen/sched.h>
#include <asm/current.h>
#include <asm/hv_paging.h>
#include <asm/page.h>
#include <asm/x86_defns.h>
#include <asm/pv_context.h>
#include <asm/pv_domain.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/emulate.h>
#include <asm/hvm/vlapic.h>
#include <asm/flushtlb.h>

const struct hvm_function_table *hvm_funcs;
const void *hvm_vmentry_target;
static DEFINE_PER_CPU(bool, hvm_cpu_ready);

bool hvm_init(void)
{
    hvm_funcs = svm_probe();
    if (!hvm_funcs)
        hvm_funcs = vmx_probe();
    if (!hvm_funcs) {
        printk("HVM: no usable SVM with nested paging (VMX: not supported yet)\n");
        return false;
    }
    hvm_vmentry_target = hvm_funcs->vmentry;
    hvm_cpu_up();
    return true;
}

void hvm_cpu_up(void)
{
    if (this_cpu(hvm_cpu_ready))
        return;
    int rc = hvm_funcs->cpu_up();
    if (rc)
        panic("HVM: %s cannot be enabled on CPU%u (rc = %d)", hvm_funcs->name,
              smp_processor_id(), rc);
    this_cpu(hvm_cpu_ready) = true;
}

/* The P2M's tables are xen-heap frames reached through the direct map. */
static int p2m_alloc_table(void *ctx, unsigned long *mfn)
{
    void *p = alloc_xenheap_page();

    if (!p)
        return -ENOMEM;
    *mfn = virt_to_mfn(p);
    return 0;
}

static void p2m_free_table(void *ctx, unsigned long mfn)
{
    free_xenheap_page(mfn_to_virt(mfn));
}

static void *p2m_map(void *ctx, unsigned long mfn)
{
    return mfn_to_virt(mfn);
}

const struct p2m_ops hvm_p2m_ops = { p2m_alloc_table, p2m_free_table, p2m_map };

void hvm_context_save(struct vcpu *v, const struct cpu_user_regs *frame)
{
    memcpy(&v->arch.user_regs, frame, offsetof(struct cpu_user_regs, es));
    vcpu_fpu_save(v);
}

void hvm_context_restore(struct vcpu *v, struct cpu_user_regs *frame)
{
    memcpy(frame, &v->arch.user_regs, offsetof(struct cpu_user_regs, es));
    /* The host runs on idle_pg_table while an HVM vCPU is current; VMRUN keeps it. */
    write_ptbase(idle_pg_table_pa);
    vcpu_fpu_restore(v);
    update_vcpu_system_time(&v->vcpu_info->time);
    /* v is current: its linear addresses translate through its own page tables. */
    vcpu_update_time_area(v);
    vcpu_update_runstate_area(v);
}

void hvm_portio(struct cpu_user_regs *frame, unsigned int port, unsigned int bytes,
                bool in, uint64_t next_rip)
{
    if (in) {
        uint64_t mask = bytes == 4 ? 0xffffffffULL : (1ULL << (bytes * 8)) - 1;
        /* A 32-bit IN zero-extends into RAX; 8/16-bit ones keep the upper bits. */
        frame->rax = bytes == 4 ? mask : (frame->rax & ~mask) | mask;
    }
    frame->rip = next_rip;
}

/* reg's low addr_bytes bytes set to val, as a write of that address size does. */
static uint64_t set_addr_reg(uint64_t reg, uint64_t val, unsigned int addr_bytes)
{
    if (addr_bytes == 8)
        return val;
    if (addr_bytes == 4)
        return (uint32_t)val;           /* a 32-bit register write zero-extends */
    return (reg & ~0xffffULL) | (val & 0xffff);
}

void hvm_string_portio(struct cpu_user_regs *frame, const struct hvm_string_io *io)
{
    struct vcpu *v = current;
    uint64_t amask = io->addr_bytes == 8 ? ~0ULL : (1ULL << (io->addr_bytes * 8)) - 1;
    uint64_t count = io->rep ? frame->rcx & amask : 1;
    uint64_t *index = io->in ? &frame->rdi : &frame->rsi;
    bool user = hvm_funcs->get_cpl(v) == 3;

    for (unsigned int done = 0; count && done < 256; done++) {
        uint64_t offset = *index & amask;
        uint8_t data[4] = { 0xff, 0xff, 0xff, 0xff };
        for (unsigned int b = 0; b < io->bytes; b++) {
            unsigned long va = io->seg_base + ((offset + b) & amask);
            uint64_t gpa;
            uint32_t pfec;
            if (io->addr_bytes < 8)
                va = (uint32_t)va;
            int rc = hvm_linear_to_gpa(va, io->in, user, &gpa, &pfec);
            if (rc == -EFAULT) {
                hvm_funcs->inject_page_fault(v, pfec, va);
                return;
            }
            if (rc) {
                domain_crash(v->domain, "string port I/O: guest page tables outside RAM");
                return;
            }
            if (io->in)
                hvm_copy_to_guest_phys(v->domain, gpa, &data[b], 1);   /* not RAM: dropped */
            else
                hvm_copy_from_guest_phys(v->domain, &data[b], gpa, 1); /* read, then dropped */
        }
        uint64_t step = (frame->rflags & X86_EFLAGS_DF) ? -(uint64_t)io->bytes : io->bytes;
        *index = set_addr_reg(*index, offset + step, io->addr_bytes);
        count--;
        if (io->rep)
            frame->rcx = set_addr_reg(frame->rcx, count, io->addr_bytes);
    }
    if (!count)
        frame->rip = io->next_rip;
}

/* The frame's register n (0-15: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15). */
static uint64_t *frame_reg(struct cpu_user_regs *f, unsigned int n)
{
    uint64_t *const regs[16] = {
        &f->rax, &f->rcx, &f->rdx, &f->rbx, &f->rsp, &f->rbp, &f->rsi, &f->rdi,
        &f->r8, &f->r9, &f->r10, &f->r11, &f->r12, &f->r13, &f->r14, &f->r15,
    };
    return regs[n & 15];
}

/* A load of val (in->bytes wide): write it into the destination as the CPU would. */
static void load_value(struct cpu_user_regs *frame, const struct hvm_mmio_insn *in, uint64_t val)
{
    uint64_t *r = frame_reg(frame, (unsigned int)in->reg);
    uint64_t v = in->bytes == 8 ? val : val & ((1ULL << (in->bytes * 8)) - 1);

    if (in->high_byte)
        *r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
    else if (in->dest_bytes >= 4)
        *r = v;                         /* 32-bit destinations zero-extend */
    else {
        uint64_t mask = (1ULL << (in->dest_bytes * 8)) - 1;
        *r = (*r & ~mask) | v;
    }
}

/* A load from nothing reads all ones. */
static void load_all_ones(struct cpu_user_regs *frame, const struct hvm_mmio_insn *in)
{
    load_value(frame, in, ~0ULL);
}

void hvm_vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct vcpu *w;
    unsigned int up = 0;

    __atomic_or_fetch(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST);
    raise_softirq((unsigned int)v->processor, SOFTIRQ_SCHEDULE);
    for_each_vcpu(d, w)
        up += !(__atomic_load_n(&w->pause_flags, __ATOMIC_SEQ_CST) & VPF_down);
    if (!up) {
        printk("d%u: all vCPUs offline: powering off\n", d->domain_id);
        domain_shutdown(d, SHUTDOWN_poweroff);
    }
}

void hvm_triple_fault(struct vcpu *v)
{
    struct domain *d = v->domain;
    unsigned int reason;

    spin_lock(&d->lock);
    reason = (unsigned int)d->arch.hvm->params[HVM_PARAM_TRIPLE_FAULT_REASON];
    spin_unlock(&d->lock);
    printk("d%uv%d: triple fault: shutting the domain down, reason %u\n",
           d->domain_id, v->vcpu_id, reason);
    domain_shutdown(d, reason);
}

bool hvm_nested_page_fault(struct cpu_user_regs *frame, uint64_t gpa, bool write, bool fetch)
{
    struct vcpu *v = current;
    enum p2m_type t;
    uint8_t insn[HVM_INSN_MAX];
    struct hvm_mmio_insn in;
    int rc = -EOPNOTSUPP;

    p2m_get_entry(&v->domain->arch.hvm->p2m, gpa >> PAGE_SHIFT, &t);
    bool apic = t == p2m_invalid && (v->arch.hvm->apic_base & APIC_BASE_ENABLE) &&
                !vlapic_x2apic_mode(v) && (gpa >> PAGE_SHIFT) == APIC_DEFAULT_PADDR >> PAGE_SHIFT;
    if (t == p2m_invalid && !fetch) {
        /* CS base 0: 64-bit code, or PVH's flat 32-bit code. */
        size_t got = sizeof(insn) - hvm_copy_from_guest_linear(insn, (void *)frame->rip, sizeof(insn));
        rc = hvm_decode_mmio(insn, got, hvm_funcs->long_mode_code(v), &in);
    }
    if (!rc && in.write != write)
        rc = -EINVAL;                   /* the instruction is not the one that faulted */
    if (rc) {
        printk("d%uv%d: nested page fault at gpa %#lx (%s%s), rip %#lx: cannot complete (%d)\n",
               v->domain->domain_id, v->vcpu_id, (unsigned long)gpa,
               write ? "write" : "read", fetch ? ", fetch" : "", (unsigned long)frame->rip, rc);
        domain_crash(v->domain, "unhandled nested page fault");
        return false;
    }
    if (apic && in.write && in.reg >= 0 && !in.high_byte && in.bytes == 4)
        vlapic_mmio_write(v, gpa & (PAGE_SIZE - 1), (uint32_t)*frame_reg(frame, (unsigned int)in.reg));
    else if (apic && !in.write)
        load_value(frame, &in, vlapic_mmio_read(v, gpa & (PAGE_SIZE - 1)));
    else if (!in.write)
        load_all_ones(frame, &in);
    frame->rip += in.len;
    return true;
}
