/*
 * HYPERVISOR_sched_op (xen/sched.h) and HYPERVISOR_set_timer_op (xen.h):
 * yield, block, poll, shutdown, and the vCPU's singleshot timer.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/event.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/softirq.h>
#include <xenia/time.h>
#include <xen/sched.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include <asm/pv_domain.h>

#define SCHEDOP_POLL_MAX_PORTS 128          /* Xen's limit */

static void singleshot_timer_fn(void *data)
{
    send_guest_vcpu_virq(data, VIRQ_TIMER);
}

static void poll_timer_fn(void *data)
{
    struct vcpu *v = data;
    if (__atomic_exchange_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST))
        vcpu_unblock(v);
}

static void periodic_timer_fn(void *data)
{
    struct vcpu *v = data;
    send_guest_vcpu_virq(v, VIRQ_TIMER);
    if (v->periodic_period)
        set_timer(&v->periodic_timer, NOW() + v->periodic_period);
}

void vcpu_timers_init(struct vcpu *v)
{
    init_timer(&v->periodic_timer, periodic_timer_fn, v, (unsigned int)v->processor);
    init_timer(&v->singleshot_timer, singleshot_timer_fn, v, (unsigned int)v->processor);
    init_timer(&v->poll_timer, poll_timer_fn, v, (unsigned int)v->processor);
}

void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu)
{
    migrate_timer(&v->periodic_timer, cpu);
    migrate_timer(&v->singleshot_timer, cpu);
    migrate_timer(&v->poll_timer, cpu);
    if (is_hvm_vcpu(v))
        hvm_vcpu_migrate_timers(v, cpu);
}

/*
 * vcpu_set_singleshot_timer(): fire VIRQ_TIMER at system time deadline
 * (ns); a deadline already past fires at once. 0 stops the timer.
 */
void vcpu_set_singleshot_timer(struct vcpu *v, s_time_t deadline)
{
    if (!deadline) {
        stop_timer(&v->singleshot_timer);
        return;
    }
    if (deadline <= NOW()) {
        stop_timer(&v->singleshot_timer);
        send_guest_vcpu_virq(v, VIRQ_TIMER);
        return;
    }
    set_timer(&v->singleshot_timer, deadline);
}

/* HYPERVISOR_set_timer_op: timeout in ns of system time, 0 = cancel. */
long do_set_timer_op(hc_arg_t timeout)
{
    vcpu_set_singleshot_timer(current, (s_time_t)timeout);
    return 0;
}

static long do_poll(const struct sched_poll *p)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    evtchn_port_t port = 0;

    if (p->nr_ports > SCHEDOP_POLL_MAX_PORTS)
        return -EINVAL;
    if (!guest_range_ok((unsigned long)p->ports.p, p->nr_ports * sizeof(port)))
        return -EFAULT;

    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->poll_evtchn, -1, __ATOMIC_SEQ_CST);

    long rc = 0;
    if (v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask)
        goto out;
    for (unsigned int i = 0; i < p->nr_ports; i++) {
        if (raw_copy_from_guest(&port, p->ports.p + i, sizeof(port))) {
            rc = -EFAULT;
            goto out;
        }
        rc = evtchn_port_poll(d, port);
        if (rc) {
            rc = rc > 0 ? 0 : rc;
            goto out;
        }
    }
    /*
     * Narrow "any port" to the one port, unless an event already ended the
     * poll (poll_evtchn 0, VPF_blocked clear): a plain store would make a
     * running vCPU look like a poller again.
     */
    if (p->nr_ports == 1) {
        int any = -1;
        __atomic_compare_exchange_n(&v->poll_evtchn, &any, (int)port, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    if (p->timeout)
        set_timer(&v->poll_timer, (s_time_t)p->timeout);
    raise_softirq(smp_processor_id(), SOFTIRQ_SCHEDULE);
    return 0;

out:
    __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_SEQ_CST);
    __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
    return rc;
}

long do_sched_op(hc_arg_t cmd, hc_arg_t arg)
{
    struct vcpu *v = current;

    switch (cmd) {
    case SCHEDOP_yield:
        vcpu_yield();
        return 0;
    case SCHEDOP_block:
        v->vcpu_info->evtchn_upcall_mask = 0;       /* block enables events */
        vcpu_block();
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (raw_copy_from_guest(&s, (void *)arg, sizeof(s)))
            return -EFAULT;
        if (s.reason == SHUTDOWN_crash)
            printk("d%uv%d: SCHEDOP_shutdown(crash) from %lx\n", v->domain->domain_id,
                   v->vcpu_id, guest_cpu_user_regs()->rip);

        domain_shutdown(v->domain, (uint8_t)s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (raw_copy_from_guest(&s, (void *)arg, sizeof(s)))
            return -EFAULT;
        return 0;
    }
    case SCHEDOP_poll: {
        struct sched_poll p;
        if (raw_copy_from_guest(&p, (void *)arg, sizeof(p)))
            return -EFAULT;
        return do_poll(&p);
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown r;
        if (raw_copy_from_guest(&r, (void *)arg, sizeof(r)))
            return -EFAULT;
        struct domain *d = rcu_lock_domain_by_id(r.domain_id);
        if (!d)
            return -ESRCH;
        long rc = v->domain->is_privileged ? 0 : -EPERM;
        if (!rc)
            domain_shutdown(d, r.reason);
        rcu_unlock_domain(d);
        return rc;
    }
    case SCHEDOP_watchdog:
        return -ENOSYS;
    case SCHEDOP_pin_override:
        return v->domain->is_privileged ? -ENOSYS : -EPERM;
    default:
        return -ENOSYS;
    }
}
