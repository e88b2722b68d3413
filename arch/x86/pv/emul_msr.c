/*
 * RDMSR/WRMSR from a PV guest kernel: Xen 4.17's PV MSR policy
 * (pv/emul-priv-op.c read_msr()/write_msr(), msr.c guest_rdmsr()/
 * guest_wrmsr()), as a table of MSR ranges with read and write handlers.
 * A NULL handler, or an MSR not in the table, refuses: the guest gets #GP.
 *
 *  - FS_BASE/GS_BASE/SHADOW_GS_BASE: the guest's segment bases; writes
 *    must be canonical and update both the vCPU and the live MSRs.
 *  - EFER: a sanitised view of the hardware value; writing back that same
 *    value is accepted (Linux does), any change refused.
 *  - APIC_BASE reads as an enabled xAPIC at the default address (BSP on
 *    vCPU 0); PAT reads as Xen's fixed PAT; MISC_ENABLE sanitised.
 *  - Power, thermal, performance-counter and platform MSRs Linux touches
 *    without a guard: read as zero, writes ignored (Xen with no vPMU and
 *    dom0 not the cpufreq controller).
 *  - Any other read of an MSR the hardware has returns 0 while the guest
 *    has no #GP handler yet (Xen's "faking RDMSR"), else #GP.
 */
#include <xenia/lib.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/traps.h>
#include "emul_internal.h"

/* MSR indices (Intel SDM vol. 4, AMD APM vol. 2). */
#define EMSR_IA32_TSC             0x00000010
#define EMSR_PLATFORM_ID          0x00000017
#define EMSR_APIC_BASE            0x0000001b
#define EMSR_FEATURE_CONTROL      0x0000003a
#define EMSR_UCODE_REV            0x0000008b
#define EMSR_P6_PERFCTR0          0x000000c1
#define EMSR_P6_PERFCTR7          0x000000c8
#define EMSR_PLATFORM_INFO        0x000000ce
#define EMSR_MPERF                0x000000e7
#define EMSR_APERF                0x000000e8
#define EMSR_MISC_FEATURES_EN     0x00000140
#define EMSR_MCG_CAP              0x00000179
#define EMSR_MCG_STATUS           0x0000017a
#define EMSR_P6_EVNTSEL0          0x00000186
#define EMSR_P6_EVNTSEL3          0x00000189
#define EMSR_PERF_STATUS          0x00000198
#define EMSR_PERF_CTL             0x00000199
#define EMSR_THERM_CONTROL        0x0000019a
#define EMSR_THERM_STATUS         0x0000019c
#define EMSR_MISC_ENABLE          0x000001a0
#define EMSR_ENERGY_PERF_BIAS     0x000001b0
#define EMSR_PAT                  0x00000277
#define EMSR_FIXED_CTR0           0x00000309
#define EMSR_FIXED_CTR2           0x0000030b
#define EMSR_PERF_CAPABILITIES    0x00000345
#define EMSR_FIXED_CTR_CTRL       0x0000038d
#define EMSR_GLOBAL_OVF_CTRL      0x00000390
#define EMSR_EFER                 0xc0000080
#define EMSR_FS_BASE              0xc0000100
#define EMSR_GS_BASE              0xc0000101
#define EMSR_SHADOW_GS_BASE       0xc0000102
#define EMSR_TSC_AUX              0xc0000103
#define EMSR_K7_EVNTSEL0          0xc0010000
#define EMSR_K7_PERFCTR3          0xc0010007
#define EMSR_K8_HWCR              0xc0010015
#define EMSR_K8_NB_CFG            0xc001001f
#define EMSR_K7_FID_VID_CTL       0xc0010041
#define EMSR_K7_FID_VID_STATUS    0xc0010042
#define EMSR_K8_PSTATE_LIMIT      0xc0010061
#define EMSR_K8_PSTATE7           0xc001006b
#define EMSR_F15H_EVNTSEL0        0xc0010200
#define EMSR_F15H_PERFCTR5        0xc001020b
#define EMSR_AMD64_DE_CFG         0xc0011029

#define EFER_SCE                  (1ULL << 0)
#define EFER_LME                  (1ULL << 8)
#define EFER_LMA                  (1ULL << 10)
#define EFER_NXE                  (1ULL << 11)
#define EFER_FFXSE                (1ULL << 14)
#define EFER_AIBRSE               (1ULL << 21)
#define EFER_GUEST_MASK           (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_FFXSE | EFER_AIBRSE)

#define APIC_DEFAULT_PHYS_BASE    0xfee00000ULL
#define APIC_BASE_BSP             (1ULL << 8)
#define APIC_BASE_ENABLE          (1ULL << 11)
#define XEN_MSR_PAT               0x0000050100070406ULL   /* WB WT UC- UC WC WP UC UC */
#define FEATURE_CONTROL_LOCK      (1ULL << 0)
#define DE_CFG_LFENCE_SERIALISE   (1ULL << 1)

#define MISC_ENABLE_PERF_AVAIL    (1ULL << 7)
#define MISC_ENABLE_BTS_UNAVAIL   (1ULL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL  (1ULL << 12)
#define MISC_ENABLE_MONITOR       (1ULL << 18)
#define MISC_ENABLE_XTPR_DISABLE  (1ULL << 23)

#define XEN_MSR_RANGE_FIRST       0x40000000u   /* hypervisor MSRs: never faked */

typedef bool (*msr_read_t)(struct vcpu *v, uint32_t msr, uint64_t *val);
typedef bool (*msr_write_t)(struct vcpu *v, uint32_t msr, uint64_t val);

struct msr_desc {
    uint32_t first, last;       /* inclusive */
    msr_read_t read;            /* NULL: #GP */
    msr_write_t write;          /* NULL: #GP */
};

/* ---- handlers ---- */

static bool rd_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = 0;
    return true;
}

static bool wr_ignore(struct vcpu *v, uint32_t msr, uint64_t val)
{
    return true;
}

static bool wr_zero_only(struct vcpu *v, uint32_t msr, uint64_t val)
{
    return val == 0;
}

static bool rd_hardware(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    return emul_hw_rdmsr(msr, val) == 0;
}

static bool rd_shadow_gs(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = v->arch.gs_base_user;
    return true;
}

/*
 * wr_seg_base(): FS_BASE / GS_BASE / SHADOW_GS_BASE. In guest kernel mode
 * the live GS_BASE is the kernel's base and SHADOW_GS_BASE the user's
 * (swapped on every guest mode switch, see pv/domain.c).
 */
static bool wr_seg_base(struct vcpu *v, uint32_t msr, uint64_t val)
{
    bool kernel = emul_guest_kernel(v);
    uint32_t live = msr;

    if (!emul_canonical(val))
        return false;
    if (msr == EMSR_FS_BASE) {
        v->arch.fs_base = val;
    } else if (msr == EMSR_GS_BASE) {
        v->arch.gs_base_kernel = val;
        live = kernel ? EMSR_GS_BASE : EMSR_SHADOW_GS_BASE;
    } else {
        v->arch.gs_base_user = val;
        live = kernel ? EMSR_SHADOW_GS_BASE : EMSR_GS_BASE;
    }
    return emul_hw_wrmsr(live, val) == 0;
}

static uint64_t guest_efer(void)
{
    uint64_t efer = 0;

    emul_hw_rdmsr(EMSR_EFER, &efer);
    return efer & EFER_GUEST_MASK;
}

static bool rd_efer(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = guest_efer();
    return true;
}

static bool wr_efer(struct vcpu *v, uint32_t msr, uint64_t val)
{
    return val == guest_efer();
}

static bool rd_apic_base(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = APIC_DEFAULT_PHYS_BASE | APIC_BASE_ENABLE | (v->vcpu_id == 0 ? APIC_BASE_BSP : 0);
    return true;
}

static bool rd_pat(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = XEN_MSR_PAT;
    return true;
}

static bool rd_misc_enable(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    if (emul_hw_rdmsr(msr, val))
        return false;
    *val &= ~(MISC_ENABLE_PERF_AVAIL | MISC_ENABLE_MONITOR);
    *val |= MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_XTPR_DISABLE;
    return true;
}

static bool host_is_intel(void)
{
    uint32_t r[4];

    emul_hw_cpuid(0, 0, r);
    return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;  /* GenuineIntel */
}

static bool rd_feature_control(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = FEATURE_CONTROL_LOCK;        /* locked, VMX off: no nested virtualisation */
    return host_is_intel();
}

static bool rd_de_cfg(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = DE_CFG_LFENCE_SERIALISE;
    return !host_is_intel();
}

/* ---- the policy table ---- */

static const struct msr_desc msr_table[] = {
    { EMSR_IA32_TSC,          EMSR_IA32_TSC,          rd_hardware,        NULL },
    { EMSR_PLATFORM_ID,       EMSR_PLATFORM_ID,       rd_hardware,        NULL },
    { EMSR_APIC_BASE,         EMSR_APIC_BASE,         rd_apic_base,       NULL },
    { EMSR_FEATURE_CONTROL,   EMSR_FEATURE_CONTROL,   rd_feature_control, NULL },
    { EMSR_UCODE_REV,         EMSR_UCODE_REV,         rd_hardware,        NULL },
    { EMSR_P6_PERFCTR0,       EMSR_P6_PERFCTR7,       rd_zero,            wr_ignore },
    { EMSR_PLATFORM_INFO,     EMSR_PLATFORM_INFO,     rd_zero,            NULL },
    { EMSR_MPERF,             EMSR_APERF,             NULL,               wr_ignore },
    { EMSR_MISC_FEATURES_EN,  EMSR_MISC_FEATURES_EN,  rd_zero,            wr_zero_only },
    { EMSR_MCG_CAP,           EMSR_MCG_CAP,           rd_zero,            NULL },
    { EMSR_MCG_STATUS,        EMSR_MCG_STATUS,        rd_zero,            wr_ignore },
    { EMSR_P6_EVNTSEL0,       EMSR_P6_EVNTSEL3,       rd_zero,            wr_ignore },
    { EMSR_PERF_STATUS,       EMSR_PERF_CTL,          rd_zero,            wr_ignore },
    { EMSR_THERM_CONTROL,     EMSR_THERM_CONTROL,     NULL,               wr_ignore },
    { EMSR_THERM_STATUS,      EMSR_THERM_STATUS,      rd_zero,            NULL },
    { EMSR_MISC_ENABLE,       EMSR_MISC_ENABLE,       rd_misc_enable,     wr_ignore },
    { EMSR_ENERGY_PERF_BIAS,  EMSR_ENERGY_PERF_BIAS,  NULL,               wr_ignore },
    { EMSR_PAT,               EMSR_PAT,               rd_pat,             NULL },
    { EMSR_FIXED_CTR0,        EMSR_FIXED_CTR2,        rd_zero,            wr_ignore },
    { EMSR_PERF_CAPABILITIES, EMSR_PERF_CAPABILITIES, rd_zero,            NULL },
    { EMSR_FIXED_CTR_CTRL,    EMSR_GLOBAL_OVF_CTRL,   rd_zero,            wr_ignore },
    { EMSR_EFER,              EMSR_EFER,              rd_efer,            wr_efer },
    { EMSR_FS_BASE,           EMSR_GS_BASE,           rd_hardware,        wr_seg_base },
    { EMSR_SHADOW_GS_BASE,    EMSR_SHADOW_GS_BASE,    rd_shadow_gs,       wr_seg_base },
    { EMSR_TSC_AUX,           EMSR_TSC_AUX,           rd_zero,            wr_ignore },
    { EMSR_K7_EVNTSEL0,       EMSR_K7_PERFCTR3,       rd_zero,            wr_ignore },
    { EMSR_K8_HWCR,           EMSR_K8_HWCR,           rd_zero,            wr_ignore },
    { EMSR_K8_NB_CFG,         EMSR_K8_NB_CFG,         rd_zero,            wr_ignore },
    { EMSR_K7_FID_VID_CTL,    EMSR_K7_FID_VID_STATUS, rd_zero,            wr_ignore },
    { EMSR_K8_PSTATE_LIMIT,   EMSR_K8_PSTATE7,        rd_zero,            wr_ignore },
    { EMSR_F15H_EVNTSEL0,     EMSR_F15H_PERFCTR5,     rd_zero,            wr_ignore },
    { EMSR_AMD64_DE_CFG,      EMSR_AMD64_DE_CFG,      rd_de_cfg,          NULL },
};

static const struct msr_desc *find_msr(uint32_t msr)
{
    for (size_t i = 0; i < ARRAY_SIZE(msr_table); i++)
        if (msr >= msr_table[i].first && msr <= msr_table[i].last)
            return &msr_table[i];
    return NULL;
}

/*
 * fake_read_ok(): Xen reads an MSR the policy refuses as 0 when the guest
 * has no #GP handler registered yet (early boot), unless it is one of the
 * hypervisor's own MSRs or the hardware lacks it.
 */
static bool fake_read_ok(const struct vcpu *v, uint32_t msr)
{
    uint64_t ignored;

    return !v->arch.trap_ctxt[TRAP_gp_fault].address &&
           (msr >> 16) != (XEN_MSR_RANGE_FIRST >> 16) &&
           emul_hw_rdmsr(msr, &ignored) == 0;
}

enum emul_rc emul_rdmsr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    struct vcpu *v = current;
    uint32_t msr = (uint32_t)regs->rcx;
    const struct msr_desc *d = find_msr(msr);
    uint64_t val = 0;

    if (!d || !d->read || !d->read(v, msr, &val)) {
        if (!fake_read_ok(v, msr))
            return EMUL_FAIL;
        printk("d%uv%d: faking RDMSR %#x\n", v->domain->domain_id, v->vcpu_id, msr);
        val = 0;
    }
    regs->rax = (uint32_t)val;
    regs->rdx = (uint32_t)(val >> 32);
    return EMUL_DONE;
}

enum emul_rc emul_wrmsr(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    struct vcpu *v = current;
    uint32_t msr = (uint32_t)regs->rcx;
    uint64_t val = ((uint64_t)(uint32_t)regs->rdx << 32) | (uint32_t)regs->rax;
    const struct msr_desc *d = find_msr(msr);

    if (!d || !d->write || !d->write(v, msr, val))
        return EMUL_FAIL;
    return EMUL_DONE;
}
