/*
 * HYPERVISOR_platform_op (<xen/platform.h>): dom0's control of the
 * machine, as Xen 4.17 answers it where the hypervisor manages no MTRRs,
 * no CPU frequency/idle states, no CPU or memory hotplug, and on a UEFI
 * machine calls no EFI runtime services (Xen's `efi=no-rs`). Only a
 * privileged domain (dom0) may call it.
 *
 * Done: interface check, settime32/64, platform_quirk, firmware_info
 * (no disk or EDID data gathered at boot: -ESRCH; EFI: the system table's
 * version, configuration table, vendor and the EFI memory map when booted
 * through UEFI (arch/x86/efi.c), -ENOSYS otherwise; keyboard flags from
 * the BIOS data area, 0 on UEFI), enter_acpi_sleep S5 (powers the machine off),
 * get_cpuinfo / get_cpu_version, cpu_online/offline for CPUs already in
 * that state, core_parking (no parking), get_symbol (an empty symbol
 * table). Refused as Xen would without the facility: memtypes (-ENXIO /
 * -EINVAL: no MTRR driver), microcode (-EINVAL: no loader), EFI runtime
 * (-EOPNOTSUPP on UEFI, -ENOSYS otherwise), change_freq/getidletime (-ENOSYS: Xen controls frequency),
 * mem_hotadd (-EINVAL). Pminfo Px/Cx is accepted and ignored.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/shutdown.h>
#include <xenia/spinlock.h>
#include <xenia/acpi.h>
#include <xenia/time.h>
#include <xen/platform.h>
#include <asm/current.h>
#include <asm/efi.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/smp.h>

#define ACPI_STATE_S3           3
#define ACPI_STATE_S5           5
#define ACPI_SLEEP_ENABLE       0x2000      /* PM1 control SLP_EN */
#define XEN_MAX_MADT_ENTRIES    MAX(256, 2 * NR_CPUS)
#define XEN_MAX_APICS           MAX(256, 4 * NR_CPUS)
#define RESOURCE_ACCESS_MAX     3           /* Xen's RESOURCE_ACCESS_MAX_ENTRIES */
#define BDA_KBD_SHIFT_FLAGS     0x417


static DEFINE_SPINLOCK(xenpf_lock);

/* Publish wall time at system time 0 in d's shared_info (wc_version protocol). */
static void publish_wallclock(struct domain *d, uint64_t boot_ns)
{
    struct shared_info *s = d->shared_info;
    uint64_t sec = boot_ns / NSEC_PER_SEC;

    if (!s)
        return;
    __atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = (uint32_t)(boot_ns % NSEC_PER_SEC);
    __atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
}

/* Xen's do_settime(): wall time (secs, nsecs) was current at system time stime. */
static void do_settime(uint64_t secs, uint32_t nsecs, uint64_t stime)
{
    uint64_t boot_ns = secs * NSEC_PER_SEC + nsecs - stime;

    time_set_wallclock_boot(boot_ns);
    publish_wallclock(current->domain, boot_ns);
}

static long platform_quirk(uint32_t id)
{
    switch (id) {
    case QUIRK_NOIRQBALANCING:
    case QUIRK_IOAPIC_BAD_REGSEL:
    case QUIRK_IOAPIC_GOOD_REGSEL:
        return 0;
    default:
        return -EINVAL;
    }
}

/* XENPF_firmware_info: no disk or EDID data was gathered from the BIOS at boot. */
static long firmware_info(struct xenpf_firmware_info *fw, bool *copy_back)
{
    long rc;

    switch (fw->type) {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -ESRCH;
    case XEN_FW_EFI_INFO:
        rc = efi_get_info(fw->index, &fw->u.efi_info);
        *copy_back = rc == 0;
        return rc;
    case XEN_FW_KBD_SHIFT_FLAGS:
        if (fw->index != 0)
            return -ESRCH;
        fw->u.kbd_shift_flags = 0;      /* UEFI: no BIOS data area (Xen gathers none) */
#ifndef XENIA_HOST_TEST
        if (!efi_booted())
            fw->u.kbd_shift_flags = *(const volatile uint8_t *)__va(BDA_KBD_SHIFT_FLAGS);
#endif
        *copy_back = true;
        return 0;
    default:
        return -EINVAL;
    }
}

/*
 * XENPF_enter_acpi_sleep: Xen's acpi_enter_sleep() checks, then S5 powers
 * off. Other states are not supported (no wakeup path): -EOPNOTSUPP.
 */
static long enter_acpi_sleep(const struct xenpf_enter_acpi_sleep *s)
{
    if (s->sleep_state == ACPI_STATE_S3)
        return -EOPNOTSUPP;             /* no wakeup vector support */
    if (s->flags & XENPF_ACPI_SLEEP_EXTENDED)
        return -EPERM;                  /* no FADT sleep control/status registers */
    if (!acpi_pm1a_control_port())
        return -EPERM;
    if (s->val_b && ((s->val_a ^ s->val_b) & ACPI_SLEEP_ENABLE))
        return -EINVAL;
    if (s->flags)
        return -EINVAL;
    if (s->sleep_state == 0 || s->sleep_state > ACPI_STATE_S5)
        return -EINVAL;
    if (s->sleep_state != ACPI_STATE_S5)
        return -EOPNOTSUPP;
    printk("dom0 requested ACPI S5: powering off\n");
    machine_power_off();
}

static uint32_t max_present_cpu(void)
{
    uint32_t last = 0;
    for (uint32_t c = 0; c < NR_CPUS; c++)
        if (cpu_online(c))
            last = c;
    return last;
}

static void get_cpuinfo(struct xenpf_pcpuinfo *p)
{
    uint32_t c = p->xen_cpuid;

    if (c >= NR_CPUS || !cpu_online(c)) {
        p->flags = XEN_PCPU_FLAGS_INVALID;
    } else {
        p->apic_id = cpu_physical_id(c);
        p->acpi_id = c;                 /* MADT order: QEMU's ACPI ids are 0..n-1 */
        p->flags = XEN_PCPU_FLAGS_ONLINE;
    }
    p->max_present = max_present_cpu();
}

/* Family/model/stepping as Xen's cpuinfo_x86 holds them (extended fields folded in). */
static void get_cpu_version(struct xenpf_pcpu_version *v)
{
    uint32_t c = v->xen_cpuid;

    memset(v->vendor_id, 0, sizeof(v->vendor_id));
    v->family = v->model = v->stepping = 0;
    if (c < NR_CPUS && cpu_online(c)) {
        struct cpuid_regs r0 = cpuid(0), r1 = cpuid(1);
        memcpy(v->vendor_id, &r0.ebx, 4);
        memcpy(v->vendor_id + 4, &r0.edx, 4);
        memcpy(v->vendor_id + 8, &r0.ecx, 4);
        uint32_t fam = (r1.eax >> 8) & 0xf, model = (r1.eax >> 4) & 0xf;
        if (fam == 0xf)
            fam += (r1.eax >> 20) & 0xff;
        if (fam >= 6)
            model |= ((r1.eax >> 16) & 0xf) << 4;
        v->family = fam;
        v->model = model;
        v->stepping = r1.eax & 0xf;
    }
    v->max_present = max_present_cpu();
}

static long cpu_online_op(uint32_t cpu, bool online)
{
    if (!online && cpu == 0)
        return -EOPNOTSUPP;
    if (cpu >= NR_CPUS || !cpu_online(cpu))
        return -EINVAL;                 /* present == online: no hotplug */
    return online ? 0 : -EOPNOTSUPP;    /* offlining is not supported yet */
}

static long set_pminfo(const struct xenpf_set_processor_pminfo *p)
{
    switch (p->type) {
    case XEN_PM_CX:
    case XEN_PM_PX:
        return 0;                       /* accepted, unused: Xenia does no PM */
    case XEN_PM_TX:
        return -ENOSYS;
    case XEN_PM_PDC: {
        uint32_t bits[3];
        if (raw_copy_from_guest(bits, p->u.pdc.p, sizeof(bits)))
            return -EFAULT;
        return (bits[0] != 1 || !bits[1]) ? -EINVAL : 0;   /* ACPI_PDC_REVISION_ID */
    }
    default:
        return -EINVAL;
    }
}

static long core_parking(struct xenpf_core_parking *cp, bool *copy_back)
{
    if (cp->type == XEN_CORE_PARKING_SET)
        return 0;                       /* nothing parked */
    if (cp->type != XEN_CORE_PARKING_GET)
        return -EINVAL;
    cp->idle_nums = 0;
    *copy_back = true;
    return 0;
}

/* XENPF_get_symbol with an empty symbol table (Xen's xensyms_read()). */
static long get_symbol(struct xenpf_symdata *s, bool *copy_back)
{
    static const char end[1] = "";

    if (s->symnum > 0)
        return -ERANGE;
    uint32_t copylen = MIN(s->namelen, (uint32_t)sizeof(end));
    s->namelen = sizeof(end);
    s->address = 0;
    s->type = 0;
    if (raw_copy_to_guest(s->name.p, end, copylen))
        return -EFAULT;
    *copy_back = true;
    return 0;
}

/* The subops; *copy_back: the (changed) op struct goes back to the guest. */
static long platform_op(struct xen_platform_op *op, bool *copy_back)
{
    switch (op->cmd) {
    case XENPF_settime32:
        do_settime(op->u.settime32.secs, op->u.settime32.nsecs, op->u.settime32.system_time);
        return 0;
    case XENPF_settime64:
        if (op->u.settime64.mbz)
            return -EINVAL;
        do_settime(op->u.settime64.secs, op->u.settime64.nsecs, op->u.settime64.system_time);
        return 0;
    case XENPF_add_memtype:
    case XENPF_del_memtype:
        return op->cmd == XENPF_del_memtype &&
               (op->u.del_memtype.handle || (int)op->u.del_memtype.reg < 0) ? -EINVAL : -ENXIO;
    case XENPF_read_memtype:
        return -EINVAL;                 /* no variable MTRRs managed */
    case XENPF_microcode_update:
        return -EINVAL;
    case XENPF_platform_quirk:
        return platform_quirk(op->u.platform_quirk.quirk_id);
    case XENPF_firmware_info:
        return firmware_info(&op->u.firmware_info, copy_back);
    case XENPF_efi_runtime_call:
        return efi_runtime_call();
    case XENPF_enter_acpi_sleep:
        return enter_acpi_sleep(&op->u.enter_acpi_sleep);
    case XENPF_change_freq:
    case XENPF_getidletime:
        return -ENOSYS;
    case XENPF_set_processor_pminfo:
        return set_pminfo(&op->u.set_pminfo);
    case XENPF_get_cpuinfo:
        get_cpuinfo(&op->u.pcpu_info);
        *copy_back = true;
        return 0;
    case XENPF_get_cpu_version:
        get_cpu_version(&op->u.pcpu_version);
        *copy_back = true;
        return 0;
    case XENPF_cpu_online:
    case XENPF_cpu_offline:
        return cpu_online_op(op->u.cpu_ol.cpuid, op->cmd == XENPF_cpu_online);
    case XENPF_cpu_hotadd:
        if (op->u.cpu_add.acpi_id >= XEN_MAX_MADT_ENTRIES ||
            op->u.cpu_add.apic_id >= XEN_MAX_APICS || op->u.cpu_add.pxm >= 256)
            return -EINVAL;
        return -EOPNOTSUPP;
    case XENPF_mem_hotadd:
        return -EINVAL;                 /* no hot-pluggable memory ranges */
    case XENPF_core_parking:
        return core_parking(&op->u.core_parking, copy_back);
    case XENPF_resource_op:
        if (op->u.resource_op.nr_entries == 0)
            return 0;
        return op->u.resource_op.nr_entries > RESOURCE_ACCESS_MAX ? -EINVAL : -EOPNOTSUPP;
    case XENPF_get_symbol:
        return get_symbol(&op->u.symdata, copy_back);
    default:
        return -ENOSYS;
    }
}

/*
 * do_platform_op(): u_xenpf_op is a guest struct xen_platform_op, copied in
 * once and, for subops with output, copied back once. Returns 0 (or a
 * subop's value), -EFAULT, -EACCES (interface_version is not
 * XENPF_INTERFACE_VERSION, checked before anything else), -ENOSYS
 * (unknown cmd) or the subop's errors above. Serialised by xenpf_lock
 * (Xen's; taken with trylock there to allow continuations, plain here).
 * enter_acpi_sleep S5 does not return.
 */
long do_platform_op(hc_arg_t u_xenpf_op)
{
    struct xen_platform_op op;
    bool copy_back = false;

    if (raw_copy_from_guest(&op, (void *)u_xenpf_op, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -EACCES;
    if (!current->domain->is_privileged)
        return -EPERM;                  /* XSM_PRIV, after the version check */

    spin_lock(&xenpf_lock);
    long rc = platform_op(&op, &copy_back);
    spin_unlock(&xenpf_lock);
    if (rc >= 0 && copy_back && raw_copy_to_guest((void *)u_xenpf_op, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
