/* Pure helpers of XEN_DOMCTL_* / XEN_SYSCTL_* (see <xenia/domctl.h>). */
#include <xenia/domctl.h>
#include <xenia/sched.h>
#include <xenia/ctl_abi.h>

uint32_t dominf_flags(const struct dominf_domain *dom, const struct dominf_vcpu *vcpus,
                      unsigned int nr_vcpus, uint32_t *online)
{
    uint32_t flags = XEN_DOMINF_blocked, n = 0;

    for (unsigned int i = 0; i < nr_vcpus; i++) {
        if (vcpus[i].down)
            continue;
        if (!vcpus[i].blocked)
            flags &= ~XEN_DOMINF_blocked;
        if (vcpus[i].running)
            flags |= XEN_DOMINF_running;
        n++;
    }
    if (!n)
        flags = 0;
    if (dom->is_dying == DOMDYING_dead)
        flags |= XEN_DOMINF_dying;
    if (dom->shut_down)
        flags |= XEN_DOMINF_shutdown;
    if (dom->controller_pause_count)
        flags |= XEN_DOMINF_paused;
    if (dom->debugger_attached)
        flags |= XEN_DOMINF_debugged;
    flags |= (dom->shutdown_code & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    *online = n;
    return flags;
}

uint64_t readconsole_start(uint64_t oldest, bool incremental, uint32_t index)
{
    int32_t ahead = (int32_t)(index - (uint32_t)oldest);

    if (incremental && ahead > 0)
        return oldest + (uint32_t)ahead;
    return oldest;
}

bool domctl_version_ok(uint32_t interface_version)
{
    return interface_version == XEN_DOMCTL_INTERFACE_VERSION;
}

bool sysctl_version_ok(uint32_t interface_version)
{
    return interface_version == XEN_SYSCTL_INTERFACE_VERSION;
}
