/* SOURCES: common/sched_credit2.c */
/*
 * Credit2 policy on a simulated clock: shares by weight (also beside a
 * busy pCPU), caps, hard and soft affinity, wake-up preemption, yield,
 * the sleeper's bounded lead, wrapping virtual time. A small event loop
 * plays the mechanism's part (common/schedule.c): each pCPU decides when
 * its slice ends or when it is asked to (a wake-up target), a vCPU that
 * loses its pCPU is queued again, CPU-bound vCPUs never block.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/sched_credit2.h>
#include "host_stubs.h"
#include <xenia/perfc.h>

static unsigned int deferred;            /* PERFC_EVENT_TICKLE_DEFERRED seen */
void perfc_event(enum perfc_event what)
{
    if (what == PERFC_EVENT_TICKLE_DEFERRED)
        deferred++;
}

#define MS(x) ((s_time_t)(x) * 1000 * 1000)
#define NV 6
#define NCPU 2

static struct sched_runqueue rq;
static struct domain dom[NV];
static struct vcpu vc[NV];
static s_time_t ran[NV];                 /* ns each vCPU ran */
static s_time_t slice_end[NCPU];         /* when each pCPU decides next */
static unsigned int switches;

/* vCPU i alone in domain i, weight w, allowed on every simulated pCPU. */
static void setup_vcpus(unsigned int n, const unsigned int *weights)
{
    memset(&rq, 0, sizeof(rq));
    memset(dom, 0, sizeof(dom));
    memset(vc, 0, sizeof(vc));
    memset(ran, 0, sizeof(ran));
    INIT_LIST_HEAD(&rq.runnable);
    for (unsigned int c = 0; c < NCPU; c++) {
        cpumask_set_cpu(c, &rq.cpus);
        cpumask_set_cpu(c, &rq.idlers);
        slice_end[c] = 0;
    }
    switches = 0;
    for (unsigned int i = 0; i < n; i++) {
        credit2_init_domain(&dom[i].sched);
        if (weights)
            dom[i].sched.weight = weights[i];
        dom[i].max_vcpus = 1;
        dom[i].vcpu[0] = &vc[i];
        dom[i].domain_id = (domid_t)i;
        vc[i].domain = &dom[i];
        credit2_init_vcpu(&rq, &vc[i]);
        for (unsigned int c = 0; c < NCPU; c++) {
            cpumask_set_cpu(c, &vc[i].cpu_hard_affinity);
            cpumask_set_cpu(c, &vc[i].cpu_soft_affinity);
        }
    }
}

static void wake(struct vcpu *v, s_time_t now, bool woke)
{
    credit2_queue(&rq, v, woke);
    int t = credit2_wake_target(&rq, v, -1);
    if (t >= 0 && t < NCPU)
        slice_end[t] = now;              /* asked to look again at once */
}

/* One decision on pCPU cpu at time now (schedule() without the switch). */
static void decide(unsigned int cpu, s_time_t now)
{
    struct vcpu *prev = rq.running[cpu], *next;
    s_time_t slice;

    if (prev) {
        ran[prev - vc] += now - prev->sched.start;
        credit2_burn(&rq, prev, now);
    }
    next = credit2_pick(&rq, cpu, prev, prev != NULL, now, &slice);
    if (prev && prev != next)
        credit2_put_budget(prev);
    if (next) {
        next->is_running = true;
        next->processor = (int)cpu;
        cpumask_clear_cpu(cpu, &rq.idlers);
        assert_true(slice > 0);
    } else {
        cpumask_set_cpu(cpu, &rq.idlers);
    }
    rq.running[cpu] = next;
    if (prev && prev != next) {
        switches++;
        prev->is_running = false;        /* its state is saved: queue it again */
        wake(prev, now, false);
    }
    slice_end[cpu] = next || slice ? now + (slice ? slice : MS(1000)) : now + MS(1000);
}

/* Run ncpu simulated pCPUs until `until`; every vCPU in [0, n) is CPU-bound. */
static void simulate(unsigned int ncpu, s_time_t until)
{
    s_time_t now = 0;
    while (now < until) {
        unsigned int c = 0;
        for (unsigned int i = 1; i < ncpu; i++)
            if (slice_end[i] < slice_end[c])
                c = i;
        now = slice_end[c];
        if (now > until)
            now = until;
        decide(c, now);
    }
    for (unsigned int c = 0; c < ncpu; c++)   /* charge what is still running */
        if (rq.running[c])
            ran[rq.running[c] - vc] += until - rq.running[c]->sched.start;
}

static void start(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        wake(&vc[i], 0, true);
}

static void only_cpu0(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        cpumask_clear(&vc[i].cpu_hard_affinity);
        cpumask_set_cpu(0, &vc[i].cpu_hard_affinity);
    }
}

static void assert_ratio(s_time_t a, s_time_t b, double want, double tolerance)
{
    double r = (double)a / (double)b;
    if (r < want * (1 - tolerance) || r > want * (1 + tolerance))
        fail_msg("ratio %.3f, want %.3f +- %.0f%%", r, want, tolerance * 100);
}

static void weights_share_one_pcpu(void **state)
{
    const unsigned int w[] = { 256, 512 };
    setup_vcpus(2, w);
    only_cpu0(2);
    start(2);
    simulate(1, MS(10000));
    assert_ratio(ran[1], ran[0], 2.0, 0.02);
    assert_int_equal(ran[0] + ran[1], MS(10000));   /* work-conserving */
}

static void weights_hold_beside_a_busy_pcpu(void **state)
{
    /* A and B (256:512) pinned to pCPU 1 while C keeps pCPU 0 busy. */
    const unsigned int w[] = { 256, 512, 256 };
    setup_vcpus(3, w);
    for (int i = 0; i < 3; i++) {
        cpumask_clear(&vc[i].cpu_hard_affinity);
        cpumask_set_cpu(i < 2 ? 1 : 0, &vc[i].cpu_hard_affinity);
    }
    start(3);
    simulate(2, MS(10000));
    assert_ratio(ran[1], ran[0], 2.0, 0.03);
}

static void equal_weights_alternate(void **state)
{
    setup_vcpus(2, NULL);
    only_cpu0(2);
    start(2);
    simulate(1, MS(10000));
    assert_ratio(ran[1], ran[0], 1.0, 0.02);
    /* Slices are at least the 1 ms rate limit and at most 10 ms. */
    assert_in_range(switches, 10000 / 10, 10000 / 1);
}

static void weight_one_vs_max(void **state)
{
    const unsigned int w[] = { 1, CREDIT2_MAX_WEIGHT };
    setup_vcpus(2, w);
    only_cpu0(2);
    start(2);
    simulate(1, MS(20000));
    assert_true(ran[0] > 0);                 /* never starved outright */
    assert_true(ran[1] > 100 * ran[0]);
}

static void three_vcpus_two_pcpus_fair(void **state)
{
    setup_vcpus(3, NULL);
    start(3);
    simulate(2, MS(30000));
    for (int i = 0; i < 3; i++)
        assert_ratio(ran[i], MS(20000), 1.0, 0.05);    /* 2/3 of a pCPU each */
}

static void cap_holds_alone(void **state)
{
    setup_vcpus(1, NULL);
    only_cpu0(1);
    credit2_set_cap(&dom[0], 25, 0);
    start(1);
    simulate(1, MS(10000));
    assert_ratio(ran[0], MS(2500), 1.0, 0.03);
}

static void cap_shared_by_a_domains_vcpus(void **state)
{
    /* One domain, two vCPUs, cap 50%: together half a pCPU on two pCPUs. */
    setup_vcpus(2, NULL);
    dom[0].max_vcpus = 2;
    dom[0].vcpu[1] = &vc[1];
    vc[1].domain = &dom[0];
    credit2_set_cap(&dom[0], 50, 0);
    start(2);
    simulate(2, MS(10000));
    assert_ratio(ran[0] + ran[1], MS(5000), 1.0, 0.05);
}

static void capped_leaves_rest_to_others(void **state)
{
    setup_vcpus(2, NULL);
    only_cpu0(2);
    credit2_set_cap(&dom[0], 20, 0);
    start(2);
    simulate(1, MS(10000));
    assert_ratio(ran[0], MS(2000), 1.0, 0.05);
    assert_ratio(ran[1], MS(8000), 1.0, 0.02);
}

static void cap_removed_runs_freely(void **state)
{
    setup_vcpus(1, NULL);
    only_cpu0(1);
    credit2_set_cap(&dom[0], 10, 0);
    start(1);
    simulate(1, MS(1000));
    credit2_set_cap(&dom[0], 0, MS(1000));
    memset(ran, 0, sizeof(ran));
    s_time_t t0 = MS(1000);
    /* Continue from where the pCPU is. */
    while (slice_end[0] < t0 + MS(1000))
        decide(0, slice_end[0] < t0 ? t0 : slice_end[0]);
    assert_true(ran[0] >= MS(900));
}

static void hard_affinity_respected(void **state)
{
    setup_vcpus(3, NULL);
    cpumask_clear(&vc[2].cpu_hard_affinity);
    cpumask_set_cpu(1, &vc[2].cpu_hard_affinity);
    start(3);
    for (int step = 0; step < 2000; step++) {
        unsigned int c = slice_end[0] <= slice_end[1] ? 0 : 1;
        decide(c, slice_end[c]);
        assert_true(rq.running[0] != &vc[2]);
    }
    assert_true(ran[2] > 0);
}

static void wake_prefers_idle_last_then_soft(void **state)
{
    setup_vcpus(1, NULL);
    vc[0].processor = 1;
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], -1), 1);   /* its last pCPU, idle */
    assert_false(cpumask_test_cpu(1, &rq.idlers));         /* asked: not idle any more */
    list_del(&vc[0].sched.runq_elem);

    setup_vcpus(1, NULL);
    cpumask_clear_cpu(0, &rq.idlers);                    /* pCPU 0 busy */
    vc[0].processor = 0;
    cpumask_clear(&vc[0].cpu_soft_affinity);
    cpumask_set_cpu(1, &vc[0].cpu_soft_affinity);
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], -1), 1);
}

/* An idle pCPU that does the wake-up (its interrupt) takes v itself: no IPI. */
static void wake_prefers_idle_waker(void **state)
{
    setup_vcpus(1, NULL);
    vc[0].processor = 1;
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], 0), 0);   /* both idle: the waker */
    assert_false(cpumask_test_cpu(0, &rq.idlers));
    list_del(&vc[0].sched.runq_elem);

    setup_vcpus(1, NULL);
    cpumask_clear_cpu(0, &rq.idlers);                        /* the waker runs a vCPU */
    vc[0].processor = 1;
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], 0), 1);   /* its last pCPU */
    list_del(&vc[0].sched.runq_elem);

    setup_vcpus(1, NULL);
    vc[0].processor = 1;
    cpumask_clear(&vc[0].cpu_soft_affinity);
    cpumask_set_cpu(1, &vc[0].cpu_soft_affinity);
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], 0), 1);   /* the waker is not soft-affine */
    list_del(&vc[0].sched.runq_elem);

    setup_vcpus(1, NULL);
    vc[0].processor = 1;
    cpumask_clear(&vc[0].cpu_hard_affinity);
    cpumask_set_cpu(1, &vc[0].cpu_hard_affinity);
    credit2_queue(&rq, &vc[0], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], 0), 1);   /* never outside hard affinity */
}

static void waker_owed_more_preempts_least_owed(void **state)
{
    setup_vcpus(3, NULL);
    cpumask_clear(&rq.idlers);
    rq.min_vtime = MS(100);
    rq.running[0] = &vc[0];
    rq.running[1] = &vc[1];
    vc[0].sched.vtime = MS(105);
    vc[1].sched.vtime = MS(108);
    vc[2].sched.vtime = MS(102);
    credit2_queue(&rq, &vc[2], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[2], -1), 1);  /* owed least runs there */
    vc[2].sched.vtime = MS(109);
    assert_int_equal(credit2_wake_target(&rq, &vc[2], 0), -1); /* owed less than both: waits */
}

/*
 * A vCPU woken for an idle pCPU is left to it: another pCPU that decides
 * first (its vCPU blocked meanwhile) does not pull it over. Once the
 * woken pCPU has decided, whatever it left is anyone's.
 */
static void tickled_vcpu_left_to_its_pcpu(void **state)
{
    s_time_t slice;

    setup_vcpus(1, NULL);
    deferred = 0;
    vc[0].processor = 0;
    credit2_queue(&rq, &vc[0], true);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], -1), 0);
    assert_true(cpumask_test_cpu(0, &rq.tickled));
    assert_null(credit2_pick(&rq, 1, NULL, false, 0, &slice));  /* pCPU 1 goes idle */
    assert_int_equal(deferred, 1);
    assert_ptr_equal(credit2_pick(&rq, 0, NULL, false, 0, &slice), &vc[0]);
    assert_false(cpumask_test_cpu(0, &rq.tickled));
    assert_int_equal(vc[0].sched.tickled_cpu, -1);

    setup_vcpus(1, NULL);
    vc[0].processor = 0;
    credit2_queue(&rq, &vc[0], true);
    assert_int_equal(credit2_wake_target(&rq, &vc[0], -1), 0);
    cpumask_clear(&vc[0].cpu_hard_affinity);             /* pinned away before pCPU 0 looked */
    cpumask_set_cpu(1, &vc[0].cpu_hard_affinity);
    assert_null(credit2_pick(&rq, 0, NULL, false, 0, &slice));
    assert_false(cpumask_test_cpu(0, &rq.tickled));
    assert_ptr_equal(credit2_pick(&rq, 1, NULL, false, 0, &slice), &vc[0]);
}

/*
 * A vCPU that can only preempt a busy pCPU is not reserved for it: the
 * other pCPU, freed first, takes it (and the preemption is then moot).
 */
static void preempting_vcpu_taken_by_first_free_pcpu(void **state)
{
    s_time_t slice;

    setup_vcpus(3, NULL);
    cpumask_clear(&rq.idlers);
    rq.min_vtime = MS(100);
    rq.running[0] = &vc[0];
    rq.running[1] = &vc[1];
    vc[0].is_running = vc[1].is_running = true;
    vc[0].sched.vtime = MS(105);
    vc[1].sched.vtime = MS(108);
    vc[2].sched.vtime = MS(102);
    vc[2].processor = 1;
    credit2_queue(&rq, &vc[2], false);
    assert_int_equal(credit2_wake_target(&rq, &vc[2], -1), 1);  /* preempt pCPU 1 */
    assert_int_equal(vc[2].sched.tickled_cpu, -1);
    assert_false(cpumask_test_cpu(1, &rq.tickled));
    vc[0].is_running = false;                                 /* vCPU 0 blocks */
    vc[0].pause_flags |= VPF_blocked;
    assert_ptr_equal(credit2_pick(&rq, 0, &vc[0], false, MS(1), &slice), &vc[2]);
}

static void blocked_vcpu_gets_cpu_soon(void **state)
{
    /*
     * A hog on pCPU 0 and a vCPU that mostly sleeps (1 ms of work every
     * 20 ms): it comes back with credit, so it runs within one slice of
     * waking and gets all the CPU it asks for.
     */
    setup_vcpus(2, NULL);
    only_cpu0(2);
    wake(&vc[0], 0, true);
    s_time_t now = 0, worst = 0;
    for (int round = 0; round < 200; round++) {
        s_time_t woke = now + MS(20);
        while (slice_end[0] <= woke)
            decide(0, now = slice_end[0]);
        now = woke;
        wake(&vc[1], now, true);
        while (rq.running[0] != &vc[1])
            decide(0, now = slice_end[0] > now ? slice_end[0] : now);
        if (now - woke > worst)
            worst = now - woke;
        /* It works 1 ms, then blocks: the pCPU decides again. */
        now += MS(1);
        ran[1] += MS(1);
        credit2_burn(&rq, &vc[1], now);
        vc[1].is_running = false;
        rq.running[0] = NULL;
        s_time_t slice;
        struct vcpu *next = credit2_pick(&rq, 0, NULL, false, now, &slice);
        assert_ptr_equal(next, &vc[0]);
        next->is_running = true;
        rq.running[0] = next;
        slice_end[0] = now + slice;
    }
    assert_true(worst <= CREDIT2_MAX_SLICE);
    assert_int_equal(ran[1], MS(200));
}

static void yield_lets_other_run(void **state)
{
    s_time_t slice;
    setup_vcpus(2, NULL);
    only_cpu0(2);
    vc[0].sched.vtime = MS(1);
    vc[1].sched.vtime = MS(7);
    vc[0].is_running = true;
    rq.running[0] = &vc[0];
    credit2_queue(&rq, &vc[1], false);
    vc[0].sched.yielded = true;
    assert_ptr_equal(credit2_pick(&rq, 0, &vc[0], true, 0, &slice), &vc[1]);
    assert_false(vc[0].sched.yielded);
    /* Alone, a yielding vCPU keeps its pCPU. */
    setup_vcpus(1, NULL);
    vc[0].is_running = true;
    vc[0].sched.yielded = true;
    assert_ptr_equal(credit2_pick(&rq, 0, &vc[0], true, 0, &slice), &vc[0]);
}

static void lead_is_bounded(void **state)
{
    /*
     * D had pCPU 1 to itself for 5 s while A and B shared pCPU 0; then D
     * may use both and A, B may too: D waits no more than the lead bound.
     */
    setup_vcpus(3, NULL);
    for (int i = 0; i < 3; i++) {
        cpumask_clear(&vc[i].cpu_hard_affinity);
        cpumask_set_cpu(i < 2 ? 0 : 1, &vc[i].cpu_hard_affinity);
    }
    start(3);
    simulate(2, MS(5000));
    assert_true(vc[2].sched.vtime - rq.min_vtime <= (uint64_t)CREDIT2_MAX_LEAD);
    for (int i = 0; i < 3; i++) {
        cpumask_set_cpu(0, &vc[i].cpu_hard_affinity);
        cpumask_set_cpu(1, &vc[i].cpu_hard_affinity);
    }
    memset(ran, 0, sizeof(ran));
    s_time_t t0 = slice_end[0] < slice_end[1] ? slice_end[0] : slice_end[1];
    s_time_t until = t0 + MS(3000);
    while (1) {
        unsigned int c = slice_end[0] <= slice_end[1] ? 0 : 1;
        if (slice_end[c] >= until)
            break;
        decide(c, slice_end[c]);
    }
    /* Over 3 s each gets about 2/3 of a pCPU; D at least 1.5 s of it. */
    assert_true(ran[2] >= MS(1500));
}

static void sleeper_lead_is_bounded(void **state)
{
    setup_vcpus(2, NULL);
    rq.min_vtime = MS(5000);
    vc[0].sched.vtime = MS(10);           /* asleep for seconds */
    credit2_queue(&rq, &vc[0], true);
    assert_int_equal(vc[0].sched.vtime, MS(5000) - CREDIT2_WAKE_CREDIT);
    vc[1].sched.vtime = MS(4995);         /* behind by less than the bound: kept */
    credit2_queue(&rq, &vc[1], true);
    assert_int_equal(vc[1].sched.vtime, MS(4995));
    vc[1].sched.vtime = MS(4950);        /* only preempted: keeps its vtime */
    list_del(&vc[1].sched.runq_elem);
    credit2_queue(&rq, &vc[1], false);
    assert_int_equal(vc[1].sched.vtime, MS(4950));
    vc[1].sched.vtime = MS(10);          /* paused in the queue for seconds: no more than the lead bound */
    list_del(&vc[1].sched.runq_elem);
    credit2_queue(&rq, &vc[1], false);
    assert_int_equal(vc[1].sched.vtime, MS(5000) - CREDIT2_MAX_LEAD);
}

static void vtime_wraps(void **state)
{
    /* Near 2^64 the order is by signed difference, so it survives the wrap. */
    const unsigned int w[] = { 256, 512 };
    setup_vcpus(2, w);
    only_cpu0(2);
    rq.min_vtime = (uint64_t)-MS(50);
    vc[0].sched.vtime = vc[1].sched.vtime = rq.min_vtime;
    start(2);
    simulate(1, MS(10000));
    assert_ratio(ran[1], ran[0], 2.0, 0.02);
    assert_true(rq.min_vtime < (uint64_t)MS(100000));   /* it wrapped */
}

static void queue_in_vtime_order(void **state)
{
    setup_vcpus(4, NULL);
    const s_time_t c[] = { MS(9), MS(2), MS(5), MS(2) };
    for (int i = 0; i < 4; i++) {
        vc[i].sched.vtime = c[i];
        credit2_queue(&rq, &vc[i], false);
    }
    const int want[] = { 1, 3, 2, 0 };   /* equal vtime: first queued first */
    int i = 0;
    struct vcpu *v;
    list_for_each_entry(v, &rq.runnable, sched.runq_elem)
        assert_ptr_equal(v, &vc[want[i++]]);
    assert_int_equal(i, 4);
}

static void paused_prev_not_kept(void **state)
{
    s_time_t slice;
    setup_vcpus(1, NULL);
    vc[0].is_running = true;
    assert_null(credit2_pick(&rq, 0, &vc[0], false, 0, &slice));
    assert_int_equal(slice, 0);      /* nothing to wait for: no timer */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weights_share_one_pcpu),
        cmocka_unit_test(weights_hold_beside_a_busy_pcpu),
        cmocka_unit_test(equal_weights_alternate),
        cmocka_unit_test(weight_one_vs_max),
        cmocka_unit_test(three_vcpus_two_pcpus_fair),
        cmocka_unit_test(cap_holds_alone),
        cmocka_unit_test(cap_shared_by_a_domains_vcpus),
        cmocka_unit_test(capped_leaves_rest_to_others),
        cmocka_unit_test(cap_removed_runs_freely),
        cmocka_unit_test(hard_affinity_respected),
        cmocka_unit_test(wake_prefers_idle_last_then_soft),
        cmocka_unit_test(wake_prefers_idle_waker),
        cmocka_unit_test(waker_owed_more_preempts_least_owed),
        cmocka_unit_test(tickled_vcpu_left_to_its_pcpu),
        cmocka_unit_test(preempting_vcpu_taken_by_first_free_pcpu),
        cmocka_unit_test(blocked_vcpu_gets_cpu_soon),
        cmocka_unit_test(yield_lets_other_run),
        cmocka_unit_test(lead_is_bounded),
        cmocka_unit_test(sleeper_lead_is_bounded),
        cmocka_unit_test(vtime_wraps),
        cmocka_unit_test(queue_in_vtime_order),
        cmocka_unit_test(paused_prev_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
