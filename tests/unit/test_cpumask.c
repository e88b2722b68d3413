/* SOURCES: */
/*
 * CPU sets (<xenia/cpumask.h>): cpumask_next() and for_each_cpu() visit
 * exactly the CPUs in the set, in order, at every bit position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <xenia/cpumask.h>

/* The slow, obvious answer: test every bit. */
static unsigned int next_by_bits(int prev, const cpumask_t *m)
{
    for (unsigned int cpu = (unsigned int)(prev + 1); cpu < NR_CPUS; cpu++)
        if (cpumask_test_cpu(cpu, m))
            return cpu;
    return NR_CPUS;
}

static void next_matches_bit_by_bit(void **state)
{
    cpumask_t m;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    for (unsigned int round = 0; round < 2000; round++) {
        cpumask_clear(&m);
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned int n = (unsigned int)(seed >> 60);      /* 0..15 CPUs */
        for (unsigned int i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            cpumask_set_cpu((unsigned int)(seed >> 33) % NR_CPUS, &m);
        }
        for (int prev = -1; prev < NR_CPUS; prev++)
            assert_int_equal(cpumask_next(prev, &m), next_by_bits(prev, &m));
    }
}

static void for_each_visits_set_in_order(void **state)
{
    cpumask_t m;
    unsigned int cpu, seen = 0, last = 0;

    cpumask_clear(&m);
    cpumask_set_cpu(0, &m);
    cpumask_set_cpu(1, &m);
    cpumask_set_cpu(NR_CPUS - 1, &m);
    for_each_cpu(cpu, &m) {
        assert_true(seen == 0 || cpu > last);
        assert_true(cpumask_test_cpu(cpu, &m));
        last = cpu;
        seen++;
    }
    assert_int_equal(seen, 3);
    assert_int_equal(last, NR_CPUS - 1);

    cpumask_clear(&m);
    for_each_cpu(cpu, &m)
        fail();
    assert_int_equal(cpumask_next(-1, &m), NR_CPUS);
    cpumask_set_cpu(NR_CPUS - 1, &m);
    assert_int_equal(cpumask_next(NR_CPUS - 1, &m), NR_CPUS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(next_matches_bit_by_bit),
        cmocka_unit_test(for_each_visits_set_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
