/*
 * hypercall.h: calls into the hypervisor through the hypercall page.
 *
 * Xen's 64-bit PV ABI: hypercall number selects the 32-byte stub at
 * hypercall_page + nr * 32; arguments in rdi, rsi, rdx, r10, r8; result
 * in rax (0 or positive on success, -XEN_Exxx on failure).
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

extern char hypercall_page[];

/* Any hypercall, by number, with five arguments (unused ones ignored). */
static inline long hypercall(unsigned int nr, unsigned long a1,
                             unsigned long a2, unsigned long a3,
                             unsigned long a4, unsigned long a5)
{
    register unsigned long r1 asm("rdi") = a1;
    register unsigned long r2 asm("rsi") = a2;
    register unsigned long r3 asm("rdx") = a3;
    register unsigned long r4 asm("r10") = a4;
    register unsigned long r5 asm("r8") = a5;
    long res;
    void *stub = hypercall_page + nr * 32;

    asm volatile ("call *%[stub]"
                  : "=a" (res), "+r" (r1), "+r" (r2), "+r" (r3), "+r" (r4),
                    "+r" (r5)
                  : [stub] "m" (stub)
                  : "memory", "r9", "r11", "rcx");
    return res;
}

#define HC(nr, a1, a2, a3, a4, a5) \
    hypercall(nr, (unsigned long)(a1), (unsigned long)(a2), \
              (unsigned long)(a3), (unsigned long)(a4), (unsigned long)(a5))

/* The named calls the tests use; argument types as in Xen's headers. */
#define HYPERVISOR_console_io(cmd, n, buf)  HC(__HYPERVISOR_console_io, cmd, n, buf, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg)    HC(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_memory_op(cmd, arg)      HC(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_sched_op(cmd, arg)       HC(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg) HC(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)  HC(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_set_timer_op(t)          HC(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0)
#define HYPERVISOR_set_trap_table(t)        HC(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0)
#define HYPERVISOR_set_callbacks(ev, fs, sc) HC(__HYPERVISOR_set_callbacks, ev, fs, sc, 0, 0)
#define HYPERVISOR_mmu_update(req, n, done, dom) HC(__HYPERVISOR_mmu_update, req, n, done, dom, 0)
#define HYPERVISOR_mmuext_op(op, n, done, dom) HC(__HYPERVISOR_mmuext_op, op, n, done, dom, 0)
#define HYPERVISOR_update_va_mapping(va, pte, fl) HC(__HYPERVISOR_update_va_mapping, va, pte, fl, 0, 0)
#define HYPERVISOR_multicall(calls, n)      HC(__HYPERVISOR_multicall, calls, n, 0, 0, 0)
#define HYPERVISOR_physdev_op(cmd, arg)     HC(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_platform_op(arg)         HC(__HYPERVISOR_platform_op, arg, 0, 0, 0, 0)
#define HYPERVISOR_grant_table_op(cmd, arg, n) HC(__HYPERVISOR_grant_table_op, cmd, arg, n, 0, 0)
#define HYPERVISOR_callback_op(cmd, arg)    HC(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_vm_assist(cmd, type)     HC(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0)

#endif
