/*
 * Ticket spinlocks. spin_lock_irqsave() also masks interrupts on this CPU;
 * use it for any lock also taken from an interrupt handler.
 * Lock order (outermost first) is documented in docs/architecture.md.
 *
 * IRQ-safety discipline (checked, as Xen's check_lock()): once the
 * hypervisor has booted, every lock is either always taken with interrupts
 * off ("IRQ-safe") or always with them on. A lock taken both ways can
 * deadlock two CPUs: one holds it with interrupts on and waits for the
 * other to acknowledge an IPI (a TLB shootdown), the other spins on it with
 * interrupts off and never takes the IPI. The first acquisition records
 * which kind the lock is; a later acquisition of the other kind panics,
 * naming the lock and the caller, instead of hanging one day under load.
 * Together with the rule that a CPU only waits for other CPUs with
 * interrupts on (smp.c), this keeps IPI waits deadlock-free.
 */
#ifndef XENIA_SPINLOCK_H
#define XENIA_SPINLOCK_H

#include <xenia/types.h>

/* spinlock_t.irq_use: how the lock has been taken since boot. */
#define SPIN_IRQ_UNSEEN 0
#define SPIN_IRQ_ON     1               /* taken with interrupts enabled */
#define SPIN_IRQ_OFF    2               /* taken with interrupts disabled (IRQ-safe) */

typedef struct {
    volatile uint16_t head;     /* ticket being served */
    volatile uint16_t tail;     /* next ticket to hand out */
    uint8_t irq_use;            /* SPIN_IRQ_*: checked by spin_check_irq_use() */
} __attribute__((aligned(4))) spinlock_t;

#define SPIN_LOCK_UNLOCKED { 0, 0, SPIN_IRQ_UNSEEN }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *l)
{
    l->head = l->tail = 0;
    l->irq_use = SPIN_IRQ_UNSEEN;
}

#ifdef XENIA_HOST_TEST
static inline void spin_check_irq_use(spinlock_t *l, bool try) { (void)l; (void)try; }
#else
/*
 * spin_check_irq_use(): record or check how l is taken (see above). A
 * trylock with interrupts off cannot spin, so it is exempt, as in Xen.
 * Does nothing until spin_debug_enable() (boot runs with interrupts off).
 * Panics on a lock taken both ways.
 */
void spin_check_irq_use(spinlock_t *l, bool try);
/* spin_debug_enable(): start checking; called once boot is done. */
void spin_debug_enable(void);
#endif

static inline void spin_lock(spinlock_t *l)
{
    spin_check_irq_use(l, false);
    uint16_t me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        __builtin_ia32_pause();
}

/* Take l only if no one holds or waits for it; true if taken. */
static inline bool spin_trylock(spinlock_t *l)
{
    spin_check_irq_use(l, true);
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

/*
 * ASSERT_LOCKED(): a function that needs its caller to hold l says so
 * (as Xen's ASSERT(spin_is_locked())): taken by someone, at least.
 */
#define ASSERT_LOCKED(l) ASSERT(spin_is_locked(l))

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

static inline bool local_irq_is_enabled(void)
{
    unsigned long flags;
    __asm__ __volatile__("pushf; pop %0" : "=r"(flags) :: "memory");
    return flags & (1UL << 9);                     /* RFLAGS.IF */
}

#else
/* Host unit tests: no interrupts to mask. */
static inline unsigned long local_irq_save(void) { return 0; }
static inline void local_irq_restore(unsigned long flags) { (void)flags; }
static inline bool local_irq_is_enabled(void) { return true; }
#endif

#define spin_lock_irqsave(l, flags) \
    do { (flags) = local_irq_save(); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) \
    do { spin_unlock(l); local_irq_restore(flags); } while (0)

#endif
