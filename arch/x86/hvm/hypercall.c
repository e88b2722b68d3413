/*
 * Hypercalls from HVM guests (Xen 4.17 arch/x86/hvm/hypercall.c semantics):
 * VMMCALL with the number in RAX; a 64-bit caller's arguments in RDI, RSI,
 * RDX, R10, R8 (the PV registers), result in RAX. A caller at CPL > 0 gets
 * -EPERM. Continuations (-ERESTART) leave RIP on the VMMCALL so the guest
 * executes it again with the arguments hypercall_set_arg() rewrote.
 *
 * Which hypercalls an HVM guest may make is this file's table (Xen's
 * hypercall-defs.c "hvm64" column, less what is not built for HVM yet);
 * memory_op, grant_table_op and vcpu_op are narrowed further to the
 * subcommands that work on an HVM domain today; event_channel_op has them
 * all (FIFO's control blocks and event arrays are named by GFN). 32-bit callers (compat arguments) are not served yet:
 * -ENOSYS.
 *
 * The hypercall page: the guest writes its guest-physical address to the
 * MSR CPUID leaf 0x40000002 names (0x40000000); each 32-byte stub is
 * "mov $nr, %eax; vmmcall; ret".
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/hypercall.h>
#include <xenia/memory_op.h>
#include <xenia/sched.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/grant_table.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/hvm/hvm.h>

/*
 * Hypercalls an HVM guest may make (bit n: __HYPERVISOR_n). The toolstack's
 * (domctl, sysctl, platform_op) check their caller's privilege first, as
 * for a PV caller: an unprivileged domU gets -EPERM, as on Xen.
 */
static const uint64_t hvm_allowed =
    (1ULL << __HYPERVISOR_set_timer_op) | (1ULL << __HYPERVISOR_memory_op) |
    (1ULL << __HYPERVISOR_xen_version) | (1ULL << __HYPERVISOR_console_io) |
    (1ULL << __HYPERVISOR_sched_op) | (1ULL << __HYPERVISOR_hvm_op) |
    (1ULL << __HYPERVISOR_event_channel_op) | (1ULL << __HYPERVISOR_vcpu_op) |
    (1ULL << __HYPERVISOR_domctl) | (1ULL << __HYPERVISOR_sysctl) |
    (1ULL << __HYPERVISOR_platform_op) | (1ULL << __HYPERVISOR_grant_table_op);

/* memory_op subcommands that work on an HVM domain today. */
static bool hvm_memory_op_allowed(unsigned long cmd)
{
    switch (cmd & MEMOP_CMD_MASK) {
    case XENMEM_memory_map:
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_add_to_physmap:
    case XENMEM_populate_physmap:
    case XENMEM_decrease_reservation:
        return true;
    default:
        return false;
    }
}


/*
 * grant_table_op subcommands that work for an HVM caller today: the
 * table's size and version, setup_table (its frames named by GFN, where
 * XENMEM_add_to_physmap put them), copy (its own frames named by GFN),
 * and map/unmap of other domains' grants into its P2M (hvm/grant_map.c).
 * Not yet: set_version (version 2's status frames are not mappable by an
 * HVM domain yet; Linux falls back to version 1).
 */
static bool hvm_gnttab_op_allowed(unsigned long cmd)
{
    switch (cmd) {
    case GNTTABOP_query_size:
    case GNTTABOP_get_version:
    case GNTTABOP_setup_table:
    case GNTTABOP_copy:
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_unmap_and_replace:
        return true;
    default:
        return false;
    }
}

/*
 * vcpu_op subcommands that work on an HVM vCPU today: initialise (a
 * struct vcpu_hvm_context, arch/x86/hvm/vcpu_start.c), up and down, the
 * timers, state queries, register_vcpu_info (a GFN through the P2M), the
 * runstate and time areas (linear addresses, written at each switch to
 * the vCPU in hvm_context_restore()).
 */
static bool hvm_vcpu_op_allowed(unsigned long cmd)
{
    switch (cmd) {
    case VCPUOP_initialise:
    case VCPUOP_up:
    case VCPUOP_down:
    case VCPUOP_is_up:
    case VCPUOP_get_runstate_info:
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
    case VCPUOP_register_vcpu_info:
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_register_vcpu_time_memory_area:
        return true;
    default:
        return false;
    }
}

void hvm_hypercall(struct cpu_user_regs *frame, unsigned int insn_len)
{
    struct vcpu *v = current;
    unsigned long nr = frame->rax;
    long rc;

    if (hvm_funcs->get_cpl(v)) {
        rc = -EPERM;
    } else if (!hvm_funcs->long_mode_code(v)) {
        rc = -ENOSYS;                   /* compat callers: not yet */
    } else if (nr >= 64 || !(hvm_allowed & (1ULL << nr)) ||
               (nr == __HYPERVISOR_memory_op && !hvm_memory_op_allowed(frame->rdi)) ||
               (nr == __HYPERVISOR_grant_table_op && !hvm_gnttab_op_allowed(frame->rdi)) ||
               (nr == __HYPERVISOR_vcpu_op && !hvm_vcpu_op_allowed(frame->rdi))) {
        rc = -ENOSYS;
    } else {
        const unsigned long args[5] = { frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8 };
        rc = hypercall_dispatch(nr, args);
        if (rc == -ERESTART)
            return;                     /* VMMCALL again, arguments updated */
    }
    frame->rax = (unsigned long)rc;
    frame->rip += insn_len;
}

int hvm_write_hypercall_page(struct domain *d, unsigned long gfn)
{
    uint64_t gpa = (uint64_t)gfn << PAGE_SHIFT;
    uint8_t stub[32];

    for (unsigned int i = 0; i < PAGE_SIZE / sizeof(stub); i++) {
        memset(stub, 0xcc, sizeof(stub));   /* int3 after each stub */
        stub[0] = 0xb8;                 /* mov $i, %eax */
        stub[1] = (uint8_t)i;
        stub[2] = stub[3] = stub[4] = 0;
        stub[5] = 0x0f; stub[6] = 0x01; stub[7] = 0xd9;    /* vmmcall */
        stub[8] = 0xc3;                 /* ret */
        if (hvm_copy_to_guest_phys(d, gpa + i * sizeof(stub), stub, sizeof(stub)))
            return -EINVAL;
    }
    return 0;
}
