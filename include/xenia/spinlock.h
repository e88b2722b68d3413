/*
 * Ticket spinlocks. spin_lock_irqsave() also masks interrupts on this CPU;
 * use it for any lock also taken from an interrupt handler.
 * Lock order (outermost first) is documented in docs/architecture.md.
 */
#ifndef XENIA_SPINLOCK_H
#define XENIA_SPINLOCK_H

#include <xenia/types.h>

typedef struct {
    volatile uint16_t head;     /* ticket being served */
    volatile uint16_t tail;     /* next ticket to hand out */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED { 0, 0 }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *l) { l->head = l->tail = 0; }

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        __builtin_ia32_pause();
}

static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t h = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    uint32_t old = ((uint32_t)h << 16) | h;         /* unlocked: head == tail */
    uint32_t new = ((uint32_t)(uint16_t)(h + 1) << 16) | h;   /* take ticket h: tail = h + 1 */
    return __atomic_compare_exchange_n((uint32_t *)l, &old, new, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->head, (uint16_t)(l->head + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return l->head != l->tail;
}

#ifndef XENIA_HOST_TEST
static inline unsigned long local_irq_save(void)
{
    unsigned long flags;
    __asm__ __volatile__("pushf; pop %0; cli" : "=r"(flags) :: "memory");
    return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
    __asm__ __volatile__("push %0; popf" :: "r"(flags) : "memory", "cc");
}

static inline void local_irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }

#define spin_lock_irqsave(l, flags) \
    do { (flags) = local_irq_save(); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) \
    do { spin_unlock(l); local_irq_restore(flags); } while (0)
#endif

#endif
