/* HYPERVISOR_xen_version (xen/version.h): who we are and what we implement. */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/version.h>
#include <xen/features.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>

extern char saved_cmdline[1024];

/*
 * The XENFEAT_* bits an HVM (PVH) domain sees, as Xen 4.17 gives them:
 * translated (writable page tables, auto-translated physmap, not direct
 * mapped), pvclock safe and the event callback vector (Linux PVH needs
 * both for its timer and events); no PIRQs (no emulated devices).
 */
static uint32_t hvm_feature_submap0(const struct domain *d)
{
    uint32_t map = (1U << XENFEAT_writable_page_tables) |
                   (1U << XENFEAT_auto_translated_physmap) |
                   (1U << XENFEAT_hvm_safe_pvclock) |
                   (1U << XENFEAT_hvm_callback_vector) |
                   (1U << XENFEAT_not_direct_mapped);
    if (d->is_privileged)
        map |= 1U << XENFEAT_dom0;
    return map;
}

/* The XENFEAT_* bits a PV domain sees: only what Xenia really implements. */
static uint32_t pv_feature_submap0(const struct domain *d)
{
    /*
     * gnttab_map_avail_bits: grant-map PTEs keep the guest's available
     * bits. Linux PV refuses to boot without it; Xenia's grant mapping
     * (issue 3) must honour it.
     */
    uint32_t map = (1U << XENFEAT_mmu_pt_update_preserve_ad) |
                   (1U << XENFEAT_gnttab_map_avail_bits) |
                   (1U << XENFEAT_highmem_assist) |
                   (1U << XENFEAT_direct_mapped);
    if (d->arch.vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3))
        map |= 1U << XENFEAT_pae_pgdir_above_4gb;
    if (d->is_privileged)
        map |= 1U << XENFEAT_dom0;
    return map;
}

static long copy_string_out(hc_arg_t arg, const char *s, size_t field_bytes)
{
    char buf[1024];
    ASSERT(field_bytes <= sizeof(buf));
    memset(buf, 0, field_bytes);
    strlcpy(buf, s, field_bytes);
    return raw_copy_to_guest((void *)arg, buf, field_bytes) ? -EFAULT : 0;
}

long do_xen_version(hc_arg_t cmd, hc_arg_t arg)
{
    struct domain *d = current->domain;

    switch (cmd) {
    case XENVER_version:
        return (XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR;
    case XENVER_extraversion:
        return copy_string_out(arg, XEN_EXTRAVERSION, sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        xen_compile_info_t info;
        memset(&info, 0, sizeof(info));
        strlcpy(info.compiler, "gcc", sizeof(info.compiler));
        strlcpy(info.compile_by, "xenia", sizeof(info.compile_by));
        strlcpy(info.compile_domain, "xenia", sizeof(info.compile_domain));
        strlcpy(info.compile_date, __DATE__, sizeof(info.compile_date));
        return raw_copy_to_guest((void *)arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        /* Xen's init_xen_cap_info(): libxenguest looks for "hvm-3.0-x86_32" to build PVH. */
        return copy_string_out(arg, hvm_funcs ? "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p "
                                                "hvm-3.0-x86_64" : "xen-3.0-x86_64",
                               sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string_out(arg, "xenia", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        xen_platform_parameters_t p = { .virt_start = HYPERVISOR_VIRT_START };
        return raw_copy_to_guest((void *)arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;
        if (raw_copy_from_guest(&fi, (void *)arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = is_hvm_domain(d) ? hvm_feature_submap0(d) : pv_feature_submap0(d);
        return raw_copy_to_guest((void *)arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle:
        return raw_copy_to_guest((void *)arg, d->handle, sizeof(d->handle)) ? -EFAULT : 0;
    case XENVER_commandline:
        if (!d->is_privileged)
            return copy_string_out(arg, "<denied>", sizeof(xen_commandline_t));
        return copy_string_out(arg, saved_cmdline, sizeof(xen_commandline_t));
    case XENVER_build_id:
        return -ENODATA;
    default:
        return -ENOSYS;
    }
}
