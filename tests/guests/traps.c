/*
 * traps: exceptions bounce to the guest's trap table with Xen 4.17's
 * vector, error code and (for #PF) cr2 in vcpu_info arch.cr2; the
 * handler returns through HYPERVISOR_iret; bad trap tables fail; the
 * debug-register hypercalls' errors.
 */
#include "test.h"

const char test_name[] = "traps";

/* Expect the last fixed-up trap to be vector vec with error code err. */
static void expect_trap(unsigned int before, uint64_t vec, uint64_t err, const char *what)
{
    check(last_trap.count == before + 1, what);
    expect_eq(last_trap.vector, vec, what);
    expect_eq(last_trap.error_code, err, what);
}

/*
 * HYPERVISOR_set/get_debugreg's errors (Xen 4.17's set_debugreg() and
 * x86emul_read_dr()): the register number is an int, -ENODEV for none,
 * -EPERM for a DR0-3 address outside the guest or DR7.GD, -EINVAL for the
 * upper half of DR7.
 */
static void debugregs(void)
{
    expect_eq(HC(__HYPERVISOR_set_debugreg, 0x100000000UL, 0x400000, 0, 0, 0), 0,
              "set_debugreg: register 0 in the argument's low half");
    expect_eq(HC(__HYPERVISOR_get_debugreg, 0, 0, 0, 0, 0), 0x400000, "get_debugreg 0");
    expect_eq(HC(__HYPERVISOR_set_debugreg, 0, 0, 0, 0, 0), 0, "DR0 back to 0");
    expect_eq(HC(__HYPERVISOR_set_debugreg, 9, 0, 0, 0, 0), -XEN_ENODEV, "set_debugreg 9");
    expect_eq(HC(__HYPERVISOR_get_debugreg, 8, 0, 0, 0, 0), -XEN_ENODEV, "get_debugreg 8");
    expect_eq(HC(__HYPERVISOR_get_debugreg, 0xffffffffUL, 0, 0, 0, 0), -XEN_ENODEV,
              "get_debugreg -1");
    expect_eq(HC(__HYPERVISOR_set_debugreg, 0, 0xffff830000000000UL, 0, 0, 0), -XEN_EPERM,
              "DR0 in the hypervisor's range");
    expect_eq(HC(__HYPERVISOR_set_debugreg, 7, 1UL << 32, 0, 0, 0), -XEN_EINVAL,
              "DR7 upper half");
    expect_eq(HC(__HYPERVISOR_set_debugreg, 7, 0x2000, 0, 0, 0), -XEN_EPERM, "DR7.GD");
}

void test_main(void)
{
    unsigned int n;
    unsigned long zero = 0, v = 1;
    volatile uint64_t *ro = (volatile uint64_t *)start_info->pt_base;

    debugregs();

    n = last_trap.count;
    EXPECT_FAULT("ud2", ::: "memory");
    expect_trap(n, 6, 0, "ud2: #UD");

    n = last_trap.count;
    EXPECT_FAULT("divq %1", : "+a" (v) : "r" (zero) : "rdx");
    expect_trap(n, 0, 0, "divide by zero: #DE");

    n = last_trap.count;
    EXPECT_FAULT("movq (%1), %0", : "=r" (v) : "r" (0x8000000000000000UL));
    expect_trap(n, 13, 0, "non-canonical load: #GP(0)");

    n = last_trap.count;
    EXPECT_FAULT("movq (%1), %0", : "=r" (v) : "r" (0x10000000UL));
    expect_trap(n, 14, 0, "read of an unmapped page: #PF, not present, read");
    expect_eq(last_trap.cr2, 0x10000000UL, "cr2 in vcpu_info arch.cr2");

    n = last_trap.count;
    EXPECT_FAULT("movq $1, (%0)", :: "r" (ro) : "memory");
    expect_trap(n, 14, 3, "write to a read-only page table: #PF, present, write");
    expect_eq(last_trap.cr2, (unsigned long)ro, "cr2 names the page table");

    n = last_trap.count;
    EXPECT_FAULT("movq (%1), %0", : "=r" (v) : "r" (HYPERVISOR_VIRT_START + 0x100000000UL));
    check(last_trap.count == n + 1, "read of Xen's private area faults");
    expect_eq(last_trap.vector, 14, "as #PF");

    n = last_trap.count;
    EXPECT_FAULT("int3", ::: "memory");
    expect_trap(n, 3, 0, "int3: #BP");

    n = last_trap.count;
    EXPECT_FAULT("int $0x80", ::: "memory");
    expect_trap(n, 13, (0x80 << 3) | 2, "int $0x80 without a gate: #GP(IDT 0x80)");

    n = last_trap.count;
    EXPECT_FAULT("hlt", ::: "memory");
    expect_trap(n, 13, 0, "hlt in guest kernel (ring 3): #GP(0)");

    n = last_trap.count;
    EXPECT_FAULT("movq %%cr4, %0", : "=r" (v));
    check(last_trap.count == n, "mov from cr4 is emulated by Xen");

    expect_eq(HYPERVISOR_set_trap_table(0x10000000UL), -XEN_EFAULT, "set_trap_table, unmapped");
    expect_eq(HYPERVISOR_set_trap_table(HYPERVISOR_VIRT_START), -XEN_EFAULT,
              "set_trap_table, hypervisor address");
    n = last_trap.count;
    EXPECT_FAULT("ud2", ::: "memory");
    expect_trap(n, 6, 0, "trap table intact after refused updates");
}
