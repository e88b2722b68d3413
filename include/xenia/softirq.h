/*
 * Softirqs: per-CPU work flags (cpu_info->softirq_pending) that the
 * hypervisor's exit path and idle loop check and act on. Bit numbers
 * (SOFTIRQ_SCHEDULE, SOFTIRQ_TIMER) are defined in <asm/current.h>.
 */
#ifndef XENIA_SOFTIRQ_H
#define XENIA_SOFTIRQ_H

#include <xenia/types.h>
#include <asm/current.h>

/*
 * raise_softirq(): atomically set bit nr in cpu's softirq_pending; if cpu
 * is another CPU and the bit was clear, send it EVENT_CHECK_VECTOR so it
 * notices promptly. Any context, no lock.
 */
void raise_softirq(unsigned int cpu, unsigned int nr);

/* softirq_pending(): cpu's pending bits (a racy snapshot). */
unsigned long softirq_pending(unsigned int cpu);

/* softirq_test_and_clear(): atomically clear bit nr on this CPU; true if it was set. */
bool softirq_test_and_clear(unsigned int nr);

#endif
