/*
 * selectors: guest-supplied selectors get RPL 3 forced where Xen forces
 * it (a 64-bit PV kernel runs in ring 3): set_trap_table's code selectors
 * and stack_switch's stack selector, given by vCPU 1 and read back by
 * vCPU 0 with XEN_DOMCTL_getvcpucontext (Xen refuses it for the calling
 * vCPU), and SEGBASE_GS_USER_SEL's selector (read back from %gs); a NUL
 * selector stays NUL.
 */
#define __XEN_TOOLS__ 1
#include "test.h"
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/sched.h>

const char test_name[] = "selectors";

#define SPARE_VECTOR    0x82            /* not used by the test library */
#define RPL_MASK        3

static struct xen_domctl dc;
static vcpu_guest_context_t ctx;
static trap_info_t table[2];
static char stack1[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile long rc_trap_table = 1, rc_stack_switch = 1;
static volatile unsigned long sp1;
static volatile int done;
extern char spare_handler[];

asm (".text\nspare_handler:\n    ud2\n");

/* vCPU 1: give the selectors with RPL 0, report, take itself offline. */
void secondary_main(void)
{
    unsigned long sp;

    table[0].vector = SPARE_VECTOR;
    table[0].cs = FLAT_KERNEL_CS & ~RPL_MASK;
    table[0].address = (unsigned long)spare_handler;
    rc_trap_table = HYPERVISOR_set_trap_table((unsigned long)table);
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(sp));
    sp1 = sp;
    rc_stack_switch = HC(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS & ~RPL_MASK, sp, 0, 0, 0);
    done = 1;
    HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0);
    for ( ;; )
        ;
}

/* Wait up to 2 s of Xen time for cond(). */
#define WAIT_FOR(cond) ({                                           \
    uint64_t end_ = xen_now() + 2000000000ULL;                      \
    while ( !(cond) && xen_now() < end_ )                           \
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);                      \
    (cond); })

/* vCPU 1's initial state: kernel mode on stack1, our page tables. */
static void start_vcpu1(void)
{
    build_vcpu_context(&ctx, stack1 + sizeof(stack1));
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vcpu 1");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), 0, "up vcpu 1");
}

/* vCPU vcpu's context as the toolstack sees it; 0 or -errno. */
static long get_context(unsigned int vcpu)
{
    memset(&dc, 0, sizeof(dc));
    memset(&ctx, 0, sizeof(ctx));
    dc.cmd = XEN_DOMCTL_getvcpucontext;
    dc.domain = 0;                      /* this test guest is dom0 */
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.u.vcpucontext.vcpu = vcpu;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, &ctx);
    return hypercall(__HYPERVISOR_domctl, (unsigned long)&dc, 0, 0, 0, 0);
}

static unsigned int read_gs(void)
{
    unsigned int sel;
    __asm__ __volatile__("mov %%gs, %0" : "=r"(sel));
    return sel & 0xffff;
}

void test_main(void)
{
    /* set_trap_table and stack_switch from vCPU 1, read back from here. */
    start_vcpu1();
    check(WAIT_FOR(done), "vcpu 1 gave its selectors");
    check(WAIT_FOR(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0) == 0), "vcpu 1 went down");
    expect_eq(rc_trap_table, 0, "set_trap_table, cs RPL 0");
    expect_eq(rc_stack_switch, 0, "stack_switch, ss RPL 0");
    expect_eq(get_context(0), -XEN_EINVAL, "getvcpucontext of the calling vCPU");
    expect_eq(get_context(1), 0, "getvcpucontext of vcpu 1");
    expect_eq(ctx.trap_ctxt[SPARE_VECTOR].cs, FLAT_KERNEL_CS, "trap table cs gets RPL 3");
    expect_eq(ctx.trap_ctxt[SPARE_VECTOR].address, (unsigned long)spare_handler,
              "trap table address as given");
    expect_eq(ctx.kernel_ss, FLAT_KERNEL_SS, "kernel_ss gets RPL 3");
    expect_eq(ctx.kernel_sp, sp1, "kernel_sp as given");

    /* SEGBASE_GS_USER_SEL: a non-NUL selector gets RPL 3; NUL stays NUL. */
    expect_eq(HC(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL,
                 FLAT_USER_DS32 & ~RPL_MASK, 0, 0, 0), 0, "GS_USER_SEL, RPL 0");
    expect_eq(read_gs(), FLAT_USER_DS32, "user %gs loaded with RPL 3");
    expect_eq(HC(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0, 0, 0, 0), 0,
              "GS_USER_SEL, NUL");
    expect_eq(read_gs(), 0, "user %gs NUL");
}
