/*
 * pvh_apic: the emulated local APIC a PVH dom0 has on Xen 4.17:
 *   - CPUID offers the APIC and x2APIC; APIC_BASE at 0xfee00000, enabled,
 *     BSP; the xAPIC page reads the version (0x14) and ID;
 *   - x2APIC mode (APIC_BASE.EXTD) and SVR software enable;
 *   - the timer, one-shot: its vector arrives while the guest waits in
 *     HLT, sits in ISR until EOI, TMCCT reads 0 after; periodic: ticks
 *     keep coming until TMICT is written 0;
 *   - self-IPIs through the x2APIC SELF_IPI register and the ICR;
 *   - NMI IPIs (the ICR's NMI delivery mode to its own APIC ID): taken
 *     with IF clear, and blocked from the NMI until its handler's IRET;
 *   - HVMOP_set_evtchn_upcall_vector: -EINVAL below 0x10, -ENOENT for a
 *     missing vCPU; once set, an upcall arrives right away (Xen asserts
 *     it), and an event channel sent to self arrives on that vector.
 * Timing-independent: arrival and order only.
 */
#include "pvh.h"
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sched.h>

const char test_name[] = "pvh_apic";

#define MSR_APIC_BASE   0x1b
#define X2APIC(off)     (0x800 + ((off) >> 4))
#define TIMER_VECTOR    0x40
#define IPI_VECTOR      0x50
#define UPCALL_VECTOR   0xe0

static uint8_t si_page[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *si = (volatile struct shared_info *)si_page;
static volatile unsigned int hits[256];
static volatile uint32_t isr_in_handler;

static void count(struct pvh_frame *f)
{
    hits[f->vector]++;
    isr_in_handler = (uint32_t)rdmsr(X2APIC(0x100 + (f->vector / 32) * 0x10));
    wrmsr(X2APIC(0xb0), 0);             /* EOI */
}

static void upcall(struct pvh_frame *f)
{
    hits[f->vector]++;
    si->vcpu_info[0].evtchn_upcall_pending = 0;
    si->vcpu_info[0].evtchn_pending_sel = 0;
    for ( unsigned int i = 0; i < 4; i++ )
        si->evtchn_pending[i] = 0;
    wrmsr(X2APIC(0xb0), 0);
}

/* NMIs: how many, and how deep they nested (an NMI blocks NMIs until its IRET). */
static volatile unsigned int nmis, nmi_depth, nmi_max_depth, nmis_seen_inside;
static uint32_t own_apic_id;

static void send_nmi_to_self(void)
{
    /* ICR: NMI delivery mode to the destination of its own x2APIC ID (the
     * self shorthand takes fixed interrupts only). */
    wrmsr(X2APIC(0x300), ((uint64_t)own_apic_id << 32) | (4u << 8));
}

static void nmi(struct pvh_frame *f)
{
    if ( ++nmi_depth > nmi_max_depth )
        nmi_max_depth = nmi_depth;
    if ( ++nmis == 2 )
    {
        /* Another one from inside: it must wait for this handler's IRET. */
        send_nmi_to_self();
        for ( unsigned int i = 0; i < 20; i++ )
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        nmis_seen_inside = nmis;
    }
    nmi_depth--;
}

static void wait_nmis(unsigned int n)
{
    for ( unsigned int i = 0; i < 100000 && nmis < n; i++ )
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static void wait_for(unsigned int vector, unsigned int n)
{
    for ( unsigned int i = 0; hits[vector] < n && i < 100000; i++ )
        asm volatile ("sti; hlt; cli" ::: "memory");
}

void test_main(void)
{
    volatile uint32_t *mmio = (volatile uint32_t *)0xfee00000UL;
    uint32_t a, b, c, d, n;
    uint64_t base;

    asm volatile ("cli");
    cpuid(1, &a, &b, &c, &d);
    check(d & (1u << 9), "CPUID: APIC");
    check(c & (1u << 21), "CPUID: x2APIC");
    base = rdmsr(MSR_APIC_BASE);
    expect_eq(base, 0xfee00000UL | (1UL << 11) | (1UL << 8), "APIC_BASE: default, enabled, BSP");
    expect_eq(mmio[0x30 / 4] & 0xff, 0x14, "xAPIC version register");
    expect_eq(mmio[0x20 / 4] >> 24, b >> 24, "xAPIC ID = CPUID initial APIC ID");

    wrmsr(MSR_APIC_BASE, base | (1UL << 10));
    expect_eq(rdmsr(MSR_APIC_BASE) & (3UL << 10), 3UL << 10, "x2APIC mode");
    expect_eq(rdmsr(X2APIC(0x20)), b >> 24, "x2APIC ID");
    wrmsr(X2APIC(0xf0), 0x1ff);         /* SVR: enabled, spurious 0xff */
    expect_eq(rdmsr(X2APIC(0xf0)) & 0x1ff, 0x1ff, "SVR reads back");
    wrmsr(X2APIC(0x80), 0);             /* TPR 0 */
    pvh_set_irq_handler(TIMER_VECTOR, count);
    pvh_set_irq_handler(IPI_VECTOR, count);
    pvh_set_irq_handler(UPCALL_VECTOR, upcall);

    /* One-shot timer, divide by 1: 2,000,000 bus counts. */
    wrmsr(X2APIC(0x3e0), 0xb);
    wrmsr(X2APIC(0x320), TIMER_VECTOR);
    wrmsr(X2APIC(0x380), 2000000);
    wait_for(TIMER_VECTOR, 1);
    expect_eq(hits[TIMER_VECTOR], 1, "one-shot timer interrupt arrived");
    check(isr_in_handler & (1u << (TIMER_VECTOR % 32)), "in service until EOI");
    expect_eq(rdmsr(X2APIC(0x100 + (TIMER_VECTOR / 32) * 0x10)), 0, "ISR clear after EOI");
    expect_eq(rdmsr(X2APIC(0x390)), 0, "TMCCT 0 after a one-shot expired");

    /* Periodic: three ticks, then stop. */
    wrmsr(X2APIC(0x320), TIMER_VECTOR | (1u << 17));
    wrmsr(X2APIC(0x380), 1000000);
    wait_for(TIMER_VECTOR, 4);
    expect_eq(hits[TIMER_VECTOR], 4, "periodic timer: three more ticks");
    wrmsr(X2APIC(0x380), 0);
    expect_eq(rdmsr(X2APIC(0x390)), 0, "TMCCT 0 once stopped");
    wrmsr(X2APIC(0x320), (1u << 16));   /* masked */

    /* Self-IPIs: SELF_IPI register, and the ICR with the self shorthand. */
    n = hits[IPI_VECTOR];
    wrmsr(X2APIC(0x3f0), IPI_VECTOR);
    expect_eq(hits[IPI_VECTOR], n, "IF clear: IPI held");
    asm volatile ("sti; nop; cli" ::: "memory");
    expect_eq(hits[IPI_VECTOR], n + 1, "SELF_IPI delivered");
    wrmsr(X2APIC(0x300), IPI_VECTOR | (1u << 18));
    asm volatile ("sti; nop; cli" ::: "memory");
    expect_eq(hits[IPI_VECTOR], n + 2, "ICR self shorthand delivered");

    /* NMI IPIs: delivered with IF clear; a second one sent by the NMI
     * handler waits until the handler's IRET, then arrives. */
    own_apic_id = b >> 24;
    pvh_set_irq_handler(2, nmi);
    send_nmi_to_self();
    wait_nmis(1);
    expect_eq(nmis, 1, "NMI IPI delivered with IF clear");
    send_nmi_to_self();
    wait_nmis(3);
    expect_eq(nmis_seen_inside, 2, "an NMI sent inside the NMI handler is held until its IRET");
    expect_eq(nmis, 3, "then it arrives");
    expect_eq(nmi_max_depth, 1, "NMIs never nested");

    /* The per-vCPU upcall vector. */
    {
        struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                        .gpfn = (uint64_t)si_page >> PAGE_SHIFT };
        struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = 0x0f };
        struct evtchn_bind_ipi bi = { .vcpu = 0 };
        struct evtchn_send s;

        expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0, "map shared_info");
        expect_eq(HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), -XEN_EINVAL,
                  "upcall vector below 0x10");
        uv.vector = UPCALL_VECTOR;
        uv.vcpu = 1000;
        expect_eq(HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), -XEN_ENOENT,
                  "missing vCPU");
        uv.vcpu = 0;
        expect_eq(HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), 0, "set upcall vector");
        asm volatile ("sti; nop; cli" ::: "memory");
        expect_eq(hits[UPCALL_VECTOR], 1, "an upcall right away");
        expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bi), 0, "bind an IPI port");
        s.port = bi.port;
        expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s), 0, "send to self");
        asm volatile ("sti; nop; cli" ::: "memory");
        expect_eq(hits[UPCALL_VECTOR], 2, "the event arrives on the upcall vector");
    }
    expect_eq(last_trap.count, 0, "no exception reached the guest");
}
