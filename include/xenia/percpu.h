/*
 * Per-CPU variables, declared one way everywhere (Xen's percpu API):
 *   DEFINE_PER_CPU(type, name)    one instance per possible CPU (NR_CPUS),
 *                                 zero-initialised; may be preceded by static
 *   DECLARE_PER_CPU(type, name)   the extern declaration, in a header
 *   per_cpu(name, cpu)            that CPU's instance (an lvalue)
 *   this_cpu(name)                the running CPU's
 * Plain arrays: NR_CPUS is small and fixed. What entry code reaches
 * through the stack pointer (the current vCPU, softirq bits, the guest
 * frame) lives in struct cpu_info instead (asm/current.h), and the
 * SYSCALL stubs' stack pointers are an assembly table (entry.S).
 */
#ifndef XENIA_PERCPU_H
#define XENIA_PERCPU_H

#include <xenia/config.h>
#include <asm/current.h>

#define DEFINE_PER_CPU(type, name)  __typeof__(type) per_cpu__##name[NR_CPUS]
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name[NR_CPUS]
#define per_cpu(name, cpu)          (per_cpu__##name[(cpu)])
#define this_cpu(name)              per_cpu(name, smp_processor_id())

#endif
