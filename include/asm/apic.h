/*
 * The local APIC (arch/x86/apic.c): xAPIC through its MMIO page (direct
 * map, uncached) or x2APIC through MSRs (used when the CPU has it, unless
 * "x2apic=0"; mandatory when firmware already enabled it).
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <xenia/types.h>
#include <xenia/percpu.h>

/* Register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID         0x020
#define APIC_LVR        0x030
#define APIC_TPR        0x080
#define APIC_ARBPRI     0x090
#define APIC_PROCPRI    0x0a0
#define APIC_EOI        0x0b0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0
#define APIC_SVR        0x0f0
#define  APIC_SVR_ENABLE        (1u << 8)
#define APIC_ISR        0x100           /* 8 registers, 0x10 apart */
#define APIC_TMR        0x180
#define APIC_IRR        0x200
#define APIC_ESR        0x280
#define APIC_CMCI       0x2f0
#define APIC_ICR        0x300
#define APIC_ICR2       0x310
#define  APIC_DM_FIXED          0x000
#define  APIC_DM_NMI            0x400
#define  APIC_DM_INIT           0x500
#define  APIC_DM_STARTUP        0x600
#define  APIC_ICR_BUSY          (1u << 12)
#define  APIC_INT_ASSERT        (1u << 14)
#define  APIC_INT_LEVELTRIG     (1u << 15)
#define  APIC_DEST_ALLBUT       (3u << 18)
#define APIC_LVTT       0x320
#define  APIC_LVT_MASKED        (1u << 16)
#define  APIC_LVTT_ONESHOT      (0u << 17)
#define APIC_LVTTHMR    0x330
#define APIC_LVTPC      0x340
#define APIC_LVT0       0x350
#define APIC_LVT1       0x360
#define APIC_LVTERR     0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0
#define APIC_SELF_IPI   0x3f0           /* x2APIC only */
#define  APIC_TDR_DIV_1         0xb

#define APIC_DEFAULT_PADDR      0xfee00000UL

/* LAPIC timer rate measured by apic_init(), in kHz (0 before). */
extern uint64_t apic_timer_khz;
/* Physical address of the xAPIC page (MADT, or IA32_APIC_BASE). */
extern paddr_t apic_paddr;
/* LAPIC timer interrupts taken on each CPU (for diagnostics and tests). */
DECLARE_PER_CPU(unsigned long, apic_timer_irqs);


/*
 * apic_init(): boot CPU: choose xAPIC/x2APIC, enable this LAPIC (spurious
 * vector, error vector, LINT masked), register the APIC, timer and error
 * handlers with set_irq_handler(), calibrate the timer against the TSC
 * (needs time_init()). Prints the timer rate.
 */
void apic_init(void);

/* apic_init_secondary(): an AP enables its own LAPIC in the boot CPU's mode. */
void apic_init_secondary(void);

/* apic_id(): this CPU's APIC id (x2APIC: 32 bits; xAPIC: 8 bits). */
uint32_t apic_id(void);

/* apic_eoi(): acknowledge the interrupt in service on this CPU. */
void apic_eoi(void);

/* apic_send_ipi(): fixed-delivery IPI of vector to the CPU with APIC id dest. */
void apic_send_ipi(uint32_t dest, uint8_t vector);
/* apic_send_ipi_allbutself(): fixed IPI of vector to every other CPU. */
void apic_send_ipi_allbutself(uint8_t vector);
/* apic_send_nmi(): an NMI to the CPU with APIC id dest. */
void apic_send_nmi(uint32_t dest);
/*
 * apic_icr_in_use(): this CPU was interrupted inside an ICR write (xAPIC:
 * two registers). An NMI handler must not send an IPI then.
 */
bool apic_icr_in_use(void);
/* apic_send_init()/apic_send_startup(): AP start-up messages (smpboot.c). */
void apic_send_init(uint32_t dest);
void apic_send_startup(uint32_t dest, paddr_t entry);

/*
 * apic_timer_set_deadline(): one-shot LAPIC timer interrupt
 * (LOCAL_TIMER_VECTOR) on this CPU at system time ns (<xenia/time.h>);
 * a deadline in the past fires within about a microsecond, one more than
 * 4 s away fires 4 s from now (the handler re-programs). 0 = stop.
 * Returns the deadline armed (ns, 0 when stopped). This CPU only; call
 * with interrupts off or from the timer code.
 */
uint64_t apic_timer_set_deadline(uint64_t ns);

#endif
