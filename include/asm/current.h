/*
 * Per-CPU state at the top of each CPU's hypervisor stack (Xen's layout).
 *
 * Each pCPU has one STACK_SIZE-aligned stack. Its top holds struct cpu_info;
 * the guest's registers are saved in cpu_info.guest_cpu_user_regs on every
 * entry from a guest (TSS.RSP0 and the SYSCALL stubs point just above the
 * hardware part of that frame), so `guest_cpu_user_regs()` is always the
 * interrupted guest context of the running vCPU. Only this CPU touches its
 * cpu_info, except `processor_id`, which is written once at bring-up.
 */
#ifndef ASM_CURRENT_H
#define ASM_CURRENT_H

#include <xenia/config.h>
#include <xenia/types.h>
#include <xen/xen.h>

struct vcpu;

struct cpu_info {
    struct cpu_user_regs guest_cpu_user_regs;  /* must stay first */
    unsigned int processor_id;
    struct vcpu *current_vcpu;
    unsigned long softirq_pending;            /* SOFTIRQ_* bits */
    uint64_t pad[5];
};

BUILD_BUG_ON(sizeof(struct cpu_info) > CPU_INFO_RESERVE);

#ifndef XENIA_HOST_TEST
static inline struct cpu_info *get_cpu_info(void)
{
    unsigned long sp;
    __asm__ ("mov %%rsp, %0" : "=r"(sp));
    return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1) - 1;
}

#define current              (get_cpu_info()->current_vcpu)
#define smp_processor_id()   (get_cpu_info()->processor_id)
#define guest_cpu_user_regs() (&get_cpu_info()->guest_cpu_user_regs)
#else
extern struct vcpu *host_test_current;
#define current              host_test_current
#define smp_processor_id()   0u
#endif

#define SOFTIRQ_SCHEDULE     0
#define SOFTIRQ_TIMER        1

#endif
