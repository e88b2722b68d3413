/*
 * traps: exceptions bounce to the guest's trap table with Xen 4.17's
 * vector, error code and (for #PF) cr2 in vcpu_info arch.cr2; the
 * handler returns through HYPERVISOR_iret; bad trap tables fail.
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

void test_main(void)
{
    unsigned int n;
    unsigned long zero = 0, v = 1;
    volatile uint64_t *ro = (volatile uint64_t *)start_info->pt_base;

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
