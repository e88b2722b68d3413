/*
 * Spinlock debugging: the IRQ-safety check of every acquisition (the
 * discipline is described in include/xenia/spinlock.h).
 */
#include <xenia/lib.h>
#include <xenia/spinlock.h>

static bool spin_debug;

void spin_debug_enable(void)
{
    __atomic_store_n(&spin_debug, true, __ATOMIC_RELEASE);
}

void spin_check_irq_use(spinlock_t *l, bool try)
{
    if (!__atomic_load_n(&spin_debug, __ATOMIC_ACQUIRE))
        return;
    bool irqs_off = !local_irq_is_enabled();
    if (try && irqs_off)
        return;
    uint8_t want = irqs_off ? SPIN_IRQ_OFF : SPIN_IRQ_ON;
    uint8_t seen = __atomic_load_n(&l->irq_use, __ATOMIC_RELAXED);
    if (likely(seen == want))
        return;
    if (seen == SPIN_IRQ_UNSEEN &&
        __atomic_compare_exchange_n(&l->irq_use, &seen, want, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    if (seen == want)
        return;                          /* another CPU recorded the same kind */
    panic("lock %p taken with interrupts %s (caller %p), before with them %s: "
          "a CPU spinning on it with interrupts off cannot take the IPI its holder waits for",
          (void *)l, irqs_off ? "off" : "on", __builtin_return_address(0),
          irqs_off ? "on" : "off");
}
