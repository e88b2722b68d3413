/*
 * Guest time: wallclock in shared_info, set_timer_op and the per-vCPU
 * singleshot timer that raises VIRQ_TIMER (xen.h, vcpu.h).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/event.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/dom0_build.h>

void time_init_domain(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint32_t sec, nsec;

    get_wallclock_at_boot(&sec, &nsec);
    __atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
    s->wc_sec = sec;
    s->wc_nsec = nsec;
    s->wc_sec_hi = 0;
    __atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
}
