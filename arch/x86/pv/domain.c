/*
 * PV vCPU state: creation, context switch, guest kernel/user mode toggle.
 *
 * A 64-bit PV guest kernel runs in ring 3 like its user space; the two are
 * told apart by TF_kernel_mode and have separate L4 tables (guest_table,
 * guest_table_user) and GS bases (kernel and user), swapped on every mode
 * change as Xen does.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/percpu.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/desc.h>
#include <asm/hv_paging.h>
#include <asm/hvm/hvm.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/pv_domain.h>
#include <asm/pv_emulate.h>
#include <asm/pv_mm.h>
#include <asm/flushtlb.h>
#include <asm/pv_context.h>
#include <asm/smp.h>
#include <asm/x86_defns.h>

#define FXSAVE_BYTES    512

struct xsave_area {
    uint8_t fxsave[FXSAVE_BYTES];
} __aligned(64);

int pv_domain_init(struct domain *d)
{
    d->arch.is_pv = true;
    return 0;
}

int pv_vcpu_init(struct vcpu *v)
{
    v->arch.xsave_area = xzalloc_bytes(sizeof(struct xsave_area));
    if (!v->arch.xsave_area)
        return -ENOMEM;
    /* Default FPU state: FCW 0x37f, MXCSR 0x1f80 (as after FNINIT/reset). */
    *(uint16_t *)&v->arch.xsave_area->fxsave[0] = 0x37f;
    *(uint32_t *)&v->arch.xsave_area->fxsave[24] = 0x1f80;
    v->arch.flags = TF_kernel_mode;
    v->arch.lazy_cpu = -1;
    v->arch.user_regs.cs = FLAT_KERNEL_CS;
    v->arch.user_regs.ss = FLAT_KERNEL_SS;
    v->arch.user_regs.rflags = X86_EFLAGS_IF;
    v->arch.kernel_ss = FLAT_KERNEL_SS;
    return 0;
}

static unsigned long current_l4(const struct vcpu *v)
{
    if (!(v->arch.flags & TF_kernel_mode) && v->arch.guest_table_user)
        return v->arch.guest_table_user;
    return v->arch.guest_table;
}

__guest_path void pv_update_cr3(struct vcpu *v)
{
    if (v != current)
        return;             /* loaded by pv_context_restore() when it runs */
    write_ptbase(current_l4(v) << PAGE_SHIFT);
}

bool pv_guest_kernel_tables_begin(struct vcpu *v)
{
    if (is_hvm_vcpu(v) || (v->arch.flags & TF_kernel_mode) || !v->arch.guest_table_user ||
        !v->arch.guest_table)
        return false;
    write_ptbase(v->arch.guest_table << PAGE_SHIFT);
    return true;
}

void pv_guest_kernel_tables_end(struct vcpu *v, bool loaded)
{
    if (loaded)
        write_ptbase(v->arch.guest_table_user << PAGE_SHIFT);
}

__guest_path void pv_toggle_guest_mode(struct vcpu *v)
{
    v->arch.flags ^= TF_kernel_mode;
    __asm__ __volatile__("swapgs");
    pv_update_cr3(v);
}

static uint16_t read_sreg_ds(void) { uint16_t s; __asm__ __volatile__("mov %%ds, %0" : "=r"(s)); return s; }
static uint16_t read_sreg_es(void) { uint16_t s; __asm__ __volatile__("mov %%es, %0" : "=r"(s)); return s; }
static uint16_t read_sreg_fs(void) { uint16_t s; __asm__ __volatile__("mov %%fs, %0" : "=r"(s)); return s; }
static uint16_t read_sreg_gs(void) { uint16_t s; __asm__ __volatile__("mov %%gs, %0" : "=r"(s)); return s; }

/*
 * Load a guest data selector; a selector the CPU refuses becomes null
 * (Xen would invoke the failsafe callback here; noted in docs).
 */
#define LOAD_SREG(seg, sel)                                              \
    __asm__ __volatile__("1: mov %k0, %%" #seg "\n"                      \
                         "2:\n"                                          \
                         ".section .fixup_sreg, \"ax\"\n"                \
                         "3: xor %k0, %k0\n"                             \
                         "   mov %k0, %%" #seg "\n"                      \
                         "   jmp 2b\n"                                   \
                         ".previous\n"                                   \
                         ".section .ex_table, \"a\"\n"                   \
                         ".align 8\n"                                    \
                         ".quad 1b, 3b\n"                                \
                         ".previous" :: "r"((unsigned int)(sel)))

void pv_context_save(struct vcpu *v, const struct cpu_user_regs *frame)
{
    struct cpu_user_regs *r = &v->arch.user_regs;

    memcpy(r, frame, offsetof(struct cpu_user_regs, es));
    r->ds = read_sreg_ds();
    r->es = read_sreg_es();
    r->fs = read_sreg_fs();
    r->gs = read_sreg_gs();
    v->arch.fs_base = rdmsr(MSR_FS_BASE);
    if (v->arch.flags & TF_kernel_mode) {
        v->arch.gs_base_kernel = rdmsr(MSR_GS_BASE);
        v->arch.gs_base_user = rdmsr(MSR_SHADOW_GS_BASE);
    } else {
        v->arch.gs_base_user = rdmsr(MSR_GS_BASE);
        v->arch.gs_base_kernel = rdmsr(MSR_SHADOW_GS_BASE);
    }
    __asm__ __volatile__("fxsave64 %0" : "=m"(v->arch.xsave_area->fxsave));
}

void vcpu_fpu_save(struct vcpu *v)
{
    __asm__ __volatile__("fxsave64 %0" : "=m"(v->arch.xsave_area->fxsave));
}

void vcpu_fpu_restore(struct vcpu *v)
{
    __asm__ __volatile__("fxrstor64 %0" :: "m"(v->arch.xsave_area->fxsave));
}

/*
 * Lazy page tables (Xen's lazy context switch, for CR3 alone). A pCPU
 * whose PV vCPU stops and finds nothing else to run keeps that vCPU's page
 * tables in CR3 while it idles: the hypervisor's mappings are in every
 * guest L4. When the same vCPU comes back to it, nothing is reloaded (under
 * QEMU's TCG each CR3 load empties the whole software TLB, so an idle
 * period used to cost two of those).
 *
 * - lazy_vcpu (per pCPU, written by its pCPU only): the vCPU whose tables
 *   this idle pCPU's CR3 still holds, or NULL. Whoever is about to drop a
 *   reference on one of v's L4 tables calls pv_sync_lazy(v) first, which
 *   has every such pCPU load idle_pg_table and waits for it.
 * - v->arch.lazy_cpu: the pCPU that may resume v without a reload, or -1.
 *   Reset whenever v is loaded: a pCPU v ran on meanwhile took the
 *   flushes v asked for on itself, the lazy pCPU did not. A pCPU whose
 *   claim went stale drops the tables when it next wakes from idle.
 * Shootdowns for v's domain pass the idle pCPU by (no IPI to wake it):
 * it reloads CR3 on resuming v if one came since its last flush
 * (tlb_missed_shootdown(), the TLB clock).
 */
static DEFINE_PER_CPU(struct vcpu *, lazy_vcpu);
static DEFINE_PER_CPU(paddr_t, lazy_cr3);      /* the CR3 it keeps, valid while lazy_vcpu is set */

/* This pCPU's CR3 no longer holds its lazy vCPU's tables. */
void pv_lazy_end(void)
{
    __atomic_store_n(&this_cpu(lazy_vcpu), NULL, __ATOMIC_RELEASE);
}

static void drop_lazy(void)
{
    write_ptbase(idle_pg_table_pa);
    pv_lazy_end();
}

void pv_switch_to_idle(struct vcpu *prev)
{
    if (prev && !is_hvm_vcpu(prev)) {
        prev->arch.lazy_cpu = (int)smp_processor_id();
        this_cpu(lazy_cr3) = read_cr3();
        __atomic_store_n(&this_cpu(lazy_vcpu), prev, __ATOMIC_RELEASE);
        return;
    }
    write_ptbase(idle_pg_table_pa);
}

void pv_idle_drop_stale_tables(void)
{
    const struct vcpu *v = this_cpu(lazy_vcpu);

    if (v && ACCESS_ONCE(v->arch.lazy_cpu) != (int)smp_processor_id())
        drop_lazy();
}

/* Call function: leave v's tables if this idle pCPU still holds them. */
static void drop_lazy_of(void *v)
{
    if (!current && this_cpu(lazy_vcpu) == v)
        drop_lazy();
}

bool pv_lazy_holds_table(unsigned long mfn)
{
    unsigned int cpu;

    for_each_cpu(cpu, &cpu_online_map)
        if (__atomic_load_n(&per_cpu(lazy_vcpu, cpu), __ATOMIC_ACQUIRE) &&
            per_cpu(lazy_cr3, cpu) >> PAGE_SHIFT == mfn)
            return true;
    return false;
}

void pv_sync_lazy(struct vcpu *v)
{
    unsigned int self = smp_processor_id(), cpu;
    cpumask_t holders;

    cpumask_clear(&holders);
    for_each_cpu(cpu, &cpu_online_map)
        if (cpu != self && __atomic_load_n(&per_cpu(lazy_vcpu, cpu), __ATOMIC_ACQUIRE) == v)
            cpumask_set_cpu(cpu, &holders);
    if (!cpumask_empty(&holders))
        on_selected_cpus(&holders, drop_lazy_of, v, true);
}

void pv_context_restore(struct vcpu *v, struct cpu_user_regs *frame)
{
    const struct cpu_user_regs *r = &v->arch.user_regs;
    paddr_t cr3 = current_l4(v) << PAGE_SHIFT;

    memcpy(frame, r, offsetof(struct cpu_user_regs, es));
    if (this_cpu(lazy_vcpu) != v || v->arch.lazy_cpu != (int)smp_processor_id() ||
        read_cr3() != cr3 || tlb_missed_shootdown(v->domain))
        write_ptbase(cr3);
    v->arch.lazy_cpu = -1;
    pv_lazy_end();              /* only now: CR3 has left the old tables */
    gdt_load_guest_frames(v->arch.gdt_frames,
                          (v->arch.gdt_ents + 511) / 512);
    LOAD_SREG(ds, r->ds);
    LOAD_SREG(es, r->es);
    LOAD_SREG(fs, r->fs);
    LOAD_SREG(gs, r->gs);
    wrmsr(MSR_FS_BASE, v->arch.fs_base);
    bool kernel = v->arch.flags & TF_kernel_mode;
    wrmsr(MSR_GS_BASE, kernel ? v->arch.gs_base_kernel : v->arch.gs_base_user);
    wrmsr(MSR_SHADOW_GS_BASE, kernel ? v->arch.gs_base_user : v->arch.gs_base_kernel);
    __asm__ __volatile__("fxrstor64 %0" :: "m"(v->arch.xsave_area->fxsave));
    update_vcpu_system_time(&v->vcpu_info->time);
    vcpu_update_time_area(v);
    vcpu_update_runstate_area(v);
}

/*
 * pv_new_baseptr(): a guest's MOV to CR3, emulated as MMUEXT_NEW_BASEPTR,
 * preemptible: -ERESTART re-executes the instruction, which first
 * finishes v's old_guest_table and then finds the table installed or
 * resumes its validation.
 */
int pv_new_baseptr(struct vcpu *v, unsigned long mfn)
{
    int rc = pv_put_old_guest_table(v, true);

    if (rc)
        return rc;
    rc = pv_set_guest_table(v, mfn, false, true);
    if (!rc && v->arch.old_guest_table)
        return -ERESTART;
    return rc;
}
