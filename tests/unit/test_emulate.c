/* SOURCES: arch/x86/pv/emul_priv.c arch/x86/pv/emul_io.c arch/x86/pv/emul_msr.c arch/x86/pv/emul_cr.c arch/x86/pv/emul_cpuid.c common/time_calc.c */
/*
 * PV privileged-instruction emulation: decoding (prefixes, REX, exact rip
 * advance), port I/O policy, MSR policy, CR/DR, INT n bounce, forced
 * CPUID and the CPUID policy, against fake guest memory and fake hardware
 * (ports, MSRs, CPUID, CR0/CR4) defined below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/spinlock.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/pv_bounce.h>
#include <asm/pv_domain.h>
#include <asm/pv_emulate.h>
#include <asm/traps.h>
#include "../../arch/x86/pv/emul_internal.h"
#include "host_stubs.h"

/* ---- fake vCPU / domain ---- */

struct vcpu *host_test_current;
static struct domain dom;
static struct vcpu vcpu;
static struct vcpu_info vinfo;

uint64_t tsc_khz = 2000000;
unsigned long max_page = 0x40000;        /* 1 GiB */

/* ---- fake guest memory: GMEM_SIZE bytes at GBASE ---- */

#define GBASE      0x10000UL
#define GMEM_SIZE  0x3000UL
static uint8_t gmem[GMEM_SIZE];

bool guest_range_ok(unsigned long va, size_t bytes)
{
    return va >= GBASE && va + bytes <= GBASE + GMEM_SIZE && va + bytes >= va;
}

size_t raw_copy_from_guest(void *dst, const void *src, size_t bytes)
{
    unsigned long va = (unsigned long)src;
    size_t done = 0;

    while (done < bytes && guest_range_ok(va + done, 1)) {
        ((uint8_t *)dst)[done] = gmem[va + done - GBASE];
        done++;
    }
    return bytes - done;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t bytes)
{
    unsigned long va = (unsigned long)dst;
    size_t done = 0;

    while (done < bytes && guest_range_ok(va + done, 1)) {
        gmem[va + done - GBASE] = ((const uint8_t *)src)[done];
        done++;
    }
    return bytes - done;
}

/* ---- fake hardware ---- */

struct io_op { bool out; uint16_t port; unsigned int bytes; uint32_t val; };
static struct io_op io_log[64];
static unsigned int io_n;

static uint32_t port_pattern(uint16_t port, unsigned int bytes)
{
    uint32_t v = 0x11223344u ^ port;
    return bytes == 4 ? v : v & ((1u << (bytes * 8)) - 1);
}

DEFINE_SPINLOCK(pci_conf_lock);          /* arch/x86/pci.c's */

uint32_t emul_hw_in(uint16_t port, unsigned int bytes)
{
    uint32_t v = port_pattern(port, bytes);
    if (io_n < 64)
        io_log[io_n++] = (struct io_op){ false, port, bytes, v };
    return v;
}

void emul_hw_out(uint16_t port, unsigned int bytes, uint32_t val)
{
    if (io_n < 64)
        io_log[io_n++] = (struct io_op){ true, port, bytes, val };
}

struct fake_msr { uint32_t idx; uint64_t val; };
static struct fake_msr hw_msrs[] = {
    { 0xc0000080, 0xd01 },               /* EFER: SCE LME LMA NXE */
    { 0xc0000100, 0 }, { 0xc0000101, 0 }, { 0xc0000102, 0 },
    { 0x000001a0, 0x850089 },            /* MISC_ENABLE */
    { 0x00000010, 12345 },               /* TSC */
    { 0x000000e7, 0 },                   /* MPERF */
    { 0x00000123, 7 },                   /* exists in "hardware", not in policy */
};

static struct fake_msr *hw_msr(uint32_t idx)
{
    for (size_t i = 0; i < ARRAY_SIZE(hw_msrs); i++)
        if (hw_msrs[i].idx == idx)
            return &hw_msrs[i];
    return NULL;
}

int emul_hw_rdmsr(uint32_t msr, uint64_t *val)
{
    struct fake_msr *m = hw_msr(msr);
    if (!m)
        return -1;
    *val = m->val;
    return 0;
}

int emul_hw_wrmsr(uint32_t msr, uint64_t val)
{
    struct fake_msr *m = hw_msr(msr);
    if (!m)
        return -1;
    m->val = val;
    return 0;
}

static unsigned long hw_cr0 = 0x80050033;  /* PG AM WP NE ET MP PE */
static unsigned long hw_cr4 = 0x3406e0;    /* incl. PAE MCE PGE OSFXSR OSXMMEXCPT */
static unsigned int wbinvd_count;
unsigned long emul_hw_read_cr0(void) { return hw_cr0; }
unsigned long emul_hw_read_cr4(void) { return hw_cr4; }
void emul_hw_wbinvd(void) { wbinvd_count++; }

/* A CPU with every feature bit set: the policy alone decides what is seen. */
void emul_hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4])
{
    res[0] = res[1] = res[2] = res[3] = 0xffffffffu;
    if (leaf == 0) {
        res[0] = 0x16;
        res[1] = 0x756e6547; res[3] = 0x49656e69; res[2] = 0x6c65746e;
    } else if (leaf == 7 && subleaf == 0) {
        res[0] = 2;
    } else if (leaf == 0x80000000) {
        res[0] = 0x80000008;
    }
}

uint16_t acpi_pm1a_control_port(void) { return 0x604; }

/* ---- fake collaborators ---- */

static int bounce_calls;
static unsigned long bounce_handler;
static unsigned int bounce_flags;
int pv_create_bounce_frame(struct cpu_user_regs *regs, unsigned long handler,
                           unsigned int flags, uint32_t error_code)
{
    bounce_calls++;
    bounce_handler = handler;
    bounce_flags = flags;
    return 0;
}

static int inject_calls;
static unsigned int inject_vector;
void pv_inject_trap(struct cpu_user_regs *regs, unsigned int vector, int32_t error_code)
{
    inject_calls++;
    inject_vector = vector;
}

static int fpu_ts = -1;
long do_fpu_taskswitch(hc_arg_t set)
{
    fpu_ts = (int)set;
    return 0;
}

static unsigned long baseptr_mfn;
static int baseptr_rc;
int pv_new_baseptr(struct vcpu *v, unsigned long mfn)
{
    baseptr_mfn = mfn;
    return baseptr_rc;
}

/* The guest's own GDT: selector 0x13 is a 64-bit code segment, nothing else is. */
bool pv_guest_code_selector(const struct vcpu *v, uint16_t sel, bool *long_mode)
{
    *long_mode = true;
    return sel == 0x13;
}

/* ---- helpers ---- */

#define CODE  (GBASE + 0x100)
static struct cpu_user_regs regs;

static int reset(void **state)
{
    memset(gmem, 0xcc, sizeof(gmem));
    memset(&dom, 0, sizeof(dom));
    memset(&vcpu, 0, sizeof(vcpu));
    memset(&vinfo, 0, sizeof(vinfo));
    memset(&regs, 0, sizeof(regs));
    dom.is_privileged = true;
    vcpu.domain = &dom;
    vcpu.vcpu_info = &vinfo;
    vcpu.arch.flags = TF_kernel_mode;
    vcpu.arch.iopl = 1;
    host_test_current = &vcpu;
    regs.cs = FLAT_KERNEL_CS;
    regs.rip = CODE;
    regs.entry_vector = TRAP_gp_fault;
    io_n = 0;
    bounce_calls = inject_calls = 0;
    fpu_ts = -1;
    baseptr_rc = 0;
    baseptr_mfn = 0;
    wbinvd_count = 0;
    for (size_t i = 0; i < ARRAY_SIZE(hw_msrs); i++)
        if (hw_msrs[i].idx >= 0xc0000100 && hw_msrs[i].idx <= 0xc0000102)
            hw_msrs[i].val = 0;
    return 0;
}

static void put_code(const char *bytes, size_t n)
{
    memcpy(&gmem[CODE - GBASE], bytes, n);
}

#define EMULATE(code) (put_code(code, sizeof(code) - 1), pv_emulate_privileged_op(&regs))

static void user_mode(void)
{
    vcpu.arch.flags &= ~TF_kernel_mode;
}

/* ---- port I/O ---- */

static void test_out_imm8(void **state)
{
    regs.rax = 0xabcdef5a;
    assert_true(EMULATE("\xe6\x80"));
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(io_n, 1);
    assert_true(io_log[0].out);
    assert_int_equal(io_log[0].port, 0x80);
    assert_int_equal(io_log[0].bytes, 1);
    assert_int_equal(io_log[0].val, 0x5a);
}

static void test_in_widths(void **state)
{
    regs.rax = 0xffffffffffffffffUL;
    regs.rdx = 0x1f0;
    assert_true(EMULATE("\x66\xed"));                    /* in ax, dx */
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(regs.rax, 0xffffffffffff0000UL | port_pattern(0x1f0, 2));

    reset(state);
    regs.rax = 0xffffffffffffffffUL;
    assert_true(EMULATE("\xe5\x64"));                    /* in eax, 0x64: zero-extends */
    assert_int_equal(regs.rax, port_pattern(0x64, 4));

    reset(state);
    assert_true(EMULATE("\xe5\x60"));                    /* 0x61 is denied: split */
    assert_int_equal(regs.rax, (port_pattern(0x62, 2) << 16) | 0xff00 | port_pattern(0x60, 1));

    reset(state);
    regs.rax = 0x1234567890UL;
    regs.rdx = 0x3000;
    assert_true(EMULATE("\xec"));                        /* in al, dx */
    assert_int_equal(regs.rip, CODE + 1);
    assert_int_equal(regs.rax, 0x1234567800UL | port_pattern(0x3000, 1));
}

static void test_prefixes_and_rex(void **state)
{
    regs.rdx = 0x2f8;
    regs.rax = 0x77;
    /* cs override, REX.W (does not widen port I/O), out dx, eax */
    assert_true(EMULATE("\x2e\x48\xef"));
    assert_int_equal(regs.rip, CODE + 3);
    assert_int_equal(io_log[0].bytes, 4);

    reset(state);
    regs.rdx = 0x2f8;
    /* REX before a legacy prefix is dropped; 0x66 still gives a word */
    assert_true(EMULATE("\x48\x66\x26\xef"));
    assert_int_equal(regs.rip, CODE + 4);
    assert_int_equal(io_log[0].bytes, 2);
}

static void test_denied_ports_dom0(void **state)
{
    static const uint16_t denied[] = { 0x20, 0x21, 0x40, 0x43, 0x61, 0xa0, 0xa1, 0xf4,
                                       0x3f8, 0x3fd, 0x3ff, 0x604, 0x605 };

    for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
        reset(state);
        regs.rdx = denied[i];
        regs.rax = 0;
        assert_true(EMULATE("\xec"));                    /* in al, dx */
        assert_int_equal(regs.rax & 0xff, 0xff);
        reset(state);
        regs.rdx = denied[i];
        assert_true(EMULATE("\xee"));                    /* out dx, al */
        assert_int_equal(io_n, 0);
    }
}

static void test_split_access_dom0(void **state)
{
    /* inl 0x3f6: 0x3f6-0x3f7 reachable (one word), 0x3f8-0x3f9 are COM1 */
    regs.rdx = 0x3f6;
    assert_true(EMULATE("\xed"));
    assert_int_equal(io_n, 1);
    assert_int_equal(io_log[0].port, 0x3f6);
    assert_int_equal(io_log[0].bytes, 2);
    assert_int_equal(regs.rax, 0xffff0000u | port_pattern(0x3f6, 2));
}

static void test_domu_no_ports(void **state)
{
    dom.is_privileged = false;
    static const uint16_t ports[] = { 0x80, 0x60, 0x70, 0x71, 0xcf8, 0xcfc, 0x1f0, 0xcf9 };

    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        regs.rdx = ports[i];
        regs.rax = 0x12345678;
        regs.rip = CODE;
        assert_true(EMULATE("\xed"));
        assert_int_equal(regs.rax, 0xffffffffu);
        regs.rip = CODE;
        assert_true(EMULATE("\xef"));
    }
    assert_int_equal(io_n, 0);
}

static void test_iopl(void **state)
{
    regs.rdx = 0x80;
    vcpu.arch.iopl = 0;
    assert_false(EMULATE("\xee"));                       /* kernel = ring 1 > IOPL 0 */
    assert_int_equal(regs.rip, CODE);
    dom.arch.vm_assist = 1UL << VMASST_TYPE_architectural_iopl;
    assert_true(EMULATE("\xee"));                        /* ... ring 0 with the assist */
    dom.arch.vm_assist = 0;

    regs.rip = CODE;
    vcpu.arch.iopl = 1;
    user_mode();
    assert_false(EMULATE("\xee"));                       /* user = ring 3 */
    assert_false(EMULATE("\xfa"));                       /* cli */
    vcpu.arch.iopl = 3;
    assert_true(EMULATE("\xee"));
    regs.rip = CODE;
    assert_true(EMULATE("\xfa"));                        /* cli: no-op with IOPL */
    assert_int_equal(regs.rip, CODE + 1);
}

static void test_pci_config(void **state)
{
    regs.rdx = 0xcf8;
    regs.rax = 0x80001810;
    assert_true(EMULATE("\xef"));                        /* outl: latched, no hardware */
    assert_int_equal(io_n, 0);
    regs.rip = CODE;
    regs.rax = 0;
    assert_true(EMULATE("\xed"));                        /* inl 0xcf8 reads the latch */
    assert_int_equal(regs.rax, 0x80001810);

    regs.rip = CODE;
    regs.rdx = 0xcfe;
    assert_true(EMULATE("\x66\xed"));                    /* inw 0xcfe */
    assert_int_equal(io_n, 2);
    assert_true(io_log[0].out);
    assert_int_equal(io_log[0].port, 0xcf8);
    assert_int_equal(io_log[0].val, 0x80001810);
    assert_int_equal(io_log[1].port, 0xcfe);
    assert_int_equal(io_log[1].bytes, 2);
    assert_int_equal(regs.rax & 0xffff, port_pattern(0xcfe, 2));

    regs.rip = CODE;
    regs.rdx = 0xcf9;                                    /* byte port 0xcf9: direct */
    io_n = 0;
    assert_true(EMULATE("\xee"));
    assert_int_equal(io_n, 1);
    assert_int_equal(io_log[0].port, 0xcf9);
}

static void test_rtc(void **state)
{
    regs.rax = 0x8a;
    assert_true(EMULATE("\xe6\x70"));                    /* latched */
    assert_int_equal(io_n, 0);
    regs.rip = CODE;
    assert_true(EMULATE("\xe4\x71"));
    assert_int_equal(io_n, 2);
    assert_int_equal(io_log[0].port, 0x70);
    assert_int_equal(io_log[0].val, 0x0a);               /* NMI-disable bit stripped */
    assert_int_equal(io_log[1].port, 0x71);
    assert_false(io_log[1].out);
}

static void test_rep_outs_ins(void **state)
{
    memcpy(&gmem[0x800], "hello", 5);
    regs.rsi = GBASE + 0x800;
    regs.rcx = 5;
    regs.rdx = 0x2f8;
    assert_true(EMULATE("\xf3\x6e"));                    /* rep outsb */
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(regs.rcx, 0);
    assert_int_equal(regs.rsi, GBASE + 0x805);
    assert_int_equal(io_n, 5);
    assert_int_equal(io_log[4].val, 'o');

    reset(state);
    regs.rdi = GBASE + 0x900;
    regs.rcx = 2;
    regs.rdx = 0x1f0;
    assert_true(EMULATE("\x66\xf3\x6d"));                /* rep insw */
    assert_int_equal(regs.rip, CODE + 3);
    assert_int_equal(regs.rdi, GBASE + 0x904);
    uint16_t w;
    memcpy(&w, &gmem[0x902], 2);
    assert_int_equal(w, port_pattern(0x1f0, 2));

    reset(state);
    regs.rdi = GBASE + 0x904;
    regs.rflags = X86_EFLAGS_DF;
    regs.rdx = 0x1f0;
    assert_true(EMULATE("\x6c"));                        /* insb, DF: rdi decrements */
    assert_int_equal(regs.rdi, GBASE + 0x903);

    reset(state);
    regs.rdi = 0xdead0000;                               /* unmapped */
    regs.rcx = 3;
    regs.rdx = 0x1f0;
    assert_false(EMULATE("\xf3\x6c"));
    assert_int_equal(regs.rip, CODE);

    reset(state);
    regs.rsi = GBASE + 0x1000;
    regs.rcx = 2000;
    regs.rdx = 0x80;
    assert_true(EMULATE("\xf3\x6e"));                    /* preempted: re-executed */
    assert_int_equal(regs.rip, CODE);
    assert_int_equal(regs.rcx, 2000 - 1024);
}

/* ---- MSRs ---- */

static bool do_wrmsr(uint32_t msr, uint64_t val)
{
    regs.rip = CODE;
    regs.rcx = msr;
    regs.rax = (uint32_t)val;
    regs.rdx = val >> 32;
    return EMULATE("\x0f\x30");
}

static bool do_rdmsr(uint32_t msr, uint64_t *val)
{
    regs.rip = CODE;
    regs.rcx = msr;
    bool ok = EMULATE("\x0f\x32");
    *val = (regs.rdx << 32) | (uint32_t)regs.rax;
    return ok;
}

static void test_msr_seg_bases(void **state)
{
    uint64_t v;

    assert_true(do_wrmsr(0xc0000101, 0xffff888000001000UL));        /* GS_BASE, kernel mode */
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(vcpu.arch.gs_base_kernel, 0xffff888000001000UL);
    assert_int_equal(hw_msr(0xc0000101)->val, 0xffff888000001000UL);
    assert_true(do_rdmsr(0xc0000101, &v));
    assert_int_equal(v, 0xffff888000001000UL);

    assert_true(do_wrmsr(0xc0000102, 0x7f0000001000UL));             /* SHADOW: the user base */
    assert_int_equal(vcpu.arch.gs_base_user, 0x7f0000001000UL);
    assert_int_equal(hw_msr(0xc0000102)->val, 0x7f0000001000UL);
    assert_true(do_rdmsr(0xc0000102, &v));
    assert_int_equal(v, 0x7f0000001000UL);

    assert_true(do_wrmsr(0xc0000100, 0x1234000));                   /* FS_BASE */
    assert_int_equal(vcpu.arch.fs_base, 0x1234000);
    assert_int_equal(hw_msr(0xc0000100)->val, 0x1234000);

    assert_false(do_wrmsr(0xc0000101, 0x0000800000000000UL));       /* non-canonical */
    assert_false(do_wrmsr(0xc0000100, 0x8000000000000000UL));
    assert_int_equal(regs.rip, CODE);
    assert_int_equal(vcpu.arch.gs_base_kernel, 0xffff888000001000UL);

    user_mode();
    assert_false(do_wrmsr(0xc0000101, 0));                          /* CPL 3 */
}

static void test_msr_policy(void **state)
{
    uint64_t v;

    assert_true(do_rdmsr(0xc0000080, &v));                          /* EFER */
    assert_int_equal(v, 0xd01);
    assert_true(do_wrmsr(0xc0000080, 0xd01));                       /* write back: fine */
    assert_false(do_wrmsr(0xc0000080, 0x501));                      /* change: refused */

    assert_true(do_rdmsr(0x1b, &v));                                /* APIC_BASE */
    assert_int_equal(v, 0xfee00000UL | (1 << 11) | (1 << 8));
    vcpu.vcpu_id = 1;
    assert_true(do_rdmsr(0x1b, &v));
    assert_int_equal(v, 0xfee00000UL | (1 << 11));

    assert_true(do_rdmsr(0x277, &v));                               /* PAT */
    assert_int_equal(v, 0x0000050100070406ULL);
    assert_true(do_rdmsr(0x1a0, &v));                               /* MISC_ENABLE sanitised */
    assert_int_equal(v & (1 << 18), 0);
    assert_int_not_equal(v & (1 << 11), 0);
    assert_true(do_wrmsr(0xe7, 99));                                /* MPERF: ignored */
    assert_int_equal(hw_msr(0xe7)->val, 0);

    /* unknown MSR: #GP once the guest has a #GP handler ... */
    vcpu.arch.trap_ctxt[TRAP_gp_fault].address = 0xffffffff81000000UL;
    assert_false(do_rdmsr(0x123, &v));
    assert_false(do_rdmsr(0x40000000, &v));
    assert_false(do_wrmsr(0x123, 1));
    /* ... but read as 0 before it has one, if the hardware has it */
    vcpu.arch.trap_ctxt[TRAP_gp_fault].address = 0;
    assert_true(do_rdmsr(0x123, &v));
    assert_int_equal(v, 0);
    assert_false(do_rdmsr(0x456, &v));
    assert_false(do_rdmsr(0x40000000, &v));
}

/* ---- control and debug registers ---- */

static void test_cr(void **state)
{
    vcpu.arch.guest_table = 0x1234;
    regs.rax = 0;
    assert_true(EMULATE("\x0f\x20\xd8"));                /* mov rax, cr3 */
    assert_int_equal(regs.rip, CODE + 3);
    assert_int_equal(regs.rax, 0x1234000);

    regs.rip = CODE;
    regs.rbx = 0x5678000;
    assert_true(EMULATE("\x0f\x22\xdb"));                /* mov cr3, rbx */
    assert_int_equal(baseptr_mfn, 0x5678);
    regs.rip = CODE;
    baseptr_rc = -EINVAL;
    assert_false(EMULATE("\x0f\x22\xdb"));
    regs.rip = CODE;
    baseptr_rc = -ERESTART;
    assert_true(EMULATE("\x0f\x22\xdb"));
    assert_int_equal(regs.rip, CODE);                    /* retried */

    regs.rip = CODE;
    vcpu.arch.ctrlreg[0] = X86_CR0_TS;
    assert_true(EMULATE("\x41\x0f\x20\xc1"));            /* mov r9, cr0 */
    assert_int_equal(regs.rip, CODE + 4);
    assert_int_equal(regs.r9, hw_cr0 | X86_CR0_TS);

    regs.rip = CODE;
    regs.rax = hw_cr0 | X86_CR0_TS;
    assert_true(EMULATE("\x0f\x22\xc0"));                /* mov cr0, rax: TS only */
    assert_int_equal(fpu_ts, 1);
    regs.rip = CODE;
    regs.rax = hw_cr0 & ~1UL;
    assert_false(EMULATE("\x0f\x22\xc0"));               /* clearing PE: refused */

    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x06"));                    /* clts */
    assert_int_equal(fpu_ts, 0);
    assert_int_equal(regs.rip, CODE + 2);

    regs.rip = CODE;
    assert_false(EMULATE("\x44\x0f\x20\xc0"));           /* mov rax, cr8 */

    regs.rip = CODE;
    regs.rcx = 0xffffffff;
    assert_true(EMULATE("\x0f\x22\xe1"));                /* mov cr4, rcx */
    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x20\xe2"));                /* mov rdx, cr4 */
    assert_int_equal(regs.rdx, X86_CR4_TSD | X86_CR4_DE | X86_CR4_PAE | X86_CR4_MCE |
                                X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);

    regs.rip = CODE;
    vinfo.arch.cr2 = 0xdeadbeef;
    assert_true(EMULATE("\x0f\x20\xd0"));                /* mov rax, cr2 */
    assert_int_equal(regs.rax, 0xdeadbeef);

    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x09"));                    /* wbinvd */
    assert_int_equal(wbinvd_count, 1);
    regs.rip = CODE;
    assert_false(EMULATE("\x0f\x08"));                   /* invd: Xen refuses */

    user_mode();
    regs.rip = CODE;
    assert_false(EMULATE("\x0f\x20\xd8"));               /* CPL 3 */
    assert_false(EMULATE("\x0f\x06"));
}

static void test_dr(void **state)
{
    regs.rax = 0x1;                                      /* L0 */
    assert_true(EMULATE("\x0f\x23\xf8"));                /* mov dr7, rax */
    assert_int_equal(vcpu.arch.debugreg[7], 0x401);
    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x21\xf9"));                /* mov rcx, dr7 */
    assert_int_equal(regs.rcx, 0x401);
    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x21\xea"));                /* mov rdx, dr5 = dr7 */
    assert_int_equal(regs.rdx, 0x401);

    regs.rip = CODE;
    regs.rax = 0x2000;                                   /* GD */
    assert_false(EMULATE("\x0f\x23\xf8"));
    regs.rax = 0x20001;                                  /* I/O breakpoint without CR4.DE */
    assert_false(EMULATE("\x0f\x23\xf8"));
    regs.rax = 1UL << 32;
    assert_false(EMULATE("\x0f\x23\xf8"));

    regs.rax = GBASE + 0x40;
    assert_true(EMULATE("\x0f\x23\xc0"));                /* mov dr0, rax */
    assert_int_equal(vcpu.arch.debugreg[0], GBASE + 0x40);
    regs.rip = CODE;
    regs.rax = 0xffff800000000000UL;                     /* hypervisor address */
    assert_false(EMULATE("\x0f\x23\xc0"));

    regs.rip = CODE;
    assert_true(EMULATE("\x0f\x21\xf0"));                /* mov rax, dr6 */
    assert_int_equal(regs.rax, 0xffff0ff0);
}

/* ---- INT n ---- */

static void test_int_n(void **state)
{
    struct trap_info *ti = &vcpu.arch.trap_ctxt[0x80];

    ti->address = 0xffffffff81234567UL;
    ti->flags = 3 | 4;                                   /* DPL 3, events masked */
    regs.error_code = (0x80 << 3) | 2;
    user_mode();
    assert_true(EMULATE("\xcd\x80"));
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(bounce_calls, 1);
    assert_int_equal(bounce_handler, ti->address);
    assert_int_equal(bounce_flags, TBF_INTERRUPT);

    /* DPL 1: the guest kernel may, its user space may not */
    reset(state);
    ti->address = 0xffffffff81234567UL;
    ti->flags = 1;
    regs.error_code = (0x80 << 3) | 2;
    assert_true(EMULATE("\xcd\x80"));
    assert_int_equal(bounce_flags, 0);
    regs.rip = CODE;
    user_mode();
    assert_false(EMULATE("\xcd\x80"));

    /* DPL 0, no handler, mismatched bytes, external event */
    reset(state);
    regs.error_code = (0x80 << 3) | 2;
    ti->flags = 0;
    ti->address = 0x1000;
    assert_false(EMULATE("\xcd\x80"));
    ti->flags = 3;
    ti->address = 0;
    assert_false(EMULATE("\xcd\x80"));
    ti->address = 0x1000;
    assert_false(EMULATE("\xcd\x81"));
    regs.error_code = (0x80 << 3) | 3;
    assert_false(EMULATE("\xcd\x80"));
    assert_int_equal(bounce_calls, 0);
}

/* ---- decoding failures ---- */

static void test_bad_bytes(void **state)
{
    assert_false(EMULATE("\x0f\x0b"));                   /* ud2 */
    assert_false(EMULATE("\x90"));                       /* nop */
    assert_false(EMULATE("\xf4"));                       /* hlt */
    assert_false(EMULATE("\xf0\x0f\x30"));               /* lock wrmsr */
    assert_false(EMULATE("\x0f\x01\xf0"));               /* lmsw-group: not emulated */
    /* 15 bytes is the limit: 14 prefixes + opcode decodes, 15 prefixes do not */
    assert_true(EMULATE("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\xee"));
    assert_int_equal(regs.rip, CODE + 15);
    regs.rip = CODE;
    assert_false(EMULATE("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\xee"));
    assert_int_equal(regs.rip, CODE);

    regs.error_code = 0x18;                              /* not an IDT fault, not 0 */
    assert_false(EMULATE("\xee"));
    regs.error_code = 0;

    regs.rip = GBASE + GMEM_SIZE - 1;                    /* 0f at the last mapped byte */
    gmem[GMEM_SIZE - 1] = 0x0f;
    assert_false(pv_emulate_privileged_op(&regs));
    gmem[GMEM_SIZE - 1] = 0xe6;                          /* out imm8 missing its port */
    regs.rip = GBASE + GMEM_SIZE - 1;
    assert_false(pv_emulate_privileged_op(&regs));
    regs.rip = 0xdead0000;
    assert_false(pv_emulate_privileged_op(&regs));

    regs.rip = CODE;
    io_n = 0;
    regs.cs = 0xe008;                                    /* not a PV flat code selector */
    assert_false(EMULATE("\xee"));
    assert_int_equal(io_n, 0);
    regs.cs = 0x23;                                      /* not a code segment of the guest GDT */
    assert_false(EMULATE("\xee"));
    assert_int_equal(io_n, 0);
    regs.cs = 0x13;                                      /* Linux's __KERNEL_CS on secondary vCPUs */
    assert_true(EMULATE("\xe6\x80"));
    assert_int_equal(io_n, 1);
}

static void test_single_step(void **state)
{
    regs.rflags = X86_EFLAGS_TF | X86_EFLAGS_RF;
    assert_true(EMULATE("\xe6\x80"));
    assert_int_equal(regs.rip, CODE + 2);
    assert_int_equal(regs.rflags & X86_EFLAGS_RF, 0);
    assert_int_equal(inject_calls, 1);
    assert_int_equal(inject_vector, TRAP_debug);
}

static void test_compat_user_io(void **state)
{
    user_mode();
    vcpu.arch.iopl = 3;
    regs.cs = FLAT_USER_CS32;
    regs.rdx = 0x80;
    assert_true(EMULATE("\xee"));
    assert_int_equal(regs.rip, CODE + 1);
    regs.rip = CODE;
    assert_false(EMULATE("\x48\xee"));                   /* 0x48 is DEC, not REX, in 32-bit code */
}

/* ---- CPUID ---- */

static void test_forced_cpuid(void **state)
{
    regs.entry_vector = TRAP_invalid_op;
    regs.rax = 0x40000000;
    put_code("\x0f\x0b" "xen" "\x0f\xa2", 7);
    assert_true(pv_emulate_forced_invalid_op(&regs));
    assert_int_equal(regs.rip, CODE + 7);
    assert_int_equal(regs.rax, 0x40000005);
    char sig[13] = { 0 };
    memcpy(sig, &regs.rbx, 4);
    memcpy(sig + 4, &regs.rcx, 4);
    memcpy(sig + 8, &regs.rdx, 4);
    assert_string_equal(sig, "XenVMMXenVMM");

    regs.rip = CODE;
    regs.rax = 0x40000001;
    assert_true(pv_emulate_forced_invalid_op(&regs));
    assert_int_equal(regs.rax, (4 << 16) | 17);

    regs.rip = CODE;
    put_code("\x0f\x0b" "xen" "\x0f\x31", 7);           /* rdtsc: not forced-emulated */
    assert_false(pv_emulate_forced_invalid_op(&regs));
    put_code("\x0f\x0b" "xem" "\x0f\xa2", 7);
    assert_false(pv_emulate_forced_invalid_op(&regs));
    regs.rip = GBASE + GMEM_SIZE - 6;                    /* truncated */
    memcpy(&gmem[GMEM_SIZE - 6], "\x0f\x0b" "xen" "\x0f", 6);
    assert_false(pv_emulate_forced_invalid_op(&regs));
}

static void test_cpuid_policy(void **state)
{
    uint32_t r[4];

    pv_cpuid(0, 0, r, &dom);
    assert_int_equal(r[0], 0xd);                         /* basic max clamped */
    pv_cpuid(1, 0, r, &dom);
    assert_int_not_equal(r[2] & (1u << 31), 0);          /* hypervisor */
    assert_int_equal(r[2] & (1u << 5), 0);               /* VMX */
    assert_int_equal(r[2] & (1u << 3), 0);               /* MONITOR */
    assert_int_equal(r[2] & (1u << 17), 0);              /* PCID */
    assert_int_equal(r[2] & (1u << 21), 0);              /* x2APIC */
    assert_int_equal(r[2] & (7u << 26), 0);              /* XSAVE OSXSAVE AVX */
    assert_int_not_equal(r[2] & (1u << 0), 0);           /* SSE3 stays */
    assert_int_equal(r[3] & ((1u << 3) | (1u << 13)), 0); /* PSE PGE */
    assert_int_not_equal(r[3] & (1u << 12), 0);          /* MTRR: dom0 kernel (Xen's leak) */
    assert_int_not_equal(r[3] & (1u << 25), 0);          /* SSE */
    assert_int_equal(r[1] >> 24, 0);                     /* APIC ID */
    dom.is_privileged = false;
    pv_cpuid(1, 0, r, &dom);
    assert_int_equal(r[3] & (1u << 12), 0);

    pv_cpuid(7, 0, r, &dom);
    assert_int_equal(r[0], 1);
    assert_int_equal(r[1] & ((1u << 0) | (1u << 5) | (1u << 7) | (1u << 10) | (1u << 16)), 0);
    assert_int_not_equal(r[1] & (1u << 3), 0);           /* BMI1 */
    pv_cpuid(7, 1, r, &dom);
    assert_int_equal(r[0], (1u << 10) | (1u << 11) | (1u << 12));
    pv_cpuid(7, 2, r, &dom);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    pv_cpuid(0xd, 0, r, &dom);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    pv_cpuid(5, 0, r, &dom);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    pv_cpuid(0x80000001, 0, r, &dom);
    assert_int_equal(r[2] & (1u << 2), 0);               /* SVM */
    assert_int_equal(r[3] & (1u << 26), 0);              /* 1G pages */
    assert_int_not_equal(r[3] & (1u << 29), 0);          /* LM */
    pv_cpuid(0x8000000a, 0, r, &dom);                    /* SVM leaf, beyond hw max too */
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    pv_cpuid(0x40000002, 0, r, &dom);
    assert_int_equal(r[0], 1);
    assert_int_equal(r[1], 0x40000000);
    pv_cpuid(0x40000003, 2, r, &dom);
    assert_int_equal(r[0], 2000000);
    pv_cpuid(0x40000005, 0, r, &dom);
    assert_int_equal(r[1], 30);
    pv_cpuid(0x40000006, 0, r, &dom);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
    pv_cpuid(0x40000100, 0, r, &dom);
    assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_out_imm8, reset),
        cmocka_unit_test_setup(test_in_widths, reset),
        cmocka_unit_test_setup(test_prefixes_and_rex, reset),
        cmocka_unit_test_setup(test_denied_ports_dom0, reset),
        cmocka_unit_test_setup(test_split_access_dom0, reset),
        cmocka_unit_test_setup(test_domu_no_ports, reset),
        cmocka_unit_test_setup(test_iopl, reset),
        cmocka_unit_test_setup(test_pci_config, reset),
        cmocka_unit_test_setup(test_rtc, reset),
        cmocka_unit_test_setup(test_rep_outs_ins, reset),
        cmocka_unit_test_setup(test_msr_seg_bases, reset),
        cmocka_unit_test_setup(test_msr_policy, reset),
        cmocka_unit_test_setup(test_cr, reset),
        cmocka_unit_test_setup(test_dr, reset),
        cmocka_unit_test_setup(test_int_n, reset),
        cmocka_unit_test_setup(test_bad_bytes, reset),
        cmocka_unit_test_setup(test_single_step, reset),
        cmocka_unit_test_setup(test_compat_user_io, reset),
        cmocka_unit_test_setup(test_forced_cpuid, reset),
        cmocka_unit_test_setup(test_cpuid_policy, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
