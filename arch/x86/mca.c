/*
 * HYPERVISOR_mca (<xen/arch-x86/xen-mca.h>): machine-check telemetry for
 * dom0, as far as Xenia has any. Xenia does not enable machine-check
 * banks or collect telemetry yet, so there is never data to fetch; what
 * dom0's mcelog driver needs at boot is answered: the physical CPUs'
 * identities (XEN_MC_physcpuinfo), after which Linux binds VIRQ_MCA
 * (which Xenia never raises) and offers /dev/mcelog.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xen/arch-x86/xen-mca.h>
#include <asm/current.h>
#include <asm/msr.h>
#include <asm/smp.h>

/* One CPU's identity. CPUID is read on this CPU: Xenia assumes its CPUs alike. */
static void fill_logical_cpu(unsigned int cpu, struct mcinfo_logical_cpu *lc)
{
    struct cpuid_regs r0 = cpuid(0), r1 = cpuid(1);

    memset(lc, 0, sizeof(*lc));
    lc->mc_cpunr = cpu;
    lc->mc_apicid = cpu_physical_id(cpu);
    lc->mc_coreid = (uint16_t)cpu;              /* one thread per core, one package */
    lc->mc_ncores = lc->mc_ncores_active = num_online_cpus();
    lc->mc_nthreads = 1;
    lc->mc_cpuid_level = (int32_t)r0.eax;
    lc->mc_family = (r1.eax >> 8) & 0xf;
    if (lc->mc_family == 0xf)
        lc->mc_family += (r1.eax >> 20) & 0xff;
    lc->mc_model = (r1.eax >> 4) & 0xf;
    if (lc->mc_family >= 6)
        lc->mc_model |= ((r1.eax >> 16) & 0xf) << 4;
    lc->mc_step = r1.eax & 0xf;
    memcpy(lc->mc_vendorid + 0, &r0.ebx, 4);
    memcpy(lc->mc_vendorid + 4, &r0.edx, 4);
    memcpy(lc->mc_vendorid + 8, &r0.ecx, 4);
    lc->mc_cpu_caps[0] = r1.edx;
    lc->mc_cpu_caps[4] = r1.ecx;
}

/*
 * do_mca(): HYPERVISOR_mca, checked in Xen's order: privileged domains only
 * (-EPERM), then the argument is read (-EFAULT), then its interface version
 * (-EACCES). XEN_MC_physcpuinfo: with a null array, ncpus = the online CPUs;
 * otherwise ncpus must be > 0 (-EINVAL) and min(ncpus, online) entries are
 * written and returned in ncpus. XEN_MC_fetch: exactly one of URGENT or
 * NONURGENT and a buffer (-EINVAL), no telemetry (flags = XEN_MC_NODATA); an ACK has
 * nothing to acknowledge. notifydomain: -EINVAL (unsupported, as in Xen).
 * Injection: -EOPNOTSUPP (no machine-check handling to inject into).
 * Other commands: -EINVAL. Guest memory through the checked copy helpers.
 */
long do_mca(hc_arg_t u_xen_mc)
{
    struct xen_mc op;

    if (!current->domain->is_privileged)
        return -EPERM;
    if (raw_copy_from_guest(&op, (void *)u_xen_mc, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_MCA_INTERFACE_VERSION)
        return -EACCES;

    switch (op.cmd) {
    case XEN_MC_physcpuinfo: {
        struct xen_mc_physcpuinfo *pi = &op.u.mc_physcpuinfo;
        unsigned int n = num_online_cpus();
        if (!guest_handle_is_null(pi->info)) {
            if (!pi->ncpus || pi->ncpus > INT32_MAX)
                return -EINVAL;
            n = MIN(n, pi->ncpus);
            unsigned int done = 0;
            for (unsigned int cpu = 0; cpu < NR_CPUS && done < n; cpu++) {
                if (!cpu_online(cpu))
                    continue;
                struct mcinfo_logical_cpu lc;
                fill_logical_cpu(cpu, &lc);
                if (copy_to_guest_offset(pi->info, done, &lc, 1))
                    return -EFAULT;
                done++;
            }
        }
        pi->ncpus = n;
        break;
    }
    case XEN_MC_fetch: {
        uint32_t which = op.u.mc_fetch.flags & (XEN_MC_URGENT | XEN_MC_NONURGENT);
        if (which != XEN_MC_URGENT && which != XEN_MC_NONURGENT)
            return -EINVAL;
        if (guest_handle_is_null(op.u.mc_fetch.data))
            return -EINVAL;
        if (op.u.mc_fetch.flags & XEN_MC_ACK)
            return 0;
        op.u.mc_fetch.flags = XEN_MC_NODATA;
        op.u.mc_fetch.fetch_id = 0;
        break;
    }
    case XEN_MC_msrinject:
    case XEN_MC_mceinject:
    case XEN_MC_inject_v2:
        return -EOPNOTSUPP;
    default:                                    /* notifydomain included */
        return -EINVAL;
    }
    if (raw_copy_to_guest((void *)u_xen_mc, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}
