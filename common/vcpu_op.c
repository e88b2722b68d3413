/*
 * HYPERVISOR_vcpu_op (xen/vcpu.h): bring vCPUs up and down, their timers,
 * runstate, and where their vcpu_info lives.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/event.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/softirq.h>
#include <xenia/time.h>
#include <xen/vcpu.h>
#include <asm/current.h>
#include <asm/page.h>
#include <asm/pv_context.h>
#include <asm/smp.h>
#include <asm/hvm/hvm.h>

#define MIN_PERIOD_NS   1000000         /* 1 ms: shorter periodic timers are refused */

/* vcpu_runstate_now(): v's runstate with the current state's time brought up to now. */
static struct vcpu_runstate_info vcpu_runstate_now(const struct vcpu *v)
{
    struct vcpu_runstate_info r = v->runstate;
    s_time_t now = NOW();
    r.time[r.state] += now - r.state_entry_time;
    r.state_entry_time = now;
    return r;
}

void vcpu_update_runstate_area(struct vcpu *v)
{
    if (!v->runstate_guest)
        return;
    struct vcpu_runstate_info r = v->runstate;
    bool flag = v->domain->arch.vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);
    /* The top byte of state_entry_time, which holds XEN_RUNSTATE_UPDATE (x86: little-endian). */
    void *top = (void *)(v->runstate_guest + offsetof(struct vcpu_runstate_info, state_entry_time) +
                         sizeof(r.state_entry_time) - 1);
    bool toggled = pv_guest_kernel_tables_begin(v);

    if (flag) {
        r.state_entry_time |= XEN_RUNSTATE_UPDATE;
        raw_copy_to_guest(top, (const uint8_t *)&r.state_entry_time + sizeof(r.state_entry_time) - 1, 1);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    raw_copy_to_guest((void *)v->runstate_guest, &r, sizeof(r));
    if (flag) {
        r.state_entry_time &= ~XEN_RUNSTATE_UPDATE;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        raw_copy_to_guest(top, (const uint8_t *)&r.state_entry_time + sizeof(r.state_entry_time) - 1, 1);
    }
    pv_guest_kernel_tables_end(v, toggled);
}

void vcpu_update_time_area(struct vcpu *v)
{
    if (!v->time_area_guest)
        return;
    struct vcpu_time_info t = v->vcpu_info->time;
    bool toggled = pv_guest_kernel_tables_begin(v);

    /* The guest may read while we write: odd version first, the record, then even. */
    t.version |= 1;
    if (!raw_copy_to_guest((void *)v->time_area_guest, &t.version, sizeof(t.version)) &&
        !raw_copy_to_guest((void *)v->time_area_guest, &t, sizeof(t))) {
        t.version = v->vcpu_info->time.version;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        raw_copy_to_guest((void *)v->time_area_guest, &t.version, sizeof(t.version));
    }
    pv_guest_kernel_tables_end(v, toggled);
}

static long register_vcpu_info(struct vcpu *v, hc_arg_t arg)
{
    struct vcpu_register_vcpu_info info;

    if (raw_copy_from_guest(&info, (void *)arg, sizeof(info)))
        return -EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) ||
        (info.offset & (__alignof__(struct vcpu_info) - 1)))
        return -ENXIO;
    if (v->vcpu_info_registered)
        return -EINVAL;
    /* Only the calling vCPU or one that is down: a running one reads its vcpu_info. */
    if (v != current && !(v->pause_flags & VPF_down))
        return -EINVAL;
    /* HVM: info.mfn is a GFN, through the P2M to the domain's own RAM (Xen: -EINVAL). */
    unsigned long frame = info.mfn;
    if (is_hvm_domain(v->domain) && hvm_gfn_to_ram_mfn(v->domain, info.mfn, &frame))
        return -EINVAL;
    mfn_t mfn = _mfn(frame);
    if (!mfn_valid(mfn) || get_page_and_type(mfn_to_page(mfn), v->domain, PGT_writable_page))
        return -EINVAL;

    struct vcpu_info *new = (struct vcpu_info *)((uint8_t *)mfn_to_virt(frame) + info.offset);
    memcpy(new, v->vcpu_info, sizeof(*new));
    v->vcpu_info = new;
    v->vcpu_info_registered = true;
    /* Make the guest rescan every event selector, as Xen does. */
    new->evtchn_pending_sel = ~(xen_ulong_t)0;
    vcpu_mark_events_pending(v);
    update_vcpu_system_time(&new->time);
    return 0;
}

static long vcpu_initialise(struct vcpu *v, hc_arg_t arg)
{
    if (is_hvm_vcpu(v))
        return hvm_vcpu_op_initialise(v, (const void *)arg);  /* a struct vcpu_hvm_context */
    if (v->is_initialised)
        return -EEXIST;
    struct vcpu_guest_context *ctx = xzalloc_bytes(sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    long rc = -EFAULT;
    if (!raw_copy_from_guest(ctx, (void *)arg, sizeof(*ctx)))
        rc = pv_set_vcpu_context(v, ctx);
    xfree_bytes(ctx, sizeof(*ctx));
    if (!rc)
        v->is_initialised = true;
    return rc;
}

static long vcpu_down(struct vcpu *v)
{
    if (is_hvm_vcpu(v)) {
        hvm_vcpu_down(v);               /* Xen: the last vCPU down powers the domain off */
        return 0;
    }
    if (__atomic_fetch_or(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST) & VPF_down)
        return 0;
    raise_softirq((unsigned int)v->processor, SOFTIRQ_SCHEDULE);
    return 0;
}

static long vcpu_up(struct vcpu *v)
{
    if (!v->is_initialised)
        return -EINVAL;
    if (__atomic_fetch_and(&v->pause_flags, ~VPF_down, __ATOMIC_SEQ_CST) & VPF_down)
        vcpu_wake(v);
    return 0;
}

static long set_singleshot(struct vcpu *v, hc_arg_t arg)
{
    struct vcpu_set_singleshot_timer t;
    if (v != current)
        return -EINVAL;
    if (raw_copy_from_guest(&t, (void *)arg, sizeof(t)))
        return -EFAULT;
    /* Xen 4.17 ignores VCPU_SSHOTTMR_future: a past deadline fires at once. */
    vcpu_set_singleshot_timer(v, t.timeout_abs_ns ? (s_time_t)t.timeout_abs_ns : 1);
    return 0;
}

static long set_periodic(struct vcpu *v, hc_arg_t arg)
{
    struct vcpu_set_periodic_timer t;
    if (raw_copy_from_guest(&t, (void *)arg, sizeof(t)))
        return -EFAULT;
    if (t.period_ns < MIN_PERIOD_NS || t.period_ns > (uint64_t)INT64_MAX / 2)
        return -EINVAL;
    v->periodic_period = (s_time_t)t.period_ns;
    set_timer(&v->periodic_timer, NOW() + v->periodic_period);
    return 0;
}

long do_vcpu_op(hc_arg_t cmd, hc_arg_t vcpuid, hc_arg_t arg)
{
    struct domain *d = current->domain;

    if (vcpuid >= d->max_vcpus || !d->vcpu[vcpuid])
        return -ENOENT;
    struct vcpu *v = d->vcpu[vcpuid];

    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_initialise(v, arg);
    case VCPUOP_up:
        return vcpu_up(v);
    case VCPUOP_down:
        return vcpu_down(v);
    case VCPUOP_is_up:
        return !(v->pause_flags & VPF_down);
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info r = vcpu_runstate_now(v);
        return raw_copy_to_guest((void *)arg, &r, sizeof(r)) ? -EFAULT : 0;
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area area;
        if (raw_copy_from_guest(&area, (void *)arg, sizeof(area)))
            return -EFAULT;
        /* HVM: any linear address (Xen's guest_handle_okay() is true for HVM). */
        if (area.addr.p && !is_hvm_vcpu(v) &&
            !guest_range_ok(area.addr.p, sizeof(struct vcpu_runstate_info)))
            return -EINVAL;
        v->runstate_guest = area.addr.p;
        if (v == current) {
            vcpu_update_runstate_area(v);
        } else if (area.addr.p) {
            /* Xen writes another vCPU's snapshot at once, through the caller's tables. */
            struct vcpu_runstate_info r = vcpu_runstate_now(v);
            raw_copy_to_guest((void *)area.addr.p, &r, sizeof(r));
        }
        return 0;
    }
    case VCPUOP_register_vcpu_time_memory_area: {
        /* A second copy of the time record, e.g. in a page the vDSO maps (pvclock). */
        struct vcpu_register_time_memory_area area;
        if (raw_copy_from_guest(&area, (void *)arg, sizeof(area)))
            return -EFAULT;
        if (area.addr.p && !is_hvm_vcpu(v) &&
            !guest_range_ok(area.addr.p, sizeof(struct vcpu_time_info)))
            return -EFAULT;
        v->time_area_guest = area.addr.p;
        if (v == current)
            vcpu_update_time_area(v);
        return 0;
    }
    case VCPUOP_set_periodic_timer:
        return set_periodic(v, arg);
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        return 0;
    case VCPUOP_set_singleshot_timer:
        return set_singleshot(v, arg);
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_get_physid:
        return -EINVAL;
    default:
        return -ENOSYS;
    }
}
