/* SOURCES: arch/x86/flushtlb.c */
/*
 * The TLB clock (arch/x86/flushtlb.c): a domain's shootdown time, which an
 * idle CPU that kept one of the domain's vCPUs' page tables asks before it
 * resumes that vCPU without a CR3 load.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/sched.h>
#include <asm/flushtlb.h>
#include <asm/smp.h>
#include "host_stubs.h"

cpumask_t cpu_online_map;
static cpumask_t running;               /* what cpus_running_domain() answers */
static unsigned int mask_flushes;

cpumask_t cpus_running_domain(const struct domain *d)
{
    return running;
}

/* This CPU's full flush, as the real one records it. */
void flush_tlb_local(void)
{
    tlbflush_done(tlbflush_tick());
}

void flush_tlb_mask(const cpumask_t *targets)
{
    mask_flushes++;
    flush_tlb_local();
}

static struct domain dom;

static int setup(void **state)
{
    memset(&dom, 0, sizeof(dom));
    cpumask_clear(&running);
    mask_flushes = 0;
    return 0;
}

/* A shootdown after this CPU's last flush is missed until it flushes again. */
static void missed_until_flushed(void **state)
{
    flush_tlb_local();
    tlb_note_shootdown(&dom);
    assert_true(tlb_missed_shootdown(&dom));
    flush_tlb_local();
    assert_false(tlb_missed_shootdown(&dom));
    tlb_note_shootdown(&dom);
    assert_true(tlb_missed_shootdown(&dom));
}

/* A flush of another domain's CPUs, or of this one, says nothing of dom's shootdowns. */
static void other_domain_not_missed(void **state)
{
    struct domain other;

    memset(&other, 0, sizeof(other));
    flush_tlb_local();
    tlb_note_shootdown(&other);
    assert_false(tlb_missed_shootdown(&dom));
    assert_true(tlb_missed_shootdown(&other));
}

/* The domain keeps its latest shootdown time: an older one stored late does not win. */
static void latest_time_kept(void **state)
{
    dom.arch.tlb_shootdown_time = UINT64_MAX / 2;
    tlb_note_shootdown(&dom);
    assert_int_equal(dom.arch.tlb_shootdown_time, UINT64_MAX / 2);
}

/* Both kinds of domain shootdown note the time before flushing. */
static void domain_flushes_note(void **state)
{
    flush_tlb_local();
    cpumask_set_cpu(1, &running);
    flush_tlb_domain_since(&dom, tlbflush_current_time());
    assert_int_equal(mask_flushes, 1);
    /* This CPU was flushed by that call, after the note. */
    assert_false(tlb_missed_shootdown(&dom));
    memset(&dom, 0, sizeof(dom));
    cpumask_clear(&running);
    flush_tlb_local();
    flush_tlb_domain_since(&dom, 0);    /* this CPU alone, flushed since: no flush, but noted */
    assert_int_equal(mask_flushes, 1);
    assert_true(tlb_missed_shootdown(&dom));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(missed_until_flushed, setup),
        cmocka_unit_test_setup(other_domain_not_missed, setup),
        cmocka_unit_test_setup(latest_time_kept, setup),
        cmocka_unit_test_setup(domain_flushes_note, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
