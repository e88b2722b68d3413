/*
 * vcpu_op: VCPUOP_is_up, initialise and up vCPU 1 on its own stack (it
 * sets a flag, then downs itself), register_vcpu_info for vCPU 1 (refused
 * while it is up, accepted once it is down), and the errors Xen 4.17
 * gives for bad vcpu ids, offsets, contexts and commands. vCPU 0 registers
 * vCPU 1's runstate area (with VMASST_TYPE_runstate_update_flag on): it is
 * written at once, and when vCPU 1 takes itself down the area says
 * offline (Xen writes a vCPU's area as it is switched out), with
 * XEN_RUNSTATE_UPDATE clear once written.
 */
#include "test.h"
#include <xen/vcpu.h>
#include <xen/sched.h>

const char test_name[] = "vcpu_op";

static char stack1[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static char gdt_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static volatile int started, stop;
static vcpu_guest_context_t ctx;
static volatile struct vcpu_runstate_info runstate1 __attribute__((aligned(64)));

/* vCPU 1's first C code: report in, wait, then take itself offline. */
void secondary_main(void)
{
    started = 1;
    while ( !stop )
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0);
    for ( ;; )
        ;
}

/* Wait up to 2 s of Xen time for *flag to equal want. */
static bool wait_for(volatile int *flag, int want)
{
    uint64_t end = xen_now() + 2000000000ULL;

    while ( *flag != want && xen_now() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    return *flag == want;
}

/* vCPU 1's initial state: kernel mode on stack1, our page tables. */
static void build_context(void)
{
    build_vcpu_context(&ctx, stack1 + sizeof(stack1));
}

void test_main(void)
{
    struct vcpu_register_vcpu_info ri = { .mfn = virt_to_mfn(info_page), .offset = 0 };
    volatile struct vcpu_info *vi1 = (volatile struct vcpu_info *)info_page;
    int up_flag = 0;

    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, 0), 1, "vcpu 0 is up");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0, "vcpu 1 is down");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 2, 0), -XEN_ENOENT, "vcpu 2 does not exist");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, -1, 0), -XEN_ENOENT, "vcpu -1");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), -XEN_EINVAL, "up before initialise");

    ri.offset = PAGE_SIZE - 8;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), -XEN_ENXIO,
              "vcpu_info crossing a page end");
    ri.offset = 4;
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), -XEN_ENXIO,
              "vcpu_info offset not 8-byte aligned");
    ri.offset = 0;

    /*
     * A context whose GDT is good but whose page table is not: refused,
     * and nothing of it stays (the GDT frame is not left typed as a
     * descriptor page: it can be mapped writable again).
     */
    {
        unsigned long gmfn = virt_to_mfn(gdt_page);
        uint64_t ro = ((uint64_t)gmfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;

        expect_eq(HYPERVISOR_update_va_mapping((unsigned long)gdt_page, ro, UVMF_INVLPG), 0,
                  "GDT frame mapped read-only");
        build_context();
        ctx.gdt_frames[0] = gmfn;
        ctx.gdt_ents = 16;
        ctx.ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn(info_page));   /* writable data, not an L4 */
        expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL,
                  "initialise with a bad page table");
        expect_eq(HYPERVISOR_update_va_mapping((unsigned long)gdt_page, ro | _PAGE_RW, UVMF_INVLPG),
                  0, "GDT frame of the refused context is writable again");
        expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0, "vcpu 1 still down");
    }

    build_context();
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, 0), -XEN_EFAULT, "initialise, NULL");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 2, &ctx), -XEN_ENOENT, "initialise vcpu 2");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vcpu 1");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST, "initialise twice");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), 0, "up vcpu 1");
    check(wait_for(&started, 1), "vcpu 1 ran its entry point");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 1, "vcpu 1 is up");
    /* Xen: only for the calling vCPU or one that is down. */
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), -XEN_EINVAL,
              "register_vcpu_info for another vCPU while it is up");

    {
        struct vcpu_register_runstate_memory_area ra = { .addr.v = (void *)&runstate1 };

        expect_eq(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0,
                  "runstate_update_flag on");
        runstate1.state = 99;
        expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 1, &ra), 0,
                  "register vcpu 1's runstate area from vcpu 0");
        check(runstate1.state == RUNSTATE_running || runstate1.state == RUNSTATE_runnable,
              "vcpu 1's runstate area written at once: running or runnable");
    }

    stop = 1;
    up_flag = 1;
    {
        uint64_t end = xen_now() + 2000000000ULL;

        while ( up_flag == 1 && xen_now() < end )
        {
            up_flag = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0);
            HYPERVISOR_sched_op(SCHEDOP_yield, 0);
        }
    }
    expect_eq(up_flag, 0, "vcpu 1 took itself down");
    {
        /*
         * is_up says 0 as soon as vCPU 1 asked; its pCPU switches it out
         * just after, and the area may be read mid-write (the flag set).
         */
        uint64_t end = xen_now() + 2000000000ULL;

        while ( (runstate1.state != RUNSTATE_offline ||
                 (runstate1.state_entry_time & XEN_RUNSTATE_UPDATE)) && xen_now() < end )
            HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
    expect_eq(runstate1.state, RUNSTATE_offline, "vcpu 1's runstate area says offline once it is down");
    check(!(runstate1.state_entry_time & XEN_RUNSTATE_UPDATE), "XEN_RUNSTATE_UPDATE cleared after the write");
    check(runstate1.time[RUNSTATE_running] > 0, "vcpu 1's area counts its running time");

    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, 0), -XEN_EFAULT,
              "register_vcpu_info, NULL");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), 0,
              "register_vcpu_info for vcpu 1 once it is down");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &ri), -XEN_EINVAL,
              "register_vcpu_info twice");
    check(vi1->time.system_time != 0, "vcpu 1's time info is in the registered page");
    expect_eq(HYPERVISOR_vcpu_op(99, 0, 0), -XEN_ENOSYS, "unknown command 99");
}
