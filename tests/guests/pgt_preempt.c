/*
 * pgt_preempt: the largest page-table tree this guest's memory allows,
 * pinned in what the guest sees as one hypercall (Xen issue 8, item 2:
 * "no guest can hold a CPU"). Every frame beyond the builder's initial
 * mappings becomes a table: one L4, one L3, as many L2s as needed and
 * L1s, each of which maps 512 of our frames read-only (all of them,
 * round-robin), so that pinning the L4 validates every entry of every
 * table.
 *
 * Checks (Xen 4.17's results): a tree with a bad entry in its very last
 * L2 slot (a superpage) fails to pin with -EINVAL, and when the call
 * returns every table is free again (writable mappings allowed); the
 * good tree pins (its tables refuse writable mappings, -EBUSY), unpins,
 * and is free again; the same pin and unpin as the entry of a multicall
 * (as Linux issues them); VCPUOP_initialise of vCPU 1 with the tree as
 * its page tables (validated by that call).
 *
 * Figures (printed, never checked: timing depends on the host): how long
 * each of the three calls took and, with a 1 ms periodic timer running
 * meanwhile, how many timer upcalls arrived during the call and the
 * longest time without one. A hypervisor that validates the whole tree
 * without giving the CPU back delivers none until the call returns; one
 * with continuations delivers them on time while the call goes on.
 */
#include "test.h"
#include <xen/vcpu.h>
#include <xen/event_channel.h>

const char test_name[] = "pgt_preempt";

#define BSS_PAGE(name) static char name[PAGE_SIZE] \
    __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")))
BSS_PAGE(window);    /* pointed at each table frame in turn to fill it */

#define PERIOD_NS 1000000ULL
#define VIRT_BASE 0x400000UL

/* The tree: pfns [first, first + 2 + nl2 + nl1): L4, L3, the L2s, the L1s. */
static unsigned long first, nl2, nl1;

static unsigned long l4_pfn(void) { return first; }
static unsigned long l3_pfn(void) { return first + 1; }
static unsigned long l2_pfn(unsigned long i) { return first + 2 + i; }
static unsigned long l1_pfn(unsigned long k) { return first + 2 + nl2 + k; }

static uint64_t pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | flags;
}

/* Point window at pfn, writable (0) or read-only; Xen's result. */
static long window_to(unsigned long pfn, bool rw)
{
    return HYPERVISOR_update_va_mapping(window, pte(pfn_to_mfn(pfn), rw ? _PAGE_RW : 0),
                                        UVMF_INVLPG);
}

static long window_home(void)
{
    return HYPERVISOR_update_va_mapping(window, pte(virt_to_mfn(window), _PAGE_RW), UVMF_INVLPG);
}

static bool mapped(unsigned long pfn)
{
    return read_pte((void *)(VIRT_BASE + pfn * PAGE_SIZE), 1) & _PAGE_PRESENT;
}

/* The frames no initial mapping names: from the last mapped pfn + 1 to the end. */
static void find_free_frames(void)
{
    unsigned long n = start_info->nr_pages, total;

    for ( first = n; first > 0 && !mapped(first - 1); first-- )
        ;
    total = n - first;
    nl2 = (total - 2 + 512) / 513;
    nl1 = total - 2 - nl2;
    if ( nl1 > nl2 * 512 )
        nl1 = nl2 * 512;
    printk("pgt_preempt: %lu pages, %lu unmapped from pfn %#lx: 1 L4, 1 L3, %lu L2s, %lu L1s "
           "(%lu L1 entries)\n", n, total, first, nl2, nl1, nl1 * 512);
}

/* Fill one table frame through the window; false if the window refused it. */
static bool fill(unsigned long pfn, unsigned int level, unsigned long index)
{
    uint64_t *t = (uint64_t *)window;
    unsigned int j;

    if ( window_to(pfn, true) )
        return false;
    memset(t, 0, PAGE_SIZE);
    for ( j = 0; j < 512; j++ )
    {
        unsigned long k = index * 512 + j;

        if ( level == 1 )
            t[j] = pte(pfn_to_mfn(k % start_info->nr_pages), 0);
        else if ( level == 2 && k < nl1 )
            t[j] = pte(pfn_to_mfn(l1_pfn(k)), _PAGE_RW);
        else if ( level == 3 && j < nl2 )
            t[j] = pte(pfn_to_mfn(l2_pfn(j)), _PAGE_RW);
    }
    if ( level == 4 )
        t[0] = pte(pfn_to_mfn(l3_pfn()), _PAGE_RW);
    return true;
}

/* Last slot of the last L2: a superpage (refused) or nothing. */
static bool set_bad_entry(bool bad)
{
    if ( window_to(l2_pfn(nl2 - 1), true) )
        return false;
    ((uint64_t *)window)[511] = bad ? pte(pfn_to_mfn(l1_pfn(0)), _PAGE_RW | _PAGE_PSE) : 0;
    return true;
}

static void build_tree(void)
{
    unsigned long i, refused = 0;

    refused += !fill(l4_pfn(), 4, 0);
    refused += !fill(l3_pfn(), 3, 0);
    for ( i = 0; i < nl2; i++ )
        refused += !fill(l2_pfn(i), 2, i);
    for ( i = 0; i < nl1; i++ )
        refused += !fill(l1_pfn(i), 1, i);
    refused += !set_bad_entry(true);
    expect_eq(refused, 0, "every table frame filled through a writable window");
    expect_eq(window_home(), 0, "window back home: no writable mapping of a table left");
}

/* Timer upcalls while a call runs. */
static volatile bool measuring;
static volatile uint64_t last_upcall, longest;
static volatile unsigned int upcalls_during;

void test_upcall(void)
{
    uint64_t now;

    if ( !measuring )
        return;
    now = xen_now();
    if ( now - last_upcall > longest )
        longest = now - last_upcall;
    last_upcall = now;
    upcalls_during++;
}

static uint64_t measure_start;

static void measure_begin(void)
{
    upcalls_during = 0;
    longest = 0;
    measure_start = last_upcall = xen_now();
    measuring = true;
    barrier();
}

static long measure_end(const char *what, long rc)
{
    uint64_t t1;

    barrier();
    measuring = false;
    t1 = xen_now();
    if ( t1 - last_upcall > longest )
        longest = t1 - last_upcall;
    printk("pgt_preempt: %s = %ld: %lu ms, %u timer upcalls (1 ms period) during it, "
           "longest without one %lu us\n", what, rc,
           (unsigned long)((t1 - measure_start) / 1000000), upcalls_during,
           (unsigned long)(longest / 1000));
    return rc;
}

/*
 * One mmuext_op on the L4 (cmd), alone or (multi) as the only entry of a
 * multicall, as Linux pins; or with cmd 0 the baseline: 200 ms of
 * spinning in the guest, for what the timer delivers when nothing holds
 * the CPU. Returns Xen's result (the entry's, for a multicall).
 */
static long timed_op(unsigned int cmd, bool multi, const char *what)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = pfn_to_mfn(l4_pfn()) };
    multicall_entry_t mc = {
        .op = __HYPERVISOR_mmuext_op,
        .args = { (unsigned long)&op, 1, 0, DOMID_SELF },
    };
    long rc = 0;

    measure_begin();
    if ( cmd && multi )
        rc = HYPERVISOR_multicall(&mc, 1) ?: (long)mc.result;
    else if ( cmd )
        rc = HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
    else
        while ( xen_now() - measure_start < 200000000ULL )
            ;
    return measure_end(what, rc);
}

/* vCPU 1 initialised (not brought up) with the tree as its page tables. */
static long timed_vcpu_initialise(void)
{
    static char stack1[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
    static vcpu_guest_context_t ctx;

    build_vcpu_context(&ctx, stack1 + sizeof(stack1));
    ctx.ctrlreg[3] = xen_pfn_to_cr3(pfn_to_mfn(l4_pfn()));
    measure_begin();
    return measure_end("VCPUOP_initialise", HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx));
}

static evtchn_port_t timer_on(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct vcpu_set_periodic_timer per = { .period_ns = PERIOD_NS };

    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
    evtchn_unmask(bv.port);
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0,
              "1 ms periodic timer");
    events_enable();
    return bv.port;
}

static void timer_off(evtchn_port_t port)
{
    struct evtchn_close cl = { .port = port };

    events_disable();
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop periodic timer");
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl), 0, "close VIRQ_TIMER");
}

void test_main(void)
{
    evtchn_port_t port;

    find_free_frames();
    if ( !check(nl1 > 0, "frames left for the tree") )
        return;
    build_tree();

    port = timer_on();
    timed_op(0, false, "baseline, spinning");
    expect_eq(timed_op(MMUEXT_PIN_L4_TABLE, false, "pin, bad last entry"), -XEN_EINVAL,
              "pin of the tree with a superpage in its last L2 slot");
    /* Everything the failed pin took is given back before it returns. */
    expect_eq(window_to(l1_pfn(0), true), 0, "first L1 writable again after the failed pin");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), 0, "last L1 writable again");
    expect_eq(window_to(l2_pfn(0), true), 0, "first L2 writable again");
    expect_eq(window_to(l4_pfn(), true), 0, "L4 writable again");
    check(set_bad_entry(false), "bad entry removed");
    expect_eq(window_home(), 0, "window back home");

    expect_eq(timed_op(MMUEXT_PIN_L4_TABLE, false, "pin"), 0, "pin of the whole tree");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), -XEN_EBUSY, "last L1 is a table: no writable mapping");
    expect_eq(window_to(l3_pfn(), true), -XEN_EBUSY, "L3 is a table: no writable mapping");
    expect_eq(window_to(l1_pfn(nl1 - 1), false), 0, "read-only mapping of it is fine");
    expect_eq(window_home(), 0, "window back home");

    expect_eq(timed_op(MMUEXT_UNPIN_TABLE, false, "unpin"), 0, "unpin of the whole tree");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), 0, "last L1 writable again after the unpin");
    expect_eq(window_to(l3_pfn(), true), 0, "L3 writable again");
    expect_eq(window_home(), 0, "window back home");

    /* The same inside a multicall, as Linux batches its pins. */
    expect_eq(timed_op(MMUEXT_PIN_L4_TABLE, true, "pin in a multicall"), 0,
              "pin of the whole tree as a multicall entry");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), -XEN_EBUSY, "last L1 is a table again");
    expect_eq(timed_op(MMUEXT_UNPIN_TABLE, true, "unpin in a multicall"), 0,
              "unpin of the whole tree as a multicall entry");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), 0, "last L1 writable again");
    expect_eq(window_home(), 0, "window back home");

    /* Last: vCPU 1's page tables (they stay typed while the vCPU exists). */
    expect_eq(timed_vcpu_initialise(), 0, "VCPUOP_initialise with the tree as vCPU 1's L4");
    expect_eq(window_to(l1_pfn(nl1 - 1), true), -XEN_EBUSY, "last L1 is a table again");
    expect_eq(window_home(), 0, "window back home");
    timer_off(port);
}
