/*
 * pvh_smp: a PVH dom0 with two vCPUs (dom0_max_vcpus=2, tests/guests/run.sh)
 * starts its second one both ways Xen 4.17 offers, with its answers:
 *   - VCPUOP_initialise / VCPUOP_up of a vCPU that does not exist: -ENOENT;
 *     up of one never initialised: -EINVAL; initialise of vCPU 0 (running):
 *     -EEXIST; a bad argument pointer: -EFAULT;
 *   - bogus struct vcpu_hvm_context (arch_set_info_hvm_guest()): unknown
 *     mode, padding, null or non-code CS, data CS, 16-bit TSS, EIP past
 *     CS's limit, SS.DPL != CS.DPL, LMA without LME, unknown EFER or CR4
 *     bits; 64-bit: non-canonical RIP, paging, PAE or LME off: all -EINVAL,
 *     and the vCPU stays uninitialised (up: -EINVAL);
 *   - a good 64-bit context: initialise 0, a second one -EEXIST, is_up 0
 *     until VCPUOP_up; then vCPU 1 runs at its RIP with its RDI and stack,
 *     CPUID leaf 0x40000004 names it vCPU 1, and its HLT with interrupts
 *     off takes it down again (is_up 0);
 *   - the native way (Linux's): INIT then STARTUP through the x2APIC ICR:
 *     vCPU 1 restarts in real mode at the STARTUP vector's page and runs
 *     the 16-bit code there.
 * Timing-independent: the BSP waits for each step with a bounded number of
 * SCHEDOP_yield calls.
 */
#include "pvh.h"
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/hvm/hvm_vcpu.h>

const char test_name[] = "pvh_smp";

#define MSR_APIC_BASE   0x1b
#define X2APIC_ICR      0x830
#define TRAMPOLINE      0x8000UL        /* STARTUP vector 0x08 */
#define FLAG16          0x9000UL        /* the real-mode code's store */
#define WAIT_YIELDS     200000

static volatile uint64_t ap_rdi, ap_vcpu_id = ~0UL, ap_rsp;
static uint8_t ap_stack[4096] __attribute__((aligned(16)));

/* vCPU 1's 64-bit entry: records RDI, RSP and its vCPU id, then halts with IF clear. */
void ap_entry64(void);
asm (".pushsection .text\n"
     ".globl ap_entry64\n"
     "ap_entry64:\n"
     "  mov %rdi, ap_rdi(%rip)\n"
     "  mov %rsp, ap_rsp(%rip)\n"
     "  mov $0x40000004, %eax\n"
     "  xor %ecx, %ecx\n"
     "  cpuid\n"
     "  mov %rbx, ap_vcpu_id(%rip)\n"
     "1: cli\n"
     "  hlt\n"
     "  jmp 1b\n"
     ".popsection\n");

static long init_ctx(unsigned int vcpu, const struct vcpu_hvm_context *c)
{
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, vcpu, (void *)c);
}

static struct vcpu_hvm_context flat32(void)
{
    struct vcpu_hvm_context c;

    memset(&c, 0, sizeof(c));
    c.mode = VCPU_HVM_MODE_32B;
    c.cpu_regs.x86_32.eip = TRAMPOLINE;
    c.cpu_regs.x86_32.cr0 = 0x11;
    c.cpu_regs.x86_32.cs_limit = c.cpu_regs.x86_32.ds_limit = ~0u;
    c.cpu_regs.x86_32.ss_limit = c.cpu_regs.x86_32.es_limit = ~0u;
    c.cpu_regs.x86_32.tr_limit = 0x67;
    c.cpu_regs.x86_32.cs_ar = 0xc9b;
    c.cpu_regs.x86_32.ds_ar = c.cpu_regs.x86_32.ss_ar = c.cpu_regs.x86_32.es_ar = 0xc93;
    c.cpu_regs.x86_32.tr_ar = 0x8b;
    return c;
}

static struct vcpu_hvm_context long64(void)
{
    struct vcpu_hvm_context c;
    uint64_t cr0, cr3, cr4;

    asm volatile ("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2" : "=r" (cr0), "=r" (cr3), "=r" (cr4));
    memset(&c, 0, sizeof(c));
    c.mode = VCPU_HVM_MODE_64B;
    c.cpu_regs.x86_64.rip = (uint64_t)ap_entry64;
    c.cpu_regs.x86_64.rsp = (uint64_t)(ap_stack + sizeof(ap_stack));
    c.cpu_regs.x86_64.rdi = 0x5eed1234abcdULL;
    c.cpu_regs.x86_64.rflags = 0x2;
    c.cpu_regs.x86_64.cr0 = cr0;
    c.cpu_regs.x86_64.cr3 = cr3;
    c.cpu_regs.x86_64.cr4 = cr4;
    c.cpu_regs.x86_64.efer = rdmsr(0xc0000080) & ~(1UL << 10);     /* LME (and NXE, SCE) */
    return c;
}

static bool wait_until(volatile uint64_t *p, uint64_t want)
{
    for ( unsigned int i = 0; i < WAIT_YIELDS; i++ )
    {
        if ( ACCESS_ONCE(*p) == want )
            return true;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return false;
}

static bool wait_down(unsigned int vcpu)
{
    for ( unsigned int i = 0; i < WAIT_YIELDS; i++ )
    {
        if ( HYPERVISOR_vcpu_op(VCPUOP_is_up, vcpu, NULL) == 0 )
            return true;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return false;
}

static void refusals(void)
{
    struct vcpu_hvm_context c = flat32();

    expect_eq(init_ctx(2, &c), -XEN_ENOENT, "initialise: vCPU 2 of 2");
    expect_eq(init_ctx(1000, &c), -XEN_ENOENT, "initialise: vCPU 1000");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 2, NULL), -XEN_ENOENT, "up: vCPU 2 of 2");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "up: never initialised");
    expect_eq(init_ctx(0, &c), -XEN_EEXIST, "initialise: vCPU 0 (running)");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, (void *)(512UL << 30)), -XEN_EFAULT,
              "initialise: bad argument pointer");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vCPU 1 starts down");

#define BAD(what, field, val) do { c = flat32(); c.field = (val); \
        expect_eq(init_ctx(1, &c), -XEN_EINVAL, what); } while ( 0 )
    BAD("unknown mode", mode, 2);
    BAD("padding", pad, 1);
    BAD("32-bit padding", cpu_regs.x86_32.pad2[0], 1);
    BAD("null CS", cpu_regs.x86_32.cs_ar, 0);
    BAD("data segment for CS", cpu_regs.x86_32.cs_ar, 0xc93);
    BAD("CS not present", cpu_regs.x86_32.cs_ar, 0xc1b);
    BAD("system segment for CS", cpu_regs.x86_32.cs_ar, 0xc8b);
    BAD("CS attribute bits 12-15", cpu_regs.x86_32.cs_ar, 0x1c9b);
    BAD("code segment for SS", cpu_regs.x86_32.ss_ar, 0xc9b);
    BAD("16-bit TSS for TR", cpu_regs.x86_32.tr_ar, 0x83);
    BAD("SS.DPL 3, CS.DPL 0", cpu_regs.x86_32.ss_ar, 0xcf3);
    BAD("EIP past CS's limit", cpu_regs.x86_32.cs_limit, 0x7);
    BAD("LMA without LME", cpu_regs.x86_32.efer, 1UL << 10);
    BAD("unknown EFER bit", cpu_regs.x86_32.efer, 1UL << 63);
    BAD("reserved CR4 bit", cpu_regs.x86_32.cr4, 1UL << 31);
#undef BAD
#define BAD64(what, field, val) do { c = long64(); c.field = (val); \
        expect_eq(init_ctx(1, &c), -XEN_EINVAL, what); } while ( 0 )
    BAD64("64-bit: non-canonical RIP", cpu_regs.x86_64.rip, 0x0000800000000000UL);
    BAD64("64-bit: paging off", cpu_regs.x86_64.cr0, 0x11);
    BAD64("64-bit: PAE off", cpu_regs.x86_64.cr4, 0);
    BAD64("64-bit: LME off", cpu_regs.x86_64.efer, 0);
#undef BAD64
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL,
              "up: still uninitialised after the refusals");
}

static void start_64(void)
{
    struct vcpu_hvm_context c = long64();

    expect_eq(init_ctx(1, &c), 0, "initialise vCPU 1, 64-bit");
    expect_eq(init_ctx(1, &c), -XEN_EEXIST, "initialise it again");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "initialised, still down");
    expect_eq(ap_vcpu_id, ~0UL, "it has not run");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0, "VCPUOP_up");
    check(wait_until(&ap_rdi, 0x5eed1234abcdULL), "vCPU 1 ran with its RDI");
    check(wait_until(&ap_vcpu_id, 1), "CPUID 0x40000004 on it: vCPU 1");
    expect_eq(ap_rsp, (uint64_t)(ap_stack + sizeof(ap_stack)), "with its RSP");
    check(wait_down(1), "HLT with IF clear took it down");
}

/* INIT, then STARTUP: 16-bit code at TRAMPOLINE stores 0x5a5a at FLAG16 and halts. */
static void start_init_sipi(void)
{
    static const uint8_t code16[] = {
        0xc7, 0x06, FLAG16 & 0xff, FLAG16 >> 8, 0x5a, 0x5a,    /* movw $0x5a5a, (FLAG16) */
        0xfa, 0xf4, 0xeb, 0xfc,                                 /* 1: cli; hlt; jmp 1b */
    };
    volatile uint16_t *flag = (volatile uint16_t *)FLAG16;
    uint64_t dest = 2UL << 32;          /* vCPU 1's APIC ID */
    unsigned int i;

    memcpy((void *)TRAMPOLINE, code16, sizeof(code16));
    *flag = 0;
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 10));  /* x2APIC */
    wrmsr(X2APIC_ICR, dest | (1u << 14) | (5u << 8));           /* INIT, assert */
    wrmsr(X2APIC_ICR, dest | (1u << 15) | (5u << 8));           /* INIT de-assert: nothing */
    wrmsr(X2APIC_ICR, dest | (6u << 8) | (TRAMPOLINE >> 12));   /* STARTUP */
    for ( i = 0; i < WAIT_YIELDS && *flag != 0x5a5a; i++ )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    expect_eq(*flag, 0x5a5a, "INIT + STARTUP: vCPU 1 ran the real-mode code");
    check(wait_down(1), "and halted (down)");
    wrmsr(X2APIC_ICR, dest | (6u << 8) | (TRAMPOLINE >> 12));   /* no INIT first */
    for ( i = 0; i < 1000; i++ )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0,
              "STARTUP without INIT: ignored (the vCPU is not at reset)");
}

void test_main(void)
{
    asm volatile ("cli");
    refusals();
    start_64();
    start_init_sipi();
    test_finish();
}
