/*
 * hostile: 20000 hypercalls with random and boundary arguments, every
 * number 0..63. Pointer-like arguments are never our own memory (those
 * that would be point into scratch pages, keep_off_self()), so nothing
 * may corrupt the guest; the few calls that would stop or blind
 * it are steered (iret is skipped; sched_op/vcpu_op never block, shut
 * down or down vCPU 0; the trap table, callbacks and debug registers are
 * reinstalled after calls that may reset them). Pass: the guest reaches
 * its end and the hypervisor still answers correctly.
 * For a soak (scripts/soak.sh), the guest's command line may say
 * seconds=N (keep going until N seconds of Xen system time have passed,
 * whatever the count) and seed=N (another random stream; printed). To
 * compare two hypervisors on one stream: iterations=N (stop after N, when
 * seconds= is not given) and trace=N (print every call, its arguments and
 * its result from iteration N on).
 */
#include "test.h"
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

const char test_name[] = "hostile";

#define ITERATIONS 20000

static uint64_t seed = 0x5eed0f0e17a5ULL;

/* xorshift64*: a deterministic pseudo-random stream. */
static uint64_t rnd(void)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return seed * 0x2545f4914f6cdd1dULL;
}

/* An argument: boundary values, small numbers, or addresses no guest owns. */
static unsigned long arg(void)
{
    static const unsigned long boundary[] = {
        0, 1, 2, 3, 0x7ff0, -1UL, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL,
        0x8000000000000000UL, 0x7fffffffffffffffUL, 0xffff800000000000UL,
        0xffff87ffffffffffUL, 0xffff830000000000UL, 0x800000000000UL,
        0x10000000UL, 0x3ff000UL, 0xfffffffffffff000UL,
    };

    switch ( rnd() % 6 )
    {
    case 0: return boundary[rnd() % ARRAY_SIZE(boundary)];
    case 1: return rnd() % 64;
    case 2: return 0xffff800000000000UL + (rnd() & 0x7ffffffffffUL);  /* Xen's range */
    case 3: return 0x10000000UL + (rnd() & 0xffffff8UL);               /* unmapped */
    case 4: return rnd() | 0x8000000000000000UL;                      /* huge/kernel-ish */
    default: return rnd() & 0xffffffffUL;
    }
}

/*
 * Our own memory: the image, P2M, start info, page tables and stack from
 * 0x400000 (the 64 MiB window covers all of it). A random 32-bit argument
 * can land there, and a hypercall would then write its output over our
 * code or data (Xen 4.17 does: mmu_update's pdone) or update_va_mapping
 * would unmap or remap our pages: the guest, not the hypervisor, would be
 * broken. Such arguments point into scratch instead, pages we never use,
 * and update_va_mapping there may only unmap (a mapping of one of our
 * frames at scratch would let later writes through it reach that frame).
 */
#define SELF_START  0x400000UL
#define SELF_END    (SELF_START + (64UL << 20))
static char scratch[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void keep_off_self(unsigned int nr, unsigned long *a)
{
    unsigned int j;

    for ( j = 0; j < 5; j++ )
    {
        if ( a[j] < SELF_START || a[j] >= SELF_END )
            continue;
        a[j] = (unsigned long)scratch + (a[j] & (sizeof(scratch) - 1));
        if ( j == 0 && (nr == __HYPERVISOR_update_va_mapping ||
                        nr == __HYPERVISOR_update_va_mapping_otherdomain) )
            a[1] &= ~1UL;                   /* _PAGE_PRESENT: unmap only */
    }
}

/* May this call stop or blind the guest? Then change or skip it. */
static bool steer(unsigned int nr, unsigned long *a)
{
    keep_off_self(nr, a);
    switch ( nr )
    {
    case __HYPERVISOR_iret:
        return false;                       /* never returns by design */
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_sched_op_compat:
        /* block, shutdown, poll and remote_shutdown could end or stall us. */
        if ( a[0] >= SCHEDOP_block && a[0] <= SCHEDOP_remote_shutdown )
            a[0] = SCHEDOP_yield;
        return true;
    case __HYPERVISOR_vcpu_op:
        if ( a[0] == VCPUOP_down && (unsigned int)a[1] == 0 )
            a[0] = VCPUOP_is_up;
        return true;
    case __HYPERVISOR_fpu_taskswitch:
        a[0] = 0;                           /* keep CR0.TS clear */
        return true;
    default:
        return true;
    }
}

/* Put back what a random call may have replaced. */
static void repair(unsigned int nr)
{
    int r;

    switch ( nr )
    {
    case __HYPERVISOR_set_trap_table:
    case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_callback_op:
        guest_reinstall_handlers();
        break;
    case __HYPERVISOR_set_debugreg:
        for ( r = 0; r < 8; r++ )
            if ( r != 4 && r != 5 && r != 6 )
                HC(__HYPERVISOR_set_debugreg, r, 0, 0, 0, 0);
        break;
    case __HYPERVISOR_set_timer_op:
        HYPERVISOR_set_timer_op(0);
        break;
    }
}

/* The number after "key=" on the guest's command line, or dflt. */
static uint64_t cmdline_num(const char *key, uint64_t dflt)
{
    const char *p = (const char *)start_info->cmd_line;
    size_t n = strlen(key);
    uint64_t v = 0;

    for ( ; *p; p++ )
    {
        if ( strncmp(p, key, n) || p[n] != '=' )
            continue;
        for ( p += n + 1; *p >= '0' && *p <= '9'; p++ )
            v = v * 10 + (uint64_t)(*p - '0');
        return v;
    }
    return dflt;
}

void test_main(void)
{
    unsigned long calls = 0, ok = 0, a[5];
    unsigned int i, nr, j;
    uint64_t seconds = cmdline_num("seconds", 0), end = xen_now() + seconds * 1000000000ULL;
    uint64_t iterations = cmdline_num("iterations", ITERATIONS);
    uint64_t trace = cmdline_num("trace", ~0ULL);
    long rc;

    /*
     * Our own memory can still change: a frame number that reaches a call
     * through a structure in scratch (written by earlier calls) may name one
     * of our frames, e.g. VCPUOP_register_vcpu_info at start_info's MFN
     * puts a vcpu_info there, all selector bits set: start_info->mfn_list
     * became ~0 after 254 million calls in one soak. The guest asked for
     * that; the hypervisor was intact. So the end checks use what we read
     * now, and a changed start_info is reported, not held against the
     * hypervisor.
     */
    static start_info_t start_info_then;
    unsigned long mfn1 = pfn_to_mfn(1);

    memcpy(&start_info_then, start_info, sizeof(start_info_then));
    seed = cmdline_num("seed", seed) ?: 1;
    if ( seconds )
        printk("hostile: %lu seconds, seed %lu\n", (unsigned long)seconds, (unsigned long)seed);
    for ( i = 0; seconds ? xen_now() < end : i < iterations; i++ )
    {
        nr = i % 64;
        for ( j = 0; j < 5; j++ )
            a[j] = arg();
        if ( !steer(nr, a) )
            continue;
        if ( i >= trace )
            printk("hostile: call %u nr %u (%lx %lx %lx %lx %lx)\n",
                   i, nr, a[0], a[1], a[2], a[3], a[4]);
        rc = hypercall(nr, a[0], a[1], a[2], a[3], a[4]);
        if ( i >= trace )
            printk("hostile: call %u rc %ld\n", i, rc);
        calls++;
        ok += rc >= 0;
        repair(nr);
        if ( (i + 1) % 5000 == 0 )
            printk("hostile: %u iterations, %lu calls, %lu returned >= 0\n", i + 1, calls, ok);
    }
    /* The hypervisor must still be intact and answering. */
    expect_eq(HYPERVISOR_xen_version(XENVER_version, 0), (4 << 16) | 17, "xen_version still 4.17");
    expect_eq(mfn_to_pfn(mfn1), 1, "M2P intact");
    for ( j = 0; j < sizeof(start_info_then); j += 8 )
        if ( memcmp((char *)start_info + j, (char *)&start_info_then + j, 8) )
            printk("hostile: start_info changed at offset 0x%x (a call wrote into our own frame)\n", j);
    expect_eq(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, 0), 1, "vcpu 0 up");
    printk("hostile: %u iterations, %lu calls, %lu returned >= 0\n", i, calls, ok);
    check(calls >= i - i / 64 - 1, "all calls made");
}
