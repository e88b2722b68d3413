/* NMIs: the watchdog and every CPU's state dump (arch/x86/nmi.c). */
#ifndef ASM_NMI_H
#define ASM_NMI_H

#include <xen/xen.h>

/*
 * watchdog_init(): with the `watchdog` option, start every online CPU's
 * tick timer and the PIT's NMI (via the IO-APIC). Boot CPU, once booted.
 */
void watchdog_init(void);

/*
 * all_cpus_dump(): print regs (this CPU's state) with a call trace, then
 * each other online CPU's, snapshotted by its NMI handler (a second at
 * most each). Takes console_lock through printk; not from NMI context
 * with the console lock possibly held (the fatal path forces it first).
 */
void all_cpus_dump(const struct cpu_user_regs *regs);

/* dump_execution_state(): all_cpus_dump() from here (debug key 'd'). */
void dump_execution_state(void);

#endif
