/*
 * Physical CPUs: bring-up (arch/x86/smpboot.c) and cross-CPU calls.
 *
 * CPU numbers are dense, 0 = the boot CPU, in MADT order. Each CPU runs on
 * its own STACK_SIZE-aligned stack with struct cpu_info at the top
 * (<asm/current.h>). Command line (Xen's names): "nosmp" boots the boot
 * CPU only, "maxcpus=N" at most N CPUs.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <xenia/types.h>
#include <xenia/compiler.h>
#include <xenia/cpumask.h>

struct cpu_info;

extern cpumask_t cpu_online_map;

/* num_online_cpus(): CPUs that finished bring-up. */
unsigned int num_online_cpus(void);
/* cpu_online(): cpu finished bring-up and runs cpu_idle_loop() or a vCPU. */
bool cpu_online(unsigned int cpu);
/* cpu_physical_id(): APIC id of cpu (valid for cpu < nr_cpu_ids). */
uint32_t cpu_physical_id(unsigned int cpu);
/* cpu_info_of(): cpu's struct cpu_info (its stack top), NULL if not brought up. */
struct cpu_info *cpu_info_of(unsigned int cpu);

/*
 * smp_prepare_cpus(): read the MADT's CPU list (1 CPU if none), record
 * the boot CPU as CPU 0 and install the IPI handlers. Boot CPU, after
 * apic_init().
 */
void smp_prepare_cpus(void);

/*
 * smp_boot_cpus(): start every other CPU (INIT-SIPI-SIPI through the
 * real-mode trampoline), each up to cpu_idle_loop(), waiting for each
 * in turn (1 s timeout). Honours nosmp / maxcpus=. Prints
 * "Brought up N CPUs". Boot CPU, once.
 */
void smp_boot_cpus(void);

/*
 * cpu_idle_loop(): what a CPU does when it has nothing to run; never
 * returns. The scheduler supplies the real one; smpboot.c has a weak
 * default that halts with interrupts on.
 */
void __noreturn cpu_idle_loop(void);

/* smp_send_event_check(): IPI cpu on EVENT_CHECK_VECTOR (no-op for self). */
void smp_send_event_check(unsigned int cpu);

/*
 * on_selected_cpus(): run fn(arg) on every online CPU in mask (the caller
 * included, directly, if it is in mask). With wait, return once every fn
 * has returned; without, once every target has started it. fn runs with
 * interrupts off and must not block. Callable with interrupts on or off
 * (a caller that spins services incoming requests itself). Serialised by
 * a global lock.
 */
void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *), void *arg, bool wait);

/* smp_call_function(): on_selected_cpus() for every online CPU but this one. */
void smp_call_function(void (*fn)(void *), void *arg, bool wait);

/* smp_ipi_init(): register the IPI handlers (smp_prepare_cpus() calls it). */
void smp_ipi_init(void);

/*
 * smp_ipi_wait_check_enable(): from now on, waiting for other CPUs with
 * interrupts off panics (called once boot is done; see smp.c).
 */
void smp_ipi_wait_check_enable(void);

/*
 * smp_trampoline_frame(): is mfn one of the frames below 1 MiB that hold
 * the AP trampoline (code and page tables the hypervisor keeps)?
 */
bool smp_trampoline_frame(unsigned long mfn);

/*
 * cpus_running_domain(): the other CPUs whose current vCPU is one of d's
 * (a snapshot, taken after a full fence: a CPU that starts running d
 * later walks page tables as they are now).
 */
struct domain;
cpumask_t cpus_running_domain(const struct domain *d);

/* cpumask_online(): the CPUs of mask that are online. */
cpumask_t cpumask_online(const cpumask_t *mask);

/* smp_poll_ipi_work(): run any cross-CPU request aimed at this CPU (spin loops). */
void smp_poll_ipi_work(void);

#endif
