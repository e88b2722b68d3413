/*
 * Interrupt vectors and handler registration.
 *
 * The IDT (arch/x86/desc.c) sends vectors 0x20..0xff to do_trap(), which
 * calls the handler registered here with the interrupted frame. Handlers
 * run with interrupts off and send their own LAPIC EOI.
 */
#ifndef ASM_IRQ_H
#define ASM_IRQ_H

#include <stdint.h>
#include <xen/xen.h>

#define FIRST_DYNAMIC_VECTOR    0x20
#define LOCAL_TIMER_VECTOR      0xf0
#define EVENT_CHECK_VECTOR      0xf1   /* IPI: softirqs pending, reschedule */
#define INVALIDATE_TLB_VECTOR   0xf2
#define CALL_FUNCTION_VECTOR    0xf3
#define ERROR_APIC_VECTOR       0xfe
#define SPURIOUS_APIC_VECTOR    0xff

typedef void (*irq_handler_t)(struct cpu_user_regs *regs);

/* set_irq_handler(): route vector (>= 0x20) to fn; boot time, any CPU. */
void set_irq_handler(uint8_t vector, irq_handler_t fn);

/* cpu_init_descriptors(): load this CPU's GDT, TSS and the IDT (arch/x86/desc.c). */
void cpu_init_descriptors(unsigned int cpu);
/* cpu_init_syscall(): program this CPU's SYSCALL MSRs for PV guests (arch/x86/pv/). */
void cpu_init_syscall(unsigned int cpu);

#endif
