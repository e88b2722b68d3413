/*
 * pvh_vcpu: a PVH dom0 moves its vcpu_info and registers runstate and
 * time areas (VCPUOP_register_vcpu_info, _register_runstate_memory_area,
 * _register_vcpu_time_memory_area), with Xen 4.17's answers:
 *   - vcpu_info: the frame is a GFN, reached through the P2M; an offset
 *     past the end or misaligned: -ENXIO; a GFN with no RAM: -EINVAL; a
 *     second registration: -EINVAL; a bad argument pointer: -EFAULT;
 *   - a registered vcpu_info gets the old contents (upcall mask, time
 *     scale), every selector bit and upcall_pending set; nothing around it
 *     in the frame is touched; events then arrive there (the callback
 *     vector's handler finds them) and its time record stays current;
 *   - the runstate and time areas are linear addresses (HVM: any address is
 *     accepted, as Xen's guest_handle_okay() for HVM): filled at once when
 *     registered for the calling vCPU, brought up to date after it was
 *     switched out and back (HLT until a timer's upcall); a null runstate
 *     area stops updates; bad argument pointers: -EFAULT.
 * Timing-independent: only order and monotonic growth are checked.
 */
#include "pvh.h"
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

const char test_name[] = "pvh_vcpu";

#define CALLBACK_VECTOR 0xf3
#define VI_OFFSET       128

static uint8_t si_page[4096] __attribute__((aligned(4096)));
static uint8_t vi_page[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *si = (volatile struct shared_info *)si_page;
static volatile struct vcpu_info *vi = (volatile struct vcpu_info *)(vi_page + VI_OFFSET);
static struct vcpu_runstate_info runstate __attribute__((aligned(64)));
static struct vcpu_time_info time_area __attribute__((aligned(64)));
static volatile unsigned int upcalls;
static volatile uint64_t seen;          /* ports 0-63 an upcall found pending */
static evtchn_port_t timer_port;

/* The callback vector: reads the registered vcpu_info only. */
static void upcall(struct pvh_frame *f)
{
    xen_ulong_t sel;

    upcalls++;
    vi->evtchn_upcall_pending = 0;
    sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    if ( sel & 1 )
    {
        xen_ulong_t bits = si->evtchn_pending[0] & ~si->evtchn_mask[0];
        __atomic_and_fetch(&si->evtchn_pending[0], ~bits, __ATOMIC_SEQ_CST);
        seen |= bits;
    }
}

static long register_vi(uint64_t gfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = { .mfn = gfn, .offset = offset };
    return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
}

static long register_runstate(void *where)
{
    struct vcpu_register_runstate_memory_area a;
    memset(&a, 0, sizeof(a));
    a.addr.v = where;
    return HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &a);
}

static long register_time(void *where)
{
    struct vcpu_register_time_memory_area a;
    memset(&a, 0, sizeof(a));
    a.addr.v = where;
    return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &a);
}

static uint64_t time_blocked(void)
{
    struct vcpu_runstate_info r;
    if ( HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &r) )
        test_abort("VCPUOP_get_runstate_info failed");
    return r.time[RUNSTATE_blocked];
}

/*
 * Be switched out and back in: wait in HLT with interrupts on for a timer's
 * upcall until VCPUOP_get_runstate_info shows time spent blocked (a timer
 * that expired before the HLT is retried further ahead: no assumption about
 * how fast the machine is). HLT with IF set, not SCHEDOP_block with IF
 * clear: Xen blocks an HVM vCPU with IF clear even when its event is
 * already pending, so a timer firing between the loop's check and the
 * block would leave the vCPU blocked for good (seen once here, under load;
 * pvh_events tests that case with a backstop). With STI;HLT the vector of
 * an event that came first ends the HLT at once.
 */
static void block_once(void)
{
    uint64_t before = time_blocked(), ahead = 1000000;
    unsigned int tries, i;

    for ( tries = 0; time_blocked() == before && tries < 20; tries++, ahead = ahead < 64000000 ? ahead * 2 : ahead )
    {
        struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = pvclock_read(&vi->time) + ahead };

        /*
         * A timer that fired before the block left its port, selector and
         * upcall_pending set: let the handler take them, or the next event
         * on the port would raise nothing (2-level: the selector was set).
         */
        asm volatile ("sti; nop; cli" ::: "memory");
        seen &= ~(1UL << timer_port);
        if ( HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) )
            test_abort("VCPUOP_set_singleshot_timer failed");
        for ( i = 0; !(seen & (1UL << timer_port)) && i < 1000; i++ )
            asm volatile ("sti; hlt; cli" ::: "memory");
    }
    check(time_blocked() > before, "blocked (time blocked grew)");
    printk("blocked after %u tries\n", tries);
    seen = 0;
    asm volatile ("sti; nop; cli" ::: "memory");
}

void test_main(void)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                    .gpfn = (uint64_t)si_page >> PAGE_SHIFT };
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
                               .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
                                        CALLBACK_VECTOR };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    uint64_t gfn = (uint64_t)vi_page >> PAGE_SHIFT, t0, t1;
    uint8_t old_mask;
    uint32_t old_mul;
    struct vcpu_runstate_info r0;
    unsigned int i, n;
    bool untouched = true;

    asm volatile ("cli");
    if ( HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x) )
        test_abort("shared_info not mapped");
    pvh_set_irq_handler(CALLBACK_VECTOR, upcall);
    memset(vi_page, 0x5a, sizeof(vi_page));

    /* Refusals. */
    expect_eq(register_vi(gfn, PAGE_SIZE - sizeof(struct vcpu_info) + 8), -XEN_ENXIO,
              "vcpu_info: offset past the frame's end");
    expect_eq(register_vi(gfn, 4), -XEN_ENXIO, "vcpu_info: misaligned offset");
    expect_eq(register_vi(PVH_HIGH_WINDOW >> PAGE_SHIFT, 0), -XEN_EINVAL,
              "vcpu_info: a GFN with no RAM");
    expect_eq(register_vi(~0UL >> PAGE_SHIFT, 0), -XEN_EINVAL, "vcpu_info: a GFN beyond any");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)(512UL << 30)),
              -XEN_EFAULT, "vcpu_info: bad argument pointer");
    for ( i = 0; i < sizeof(vi_page); i++ )
        untouched &= vi_page[i] == 0x5a;
    check(untouched, "refusals wrote nothing");

    /* Register: old contents, every selector, upcall pending. */
    old_mask = si->vcpu_info[0].evtchn_upcall_mask;
    old_mul = si->vcpu_info[0].time.tsc_to_system_mul;
    t0 = pvclock_read(&si->vcpu_info[0].time);
    expect_eq(register_vi(gfn, VI_OFFSET), 0, "register vcpu_info at a RAM GFN");
    expect_eq(vi->evtchn_pending_sel, (long)~0UL, "every selector bit set");
    expect_eq(vi->evtchn_upcall_pending, 1, "upcall_pending set");
    expect_eq(vi->evtchn_upcall_mask, old_mask, "the upcall mask carried over");
    expect_eq(vi->time.tsc_to_system_mul, old_mul, "the time scale carried over");
    check(!(vi->time.version & 1), "time version even");
    t1 = pvclock_read(&vi->time);
    check(t1 >= t0, "the new time record is current");
    untouched = true;
    for ( i = 0; i < VI_OFFSET; i++ )
        untouched &= vi_page[i] == 0x5a;
    for ( i = VI_OFFSET + sizeof(struct vcpu_info); i < sizeof(vi_page); i++ )
        untouched &= vi_page[i] == 0x5a;
    check(untouched, "nothing around the vcpu_info written");
    expect_eq(register_vi(gfn, VI_OFFSET), -XEN_EINVAL, "a second registration");
    expect_eq(register_vi(gfn, 0), -XEN_EINVAL, "a second registration elsewhere");

    /* Events arrive in the registered vcpu_info. */
    expect_eq(HYPERVISOR_hvm_op(HVMOP_set_param, &p), 0, "callback via: vector");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bi), 0, "bind an IPI port");
    timer_port = bv.port;
    if ( timer_port >= 64 || bi.port >= 64 )
        test_abort("ports above 63");
    asm volatile ("sti; nop; cli" ::: "memory");    /* the registration's upcall */
    si->vcpu_info[0].evtchn_upcall_pending = 0;
    seen = 0;
    n = upcalls;
    {
        struct evtchn_send s = { .port = bi.port };
        expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s), 0, "send to the IPI port");
    }
    expect_eq(vi->evtchn_upcall_pending, 1, "upcall_pending in the registered vcpu_info");
    expect_eq(si->vcpu_info[0].evtchn_upcall_pending, 0, "not in shared_info's");
    asm volatile ("sti; nop; cli" ::: "memory");
    expect_eq(upcalls, n + 1, "one upcall");
    check(seen & (1UL << bi.port), "the upcall found the IPI port through the new vcpu_info");

    /* The runstate area: filled at once, updated after a switch, stopped by NULL. */
    memset(&runstate, 0xff, sizeof(runstate));
    expect_eq(register_runstate(&runstate), 0, "register a runstate area");
    expect_eq(ACCESS_ONCE(runstate.state), RUNSTATE_running, "filled at once: running");
    check(runstate.state_entry_time != ~0UL && runstate.state_entry_time > 0,
          "filled at once: entry time");
    r0 = runstate;
    block_once();
    expect_eq(ACCESS_ONCE(runstate.state), RUNSTATE_running, "after the block: running");
    check(ACCESS_ONCE(runstate.state_entry_time) > r0.state_entry_time,
          "after the block: a later entry time");
    check(ACCESS_ONCE(runstate.time[RUNSTATE_blocked]) > r0.time[RUNSTATE_blocked],
          "after the block: time blocked grew");
    expect_eq(register_runstate(NULL), 0, "a null runstate area");
    r0 = runstate;
    block_once();
    check(!memcmp(&r0, &runstate, sizeof(r0)), "null: no more updates");
    expect_eq(register_runstate((void *)(512UL << 30)), 0, "HVM: any linear address accepted");
    expect_eq(register_runstate(NULL), 0, "null again");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, (void *)(512UL << 30)),
              -XEN_EFAULT, "runstate: bad argument pointer");

    /* The time area: a copy of the vcpu_info's time record. */
    memset(&time_area, 0, sizeof(time_area));
    expect_eq(register_time(&time_area), 0, "register a time area");
    check(time_area.version && !(time_area.version & 1), "time area: version published, even");
    expect_eq(time_area.tsc_to_system_mul, vi->time.tsc_to_system_mul, "time area: the scale");
    expect_eq(time_area.tsc_shift, vi->time.tsc_shift, "time area: the shift");
    check(time_area.system_time > 0, "time area: system time");
    t0 = pvclock_read(&time_area);
    block_once();
    t1 = pvclock_read(&time_area);
    check(t1 > t0, "time area: still current after a switch");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, (void *)(512UL << 30)),
              -XEN_EFAULT, "time area: bad argument pointer");
    expect_eq(register_time(NULL), 0, "a null time area");
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stop the timer");
}
