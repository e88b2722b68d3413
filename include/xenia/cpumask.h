/*
 * Sets of physical CPUs (0 .. NR_CPUS-1), as one word per 64 CPUs.
 * The *_atomic helpers may race with other CPUs; the rest are plain.
 */
#ifndef XENIA_CPUMASK_H
#define XENIA_CPUMASK_H

#include <xenia/types.h>
#include <xenia/config.h>

#define CPUMASK_WORDS ((NR_CPUS + 63) / 64)

typedef struct {
    unsigned long bits[CPUMASK_WORDS];
} cpumask_t;

static inline void cpumask_clear(cpumask_t *m)
{
    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        m->bits[i] = 0;
}

static inline bool cpumask_test_cpu(unsigned int cpu, const cpumask_t *m)
{
    return (__atomic_load_n(&m->bits[cpu / 64], __ATOMIC_ACQUIRE) >> (cpu % 64)) & 1;
}

static inline void cpumask_set_cpu(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_or(&m->bits[cpu / 64], 1UL << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_cpu(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_and(&m->bits[cpu / 64], ~(1UL << (cpu % 64)), __ATOMIC_SEQ_CST);
}

/* cpumask_test_and_clear_cpu(): atomically clear cpu; true if it was set. */
static inline bool cpumask_test_and_clear_cpu(unsigned int cpu, cpumask_t *m)
{
    unsigned long bit = 1UL << (cpu % 64);
    return __atomic_fetch_and(&m->bits[cpu / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

static inline bool cpumask_empty(const cpumask_t *m)
{
    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        if (__atomic_load_n(&m->bits[i], __ATOMIC_ACQUIRE))
            return false;
    return true;
}

static inline unsigned int cpumask_weight(const cpumask_t *m)
{
    unsigned int n = 0;
    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        for (unsigned long w = __atomic_load_n(&m->bits[i], __ATOMIC_ACQUIRE); w; w &= w - 1)
            n++;                         /* no popcnt: -mgeneral-regs-only, no libgcc */
    return n;
}

/* cpumask_and(): dst = a & b (plain). */
static inline void cpumask_and(cpumask_t *dst, const cpumask_t *a, const cpumask_t *b)
{
    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        dst->bits[i] = __atomic_load_n(&a->bits[i], __ATOMIC_ACQUIRE) &
                       __atomic_load_n(&b->bits[i], __ATOMIC_ACQUIRE);
}

/* cpumask_next(): first cpu > prev in m, or NR_CPUS. Start with prev = -1. A word at a time. */
static inline unsigned int cpumask_next(int prev, const cpumask_t *m)
{
    unsigned int cpu = (unsigned int)(prev + 1);

    while (cpu < NR_CPUS) {
        unsigned long w = __atomic_load_n(&m->bits[cpu / 64], __ATOMIC_ACQUIRE) >> (cpu % 64);
        if (w) {
            cpu += (unsigned int)__builtin_ctzl(w);
            return cpu < NR_CPUS ? cpu : NR_CPUS;
        }
        cpu = (cpu / 64 + 1) * 64;
    }
    return NR_CPUS;
}

#define for_each_cpu(cpu, m) \
    for ((cpu) = cpumask_next(-1, (m)); (cpu) < NR_CPUS; (cpu) = cpumask_next((cpu), (m)))

#endif
