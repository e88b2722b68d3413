/*
 * The CPUID view of a PV guest (Xen 4.17 arch/x86/cpuid.c guest_cpuid(),
 * cpu-policy.c recalculate_misc(), traps.c cpuid_hypervisor_leaves(), and
 * the PV ('A') annotations of public/arch-x86/cpufeatureset.h).
 *
 * The hardware leaf is read and filtered by leaf_table: an entry names a
 * leaf (and subleaf) and an AND mask per register; a leaf without an entry
 * reads as zeroes. Feature words keep only what a PV guest may use, minus
 * what Xenia does not virtualise:
 *  - never for PV (Xen): VME, PSE, PGE, MTRR, PSE36, DS, MONITOR, VMX, SMX,
 *    EIST, PCID, INVPCID, X2APIC, TSC_DEADLINE, SMEP, SMAP, UMIP, PKU,
 *    PAGE1GB, SVM and the other virtualisation/power/perf bits;
 *  - Xenia: XSAVE and everything that needs it (OSXSAVE, AVX, AVX2, FMA,
 *    F16C, AVX-512, XOP, FMA4, VAES, leaf 0xd) since only FXSAVE state is
 *    context-switched; FSGSBASE (CR4.FSGSBASE is not offered); the
 *    speculation-control MSR features (IBRS/STIBP/SSBD/ARCH_CAPS) whose
 *    MSRs are not virtualised; DBEXT.
 * Then the dynamic adjustments: HYPERVISOR set, max leaves clamped to the
 * policy, and (as Xen) MTRR shown to the hardware domain's kernel.
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <xenia/version.h>
#include <xen/arch-x86/cpuid.h>
#include <asm/current.h>
#include <asm/pv_emulate.h>
#include "emul_internal.h"

#define B(n)            (1u << (n))
#define ALL             0xffffffffu
#define ANY_SUBLEAF     0xffffffffu

enum { EAX, EBX, ECX, EDX };

#define BASIC_MAX       0x0000000du
#define EXTD_MAX        0x80000021u
#define LEAF7_MAX_SUB   1u
#define HV_BASE         XEN_CPUID_FIRST_LEAF
#define HV_LIMIT        XEN_CPUID_MAX_NUM_LEAVES

/* Leaf 1 EDX: FPU DE TSC MSR PAE MCE CX8 APIC SEP MCA CMOV PAT CLFLUSH ACPI MMX FXSR SSE SSE2 SS HTT */
#define L1_EDX  (B(0) | B(2) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(11) | B(14) | \
                 B(15) | B(16) | B(19) | B(22) | B(23) | B(24) | B(25) | B(26) | B(27) | B(28))
#define L1_EDX_MTRR     B(12)
/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 CX16 SSE4_1 SSE4_2 MOVBE POPCNT AESNI RDRAND HYPERVISOR */
#define L1_ECX  (B(0) | B(1) | B(9) | B(13) | B(19) | B(20) | B(22) | B(23) | B(25) | B(30) | B(31))
#define L1_ECX_HYPERVISOR B(31)
/* Leaf 7.0 EBX: BMI1 HLE FDP_EXCP_ONLY BMI2 ERMS RTM NO_FPU_SEL RDSEED ADX CLFLUSHOPT CLWB SHA */
#define L7_EBX  (B(3) | B(4) | B(6) | B(8) | B(9) | B(11) | B(13) | B(18) | B(19) | B(23) | \
                 B(24) | B(29))
/* Leaf 7.0 ECX: PREFETCHWT1 GFNI RDPID CLDEMOTE MOVDIRI MOVDIR64B */
#define L7_ECX  (B(0) | B(8) | B(22) | B(25) | B(27) | B(28))
/* Leaf 7.0 EDX: FSRM MD_CLEAR SERIALIZE TSXLDTRK */
#define L7_EDX  (B(4) | B(10) | B(14) | B(16))
/* Leaf 7.1 EAX: FZRM FSRS FSRCS */
#define L7_1_EAX (B(10) | B(11) | B(12))
/* 0x80000001 EDX: the leaf-1 EDX bits AMD mirrors, SYSCALL NX MMXEXT FFXSR RDTSCP LM 3DNOWEXT 3DNOW */
#define E1_EDX  ((L1_EDX & 0x0183f3ffu) | B(11) | B(20) | B(22) | B(25) | B(27) | B(29) | \
                 B(30) | B(31))
/* 0x80000001 ECX: LAHF_LM CMP_LEGACY ABM SSE4A MISALIGNSSE 3DNOWPREFETCH TBM */
#define E1_ECX  (B(0) | B(1) | B(5) | B(6) | B(7) | B(8) | B(21))
/* 0x80000007 EDX: invariant TSC */
#define E7_EDX  B(8)
/* 0x80000008 EBX: CLZERO RSTR_FP_ERR_PTRS SSB_NO BTC_NO */
#define E8_EBX  (B(0) | B(2) | B(26) | B(29))
/* 0x80000021 EAX: LFENCE_DISPATCH VERW_CLEAR NSCB SRSO_NO SRSO_US_NO; ECX: TSA_SQ_NO TSA_L1_NO */
#define E21_EAX (B(2) | B(5) | B(6) | B(29) | B(30))
#define E21_ECX (B(1) | B(2))

struct cpuid_filter {
    uint32_t leaf;
    uint32_t subleaf;           /* ANY_SUBLEAF: every subleaf */
    uint32_t keep[4];           /* EAX EBX ECX EDX masks */
};

static const struct cpuid_filter leaf_table[] = {
    { 0x00000000, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* max leaf (clamped), vendor */
    { 0x00000001, ANY_SUBLEAF, { 0x0fff0fff, 0x00ffffff, L1_ECX, L1_EDX } }, /* APIC ID dynamic: 0 */
    { 0x00000002, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* cache descriptors */
    { 0x00000004, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* deterministic cache */
    { 0x00000007, 0,           { ALL, L7_EBX, L7_ECX, L7_EDX } },    /* max subleaf (clamped) */
    { 0x00000007, 1,           { L7_1_EAX, 0, 0, 0 } },
    { 0x80000000, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* max leaf (clamped), vendor */
    { 0x80000001, ANY_SUBLEAF, { ALL, 0xff00ffff, E1_ECX, E1_EDX } },
    { 0x80000002, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* brand string */
    { 0x80000003, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },
    { 0x80000004, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },
    { 0x80000005, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* L1 cache/TLB */
    { 0x80000006, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* L2/L3 cache */
    { 0x80000007, ANY_SUBLEAF, { 0, 0, 0, E7_EDX } },
    { 0x80000008, ANY_SUBLEAF, { 0x0000ffff, E8_EBX, 0x0003f0ff, 0 } }, /* address sizes */
    { 0x80000019, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* 1G TLB */
    { 0x8000001a, ANY_SUBLEAF, { ALL, ALL, ALL, ALL } },             /* perf hints */
    { 0x80000021, ANY_SUBLEAF, { E21_EAX, 0, E21_ECX, 0 } },
};

/* Leaves whose EAX is a maximum (leaf or subleaf) that the policy caps. */
static const struct { uint32_t leaf, max; } max_table[] = {
    { 0x00000000, BASIC_MAX },
    { 0x00000007, LEAF7_MAX_SUB },
    { 0x80000000, EXTD_MAX },
};

static const struct cpuid_filter *find_filter(uint32_t leaf, uint32_t subleaf)
{
    for (size_t i = 0; i < ARRAY_SIZE(leaf_table); i++) {
        const struct cpuid_filter *f = &leaf_table[i];
        if (f->leaf == leaf && (f->subleaf == ANY_SUBLEAF || f->subleaf == subleaf))
            return f;
    }
    return NULL;
}

/* clamp_max(): cap a maximum-leaf/subleaf EAX (only subleaf 0 of leaf 7 is one). */
static void clamp_max(uint32_t leaf, uint32_t subleaf, uint32_t res[4])
{
    if (leaf == 7 && subleaf != 0)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(max_table); i++)
        if (max_table[i].leaf == leaf && res[EAX] > max_table[i].max)
            res[EAX] = max_table[i].max;
}

/* leaf_in_range(): leaf (and subleaf) exist on this CPU and in the policy. */
static bool leaf_in_range(uint32_t leaf, uint32_t subleaf)
{
    uint32_t r[4];
    uint32_t base = leaf & 0x80000000u;

    emul_hw_cpuid(base, 0, r);
    clamp_max(base, 0, r);
    if (leaf > r[EAX])
        return false;
    if (leaf != 7)
        return true;
    emul_hw_cpuid(7, 0, r);
    clamp_max(7, 0, r);
    return subleaf <= r[EAX];
}

/* ---- Xen's leaves 0x40000000-0x40000005 (public/arch-x86/cpuid.h) ---- */

static unsigned int fls64(uint64_t x)
{
    return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
}

static void hv_time_leaf(uint32_t subleaf, uint32_t res[4])
{
    uint32_t r[4];
    struct time_scale ts;

    switch (subleaf) {
    case 0:                     /* features: no vTSC; TSC safe if invariant; RDTSCP */
        emul_hw_cpuid(0x80000007, 0, r);
        res[EAX] = (r[EDX] & E7_EDX) ? B(1) : 0;
        emul_hw_cpuid(0x80000001, 0, r);
        res[EAX] |= (r[EDX] & B(27)) ? B(2) : 0;
        res[EBX] = 0;           /* tsc_mode: default */
        res[ECX] = (uint32_t)tsc_khz;
        res[EDX] = 0;           /* incarnation */
        break;
    case 1:                     /* TSC-to-ns scale, offset 0 */
        if (!tsc_khz)
            break;
        set_time_scale(&ts, tsc_khz * 1000);
        res[ECX] = ts.mul_frac;
        res[EDX] = (uint32_t)(int32_t)ts.shift;
        break;
    case 2:
        res[EAX] = (uint32_t)tsc_khz;
        break;
    }
}

static void hv_leaf(uint32_t idx, uint32_t subleaf, uint32_t res[4])
{
    switch (idx) {
    case 0:
        res[EAX] = HV_BASE + HV_LIMIT;
        res[EBX] = XEN_CPUID_SIGNATURE_EBX;
        res[ECX] = XEN_CPUID_SIGNATURE_ECX;
        res[EDX] = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        res[EAX] = (XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR;
        break;
    case 2:
        res[EAX] = 1;                          /* hypercall pages */
        res[EBX] = HV_BASE;                    /* MSR that installs them */
        res[ECX] = XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;
        break;
    case 3:
        hv_time_leaf(subleaf, res);
        break;
    case 5:                                    /* PV: machine address width */
        if (subleaf == 0 && max_page)
            res[EBX] = fls64(max_page - 1) + 12;
        break;
    default:                                   /* 4: HVM only */
        break;
    }
}

/* ---- dynamic adjustments ---- */

static void adjust_leaf1(uint32_t res[4], const struct domain *d)
{
    uint32_t hw[4];
    const struct vcpu *v = current;

    res[ECX] |= L1_ECX_HYPERVISOR;
    /* Xen leaks MTRR to the hardware domain's kernel (XENPF_*_memtype probe). */
    emul_hw_cpuid(1, 0, hw);
    if (d && d->is_privileged && v && v->domain == d && emul_guest_kernel(v))
        res[EDX] |= hw[EDX] & L1_EDX_MTRR;
}

void pv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4], const struct domain *d)
{
    const struct cpuid_filter *f;

    res[EAX] = res[EBX] = res[ECX] = res[EDX] = 0;
    if (leaf >= HV_BASE && leaf <= HV_BASE + 0xff) {
        if (leaf - HV_BASE <= HV_LIMIT)
            hv_leaf(leaf - HV_BASE, subleaf, res);
        return;
    }
    f = find_filter(leaf, subleaf);
    if (!f || !leaf_in_range(leaf, subleaf))
        return;
    emul_hw_cpuid(leaf, subleaf, res);
    for (unsigned int r = 0; r < 4; r++)
        res[r] &= f->keep[r];
    clamp_max(leaf, subleaf, res);
    if (leaf == 1)
        adjust_leaf1(res, d);
}
