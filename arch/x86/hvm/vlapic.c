/*
 * The emulated local APIC of HVM vCPUs (see <asm/hvm/vlapic.h>).
 *
 * Registers live in struct vlapic by xAPIC offset / 16 (regs[0x3f]); IRR,
 * ISR and TMR as 256-bit maps. The timer uses a hypervisor timer on the
 * vCPU's pCPU; its expiry raises the LVT timer vector (unless masked) and
 * re-arms a periodic count. A periodic period below 100 us is raised to
 * 100 us, as Xen's periodic timers do, so a guest cannot flood its pCPU.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <xenia/time.h>
#include <asm/current.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>

#define VLAPIC_VERSION      0x00050014u     /* Xen's: version 0x14, 6 LVTs */
#define VLAPIC_MIN_PERIOD   100000          /* ns */
#define MSR_X2APIC_FIRST    0x800u
#define MSR_X2APIC_LAST     0x8ffu

struct vlapic {
    spinlock_t lock;
    uint32_t regs[0x40];                /* by offset / 16 */
    uint32_t irr[8], isr[8];
    s_time_t timer_start;               /* ns: when TMICT was (re)loaded */
    uint64_t timer_period;              /* ns per full count, 0: stopped */
    struct timer timer;
    struct vcpu *v;
};

#define REG(l, off) ((l)->regs[(off) >> 4])

static struct vlapic *vlapic(const struct vcpu *v)
{
    return v->arch.hvm->vlapic;
}

static int highest_bit(const uint32_t *map)
{
    for (int i = 7; i >= 0; i--)
        if (map[i])
            return i * 32 + 31 - __builtin_clz(map[i]);
    return -1;
}

static uint32_t ppr(const struct vlapic *l)
{
    uint32_t tpr = REG(l, APIC_TPR) & 0xff;
    int isr = highest_bit(l->isr);
    uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr & 0xf0;

    return (tpr & 0xf0) >= isrv ? tpr : isrv;
}

static bool sw_enabled(const struct vcpu *v, const struct vlapic *l)
{
    return (v->arch.hvm->apic_base & APIC_BASE_ENABLE) && (REG(l, APIC_SVR) & APIC_SVR_ENABLE);
}

static void timer_fn(void *data);

/* Registers at power-on/INIT (Xen's vlapic_do_init()); the timer stopped by the caller. l->lock held or l new. */
static void reset_regs(struct vlapic *l)
{
    memset(l->regs, 0, sizeof(l->regs));
    memset(l->irr, 0, sizeof(l->irr));
    memset(l->isr, 0, sizeof(l->isr));
    l->timer_period = 0;
    REG(l, APIC_ID) = (uint32_t)l->v->vcpu_id * 2 << 24;    /* Xen: APIC ID = 2 x vCPU id */
    REG(l, APIC_LVR) = VLAPIC_VERSION;
    REG(l, APIC_DFR) = 0xffffffffu;
    REG(l, APIC_SVR) = 0xff;
    for (unsigned int off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
        REG(l, off) = APIC_LVT_MASKED;
    REG(l, APIC_CMCI) = APIC_LVT_MASKED;
}

int vlapic_init(struct vcpu *v)
{
    struct vlapic *l = xzalloc_bytes(sizeof(*l));

    if (!l)
        return -ENOMEM;
    spin_lock_init(&l->lock);
    l->v = v;
    reset_regs(l);
    init_timer(&l->timer, timer_fn, l, (unsigned int)(v->processor < 0 ? 0 : v->processor));
    v->arch.hvm->vlapic = l;
    return 0;
}

void vlapic_reset(struct vcpu *v)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;

    spin_lock_irqsave(&l->lock, flags);
    stop_timer(&l->timer);
    reset_regs(l);
    spin_unlock_irqrestore(&l->lock, flags);
}

void vlapic_kill(struct vcpu *v)
{
    kill_timer(&vlapic(v)->timer);
}

void vlapic_migrate_timer(struct vcpu *v, unsigned int cpu)
{
    migrate_timer(&vlapic(v)->timer, cpu);
}

void vlapic_destroy(struct vcpu *v)
{
    struct vlapic *l = vlapic(v);

    kill_timer(&l->timer);
    v->arch.hvm->vlapic = NULL;
    xfree_bytes(l, sizeof(*l));
}

void vlapic_set_irq(struct vcpu *v, uint8_t vec)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;

    if (vec < 16)
        return;                         /* illegal vector: Xen sets ESR and drops it */
    spin_lock_irqsave(&l->lock, flags);
    l->irr[vec / 32] |= 1u << (vec % 32);
    spin_unlock_irqrestore(&l->lock, flags);
    hvm_vcpu_kick(v);
}

void vlapic_dump(const struct vcpu *v)
{
    const struct vlapic *l = vlapic(v);

    if (!l)
        return;
    printk("      vlapic: irr %d isr %d tpr %#x ppr %#x svr %#x lvtt %#x tmict %#x period %lu ns\n",
           highest_bit(l->irr), highest_bit(l->isr), REG(l, APIC_TPR), ppr(l),
           REG(l, APIC_SVR), REG(l, APIC_LVTT), REG(l, APIC_TMICT),
           (unsigned long)l->timer_period);
}

int vlapic_pending_vector(struct vcpu *v)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;
    int vec = -1;

    spin_lock_irqsave(&l->lock, flags);
    if (sw_enabled(v, l)) {
        int irr = highest_bit(l->irr);
        if (irr >= 0 && ((uint32_t)irr & 0xf0) > (ppr(l) & 0xf0))
            vec = irr;
    }
    spin_unlock_irqrestore(&l->lock, flags);
    return vec;
}

void vlapic_ack(struct vcpu *v, uint8_t vec)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;

    spin_lock_irqsave(&l->lock, flags);
    l->irr[vec / 32] &= ~(1u << (vec % 32));
    l->isr[vec / 32] |= 1u << (vec % 32);
    spin_unlock_irqrestore(&l->lock, flags);
}

/* Timer: l->lock held. */
static void timer_arm(struct vlapic *l, s_time_t start)
{
    uint64_t count = REG(l, APIC_TMICT);

    stop_timer(&l->timer);
    l->timer_period = 0;
    if (!count)
        return;
    l->timer_period = count * vlapic_divisor(REG(l, APIC_TDCR));
    if ((REG(l, APIC_LVTT) & APIC_LVT_TIMER_PERIODIC) && l->timer_period < VLAPIC_MIN_PERIOD)
        l->timer_period = VLAPIC_MIN_PERIOD;
    l->timer_start = start;
    set_timer(&l->timer, start + (s_time_t)l->timer_period);
}

static void timer_fn(void *data)
{
    struct vlapic *l = data;
    unsigned long flags;
    uint32_t lvtt;
    bool fire = false;

    spin_lock_irqsave(&l->lock, flags);
    lvtt = REG(l, APIC_LVTT);
    if (l->timer_period) {
        fire = !(lvtt & APIC_LVT_MASKED);
        if (lvtt & APIC_LVT_TIMER_PERIODIC) {
            l->timer_start += (s_time_t)l->timer_period;
            if (l->timer_start + (s_time_t)l->timer_period < NOW())
                l->timer_start = NOW();     /* missed ticks are not replayed */
            set_timer(&l->timer, l->timer_start + (s_time_t)l->timer_period);
        } else {
            l->timer_period = 0;
        }
    }
    spin_unlock_irqrestore(&l->lock, flags);
    if (fire)
        vlapic_set_irq(l->v, (uint8_t)lvtt);
}

static uint32_t tmcct(const struct vlapic *l)
{
    if (!l->timer_period)
        return 0;
    return vlapic_current_count(REG(l, APIC_TMICT), vlapic_divisor(REG(l, APIC_TDCR)),
                                REG(l, APIC_LVTT) & APIC_LVT_TIMER_PERIODIC,
                                (uint64_t)(NOW() - l->timer_start));
}

/* Register read, l->lock held; offset 16-byte aligned. */
static uint32_t reg_read(struct vcpu *v, struct vlapic *l, unsigned int off)
{
    if (off >= APIC_ISR && off < APIC_ISR + 0x80)
        return l->isr[(off - APIC_ISR) >> 4];
    if (off >= APIC_IRR && off < APIC_IRR + 0x80)
        return l->irr[(off - APIC_IRR) >> 4];
    if (off >= APIC_TMR && off < APIC_TMR + 0x80)
        return 0;                       /* edge only */
    switch (off) {
    case APIC_PROCPRI: return ppr(l);
    case APIC_TMCCT:   return tmcct(l);
    case APIC_EOI:     return 0;
    default:           return REG(l, off);
    }
}

static void eoi(struct vlapic *l)
{
    int vec = highest_bit(l->isr);

    if (vec >= 0)
        l->isr[vec / 32] &= ~(1u << (vec % 32));
}

#define ICR_VECTOR(lo)      ((lo) & 0xffu)
#define ICR_MODE(lo)        (((lo) >> 8) & 7u)
#define ICR_LOGICAL         (1u << 11)
#define ICR_ASSERT          (1u << 14)
#define ICR_LEVEL           (1u << 15)
#define ICR_SHORTHAND(lo)   (((lo) >> 18) & 3u)
#define DM_FIXED 0
#define DM_LOWEST 1
#define DM_NMI 4
#define DM_INIT 5
#define DM_STARTUP 6

/*
 * Does the APIC of w answer destination dest (ICR2's ID in xAPIC mode,
 * 32 bits in x2APIC mode) in physical or logical mode? Reads w's ID/LDR/DFR
 * without its lock: a guest changing them during an IPI races on hardware
 * too.
 */
static bool dest_match(struct vcpu *w, uint32_t dest, bool logical, bool x2apic)
{
    struct vlapic *t = vlapic(w);
    uint32_t id = (uint32_t)w->vcpu_id * 2;

    if (x2apic) {
        if (dest == 0xffffffffu)
            return true;                /* broadcast */
        if (!logical)
            return dest == id;
        /* Cluster model: cluster in bits 16-31, one bit per APIC of the cluster. */
        return (dest >> 16) == (id >> 4) && (dest & (1u << (id & 0xf)));
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == (ACCESS_ONCE(REG(t, APIC_ID)) >> 24);
    uint32_t ldr = ACCESS_ONCE(REG(t, APIC_LDR)) >> 24;
    if ((ACCESS_ONCE(REG(t, APIC_DFR)) >> 28) == 0xf)
        return ldr & dest;              /* flat model */
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);   /* cluster model */
}

/* Deliver one ICR message to w (Xen's vlapic_accept_irq()). No locks held. */
static void deliver(struct vcpu *w, uint32_t lo)
{
    switch (ICR_MODE(lo)) {
    case DM_FIXED:
    case DM_LOWEST:
        vlapic_set_irq(w, (uint8_t)ICR_VECTOR(lo));
        break;
    case DM_NMI:
        hvm_inject_nmi(w);
        break;
    case DM_INIT:
        if ((lo & (ICR_LEVEL | ICR_ASSERT)) != ICR_LEVEL)
            hvm_vcpu_init_ipi(w);       /* a level de-assert does nothing */
        break;
    case DM_STARTUP:
        hvm_vcpu_startup_ipi(w, (uint8_t)ICR_VECTOR(lo));
        break;
    default:
        break;                          /* SMI, ExtINT: not delivered yet */
    }
}

/*
 * An ICR write by v (xAPIC: dest is ICR2's top byte; x2APIC: the 32-bit
 * destination): deliver to every vCPU of v's domain the shorthand or
 * destination names; lowest priority goes to the first that matches. No
 * locks held (delivery takes the targets' locks, v's own included).
 */
static void icr_send(struct vcpu *v, uint32_t lo, uint32_t dest, bool x2apic)
{
    struct vcpu *w;

    for_each_vcpu(v->domain, w) {
        bool hit;

        if (!w->arch.hvm || !w->arch.hvm->vlapic)
            continue;
        switch (ICR_SHORTHAND(lo)) {
        case 1:  hit = w == v; break;                   /* self */
        case 2:  hit = true; break;                     /* all including self */
        case 3:  hit = w != v; break;                   /* all excluding self */
        default: hit = dest_match(w, dest, lo & ICR_LOGICAL, x2apic); break;
        }
        if (!hit)
            continue;
        deliver(w, lo);
        if (ICR_MODE(lo) == DM_LOWEST)
            break;
    }
}

/* Register write, l->lock held; returns a vector to raise on self or -1. */
static int reg_write(struct vcpu *v, struct vlapic *l, unsigned int off, uint32_t val, uint32_t hi,
                     bool x2apic)
{
    switch (off) {
    case APIC_ID:
        if (!x2apic)
            REG(l, off) = val & 0xff000000u;
        break;
    case APIC_TPR:
        REG(l, off) = val & 0xff;
        break;
    case APIC_EOI:
        eoi(l);
        break;
    case APIC_LDR:
        if (!x2apic)
            REG(l, off) = val & 0xff000000u;
        break;
    case APIC_DFR:
        if (!x2apic)
            REG(l, off) = val | 0x0fffffffu;
        break;
    case APIC_SVR:
        REG(l, off) = val & 0x13ff;
        if (!(val & APIC_SVR_ENABLE))
            for (unsigned int o = APIC_LVTT; o <= APIC_LVTERR; o += 0x10)
                REG(l, o) |= APIC_LVT_MASKED;
        break;
    case APIC_ESR:
        REG(l, off) = 0;
        break;
    case APIC_ICR:
        REG(l, APIC_ICR) = val & ~(1u << 12);   /* delivery status: always idle */
        if (x2apic)
            REG(l, APIC_ICR2) = hi;
        break;                          /* sent by the caller, after l->lock */
    case APIC_ICR2:
        if (!x2apic)
            REG(l, off) = val & 0xff000000u;
        break;
    case APIC_LVTT:
        if (!(REG(l, APIC_SVR) & APIC_SVR_ENABLE))
            val |= APIC_LVT_MASKED;
        REG(l, off) = val & (0xff | APIC_LVT_MASKED | APIC_LVT_TIMER_MODE);
        break;
    case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
    case APIC_CMCI:
        if (!(REG(l, APIC_SVR) & APIC_SVR_ENABLE))
            val |= APIC_LVT_MASKED;
        REG(l, off) = val & 0x1f7ff;
        break;
    case APIC_TMICT:
        REG(l, off) = val;
        timer_arm(l, NOW());
        break;
    case APIC_TDCR:
        REG(l, off) = val & 0xb;
        break;
    case APIC_SELF_IPI:
        return x2apic ? (int)(val & 0xff) : -1;
    default:
        break;                          /* read-only or reserved: ignored (xAPIC) */
    }
    return -1;
}

bool vlapic_x2apic_mode(const struct vcpu *v)
{
    return (v->arch.hvm->apic_base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
           (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

uint32_t vlapic_mmio_read(struct vcpu *v, unsigned int offset)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;
    uint32_t val;

    spin_lock_irqsave(&l->lock, flags);
    val = reg_read(v, l, offset & 0xff0);
    spin_unlock_irqrestore(&l->lock, flags);
    return val >> ((offset & 3) * 8);
}

void vlapic_mmio_write(struct vcpu *v, unsigned int offset, uint32_t val)
{
    struct vlapic *l = vlapic(v);
    unsigned long flags;
    int vec = -1;

    if (offset & 0xf)
        return;                         /* only aligned 32-bit writes reach a register */
    spin_lock_irqsave(&l->lock, flags);
    if (offset != APIC_SELF_IPI)
        vec = reg_write(v, l, offset, val, 0, false);
    uint32_t dest = REG(l, APIC_ICR2) >> 24;
    spin_unlock_irqrestore(&l->lock, flags);
    if (vec >= 0)
        vlapic_set_irq(v, (uint8_t)vec);
    if (offset == APIC_ICR)
        icr_send(v, val, dest, false);
}

/* x2APIC registers that exist (SDM table 10-6); which of them are write-only or read-only. */
static bool x2apic_reg(unsigned int off, bool write)
{
    switch (off) {
    case APIC_ID: case APIC_LVR: case APIC_PROCPRI: case APIC_LDR: case APIC_TMCCT:
        return !write;
    case APIC_EOI: case APIC_SELF_IPI:
        return write;
    case APIC_TPR: case APIC_SVR: case APIC_ESR: case APIC_ICR: case APIC_LVTT:
    case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
    case APIC_CMCI: case APIC_TMICT: case APIC_TDCR:
        return true;
    default:
        return !write && off >= APIC_ISR && off < APIC_IRR + 0x80;
    }
}

int vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = vlapic(v);
    unsigned int off = (msr - MSR_X2APIC_FIRST) << 4;
    unsigned long flags;

    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !vlapic_x2apic_mode(v) ||
        !x2apic_reg(off, false))
        return -1;
    spin_lock_irqsave(&l->lock, flags);
    uint32_t id = (uint32_t)v->vcpu_id * 2;
    if (off == APIC_ID)
        *val = id;
    else if (off == APIC_LDR)
        *val = (id >> 4) << 16 | 1u << (id & 0xf);
    else if (off == APIC_ICR)
        *val = (uint64_t)REG(l, APIC_ICR2) << 32 | REG(l, APIC_ICR);
    else
        *val = reg_read(v, l, off);
    spin_unlock_irqrestore(&l->lock, flags);
    return 0;
}

int vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = vlapic(v);
    unsigned int off = (msr - MSR_X2APIC_FIRST) << 4;
    unsigned long flags;
    int vec;

    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !vlapic_x2apic_mode(v) ||
        !x2apic_reg(off, true))
        return -1;
    if (off != APIC_ICR && (val >> 32))
        return -1;                      /* reserved bits: #GP */
    spin_lock_irqsave(&l->lock, flags);
    vec = reg_write(v, l, off, (uint32_t)val, (uint32_t)(val >> 32), true);
    spin_unlock_irqrestore(&l->lock, flags);
    if (vec >= 0)
        vlapic_set_irq(v, (uint8_t)vec);
    if (off == APIC_ICR)
        icr_send(v, (uint32_t)val, (uint32_t)(val >> 32), true);
    return 0;
}
