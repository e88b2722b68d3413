/*
 * The emulated local APIC of an HVM vCPU (Xen 4.17 arch/x86/hvm/vlapic.c
 * semantics): register layout from the Intel SDM vol. 3 ch. 11 / AMD APM
 * vol. 2 ch. 16. Reached in xAPIC mode through the MMIO page at
 * APIC_BASE (0xfee00000: nested page faults there come here) and in
 * x2APIC mode (APIC_BASE.EXTD, which Xen offers HVM guests in CPUID)
 * through MSRs 0x800 + offset / 16.
 *
 * Built: ID, version, TPR/PPR, EOI, SVR (software enable), ISR/IRR/TMR
 * reads, ESR, LDR/DFR, the LVT registers, the ICR (shorthands; physical
 * and logical destinations: xAPIC flat and cluster, x2APIC cluster;
 * broadcast) with fixed and lowest-priority (to the first match) vectors
 * to any vCPU of the domain, INIT and STARTUP (arch/x86/hvm/vcpu_start.c:
 * how PVH guests start their APs), the x2APIC SELF_IPI, the timer
 * (one-shot and periodic; Xen's 1 GHz bus: one count per divided
 * nanosecond). Not yet: TSC-deadline mode, NMI/SMI delivery modes,
 * level-triggered interrupts.
 *
 * Locking: struct vlapic.lock (irqsave) covers the registers; the vCPU,
 * event delivery and the timer on any pCPU take it.
 */
#ifndef ASM_HVM_VLAPIC_H
#define ASM_HVM_VLAPIC_H

#include <xenia/types.h>
#include <asm/apic.h>

struct vcpu;
struct cpu_user_regs;

/* Register offsets and bits: <asm/apic.h>, the hardware's own. */
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_TIMER_MODE     (3u << 17)
#define APIC_BASE_EXTD          (1ULL << 10)
#define APIC_BASE_ENABLE        (1ULL << 11)

/*
 * vlapic_divisor(): the timer's divide configuration register (TDCR bits
 * 0, 1, 3) as a divisor: 2, 4, ..., 128, or 1 for 0b111. Pure.
 */
static inline unsigned int vlapic_divisor(uint32_t tdcr)
{
    unsigned int v = (tdcr & 3) | ((tdcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

/*
 * vlapic_current_count(): TMCCT at elapsed ns after the count of initial
 * (TMICT) started with period ns per count (the divisor); periodic
 * reloads. 0 once a one-shot count has run out. Pure.
 */
static inline uint32_t vlapic_current_count(uint32_t initial, unsigned int divisor,
                                            bool periodic, uint64_t elapsed)
{
    uint64_t counts = elapsed / divisor;

    if (!initial)
        return 0;
    if (periodic)
        counts %= initial;
    else if (counts >= initial)
        return 0;
    return (uint32_t)(initial - counts);
}

/* vlapic_init(): v's APIC at reset (xAPIC, software-disabled, LVTs masked). 0 or -ENOMEM. */
int vlapic_init(struct vcpu *v);
/* vlapic_reset(): v's APIC back to its power-on state (INIT), timer stopped. Takes its lock. */
void vlapic_reset(struct vcpu *v);
/*
 * vlapic_kill(): stop v's APIC timer for good (domain destruction): no
 * callback runs or is queued after it returns. No locks held.
 */
void vlapic_kill(struct vcpu *v);
/* vlapic_migrate_timer(): the APIC timer to pCPU cpu, deadline kept. */
void vlapic_migrate_timer(struct vcpu *v, unsigned int cpu);
/* vlapic_destroy(): vlapic_kill() and free v's APIC; v->arch.hvm->vlapic is NULL after. */
void vlapic_destroy(struct vcpu *v);
/* vlapic_set_irq(): request fixed edge vector vec (16-255) on v and kick it. Any context. */
void vlapic_set_irq(struct vcpu *v, uint8_t vec);
/* vlapic_pending_vector(): the highest requested vector above PPR, -1 if none or disabled. */
int vlapic_pending_vector(struct vcpu *v);
/* vlapic_dump(): debug key 'q': highest IRR/ISR vector, TPR, timer (no lock: racy). */
void vlapic_dump(const struct vcpu *v);
/* vlapic_ack(): vec is being injected: IRR -> ISR. */
void vlapic_ack(struct vcpu *v, uint8_t vec);
/*
 * Register access by the current vCPU. vlapic_read/write: offset in the
 * xAPIC page, 32-bit (ICR in x2APIC: 64-bit). Return 0, or -1 where the
 * hardware raises #GP (x2APIC: reserved or read-only register). An ICR
 * write delivers its IPI before returning, with no lock held.
 */
int vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
uint32_t vlapic_mmio_read(struct vcpu *v, unsigned int offset);
void vlapic_mmio_write(struct vcpu *v, unsigned int offset, uint32_t val);
/* vlapic_x2apic_mode(): APIC_BASE has EXTD set (registers are MSRs, the page is gone). */
bool vlapic_x2apic_mode(const struct vcpu *v);

#endif
